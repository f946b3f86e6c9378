// Headless-Chromium check of every page of the built book. Run by scripts/test-pages.sh,
// which serves book/build on 127.0.0.1 and passes the base URL.
//
// For each HTML page it fails on: a failed resource load (HTTP error or network failure),
// KaTeX error markup, an <img> that did not decode, has zero natural size or no alt text, an internal
// link (or #anchor) that does not resolve, raw "{{#" or unrendered $…$ math in the prose,
// or a console error / uncaught page error. It
// saves a full-page screenshot of every chapter (and of print.html) as an artifact.
//
// Then it loads every page again in each reader layout (LAYOUTS: 1280 px and 390 px wide, in
// the light theme and in the dark "coal" theme) and runs the layout checks, one module per
// concern in tests/browser/checks/*.mjs (each exports `name` and `async check(page, ctx)`,
// where ctx = { rel, layout, fail }). Full-page screenshots of every chapter in every layout
// go to SCREENSHOT_DIR/<layout>/.
//
// Environment: PAGES=a.html,b.html restricts the run to those pages (for development);
// LAYOUTS=desktop-light,phone-coal restricts the layouts; PAGE_JOBS=N checks N layouts at
// once (default: one per core).
import { launchChromium } from "./lib.mjs";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

// `--self-test BASE_URL DIR`: instead of the book, load every page DIR/<check>--<what>.html
// (served at BASE_URL) in every layout, and fail unless the layout check named <check> fails on
// it: each page breaks one rule on purpose, so this proves that each check can fail. Pages
// DIR/clean*.html must pass every check.
const selfTest = process.argv[2] === "--self-test";
const base = process.argv[selfTest ? 3 : 2];
const root = process.argv[selfTest ? 4 : 3] || "book/build";
const shotDir = process.argv[4] || "target/artifacts/pages";
if (!base) {
  console.error("usage: node tests/browser/pages.mjs BASE_URL [BOOK_BUILD_DIR] [SCREENSHOT_DIR]");
  process.exit(2);
}
fs.mkdirSync(shotDir, { recursive: true });

// Every HTML page of the book, relative to its root (mdBook's 404 page and the
// search/toc helpers are not pages of their own).
const pages = [];
const walk = (dir) => {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith(".html") && !["404.html", "toc.html"].includes(e.name)) {
      pages.push(path.relative(root, p));
    }
  }
};
walk(root);
pages.sort();
if (process.env.PAGES) {
  const only = new Set(process.env.PAGES.split(","));
  pages.splice(0, pages.length, ...pages.filter((p) => only.has(p)));
}

// The reader layouts every page is checked in: desktop and phone width, light and dark.
export const LAYOUTS = [
  { name: "desktop-light", width: 1280, height: 900, theme: "light" },
  { name: "desktop-coal", width: 1280, height: 900, theme: "coal" },
  { name: "phone-light", width: 390, height: 844, theme: "light" },
  { name: "phone-coal", width: 390, height: 844, theme: "coal" },
];
const layouts = process.env.LAYOUTS
  ? LAYOUTS.filter((l) => process.env.LAYOUTS.split(",").includes(l.name))
  : LAYOUTS;

// The layout checks: every module in tests/browser/checks/, in name order.
const checksDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "checks");
const checks = [];
for (const f of fs.readdirSync(checksDir).filter((f) => f.endsWith(".mjs")).sort()) {
  checks.push(await import(pathToFileURL(path.join(checksDir, f)).href));
}

const failures = [];
const fail = (page, what) => failures.push(`${page}: ${what}`);

if (selfTest) {
  const browser = await launchChromium();
  let bad = 0;
  try {
    for (const rel of fs.readdirSync(root).filter((f) => f.endsWith(".html")).sort()) {
      const expected = rel.startsWith("clean") ? null : rel.split("--")[0];
      if (expected && !checks.some((c) => c.name === expected)) {
        console.error(`self-test: ${rel} names no layout check "${expected}"`);
        bad++;
        continue;
      }
      const fired = new Map(); // check name -> first message
      for (const layout of layouts) {
        const ctx = await browser.newContext({ viewport: { width: layout.width, height: layout.height } });
        await ctx.addInitScript((theme) => localStorage.setItem("mdbook-theme", theme), layout.theme);
        const page = await ctx.newPage();
        await page.goto(new URL(rel, base).href, { waitUntil: "load" });
        await page.waitForLoadState("networkidle").catch(() => {});
        for (const c of checks) {
          await c.check(page, { rel, layout, fail: (what) => { if (!fired.has(c.name)) fired.set(c.name, `[${layout.name}] ${what}`); } });
        }
        await ctx.close();
      }
      if (expected === null) {
        if (fired.size) { bad++; console.error(`self-test FAIL: ${rel} should pass every check, but ${[...fired].map(([k, v]) => `${k}: ${v}`).join("; ")}`); }
        else console.log(`self-test ok: ${rel} passes every check`);
      } else if (!fired.has(expected)) {
        bad++;
        console.error(`self-test FAIL: ${rel} breaks "${expected}" on purpose, but that check passed it`);
      } else {
        console.log(`self-test ok: ${rel} fails "${expected}" as it should: ${fired.get(expected).slice(0, 160)}`);
      }
    }
  } finally {
    await browser.close();
  }
  process.exit(bad ? 1 : 0);
}

const browser = await launchChromium();
const anchorsCache = new Map(); // page path -> Set of ids
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  for (const rel of pages) {
    const page = await context.newPage();
    const url = new URL(rel, base).href;
    page.on("pageerror", (e) => fail(rel, `page error: ${e}`));
    page.on("console", (m) => { if (m.type() === "error") fail(rel, `console error: ${m.text()}`); });
    page.on("requestfailed", (r) => fail(rel, `failed to load ${r.url()} (${r.failure()?.errorText})`));
    page.on("response", (r) => { if (r.status() >= 400) fail(rel, `HTTP ${r.status()} for ${r.url()}`); });
    const response = await page.goto(url, { waitUntil: "load" });
    if (!response || !response.ok()) fail(rel, `page did not load (${response && response.status()})`);
    await page.waitForLoadState("networkidle").catch(() => {});

    const katexErrors = await page.locator(".katex-error").count();
    if (katexErrors) fail(rel, `${katexErrors} KaTeX error(s)`);

    // The prose as the reader sees it, code and rendered math left out: an include mdbook
    // did not expand, or math KaTeX did not render, shows up here as raw text.
    const prose = await page.$$eval("main", (mains) => {
      if (!mains.length) return "";
      const copy = mains[0].cloneNode(true);
      copy.querySelectorAll("pre, code, .katex, .katex-display, script, style").forEach((e) => e.remove());
      return copy.textContent || "";
    });
    if (prose.includes("{{#")) fail(rel, `raw "{{#" on the page (an include that was not expanded)`);
    const rawMath = prose.match(/\$[^$\s][^$]*\$/);
    if (rawMath) fail(rel, `unrendered math on the page: ${rawMath[0].slice(0, 60)}`);

    const images = await page.$$eval("img", (imgs) => imgs.map((i) => ({
      src: i.getAttribute("src"), ok: i.complete && i.naturalWidth > 0 && i.naturalHeight > 0,
      alt: (i.getAttribute("alt") || "").trim(),
    })));
    for (const img of images) {
      if (!img.ok) fail(rel, `image not decoded: ${img.src}`);
      if (!img.alt) fail(rel, `image without alt text: ${img.src}`);
    }

    const ids = await page.$$eval("[id]", (els) => els.map((e) => e.id));
    anchorsCache.set(rel, new Set(ids));
    const links = await page.$$eval("a[href]", (as) => as.map((a) => a.getAttribute("href")));
    for (const href of links) {
      if (/^(https?:|mailto:|javascript:)/.test(href)) continue; // external: not checked offline
      const target = new URL(href, url);
      if (!target.href.startsWith(base)) continue;
      const targetRel = decodeURIComponent(target.pathname.slice(new URL(base).pathname.length)) || "index.html";
      const file = path.join(root, targetRel.endsWith("/") ? targetRel + "index.html" : targetRel);
      if (!fs.existsSync(file)) { fail(rel, `broken link ${href}`); continue; }
      if (target.hash && targetRel.endsWith(".html")) {
        // Anchors are checked after every page is loaded (below).
        anchorsCache.pending = anchorsCache.pending || [];
        anchorsCache.pending.push([rel, href, targetRel, decodeURIComponent(target.hash.slice(1))]);
      }
    }

    console.log(`checked ${rel}: ${images.length} images, ${links.length} links`);
    await page.close();
  }
  for (const [rel, href, targetRel, id] of anchorsCache.pending || []) {
    const ids = anchorsCache.get(targetRel);
    // Under PAGES= the target may simply lie outside the chosen pages: its anchors are
    // checked in a full run.
    if (!ids && process.env.PAGES) console.log(`(${rel}: anchor of ${href} not checked under PAGES=)`);
    else if (!ids) fail(rel, `link ${href}: target page not checked`);
    else if (!ids.has(id)) fail(rel, `link ${href}: no element with id "${id}" on ${targetRel}`);
  }
  await context.close();

  // The layouts side by side, one per core (PAGE_JOBS overrides): each in its own browser
  // context, so that they share nothing but the browser; every line names its layout.
  const jobs = Math.max(1, Math.min(layouts.length, Number(process.env.PAGE_JOBS) || os.cpus().length));
  const queue = [...layouts];
  const started = Date.now();
  const checkLayout = async (layout) => {
    const ctx = await browser.newContext({ viewport: { width: layout.width, height: layout.height } });
    // mdBook reads the theme from localStorage before it paints.
    await ctx.addInitScript((theme) => localStorage.setItem("mdbook-theme", theme), layout.theme);
    fs.mkdirSync(path.join(shotDir, layout.name), { recursive: true });
    for (const rel of pages) {
      const page = await ctx.newPage();
      await page.goto(new URL(rel, base).href, { waitUntil: "load" });
      await page.waitForLoadState("networkidle").catch(() => {});
      let failed = 0; // this page's, in this layout (the other layout's run alongside)
      for (const c of checks) {
        await c.check(page, { rel, layout, fail: (what) => { failed++; fail(rel, `[${layout.name}] ${c.name}: ${what}`); } });
      }
      const isChapter = /^(ch\d|appendix|instructor\/|preface)/.test(rel) || rel === "print.html";
      if (isChapter && rel !== "print.html") {
        const shot = path.join(shotDir, layout.name, rel.replace(/[\/]/g, "_").replace(/\.html$/, ".png"));
        await page.screenshot({ path: shot, fullPage: true });
      }
      console.log(`[${layout.name}] ${rel}: ${failed ? "FAILED" : "ok"}`);
      await page.close();
    }
    await ctx.close();
  };
  await Promise.all(Array.from({ length: jobs }, async () => {
    while (queue.length) await checkLayout(queue.shift());
  }));
  console.log(`${layouts.length} layouts checked, ${jobs} at a time, in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} finally {
  await browser.close();
}
if (failures.length) {
  console.error(`\n${failures.length} problem(s):\n  ${failures.join("\n  ")}`);
  process.exit(1);
}
console.log(`all ${pages.length} pages passed in ${layouts.length} layouts (${checks.map((c) => c.name).join(", ")}); screenshots in ${shotDir}`);
