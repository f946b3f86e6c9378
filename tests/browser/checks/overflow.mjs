// Layout check: nothing on the page is wider than the window unless it scrolls.
//
// Fails when the document itself scrolls sideways (something pushes the page wider than
// the viewport), or when a table, code block or figure is wider than the box that holds it
// and neither it nor an ancestor inside <main> scrolls horizontally (overflow-x auto or
// scroll), so that its right-hand part is clipped or spills out of the content column.
export const name = "overflow";

export async function check(page, { fail }) {
  const problems = await page.evaluate(() => {
    const out = [];
    const doc = document.scrollingElement || document.documentElement;
    if (doc.scrollWidth > window.innerWidth + 1) {
      out.push(`the page scrolls sideways: ${doc.scrollWidth} px wide in a ${window.innerWidth} px window`);
    }
    const main = document.querySelector("main");
    if (!main) return out;
    const label = (el) => {
      const text = (el.textContent || el.getAttribute("alt") || el.getAttribute("src") || "").trim().replace(/\s+/g, " ");
      return `<${el.tagName.toLowerCase()}> "${text.slice(0, 50)}"`;
    };
    const scrolls = (el) => ["auto", "scroll"].includes(getComputedStyle(el).overflowX);
    const mainRight = main.getBoundingClientRect().right;
    for (const el of main.querySelectorAll("table, pre, img, svg, canvas, .katex-display")) {
      if (el.closest("svg") && el.tagName.toLowerCase() !== "svg") continue;
      // The nearest ancestor (or itself) that scrolls sideways, if any.
      let scroller = null;
      for (let a = el; a && a !== main.parentElement; a = a.parentElement) {
        if (scrolls(a)) { scroller = a; break; }
      }
      const rect = el.getBoundingClientRect();
      if (scroller) {
        // Scrolling is fine, but the scroller itself must fit the column.
        const r = scroller.getBoundingClientRect();
        if (r.right > mainRight + 1) out.push(`${label(el)}: its scroll box ends ${Math.round(r.right - mainRight)} px past the content column`);
        continue;
      }
      if (rect.right > mainRight + 1) {
        out.push(`${label(el)} ends ${Math.round(rect.right - mainRight)} px past the content column and does not scroll`);
      } else if (el.scrollWidth > el.clientWidth + 1 && el.tagName.toLowerCase() !== "img") {
        out.push(`${label(el)} is clipped: ${el.scrollWidth} px of content in ${el.clientWidth} px, no horizontal scroll`);
      }
    }
    return out;
  });
  for (const p of problems) fail(p);
}
