#!/usr/bin/env python3
"""Checks the tables the book includes (book/src/generated/**/*.md):

- each table appears verbatim in a committed insta snapshot (tests/snapshots/*.snap), so every
  number the book prints is pinned by a test;
- each ends with its provenance line, and that line says the numbers were computed in the
  configuration the snapshots pin: on the CPU with one thread and seed 0. A table from a
  CUDA run, another seed or another thread count fails the book build, even where its
  rounded numbers happen to match."""
import pathlib
import sys

MARK = '<small class="provenance">'
PINNED = "Computed on CPU (1 thread), seed 0, by "

root = pathlib.Path(__file__).resolve().parent.parent
snapshots = "\n".join(p.read_text() for p in sorted((root / "tests" / "snapshots").glob("*.snap")))
unpinned, unproven = [], []
for path in sorted((root / "book" / "src" / "generated").rglob("*.md")):
    text = path.read_text()
    table, sep, provenance = text.partition("\n" + MARK)
    if table not in snapshots:
        unpinned.append(path.relative_to(root))
    if not sep or not provenance.startswith(PINNED):
        line = (MARK + provenance.strip()) if sep else "no provenance line"
        unproven.append((path.relative_to(root), line))
if unpinned:
    print("error: these generated tables are not pinned by any snapshot test:", file=sys.stderr)
    for t in unpinned:
        print(f"  {t}", file=sys.stderr)
    print("Either a snapshot is out of date (run cargo test and review), or the book ran a\n"
          "configuration the tests do not cover.", file=sys.stderr)
if unproven:
    print("error: these generated tables were not computed in the book's configuration\n"
          f"(their last line must start with '{MARK}{PINNED}'):", file=sys.stderr)
    for t, line in unproven:
        print(f"  {t}: {line}", file=sys.stderr)
    print("Rebuild them with scripts/build-book.sh, which runs every example with\n"
          "--device cpu --threads 1 and seed 0.", file=sys.stderr)
if unpinned or unproven:
    sys.exit(1)
print("[book] all generated tables are pinned by snapshots and were computed on the CPU",
      file=sys.stderr)
