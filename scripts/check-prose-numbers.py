#!/usr/bin/env python3
"""Checks the numbers typed into the book's prose against what the tests pin.

Every number with a decimal point in a chapter page (book/src/chN-*.md) or its instructor
page (book/src/instructor/chN.md), outside code blocks, inline code and includes, must be
one of:

- a number of that chapter's committed snapshots (tests/snapshots/chN_*.snap, titles
  included), shown with the same or fewer decimals (the prose may round 0.968 to 0.97,
  not invent 0.96);
- listed in book/prose-numbers.allow with the page, the number and why it is exact (a
  closed form the page derives, a value of the configuration, a published constant).

Integers are not checked: counts of steps, images and seeds are too common to tell apart.
An allow-list entry that no page uses any more fails too, so the list cannot go stale.

Run with --self-test to see each check fail on a planted fault."""
import pathlib
import re
import sys
import tempfile

from book_checks import report, report_self_test

NUMBER = re.compile(r"(?<![\w.^_{\\])-?\d+\.\d+(?:e-?\d+)?(?!\w|\.\d)|(?<![\w.])\d+e-?\d+(?!\w|\.\d)")
SNAP_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")


def prose(text):
    """The page without fenced code, inline code, includes and HTML tags."""
    text = re.sub(r"```.*?```", " ", text, flags=re.S)
    text = re.sub(r"`[^`\n]*`", " ", text)
    text = re.sub(r"\{\{#include[^}]*\}\}", " ", text)
    text = re.sub(r"<[^>\n]*>", " ", text)
    return text


def decimals(s):
    mantissa = s.split("e")[0]
    return len(mantissa.split(".")[1]) if "." in mantissa else 0


def pinned_values(snapshot_text):
    """(value, decimals) of every number in the snapshots."""
    out = set()
    for m in SNAP_NUMBER.finditer(snapshot_text):
        s = m.group(0)
        try:
            out.add((float(s), decimals(s), "e" in s))
        except ValueError:
            pass
    return out


def matches(s, pinned):
    """Whether prose number `s` is a pinned number, at most rounded."""
    v, d = float(s), decimals(s)
    if "e" in s:
        return any(sci and abs(p - v) <= 1e-12 * abs(v) for p, _, sci in pinned)
    return any(pd >= d and round(p, d) == round(v, d) and (p != 0 or v == 0)
               for p, pd, sci in pinned if not sci)


def chapter_pages(src):
    for page in sorted(src.glob("ch*-*.md")):
        yield int(page.name[2]), page
    for page in sorted((src / "instructor").glob("ch*.md")):
        yield int(page.name[2]), page


def read_allow(path):
    entries = {}
    if path.is_file():
        for line in path.read_text().splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            parts = [p.strip() for p in line.split("|", 2)]
            if len(parts) != 3 or not parts[2]:
                raise SystemExit(f"{path}: malformed line (want 'page | number | reason'): {line}")
            entries[(parts[0], parts[1])] = parts[2]
    return entries


def check(src, snapshots, allow):
    problems, used = [], set()
    for chapter, page in chapter_pages(src):
        pinned = pinned_values("\n".join(
            p.read_text() for p in sorted(snapshots.glob(f"ch{chapter}_*.snap"))))
        name = str(page.relative_to(src))
        for m in NUMBER.finditer(prose(page.read_text())):
            s = m.group(0).lstrip("-")
            if matches(s, pinned):
                continue
            if (name, s) in allow:
                used.add((name, s))
                continue
            problems.append(f"{name}: {s} is in no chapter {chapter} snapshot and not in "
                            "book/prose-numbers.allow")
    for key in sorted(set(allow) - used):
        problems.append(f"book/prose-numbers.allow: {key[0]} | {key[1]} is used by no page "
                        "any more (or is pinned now); remove it")
    return problems


def self_test():
    snap = "**T, η = 0.0500**\n\n| a |\n|---:|\n| 0.968 |\n| 6.2e-7 |\n"
    cases = {
        "good": ("Ratios 0.968 and 0.97, η = 0.05, 6.2e-7, `9.99` in code.\n", {}, 0),
        "an invented number": ("It ended at 0.961.\n", {}, 1),
        "more decimals than pinned": ("It ended at 0.9680.\n", {}, 1),
        "allowed": ("The factor is 1.0116.\n", {("ch1-x.md", "1.0116"): "closed form"}, 0),
        "a stale allowance": ("Nothing.\n", {("ch1-x.md", "1.0116"): "closed form"}, 1),
    }
    failed = []
    for name, (text, allow, expected) in cases.items():
        with tempfile.TemporaryDirectory() as tmp:
            src = pathlib.Path(tmp) / "src"
            (src / "instructor").mkdir(parents=True)
            (src / "ch1-x.md").write_text(text)
            snaps = pathlib.Path(tmp) / "snapshots"
            snaps.mkdir()
            (snaps / "ch1_x__t.snap").write_text(snap)
            got = len(check(src, snaps, allow))
            if got != expected:
                failed.append(f"{name}: {got} problems, expected {expected}")
    report_self_test("check-prose-numbers", failed)


def main():
    if sys.argv[1:] == ["--self-test"]:
        self_test()
        return
    root = pathlib.Path(__file__).resolve().parent.parent
    src = root / "book" / "src"
    problems = check(src, root / "tests" / "snapshots", read_allow(root / "book" / "prose-numbers.allow"))
    report(problems, "numbers typed into the prose that no test pins",
           "Copy the number from a generated table of the chapter, or add it to\n"
           "book/prose-numbers.allow with the reason it is exact.",
           "[book] every decimal number in the chapters' prose is pinned by a snapshot or "
           "allowed with a reason")

if __name__ == "__main__":
    main()
