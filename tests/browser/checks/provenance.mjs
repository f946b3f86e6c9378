// Layout check: every generated table and every figure says where it comes from.
//
// A generated table is one with its caption (p.table-caption) right before it (or before
// mdBook's div.table-wrapper around it); a figure is a <figure> in <main>, or an image of
// the book's figures/ outside one. Right after each must come the provenance line
// (small.provenance, alone or as the first thing of the next paragraph) that names a
// function (code.provenance-fn, a Rust path such as lrbook::chapters::ch3::gallery::gallery_table),
// a file (code.provenance-file, a .rs path) and the command that reruns it (a code that starts
// "cargo run", in plain ASCII, so that it runs when copied). Tables written by hand have no caption and are not checked here
// (scripts/check-book-numbers.py checks that they are marked).
export const name = "provenance";

export async function check(page, { fail }) {
  const problems = await page.evaluate(() => {
    const out = [];
    const main = document.querySelector("main");
    if (!main) return out;
    const label = (el) => {
      const text = (el.textContent || "").trim().replace(/\s+/g, " ");
      const img = el.matches("img") ? el : el.querySelector("img");
      return img ? `figure ${img.getAttribute("src")}` : `table "${text.slice(0, 50)}"`;
    };
    const lineAfter = (el) => {
      let next = el.nextElementSibling;
      if (next && next.matches("p") && next.firstElementChild && next.firstElementChild.matches("small.provenance")
          && next.textContent.trim().startsWith(next.firstElementChild.textContent.trim())) {
        next = next.firstElementChild;
      }
      return next && next.matches("small.provenance") ? next : null;
    };
    const checkLine = (el, what) => {
      const line = lineAfter(el);
      if (!line) return out.push(`${label(el)}: no provenance line right after it`);
      const fn = line.querySelector("code.provenance-fn");
      const file = line.querySelector("code.provenance-file");
      const command = [...line.querySelectorAll("code")].find((c) => /^cargo run\b/.test(c.textContent.trim()));
      if (!line.textContent.trim().startsWith(`${what} from`)) out.push(`${label(el)}: the provenance line does not start "${what} from"`);
      if (!fn || !/^[A-Za-z_]\w*(::[A-Za-z_<>][\w<> ]*)+$/.test(fn.textContent.trim())) out.push(`${label(el)}: the provenance line names no function`);
      if (!file || !/^[\w./-]+\.rs$/.test(file.textContent.trim())) out.push(`${label(el)}: the provenance line names no source file`);
      if (!command) out.push(`${label(el)}: the provenance line gives no command (cargo run …)`);
      // The command must run when copied: only ASCII (no en dash that smart punctuation made
      // of "--", no curly quote), and every flag in the "--name" form.
      else if (/[^\x20-\x7e]/.test(command.textContent) || /(^|\s)-(?!-)\w{2,}/.test(command.textContent)) {
        out.push(`${label(el)}: the command does not run as copied: "${command.textContent.trim()}"`);
      }
    };
    for (const table of main.querySelectorAll("table")) {
      const box = table.parentElement && table.parentElement.matches(".table-wrapper") ? table.parentElement : table;
      const before = box.previousElementSibling;
      if (before && before.matches(".table-caption")) checkLine(box, "Table");
    }
    for (const figure of main.querySelectorAll("figure")) checkLine(figure, "Figure");
    for (const img of main.querySelectorAll("img")) {
      if (!img.closest("figure") && /(^|\/)figures\//.test(img.getAttribute("src") || "")) checkLine(img, "Figure");
    }
    return out;
  });
  for (const p of problems) fail(p);
}
