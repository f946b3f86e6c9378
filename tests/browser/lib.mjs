// What the headless-Chromium scripts share (slider.mjs, explorer.mjs, pages.mjs,
// readme-shots.mjs): how Chromium is launched, and the ok/FAIL checker of the scripted tests.
import { chromium } from "playwright-core";

// Debian's Chromium (or $CHROMIUM), headless, with nothing fetched from the network.
export const launchChromium = () => chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
});

// `check(ok, what)` prints "ok"/"FAIL" and the description, and collects failures in
// `failures` for the script to exit on.
export function checker() {
  const failures = [];
  const check = (ok, what) => {
    console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
    if (!ok) failures.push(what);
  };
  return { failures, check };
}
