// Layout check: tables read well.
//
// - In every number column (every body cell plain text that starts with a number, or a
//   blank such as "—"; at least two numbers), the decimal points line up within 1 px: the
//   x of each cell's point (the left of its "." or, for an integer, the right of its last
//   digit), measured on the rendered text with a Range.
// - A table that scrolls sideways inside mdBook's div.table-wrapper shows a cue at the
//   clipped edge: the wrapper has a mask (the fade of book/theme/tables.css) or a shadow.
export const name = "tables";

export async function check(page, { fail }) {
  const problems = await page.evaluate(() => {
    const out = [];
    const main = document.querySelector("main");
    if (!main) return out;
    const NUMBER = /^\s*[-\u2212+]?\d+/;
    const BLANK = /^(?:|—|–|-|NaN|inf|-inf|n\/a)$/;
    const caption = (table) => {
      const box = table.closest(".table-wrapper") || table;
      const before = box.previousElementSibling;
      const text = before && before.matches(".table-caption") ? before.textContent : table.rows[0] ? table.rows[0].textContent : "";
      return text.trim().replace(/\s+/g, " ").slice(0, 50);
    };
    // The x of the decimal point of a number cell, measured on its text nodes.
    const pointX = (cell) => {
      const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
      const nodes = [];
      let text = "";
      for (let n = walker.nextNode(); n; n = walker.nextNode()) { nodes.push([n, text.length]); text += n.data; }
      const m = NUMBER.exec(text);
      const dot = text[m.index + m[0].length] === ".";
      const at = dot ? m.index + m[0].length : m.index + m[0].length - 1;
      for (let i = nodes.length - 1; i >= 0; i--) {
        const [node, start] = nodes[i];
        if (at >= start) {
          const range = document.createRange();
          range.setStart(node, at - start);
          range.setEnd(node, at - start + 1);
          const r = range.getBoundingClientRect();
          return dot ? r.left : r.right;
        }
      }
      return null;
    };
    for (const table of main.querySelectorAll("table")) {
      const rows = table.tBodies.length ? [...table.tBodies[0].rows] : [];
      if (!rows.length) continue;
      for (let c = 0; c < rows[0].cells.length; c++) {
        const cells = [];
        let numeric = true;
        for (const row of rows) {
          const cell = row.cells[c];
          if (!cell || cell.querySelector(".katex, code, a, img")) { numeric = false; break; }
          const text = cell.textContent.trim();
          if (NUMBER.test(text)) cells.push(cell);
          else if (!BLANK.test(text)) { numeric = false; break; }
        }
        if (!numeric || cells.length < 2) continue;
        const xs = cells.map(pointX).filter((x) => x !== null);
        const spread = Math.max(...xs) - Math.min(...xs);
        if (spread > 1) {
          const head = table.tHead && table.tHead.rows[0] && table.tHead.rows[0].cells[c] ? table.tHead.rows[0].cells[c].textContent.trim() : `column ${c + 1}`;
          out.push(`table "${caption(table)}", column "${head.slice(0, 30)}": decimal points ${spread.toFixed(1)} px apart`);
        }
      }
    }
    for (const wrapper of main.querySelectorAll(".table-wrapper")) {
      if (wrapper.scrollWidth <= wrapper.clientWidth + 1) continue;
      const style = getComputedStyle(wrapper);
      const mask = style.maskImage || style.webkitMaskImage || "none";
      const cue = (mask && mask !== "none") || style.boxShadow !== "none";
      if (!cue) {
        const table = wrapper.querySelector("table");
        out.push(`table "${table ? caption(table) : ""}" scrolls sideways (${wrapper.scrollWidth} px in ${wrapper.clientWidth} px) with no cue at its clipped edge`);
      }
    }
    return out;
  });
  for (const p of problems) fail(p);
}
