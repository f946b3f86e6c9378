// Takes the README's two screenshots from the built book (run by scripts/readme-screenshots.sh,
// which serves book/build and passes the base URL): chapter 3's gallery (its table, the
// figure and their provenance lines) and chapter 3's schedule explorer showing one-cycle,
// both at the content column's width (750 px) of a 1280 px window, in the light theme.
import { launchChromium } from "./lib.mjs";

const base = process.argv[2];
const outDir = process.argv[3] || "assets";
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
  await page.addInitScript(() => localStorage.setItem("mdbook-theme", "light"));
  await page.goto(new URL("ch3-schedules.html", base).href, { waitUntil: "networkidle" });
  // mdBook's sticky menu bar would cover the top of a clip.
  await page.addStyleTag({ content: "#mdbook-menu-bar, #menu-bar, .menu-bar { visibility: hidden !important; }" });

  // The gallery: from its table's caption down, as much as the explorer shot is tall.
  const explorer = page.locator("#lr-explorer");
  await page.selectOption("#lrx-kind", "one_cycle");
  await page.fill("#lrx-steps", "101");
  await page.waitForFunction(() => document.getElementById("lr-explorer").dataset.done === "1");
  const ex = await explorer.boundingBox();
  await explorer.screenshot({ path: `${outDir}/screenshot-explorer.png` });

  const caption = page.locator("p.table-caption", { hasText: "Every schedule on a budget" }).first();
  await caption.scrollIntoViewIfNeeded();
  const top = await caption.evaluate((e) => e.getBoundingClientRect().top + window.scrollY - 8);
  const main = await page.locator("main").evaluate((e) => {
    const r = e.getBoundingClientRect();
    return { x: r.left + window.scrollX, width: r.width };
  });
  await page.screenshot({
    path: `${outDir}/screenshot-ch3.png`,
    fullPage: true,
    clip: { x: main.x - 8, y: top, width: main.width + 16, height: Math.round(ex.height) },
  });
  console.log(`wrote ${outDir}/screenshot-ch3.png and ${outDir}/screenshot-explorer.png`);
} finally {
  await browser.close();
}
