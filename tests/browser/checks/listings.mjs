// Layout check: every listing says which file it comes from, and none of its lines is cut off.
//
// The book's Rust code is included from the sources, and scripts/mdbook-listings.py puts a
// file label (<div class="listing-file">) right before each such block. So every Rust code
// block in <main> (<code class="language-rust">) must have a non-empty .listing-file as the
// element just before its <pre>; a hand-written example is exempt only when its fence says so
// (```rust,ignore,hand-written, which mdBook turns into the class "hand-written").
// And every code block's lines must be reachable: a block whose text is wider (or taller)
// than its box fails unless the block or an ancestor inside <main> scrolls that way.
export const name = "listings";

export async function check(page, { fail }) {
  const problems = await page.evaluate(() => {
    const out = [];
    const main = document.querySelector("main");
    if (!main) return out;
    const firstLine = (code) => `"${(code.textContent || "").trim().split("\n")[0].slice(0, 60)}"`;
    const scrollsX = (el) => ["auto", "scroll"].includes(getComputedStyle(el).overflowX);
    const scrollsY = (el) => ["auto", "scroll"].includes(getComputedStyle(el).overflowY);
    const hasScroller = (el, scrolls) => {
      for (let a = el; a && a !== main.parentElement; a = a.parentElement) if (scrolls(a)) return true;
      return false;
    };
    for (const code of main.querySelectorAll("pre > code")) {
      const pre = code.parentElement;
      if (code.classList.contains("language-rust") && !code.classList.contains("hand-written")) {
        const label = pre.previousElementSibling;
        if (!label || !label.matches(".listing-file")) {
          out.push(`Rust code block ${firstLine(code)} has no file label (.listing-file) before it`);
        } else if (!label.textContent.trim() || label.getBoundingClientRect().height < 1) {
          out.push(`the file label before ${firstLine(code)} is empty or not shown`);
        }
      }
      for (const el of [code, pre]) {
        if (el.scrollWidth > el.clientWidth + 1 && !hasScroller(el, scrollsX)) {
          out.push(`a line of ${firstLine(code)} is clipped: ${el.scrollWidth} px of code in ${el.clientWidth} px, no horizontal scroll`);
          break;
        }
        if (el.scrollHeight > el.clientHeight + 1 && !hasScroller(el, scrollsY)) {
          out.push(`lines of ${firstLine(code)} are clipped: ${el.scrollHeight} px of code in ${el.clientHeight} px, no vertical scroll`);
          break;
        }
      }
    }
    return out;
  });
  for (const p of problems) fail(p);
}
