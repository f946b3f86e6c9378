// Layout check: every figure's text is at least the house minimum, 11 CSS px, as shown,
// and every figure has an opaque background, so that its dark text reads in every theme.
//
// For each SVG figure in <main> (an <img> whose src is an .svg, or an inline <svg> inside a
// <figure>), it takes every <text>/<tspan>'s effective font size (attributes, CSS and
// inheritance resolved by the browser, times the scale of any transforms above it) and turns
// it into CSS px on the page: for an <img>, the SVG source is fetched and laid out off-screen
// at its own width, and sizes are scaled by the image's rendered width over that width.
// Fails below MIN_TEXT_PX with the figure's file, the text and its size; fails when neither
// the <img> (CSS background) nor the SVG itself (a full-size opaque rectangle painted first)
// gives the figure an opaque background. The book's figures meet both through src/plot (text
// sizes relative to the figure width, a white rectangle under everything) and
// book/theme/lrbook.css (a minimum display width with a scroll box; a white background).
//
// FIGURE_TEXT_REPORT=1 logs the smallest text of each page and layout.
export const name = "figure_text";

/// The house minimum, in CSS px (src/plot/mod.rs: MIN_TEXT_PX).
export const MIN_TEXT_PX = 11;

export async function check(page, { rel, layout, fail }) {
  const result = await page.evaluate(async (minPx) => {
    const problems = [];
    let smallest = Infinity;
    const main = document.querySelector("main");
    if (!main) return { problems, smallest };
    const parseColor = (c) => {
      const m = /rgba?\(([^)]+)\)/.exec(c || "");
      if (!m) return c === "transparent" || !c ? 0 : 1;
      const parts = m[1].split(/[\s,\/]+/).filter(Boolean);
      return parts.length > 3 ? parseFloat(parts[3]) : 1;
    };
    // The vertical scale of a transform matrix (rotation-free size: sqrt of |det|).
    const scaleOf = (m) => (m ? Math.sqrt(Math.abs(m.a * m.d - m.b * m.c)) : 1);
    // Every text of a laid-out <svg>, with its size in the svg's own viewport units.
    const textSizes = (svg) => {
      const out = [];
      for (const t of svg.querySelectorAll("text, tspan")) {
        // A <text> whose characters all sit in <tspan>s is measured through them.
        const own = [...t.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
        if (!own) continue;
        const fs = parseFloat(getComputedStyle(t).fontSize);
        const ctm = t.getCTM && t.getCTM();
        out.push({ text: t.textContent.trim().replace(/\s+/g, " ").slice(0, 40), size: fs * scaleOf(ctm) });
      }
      return out;
    };
    // Whether the SVG paints an opaque rectangle over its whole viewport before anything else.
    const opaqueFirst = (svg, w, h) => {
      const first = svg.querySelector("rect, path, circle, polygon, polyline, line, text, image");
      if (!first || first.tagName.toLowerCase() !== "rect") return false;
      const bb = first.getBBox();
      const fill = getComputedStyle(first).fill;
      const op = parseFloat(getComputedStyle(first).fillOpacity || "1") * parseFloat(getComputedStyle(first).opacity || "1");
      return bb.x <= 0.5 && bb.y <= 0.5 && bb.width >= w - 1 && bb.height >= h - 1 && fill !== "none" && parseColor(fill) * op >= 0.999;
    };
    const stage = document.createElement("div");
    stage.style.cssText = "position:absolute;left:-100000px;top:0;visibility:hidden;";
    document.body.appendChild(stage);
    try {
      for (const img of main.querySelectorAll("img")) {
        const src = img.getAttribute("src") || "";
        if (!/\.svg([?#]|$)/i.test(src)) continue;
        const file = src.split("/").pop();
        const rendered = img.getBoundingClientRect().width;
        let text;
        try {
          const r = await fetch(img.currentSrc || img.src);
          text = await r.text();
        } catch (e) {
          problems.push(`${file}: could not fetch the SVG (${e})`);
          continue;
        }
        const doc = new DOMParser().parseFromString(text, "image/svg+xml");
        const root = doc.documentElement;
        if (!root || root.tagName.toLowerCase() !== "svg") { problems.push(`${file}: not an SVG document`); continue; }
        const vb = (root.getAttribute("viewBox") || "").trim().split(/[\s,]+/).map(Number);
        const width = parseFloat(root.getAttribute("width")) || (vb.length === 4 ? vb[2] : NaN);
        const height = parseFloat(root.getAttribute("height")) || (vb.length === 4 ? vb[3] : NaN);
        if (!(width > 0)) { problems.push(`${file}: the SVG has neither a width nor a viewBox`); continue; }
        const svg = document.importNode(root, true);
        svg.setAttribute("width", String(width));
        if (height > 0) svg.setAttribute("height", String(height));
        stage.replaceChildren(svg);
        const ratio = rendered / width;
        for (const { text: t, size } of textSizes(svg)) {
          const px = size * ratio;
          smallest = Math.min(smallest, px);
          if (px < minPx - 1e-6) problems.push(`${file}: "${t}" is ${px.toFixed(2)} px (font-size ${size.toFixed(2)} in a ${width}-wide SVG shown ${Math.round(rendered)} px wide), under ${minPx} px`);
        }
        const imgBg = parseColor(getComputedStyle(img).backgroundColor);
        if (imgBg < 0.999 && !opaqueFirst(svg, width, height)) {
          problems.push(`${file}: transparent background (neither the image nor the SVG paints one), so its text is lost on a dark theme`);
        }
      }
      // Inline SVG figures: measured where they are, on the page.
      for (const svg of main.querySelectorAll("figure svg")) {
        if (svg.parentElement.closest("svg")) continue;
        const label = svg.getAttribute("aria-label") || svg.id || "inline svg";
        for (const t of svg.querySelectorAll("text, tspan")) {
          const own = [...t.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
          if (!own) continue;
          const px = parseFloat(getComputedStyle(t).fontSize) * scaleOf(t.getScreenCTM && t.getScreenCTM());
          smallest = Math.min(smallest, px);
          if (px < minPx - 1e-6) problems.push(`${label}: "${t.textContent.trim().slice(0, 40)}" is ${px.toFixed(2)} px, under ${minPx} px`);
        }
        const r = svg.getBoundingClientRect();
        const bg = parseColor(getComputedStyle(svg).backgroundColor);
        if (bg < 0.999 && !opaqueFirst(svg, r.width, r.height)) problems.push(`${label}: transparent background, so its text is lost on a dark theme`);
      }
    } finally {
      stage.remove();
    }
    return { problems, smallest };
  }, MIN_TEXT_PX);
  for (const p of result.problems) fail(p);
  if (process.env.FIGURE_TEXT_REPORT && Number.isFinite(result.smallest)) {
    console.log(`figure_text: [${layout.name}] ${rel}: smallest figure text ${result.smallest.toFixed(2)} px`);
  }
}
