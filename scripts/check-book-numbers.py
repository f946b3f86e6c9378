#!/usr/bin/env python3
"""Checks the tables the book includes (book/src/generated/**/*.md) and the includes
themselves:

- each generated file is a caption (the table's title, which states its configuration), one
  table with at least one data row, and its provenance line; the caption and the table
  equal, line for line, a whole titled table of a committed insta snapshot
  (tests/snapshots/*.snap), so every number the book prints is pinned by a test; a table
  that lost rows or kept only its header fails, and so does an empty file or a missing or
  changed caption;
- the provenance line says the numbers were computed in the configuration the snapshots pin:
  on the CPU with one thread and seed 0, and not with --quick. A table from a CUDA run,
  another seed, another thread count or the quick configuration fails the book build, even
  where its rounded numbers happen to match;
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
PINNED = "Computed on CPU (1 thread), seed 0, by "
INCLUDE = re.compile(r"\{\{#include\s+([^}\s]+)\s*\}\}")


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
    """Every (title, table) pair of the snapshots: a table block and the `**title**` line
    that precedes it (None where there is none)."""
    pairs, title, current = set(), None, []
    for line in snapshots_text.splitlines() + [""]:
        if line.startswith("|"):
            current.append(line)
            continue
        if current:
            pairs.add((title, tuple(current)))
            current, title = [], None
        if line.startswith("**") and line.endswith("**") and len(line) > 4:
            title = line[2:-2]
        elif line.strip():
            title = None
    return pairs


def unescape(html):
    return html.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def check_tables(generated, snapshots_text):
    """Problems with the generated tables, one line each."""
    pinned = titled_tables(snapshots_text)
    pinned_tables = {table for _, table in pinned}
    problems = []
    files = sorted(generated.rglob("*.md")) if generated.is_dir() else []
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
        if not sep or not provenance.startswith(PINNED):
            line = (MARK + provenance.strip()) if sep else "no provenance line"
            problems.append(f"{path}: not computed in the book's configuration: {line}")
        elif "--quick" in provenance:
            problems.append(f"{path}: a --quick table stands where the book shows the full one")
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
    snap = "**T &lt; 1**\n\n| a | b |\n|---:|---:|\n| 1 | 2 |\n| 3 | 4 |\n".replace("&lt;", "<")
    caption = CAPTION + "T &lt; 1</p>\n\n"
    body = ("| a | b |\n|---:|---:|\n| 1 | 2 |\n| 3 | 4 |\n\n" + MARK + PINNED
            + "<code>cargo run --example x -- --device cpu --threads 1</code>.</small>\n")
    good = caption + body
    cases = {
        "good": (good, 0),
        "a dropped row": (good.replace("| 3 | 4 |\n", ""), 1),
        "only the header": (caption + "| a | b |\n|---:|---:|\n\n" + body.split("\n\n", 1)[1], 1),
        "an empty file": ("", 1),
        "no caption": (body, 1),
        "another caption": (good.replace("T &lt; 1", "T &lt; 2"), 1),
        "a quick table": (good.replace("--device cpu", "--quick --device cpu"), 1),
        "another seed": (good.replace("seed 0", "seed 3"), 1),
    }
    failed = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, (text, expected) in cases.items():
            gen = pathlib.Path(tmp) / name / "generated" / "ch1"
            gen.mkdir(parents=True)
            (gen / "t.md").write_text(text)
            got = len(check_tables(gen.parent, snap))
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
    report_self_test("check-book-numbers", failed)


def main():
    if sys.argv[1:] == ["--self-test"]:
        self_test()
        return
    root = pathlib.Path(__file__).resolve().parent.parent
    snapshots = "\n".join(p.read_text() for p in sorted((root / "tests" / "snapshots").glob("*.snap")))
    src = root / "book" / "src"
    problems = check_tables(src / "generated", snapshots) + check_includes(src)
    report(problems,
           "the book shows numbers that no test pins, or includes what is not there",
           "A snapshot may be out of date (run cargo test and review), the book may have run\n"
           "a configuration the tests do not cover (scripts/build-book.sh runs every example\n"
           "with --device cpu --threads 1 and seed 0), or a page names a file or anchor that\n"
           "is gone.",
           "[book] every generated table is pinned whole by a snapshot and was computed on the "
           "CPU; every include exists")

if __name__ == "__main__":
    main()
