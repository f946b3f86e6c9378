// Headless-Chromium test of chapter 2's slider. Run by scripts/test-slider.sh, which
// serves book/build on 127.0.0.1 and passes the page's URL.
//
// For every surface it: selects it, checks that the page's own measured stability edge
// agrees with Rust's to within 1%, then moves the slider to a learning rate inside each
// regime band that Rust found (the middle of the band) and asserts the page reports that
// regime. It saves a screenshot to target/artifacts/ch2-slider.png.
import { launchChromium, checker } from "./lib.mjs";
import fs from "node:fs";
import path from "node:path";

const url = process.argv[2];
const shotDir = process.argv[3] || "target/artifacts";
if (!url) {
  console.error("usage: node tests/browser/slider.mjs URL [SCREENSHOT_DIR]");
  process.exit(2);
}
const { failures, check } = checker();

const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1400 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  const response = await page.goto(url, { waitUntil: "load" });
  check(response && response.ok(), `page loads (${url})`);
  const root = page.locator("#ch2-slider");
  await root.waitFor();
  await page.waitForFunction(() => document.getElementById("ch2-slider").dataset.ready === "1", null, { timeout: 60000 });
  const data = JSON.parse(await page.locator("#ch2-slider-data").textContent());
  check(data.surfaces.length === 3, "three surfaces in the data");
  for (const s of data.surfaces) {
    await page.selectOption("#ch2-surface", s.name);
    const edge = Number(await root.getAttribute("data-edge"));
    const rel = Math.abs(edge / s.measured_edge - 1);
    check(rel < 0.01, `${s.name}: page's edge ${edge.toPrecision(5)} vs Rust's ${s.measured_edge.toPrecision(5)} (${(100 * rel).toFixed(3)}%)`);
    const seen = new Set();
    for (const band of s.bands) {
      if (seen.has(band.regime)) continue;
      seen.add(band.regime);
      const i = Math.floor((band.from + band.to) / 2);
      await page.locator("#ch2-eta").fill(String(i));
      await page.waitForFunction(() => document.getElementById("ch2-slider").dataset.done === "1");
      const regime = await root.getAttribute("data-regime");
      const shown = await page.locator("#ch2-regime").textContent();
      const eta = Number(await root.getAttribute("data-eta"));
      check(regime === band.regime && shown === band.regime,
        `${s.name}: slider at index ${i} (η = ${eta.toPrecision(4)}) reports "${shown}", Rust says "${band.regime}"`);
      const step = Number(await page.locator("#ch2-step").textContent());
      check(step > 0, `${s.name}: the step counter moved (${step})`);
    }
    check(seen.size === 4, `${s.name}: all four regimes visited (${[...seen].join(", ")})`);
  }
  // Leave the ravine in its oscillating band for the screenshot.
  const ravine = data.surfaces.find((s) => s.name === "ravine");
  await page.selectOption("#ch2-surface", "ravine");
  const osc = ravine.bands.find((b) => b.regime === "oscillating");
  await page.locator("#ch2-eta").fill(String(Math.floor((osc.from + osc.to) / 2)));
  await page.waitForFunction(() => document.getElementById("ch2-slider").dataset.done === "1");
  fs.mkdirSync(shotDir, { recursive: true });
  const shot = path.join(shotDir, "ch2-slider.png");
  await root.screenshot({ path: shot });
  check(fs.statSync(shot).size > 5000, `screenshot saved to ${shot}`);
  check(errors.length === 0, `no JavaScript errors (${errors.join("; ")})`);
} finally {
  await browser.close();
}
if (failures.length) {
  console.error(`slider test: ${failures.length} check(s) failed`);
  process.exit(1);
}
console.log("slider test: all checks passed");
