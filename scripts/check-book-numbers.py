#!/usr/bin/env python3
"""Checks the tables the book includes (book/src/generated/**/*.md) and the includes
themselves:

- each generated file is a caption (the table's title, which states its configuration), one
  table with at least one data row, and its provenance line; the caption and the table
  equal, line for line, a whole titled table of a committed insta snapshot
  (tests/snapshots/*.snap), so every number the book prints is pinned by a test; a table
  that lost rows or kept only its header fails, and so does an empty file or a missing or
  changed caption;
- the provenance line names the function and file that built the table, the same ones the
  snapshot pins under it ("From `function` in `file`."), and says the numbers were computed
  in the configuration the snapshots pin: on the CPU with one thread and seed 0, and not with
  --quick. A table from a CUDA run, another seed, another thread count or the quick
  configuration fails the book build, even where its rounded numbers happen to match;
- each figure's provenance file (generated/chN/<stem>.provenance.md) is one "Figure from"
  line in the same configuration, naming a file that exists and defines the function; every
  <figure> on a page is followed by the include of its image's provenance file;
- a table written by hand in a page (not generated) is marked by the comment line
  `<!-- table by hand: … -->` right above it, saying where its entries come from;
- every {{#include …}} on a page names a file that exists, and an anchor that the file has
  (mdbook build prints a warning for a missing one and carries on);
- book/src/generated/ exists and holds tables.

Run with --self-test to see each check fail on a planted fault."""
import pathlib
import re
import sys
import tempfile

from book_checks import report, report_self_test

MARK = '<small class="provenance">'
CAPTION = '<p class="table-caption">'
PINNED = ", computed on CPU (1 thread), seed 0, by "
INCLUDE = re.compile(r"\{\{#include\s+([^}\s]+)\s*\}\}")
# "Table from <code …>FUNCTION</code> in <code …>FILE</code>, computed on …".
PROVENANCE = re.compile(r'(Table|Figure) from <code class="provenance-fn">([^<]+)</code> in '
                        r'<code class="provenance-file">([^<]+)</code>(, .*)$', re.S)
SOURCE_LINE = re.compile(r"From `([^`]+)` in `([^`]+)`\.$")
BY_HAND = "<!-- table by hand:"
FIGURE_IMAGE = re.compile(r'src="(?:\.\./)?figures/(ch\d+)/([\w.-]+)\.(?:svg|gif|png)"')


def table_blocks(text):
    """Every run of consecutive lines that start with '|', as a tuple of lines."""
    blocks, current = [], []
    for line in text.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            blocks.append(tuple(current))
            current = []
    if current:
        blocks.append(tuple(current))
    return blocks


def titled_tables(snapshots_text):
    """Every (title, table) pair of the snapshots, a table block and the `**title**` line
    that precedes it (None where there is none), mapped to the set of (function, file)
    that the "From `function` in `file`." line after it names."""
    pairs, title, current, last = {}, None, [], None
    for line in snapshots_text.splitlines() + [""]:
        if line.startswith("|"):
            current.append(line)
            continue
        if current:
            last = (title, tuple(current))
            pairs.setdefault(last, set())
            current, title = [], None
        source = SOURCE_LINE.match(line)
        if source and last is not None:
            pairs[last].add(source.groups())
            last = None
        elif line.startswith("**") and line.endswith("**") and len(line) > 4:
            title, last = line[2:-2], None
        elif line.strip():
            title, last = None, None
    return pairs


def unescape(html):
    return html.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def check_provenance(path, what, provenance):
    """Problems with a provenance line (the text after its mark): a (function, file) pair
    or None, and the problems."""
    match = PROVENANCE.match(provenance.strip())
    if not match or match.group(1) != what:
        return None, [f"{path}: the provenance line does not start '{what} from <code "
                      f'class="provenance-fn">FUNCTION</code> in <code class='
                      f'"provenance-file">FILE</code>, ...\': {provenance.strip()[:80]!r}']
    run = match.group(4)
    if not run.startswith(PINNED):
        return match.groups()[1:3], [f"{path}: not computed in the book's configuration: {run}"]
    if "--quick" in run:
        return match.groups()[1:3], [f"{path}: a --quick {what.lower()} stands where the book "
                                     "shows the full one"]
    return match.groups()[1:3], []


def check_source_exists(path, source, root):
    """Problems if the named file does not exist or does not define the function."""
    if root is None or source is None:
        return []
    function, file = source
    name = function.rsplit("::", 1)[-1]
    code = root / file
    if not code.is_file():
        return [f"{path}: names {file}, which does not exist"]
    if not re.search(rf"\bfn {re.escape(name)}\b", code.read_text()):
        return [f"{path}: {file} defines no function {name} ({function})"]
    return []


def check_figure_provenance(generated, root=None):
    """Problems with the figures' provenance files (generated/chN/<stem>.provenance.md)."""
    problems = []
    files = sorted(generated.rglob("*.provenance.md")) if generated.is_dir() else []
    for path in files:
        text = path.read_text()
        # A blank line, then the line: the blank line ends the <figure> HTML block it is
        # included under, so that the line is Markdown (its command a code span).
        if not text.startswith("\n" + MARK) or text.count("\n") != 2 or not text.endswith("</small>\n"):
            problems.append(f"{path}: expected a blank line, then one line {MARK}Figure from …</small>")
            continue
        source, found = check_provenance(path, "Figure", text[1 + len(MARK):-len("</small>\n")])
        problems += found + check_source_exists(path, source, root)
    return problems


def check_tables(generated, snapshots_text, root=None):
    """Problems with the generated tables, one line each."""
    pinned = titled_tables(snapshots_text)
    pinned_tables = {table for _, table in pinned}
    problems = []
    files = sorted(p for p in generated.rglob("*.md") if not p.name.endswith(".provenance.md")) \
        if generated.is_dir() else []
    if not files:
        return [f"{generated}: no generated tables (missing or empty folder); run make book"]
    for path in files:
        text = path.read_text()
        title = None
        if text.startswith(CAPTION):
            first, _, text = text.partition("\n")
            if first.endswith("</p>"):
                title = unescape(first[len(CAPTION):-len("</p>")])
        table, sep, provenance = text.partition("\n" + MARK)
        blocks = table_blocks(table)
        rest = [l for l in table.splitlines() if l.strip() and not l.startswith("|")]
        if len(blocks) != 1 or rest:
            problems.append(f"{path}: expected exactly one table, found {len(blocks)}"
                            + (f" and other text ({rest[0][:40]!r})" if rest else ""))
            continue
        if len(blocks[0]) < 3:
            problems.append(f"{path}: the table has no data rows")
        elif blocks[0] not in pinned_tables:
            problems.append(f"{path}: the table is not pinned by any snapshot (whole-table "
                            "comparison; a changed, dropped or added row fails)")
        elif title is None:
            problems.append(f"{path}: no caption line ({CAPTION}title</p>) above the table")
        elif (title, blocks[0]) not in pinned:
            problems.append(f"{path}: the caption is not the title the snapshot pins with this "
                            f"table: {title[:60]!r}")
        if not sep:
            problems.append(f"{path}: no provenance line ({MARK}Table from …) under the table")
            continue
        source, found = check_provenance(path, "Table", provenance)
        problems += found + check_source_exists(path, source, root)
        sources = pinned.get((title, blocks[0]), set())
        if source and sources and source not in sources:
            problems.append(f"{path}: the provenance names {source[0]} in {source[1]}, but the "
                            f"snapshot pins {' or '.join(f for f, _ in sorted(sources))}")
        elif source and (title, blocks[0]) in pinned and not sources:
            problems.append(f"{path}: no snapshot pins where this table comes from (a 'From "
                            "`function` in `file`.' line under it)")
    return problems


def check_pages(src):
    """Problems with the pages' own tables and figures: a table written by hand without its
    mark, a figure without the include of its provenance line right after it."""
    problems = []
    for page in sorted(src.rglob("*.md")):
        if "generated" in page.relative_to(src).parts:
            continue
        text = page.read_text()
        previous = ""
        for number, line in enumerate(text.splitlines(), 1):
            if line.startswith("|") and not previous.startswith("|") \
                    and not previous.startswith(BY_HAND):
                problems.append(f"{page}:{number}: a table written by hand needs the line "
                                f"'{BY_HAND} where its entries come from -->' right above it")
            previous = line
        # A figure's include follows its </figure>; a bare image's, the image's line.
        lines, in_figure, image = text.splitlines() + [""], False, None
        up = "../" * (len(page.relative_to(src).parts) - 1)
        for number, line in enumerate(lines[:-1]):
            in_figure = (in_figure or "<figure" in line) and "</figure>" not in line
            image = FIGURE_IMAGE.search(line) or image
            if image and ("</figure>" in line or not in_figure):
                wanted = ("{{#include " + f"{up}generated/{image.group(1)}/{image.group(2)}"
                          ".provenance.md}}")
                if lines[number + 1].strip() != wanted:
                    problems.append(f"{page}:{number + 1}: the figure {image.group(2)} is not "
                                    f"followed, on the next line, by {wanted}")
                image = None
    return problems


def check_includes(src):
    """Problems with the {{#include}}s of the pages under `src`, one line each."""
    problems = []
    for page in sorted(src.rglob("*.md")):
        if "generated" in page.relative_to(src).parts:
            continue
        for target in INCLUDE.findall(page.read_text()):
            file, _, anchor = target.partition(":")
            path = (page.parent / file).resolve()
            if not path.is_file():
                problems.append(f"{page}: includes {file}, which does not exist")
            elif anchor and not re.fullmatch(r"[\d:]*", anchor):
                if f"ANCHOR: {anchor}" not in path.read_text():
                    problems.append(f"{page}: includes anchor '{anchor}' of {file}, which has "
                                    "no such anchor")
    return problems


def self_test():
    """Plants each fault in a scratch copy and checks that it is reported."""
    snap = ("**T < 1**\n\n| a | b |\n|---:|---:|\n| 1 | 2 |\n| 3 | 4 |\n\n"
            "From `lrbook::report::provenance_line` in `src/report.rs`.\n")
    caption = CAPTION + "T &lt; 1</p>\n\n"
    source = ('<code class="provenance-fn">lrbook::report::provenance_line</code> in '
              '<code class="provenance-file">src/report.rs</code>')
    run = PINNED + "`cargo run --example x -- --device cpu --threads 1`.</small>\n"
    body = "| a | b |\n|---:|---:|\n| 1 | 2 |\n| 3 | 4 |\n\n" + MARK + "Table from " + source + run
    good = caption + body
    root = pathlib.Path(__file__).resolve().parent.parent
    cases = {
        "good": (good, 0),
        "a dropped row": (good.replace("| 3 | 4 |\n", ""), 1),
        "only the header": (caption + "| a | b |\n|---:|---:|\n\n" + body.split("\n\n", 1)[1], 1),
        "an empty file": ("", 1),
        "no caption": (body, 1),
        "another caption": (good.replace("T &lt; 1", "T &lt; 2"), 1),
        "a quick table": (good.replace("--device cpu", "--quick --device cpu"), 1),
        "another seed": (good.replace("seed 0", "seed 3"), 1),
        "no provenance line": (good.split("\n" + MARK)[0] + "\n", 1),
        "a provenance line without function": (good.replace(source, "x"), 1),
        "another function than the snapshot's": (good.replace("::provenance_line", "::caption_line"), 1),
        # Also not the snapshot's function: two problems.
        "a function its file lacks": (good.replace("::provenance_line", "::no_such_fn"), 2),
    }
    failed = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, (text, expected) in cases.items():
            gen = pathlib.Path(tmp) / name / "generated" / "ch1"
            gen.mkdir(parents=True)
            (gen / "t.md").write_text(text)
            got = len(check_tables(gen.parent, snap, root))
            if got != expected:
                failed.append(f"{name}: {got} problems, expected {expected}")
        figure_line = "\n" + MARK + "Figure from " + source + run
        for name, (text, expected) in {
            "a good figure line": (figure_line, 0),
            "a figure line from a table": (figure_line.replace("Figure", "Table"), 1),
            "a figure line of another seed": (figure_line.replace("seed 0", "seed 1"), 1),
            "a figure line naming a missing file": (figure_line.replace("report.rs", "nope.rs"), 1),
            "an empty figure line": ("", 1),
            "a figure line without its blank line": (figure_line.lstrip("\n"), 1),
        }.items():
            gen = pathlib.Path(tmp) / ("fig " + name) / "ch1"
            gen.mkdir(parents=True)
            (gen / "f.provenance.md").write_text(text)
            got = len(check_figure_provenance(gen.parent, root))
            if got != expected:
                failed.append(f"{name}: {got} problems, expected {expected}")
        if not check_tables(pathlib.Path(tmp) / "missing", snap):
            failed.append("a missing generated folder is not reported")
        src = pathlib.Path(tmp) / "src"
        src.mkdir()
        (src / "code.rs").write_text("// ANCHOR: here\nfn f() {}\n// ANCHOR_END: here\n")
        (src / "ok.md").write_text("{{#include code.rs:here}}\n")
        if check_includes(src):
            failed.append("a good include is reported")
        (src / "bad.md").write_text("{{#include nope.md}}\n{{#include code.rs:there}}\n")
        if len(check_includes(src)) != 2:
            failed.append("a missing include file or anchor is not reported")
        pages = pathlib.Path(tmp) / "pages"
        pages.mkdir()
        figure = '<figure>\n<img src="figures/ch1/f.svg" alt="x">\n</figure>\n'
        include = "{{#include generated/ch1/f.provenance.md}}\n"
        (pages / "good.md").write_text(figure + include + "\n" + BY_HAND + " from (1) -->\n"
                                       "| a |\n|---|\n| 1 |\n")
        if check_pages(pages):
            failed.append(f"a good page is reported: {check_pages(pages)}")
        (pages / "bad.md").write_text(figure + "\n" + include + "\n| a |\n|---|\n| 1 |\n"
                                      + figure.replace("f.svg", "g.svg") + include)
        (pages / "bare.md").write_text('<img src="figures/ch1/h.svg" alt="x">\n\n')
        if len(check_pages(pages)) != 4:
            failed.append("an unmarked hand table or a figure without its provenance include "
                          f"is not reported: {check_pages(pages)}")
    report_self_test("check-book-numbers", failed)


def main():
    if sys.argv[1:] == ["--self-test"]:
        self_test()
        return
    root = pathlib.Path(__file__).resolve().parent.parent
    snapshots = "\n".join(p.read_text() for p in sorted((root / "tests" / "snapshots").glob("*.snap")))
    src = root / "book" / "src"
    problems = (check_tables(src / "generated", snapshots, root) + check_includes(src)
                + check_figure_provenance(src / "generated", root) + check_pages(src))
    report(problems,
           "the book shows numbers that no test pins, or includes what is not there",
           "A snapshot may be out of date (run cargo test and review), the book may have run\n"
           "a configuration the tests do not cover (scripts/build-book.sh runs every example\n"
           "with --device cpu --threads 1 and seed 0), or a page names a file or anchor that\n"
           "is gone.",
           "[book] every generated table is pinned whole by a snapshot, with where it comes "
           "from, and was computed on the CPU; every figure says where it comes from; every "
           "include exists")

if __name__ == "__main__":
    main()
