#!/usr/bin/env python3
"""Compare the markdown tables of a CPU run and a CUDA run of the same examples.

Used by `make test-cuda`: the examples run twice with the same configuration, once with
`--device cpu` and once with `--device cuda`, each writing `generated/chN/<table>.md`
under its own root folder. This script checks that the two sets of tables agree within
stated tolerances.

Usage:
    compare-tables.py CPU_ROOT CUDA_ROOT --tolerances FILE [--report OUT.md]
    compare-tables.py --self-test

Each root holds `generated/<chapter>/<table>.md`. A table is the file's lines that start
with `|`: the first is the header, the `|---|` separator is skipped, and every other line
(a blank line, a `<small>` provenance line) is ignored. `\\|` inside a cell is a literal bar.

Cells. All numbers are pulled out of a cell with a regular expression (plain, signed,
scientific, `inf`, `-inf`, `NaN`; a Unicode minus `−` counts as a minus sign). What is left,
with each number replaced by `#` and whitespace collapsed, is the cell's *shape*: `12%` has
shape `#%`, `0.05 (best)` has `# (best)`, `converges` has `converges`. Two cells match when
their shapes are equal and each pair of numbers is close:

    |a − b| <= rtol · max(|a|, |b|) + atol

where non-finite numbers match only themselves (inf = inf, nan = nan, inf ≠ 1e30).

Tolerances come from a JSON file:

    {"default":  {"rtol": 0.05, "atol": 1e-6, "why": "..."},
     "chapters": {"ch1": {"rtol": 1e-9, "atol": 1e-12, "why": "..."}},
     "tables":   {"ch4/sensitivity.md": {"skip": true, "why": "..."},
                  "ch3/comparison.md": {"rtol": 0.1, "text": "ignore", "why": "..."}}}

Each setting (rtol, atol, text, skip) is looked up in the table's entry, then its chapter's
entry, then the default; the first entry that sets it wins, and "why" comes from the most
specific entry that has one. `"skip": true` (which needs a "why") skips the table's
contents; `"text": "ignore"` turns shape and text mismatches into notes instead of
failures (numbers are still compared wherever both cells hold the same count of them).
Keys starting with `_` are comments.

Failures: a table present on one side only (even a skipped one), different row or column
counts between the two sides, different header rows, or any cell out of tolerance. (A row
need not have as many cells as the header: a hand-written header cell with an unescaped `|`
splits in two; offending cells are then named by column number.) The worst relative difference
is |a − b| / max(|a|, |b|) over numeric pairs, leaving out pairs where both numbers are
within atol of zero.

Exit status: 0 when nothing failed, 1 when something did, 2 on a usage error (a missing
root folder, an unreadable or malformed tolerance file).
"""

import argparse
import contextlib
import io
import json
import math
import os
import re
import sys
import tempfile
from pathlib import Path

PLACEHOLDER = "#"
MAX_SHOWN = 3

# A number: optional sign (ASCII or Unicode minus), decimal or scientific, or inf/nan.
# Not preceded by a letter, digit, underscore or dot, so `ch1`, `x2` and `T_0` stay text.
NUMBER = re.compile(
    r"(?<![\w.])[-−+]?"
    r"(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+−]?[0-9]+)?"
    r"|(?:inf(?:inity)?|nan)(?!\w))",
    re.IGNORECASE,
)
SEPARATOR_CELL = re.compile(r"^:?-+:?$")
CELL_SPLIT = re.compile(r"(?<!\\)\|")

ENTRY_KEYS = {"rtol", "atol", "text", "skip", "why"}
TOP_KEYS = {"default", "chapters", "tables"}


class UsageError(Exception):
    """A problem with the command line or the tolerance file (exit status 2)."""


# --------------------------------------------------------------------------------------
# Parsing


def parse_number(text):
    return float(text.replace("−", "-"))


def split_cell(cell):
    """A cell's numbers and its shape (the text with each number replaced by `#`)."""
    numbers = [parse_number(m.group(0)) for m in NUMBER.finditer(cell)]
    shape = " ".join(NUMBER.sub(PLACEHOLDER, cell).split())
    return numbers, shape


def split_row(line):
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    return [c.strip().replace("\\|", "|") for c in CELL_SPLIT.split(body)]


def is_separator(cells):
    return bool(cells) and all(SEPARATOR_CELL.match(c.replace(" ", "")) for c in cells)


def read_table(path):
    """(header, rows) of the markdown table in `path`; rows are lists of cell strings."""
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.lstrip().startswith("|"):
                continue
            cells = split_row(line)
            if is_separator(cells):
                continue
            rows.append(cells)
    if not rows:
        return None, []
    return rows[0], rows[1:]


def list_tables(root):
    gen = Path(root) / "generated"
    return {p.relative_to(gen).as_posix(): p for p in sorted(gen.rglob("*.md")) if p.is_file()}


# --------------------------------------------------------------------------------------
# Tolerances


def load_tolerances(path):
    where = f"tolerance file {path}"
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        raise UsageError(f"{where} does not exist; pass --tolerances with the path of a JSON file "
                         "such as scripts/cuda-tolerances.json")
    except OSError as e:
        raise UsageError(f"{where} cannot be read ({e.strerror}); check its path and permissions")
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise UsageError(f"{where} is not valid JSON ({e}); fix the syntax at that spot")
    if not isinstance(data, dict):
        raise UsageError(f"{where} must hold a JSON object with 'default', 'chapters' and 'tables'")
    for key in data:
        if key not in TOP_KEYS and not key.startswith("_"):
            raise UsageError(f"{where}: unknown top-level key '{key}'; use default, chapters, tables "
                             "(or a key starting with _ for a comment)")

    def check_entry(name, entry):
        if not isinstance(entry, dict):
            raise UsageError(f"{where}: entry '{name}' must be a JSON object")
        for k, v in entry.items():
            if k.startswith("_"):
                continue
            if k not in ENTRY_KEYS:
                raise UsageError(f"{where}: entry '{name}' has unknown key '{k}'; "
                                 f"use {', '.join(sorted(ENTRY_KEYS))}")
            if k in ("rtol", "atol") and (isinstance(v, bool) or not isinstance(v, (int, float))
                                          or not v >= 0 or math.isinf(v)):
                raise UsageError(f"{where}: entry '{name}': {k} must be a finite number >= 0, got {v!r}")
            if k == "text" and v not in ("compare", "ignore"):
                raise UsageError(f"{where}: entry '{name}': text must be \"compare\" or \"ignore\", got {v!r}")
            if k == "skip" and not isinstance(v, bool):
                raise UsageError(f"{where}: entry '{name}': skip must be true or false, got {v!r}")
            if k == "why" and not isinstance(v, str):
                raise UsageError(f"{where}: entry '{name}': why must be a string")
        if entry.get("skip") and not entry.get("why"):
            raise UsageError(f"{where}: entry '{name}' skips a table without a \"why\"; say why it is skipped")

    default = data.get("default", {})
    check_entry("default", default)
    groups = {}
    for group in ("chapters", "tables"):
        g = data.get(group, {})
        if not isinstance(g, dict):
            raise UsageError(f"{where}: '{group}' must be a JSON object of entries")
        for name, entry in g.items():
            if name.startswith("_"):
                continue
            check_entry(f"{group}.{name}", entry)
        groups[group] = {k: v for k, v in g.items() if not k.startswith("_")}
    return {"default": default, "chapters": groups["chapters"], "tables": groups["tables"]}


def tolerance_for(tol, name):
    """The merged settings for table `name` ("chN/file.md")."""
    chapter = name.split("/", 1)[0]
    entries = [e for e in (tol["tables"].get(name), tol["chapters"].get(chapter), tol["default"]) if e]
    out = {"rtol": 0.0, "atol": 0.0, "text": "compare", "skip": False, "why": ""}
    for key in out:
        for e in entries:
            if key in e:
                out[key] = e[key]
                break
    return out


def describe_tolerance(t):
    s = f"rtol {t['rtol']:g}, atol {t['atol']:g}"
    if t["text"] == "ignore":
        s += ", text ignored"
    return s


# --------------------------------------------------------------------------------------
# Comparison


def rel_diff(a, b):
    if a == b or (math.isnan(a) and math.isnan(b)):
        return 0.0
    if not (math.isfinite(a) and math.isfinite(b)):
        return math.inf
    return abs(a - b) / max(abs(a), abs(b))


def close(a, b, rtol, atol):
    if not (math.isfinite(a) and math.isfinite(b)):
        return a == b or (math.isnan(a) and math.isnan(b))
    return abs(a - b) <= rtol * max(abs(a), abs(b)) + atol


def compare_table(cpu_path, cuda_path, t):
    """A dict: cells, worst, bad (count), shown (first offending cells), problems, notes."""
    res = {"cells": 0, "worst": 0.0, "bad": 0, "shown": [], "problems": [], "notes": [], "note_count": 0}
    h1, rows1 = read_table(cpu_path)
    h2, rows2 = read_table(cuda_path)
    if h1 is None or h2 is None:
        side = "CPU" if h1 is None else "CUDA"
        res["problems"].append(f"no table rows in the {side} file")
        return res
    if h1 != h2:
        res["problems"].append(f"header rows differ: CPU `{' | '.join(h1)}` vs CUDA `{' | '.join(h2)}`")
    if len(rows1) != len(rows2):
        res["problems"].append(f"row counts differ: CPU {len(rows1)}, CUDA {len(rows2)}")
    header = h1
    for i, (r1, r2) in enumerate(zip(rows1, rows2), start=1):
        if len(r1) != len(r2):
            res["problems"].append(f"row {i}: column counts differ (CPU {len(r1)}, CUDA {len(r2)})")
            continue
        for j, (c1, c2) in enumerate(zip(r1, r2)):
            res["cells"] += 1
            # A header with an unescaped | in a cell splits into more cells than the rows.
            col = header[j] if len(header) == len(r1) else f"column {j + 1}"
            n1, s1 = split_cell(c1)
            n2, s2 = split_cell(c2)
            reason = None
            if s1 != s2 or len(n1) != len(n2):
                if t["text"] == "ignore":
                    res["note_count"] += 1
                    if len(res["notes"]) < MAX_SHOWN:
                        res["notes"].append((i, col, c1, c2))
                else:
                    reason = "text differs" if not (n1 or n2) else "shape differs"
            if len(n1) == len(n2):
                for a, b in zip(n1, n2):
                    if max(abs(a), abs(b)) > t["atol"] or not (math.isfinite(a) and math.isfinite(b)):
                        res["worst"] = max(res["worst"], rel_diff(a, b))
                    if reason is None and not close(a, b, t["rtol"], t["atol"]):
                        reason = f"rel. diff {fmt_rel(rel_diff(a, b))}"
            if reason is not None:
                res["bad"] += 1
                if len(res["shown"]) < MAX_SHOWN:
                    res["shown"].append((i, col, c1, c2, reason))
    return res


def fmt_rel(x):
    return "inf" if math.isinf(x) else f"{x:.3g}"


def esc(s):
    return s.replace("|", "\\|")


def run_compare(cpu_root, cuda_root, tol):
    """(report text, failed count)."""
    cpu, cuda = list_tables(cpu_root), list_tables(cuda_root)
    names = sorted(set(cpu) | set(cuda), key=lambda n: (n.split("/", 1)[0], n))
    lines = [
        f"# CPU vs CUDA tables: `{cpu_root}` vs `{cuda_root}`",
        "",
        "| table | tolerance | cells | worst rel. diff | out of tolerance | verdict |",
        "|:---|:---|---:|---:|---:|:---|",
    ]
    details, notes = [], []
    compared = failed = skipped = 0
    for name in names:
        t = tolerance_for(tol, name)
        tdesc = "skip" if t["skip"] else describe_tolerance(t)
        if name not in cpu or name not in cuda:
            failed += 1
            side = "CUDA" if name not in cuda else "CPU"
            lines.append(f"| {name} | {tdesc} | — | — | — | FAIL |")
            details.append((name, [f"missing from the {side} run"], [], 0))
            continue
        if t["skip"]:
            skipped += 1
            lines.append(f"| {name} | {tdesc} | — | — | — | skipped ({esc(t['why'])}) |")
            continue
        compared += 1
        r = compare_table(cpu[name], cuda[name], t)
        bad = bool(r["problems"]) or r["bad"] > 0
        failed += bad
        lines.append(f"| {name} | {tdesc} | {r['cells']} | {fmt_rel(r['worst'])} | {r['bad']} | "
                     f"{'FAIL' if bad else 'ok'} |")
        if bad:
            details.append((name, r["problems"], r["shown"], r["bad"]))
        if r["note_count"]:
            notes.append((name, r["notes"], r["note_count"]))
    if details:
        lines += ["", "## Failures"]
        for name, problems, shown, count in details:
            lines += ["", f"### {name}", ""]
            lines += [f"- {p}" for p in problems]
            if shown:
                more = f" (first {len(shown)} of {count})" if count > len(shown) else ""
                lines += [f"- cells out of tolerance{more}:", "",
                          "| row | column | CPU | CUDA | why |", "|---:|:---|:---|:---|:---|"]
                lines += [f"| {i} | {esc(c)} | {esc(a)} | {esc(b)} | {why} |" for i, c, a, b, why in shown]
    if notes:
        lines += ["", "## Notes (text differences ignored by the tolerance file)"]
        for name, shown, count in notes:
            more = f"first {len(shown)} of {count}" if count > len(shown) else f"{count}"
            lines += ["", f"### {name} ({more})", "", "| row | column | CPU | CUDA |", "|---:|:---|:---|:---|"]
            lines += [f"| {i} | {esc(c)} | {esc(a)} | {esc(b)} |" for i, c, a, b in shown]
    unused = [k for k in tol["tables"] if k not in cpu and k not in cuda]
    if unused:
        lines += ["", "Warning: tolerance entries that match no table (a typo?): "
                  + ", ".join(f"`{u}`" for u in unused)]
    lines += ["", f"{compared} tables compared, {failed} failed, {skipped} skipped"]
    return "\n".join(lines) + "\n", failed


def check_root(root):
    p = Path(root)
    if not p.is_dir():
        raise UsageError(f"root folder {root} does not exist; run the examples into it first "
                         "(it should hold generated/chN/*.md)")
    if not (p / "generated").is_dir():
        raise UsageError(f"root folder {root} has no generated/ folder; pass the folder that "
                         "contains generated/chN/*.md (for the book: book/src)")


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Compare the markdown tables of a CPU run and a CUDA run within tolerances.")
    ap.add_argument("cpu_root", nargs="?", help="root of the CPU run (holds generated/chN/*.md)")
    ap.add_argument("cuda_root", nargs="?", help="root of the CUDA run (holds generated/chN/*.md)")
    ap.add_argument("--tolerances", metavar="FILE", help="JSON tolerance file")
    ap.add_argument("--report", metavar="OUT.md", help="also write the report to this file")
    ap.add_argument("--self-test", action="store_true", help="run the built-in checks and exit")
    args = ap.parse_args(argv)
    if args.self_test:
        return self_test()
    try:
        if not args.cpu_root or not args.cuda_root or not args.tolerances:
            raise UsageError("need CPU_ROOT, CUDA_ROOT and --tolerances FILE "
                             "(e.g. target/cuda-check/cpu target/cuda-check/cuda "
                             "--tolerances scripts/cuda-tolerances.json)")
        check_root(args.cpu_root)
        check_root(args.cuda_root)
        tol = load_tolerances(args.tolerances)
        if not list_tables(args.cpu_root) and not list_tables(args.cuda_root):
            raise UsageError(f"no generated/*/*.md tables under {args.cpu_root} or {args.cuda_root}; "
                             "run the examples into them first")
        report, failed = run_compare(args.cpu_root, args.cuda_root, tol)
    except UsageError as e:
        print(f"compare-tables: error: {e}", file=sys.stderr)
        return 2
    print(report, end="")
    if args.report:
        try:
            Path(args.report).parent.mkdir(parents=True, exist_ok=True)
            Path(args.report).write_text(report, encoding="utf-8")
        except OSError as e:
            print(f"compare-tables: error: cannot write report {args.report} ({e.strerror}); "
                  "choose a writable path", file=sys.stderr)
            return 2
    return 1 if failed else 0


# --------------------------------------------------------------------------------------
# Self-test

BASE = {
    "ch1/a.md": "| η | loss | verdict |\n|---:|---:|:---|\n| 0.1 | 0.431 | converges |\n"
                "| 0.5 | −4 | 2-cycle |\n| 1.0 | 12% | 2.4× |\n\n<small>run on the CPU</small>\n",
    "ch2/b.md": "| x | \\|e\\| | note |\n|---:|---:|:---|\n| 1 | inf | 0.05 (best) |\n| 2 | NaN | 1.2 ± 0.3 |\n",
    "ch3/c.md": "| run | value |\n|:---|---:|\n| A | 1e-3 |\n| B | 7 |\n",
}
TOL = {"default": {"rtol": 0.05, "atol": 1e-6, "why": "test default"},
       "chapters": {"ch1": {"rtol": 1e-3, "why": "ch1"}},
       "tables": {}}


def _tree(root, files):
    for name, text in files.items():
        p = Path(root) / "generated" / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")


def _run(tmp, cuda_files, tol=None, raw_tol=None, cpu_files=None, extra=()):
    """Exit status and output of main() on a CPU tree of BASE and a CUDA tree of cuda_files."""
    d = tempfile.mkdtemp(dir=tmp)
    cpu, cuda, tf = os.path.join(d, "cpu"), os.path.join(d, "cuda"), os.path.join(d, "tol.json")
    _tree(cpu, BASE if cpu_files is None else cpu_files)
    _tree(cuda, cuda_files)
    with open(tf, "w", encoding="utf-8") as f:
        f.write(raw_tol if raw_tol is not None else json.dumps(tol or TOL))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main([cpu, cuda, "--tolerances", tf, *[a.replace("{d}", d) for a in extra]])
    return rc, out.getvalue() + err.getvalue()


def _edit(name, old, new):
    files = dict(BASE)
    assert old in files[name], (name, old)
    files[name] = files[name].replace(old, new, 1)
    return files


def self_test():
    with_ignore = json.loads(json.dumps(TOL))
    with_ignore["tables"]["ch1/a.md"] = {"text": "ignore", "why": "numbers only"}
    with_skip = json.loads(json.dumps(TOL))
    with_skip["tables"]["ch3/c.md"] = {"skip": True, "why": "chaotic"}
    numbers = [(m, split_cell(m)) for m in ("−4", "-inf", "1.2e-3", "12%", "w₁₀ at ch1", "0.05 (best)")]
    checks = [
        ("identical trees pass", lambda t: _run(t, BASE)[0] == 0),
        ("a number perturbed within tolerance passes",
         lambda t: _run(t, _edit("ch3/c.md", "| 7 |", "| 7.3 |"))[0] == 0),
        ("a number perturbed beyond tolerance fails",
         lambda t: _run(t, _edit("ch3/c.md", "| 7 |", "| 7.4 |"))[0] == 1),
        ("the chapter entry overrides the default (0.431 vs 0.4313 ok at rtol 1e-3, vs 0.433 not)",
         lambda t: _run(t, _edit("ch1/a.md", "0.431", "0.4313"))[0] == 0
         and _run(t, _edit("ch1/a.md", "0.431", "0.433"))[0] == 1),
        ("a dropped row fails", lambda t: _run(t, _edit("ch3/c.md", "| B | 7 |\n", ""))[0] == 1),
        ("a missing file fails",
         lambda t: _run(t, {k: v for k, v in BASE.items() if k != "ch2/b.md"})[0] == 1),
        ("a changed header fails", lambda t: _run(t, _edit("ch3/c.md", "| value |", "| values |"))[0] == 1),
        ("a changed text cell fails", lambda t: _run(t, _edit("ch1/a.md", "converges", "diverges"))[0] == 1),
        ("a changed text cell passes under \"text\": \"ignore\" and is noted",
         lambda t: (lambda r: r[0] == 0 and "diverges" in r[1] and "Notes" in r[1])(
             _run(t, _edit("ch1/a.md", "converges", "diverges"), tol=with_ignore))),
        ("a changed shape fails (0.05 (best) vs 0.05)",
         lambda t: _run(t, _edit("ch2/b.md", "0.05 (best)", "0.05"))[0] == 1),
        ("a skipped table passes even when it differs, and says why",
         lambda t: (lambda r: r[0] == 0 and "skipped (chaotic)" in r[1])(
             _run(t, _edit("ch3/c.md", "| 7 |", "| 700 |"), tol=with_skip))),
        ("inf vs inf passes (and NaN vs NaN)", lambda t: _run(t, BASE)[0] == 0),
        ("inf vs 1e30 fails", lambda t: _run(t, _edit("ch2/b.md", "| inf |", "| 1e30 |"))[0] == 1),
        ("unicode minus parses: −4 vs -4 passes, −4 vs 4 fails",
         lambda t: split_cell("−4")[0] == [-4.0]
         and _run(t, _edit("ch1/a.md", "−4", "-4"))[0] == 0
         and _run(t, _edit("ch1/a.md", "−4", "4"))[0] == 1),
        ("cells split into numbers and shapes: " + "; ".join(f"{m} → {n} '{s}'" for m, (n, s) in numbers),
         lambda t: [n for _, n in numbers] == [
             ([-4.0], "#"), ([-math.inf], "#"), ([1.2e-3], "#"), ([12.0], "#%"),
             ([], "w₁₀ at ch1"), ([0.05], "# (best)")]),
        ("% and × suffixes compare their numbers (12% vs 13% fails)",
         lambda t: _run(t, _edit("ch1/a.md", "12%", "13%"))[0] == 1
         and _run(t, _edit("ch1/a.md", "2.4×", "2.4"))[0] == 1),
        ("provenance lines are ignored",
         lambda t: _run(t, _edit("ch1/a.md", "run on the CPU", "run on CUDA:0, 3 s"))[0] == 0),
        ("an escaped bar stays inside its cell", lambda t: read_table(
            _tree_one(t, BASE["ch2/b.md"]))[0] == ["x", "|e|", "note"]),
        ("a header cell with an unescaped | still lets the rows compare",
         lambda t: _run(t, {"ch4/d.md": "| rule | mean |w − w*| |\n|:---|---:|\n| SGD | 0.400 |\n"},
                        cpu_files={"ch4/d.md": "| rule | mean |w − w*| |\n|:---|---:|\n| SGD | 0.401 |\n"})[0] == 0),
        ("the report is printed and written with --report", _report_written),
        ("a bad JSON file is a usage error (exit 2) naming the file",
         lambda t: (lambda r: r[0] == 2 and "tol.json" in r[1])(_run(t, BASE, raw_tol="{not json"))),
        ("a skip without a why is a usage error",
         lambda t: _run(t, BASE, tol={"tables": {"ch3/c.md": {"skip": True}}})[0] == 2),
        ("a missing root folder is a usage error (exit 2)", _missing_root),
    ]
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for label, check in checks:
            try:
                ok = bool(check(tmp))
            except Exception as e:  # a crash is a failed check, not a crashed self-test
                ok, label = False, f"{label} (raised {type(e).__name__}: {e})"
            failed += not ok
            print(f"{'ok  ' if ok else 'FAIL'}  {label}")
    print(f"self-test: {len(checks) - failed} of {len(checks)} checks passed")
    return 1 if failed else 0


def _tree_one(tmp, text):
    p = Path(tempfile.mkdtemp(dir=tmp)) / "t.md"
    p.write_text(text, encoding="utf-8")
    return p


def _report_written(tmp):
    out = os.path.join(tmp, "report-check", "report.md")
    rc, text = _run(tmp, BASE, extra=["--report", out])
    summary = "3 tables compared, 0 failed, 0 skipped"
    return rc == 0 and summary in text and summary in Path(out).read_text(encoding="utf-8")


def _missing_root(tmp):
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        rc = main([os.path.join(tmp, "nope"), tmp, "--tolerances", os.path.join(tmp, "x.json")])
    return rc == 2 and "nope" in out.getvalue()


if __name__ == "__main__":
    sys.exit(main())
