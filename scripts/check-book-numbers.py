#!/usr/bin/env python3
"""Checks that every table the book includes (book/src/generated/**/*.md) appears verbatim
in a committed insta snapshot (tests/snapshots/*.snap). So every number the book prints is
pinned by a test; a table that no test pins fails the book build."""
import pathlib
import sys

root = pathlib.Path(__file__).resolve().parent.parent
snapshots = "\n".join(p.read_text() for p in sorted((root / "tests" / "snapshots").glob("*.snap")))
unpinned = []
for table in sorted((root / "book" / "src" / "generated").rglob("*.md")):
    if table.read_text() not in snapshots:
        unpinned.append(table.relative_to(root))
if unpinned:
    print("error: these generated tables are not pinned by any snapshot test:", file=sys.stderr)
    for t in unpinned:
        print(f"  {t}", file=sys.stderr)
    print("Either a snapshot is out of date (run cargo test and review), or the book ran a\n"
          "configuration the tests do not cover.", file=sys.stderr)
    sys.exit(1)
print(f"[book] all generated tables are pinned by snapshots", file=sys.stderr)
