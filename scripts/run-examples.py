#!/usr/bin/env python3
"""Runs the book's examples in their full configuration, several at a time.

Each example runs single-threaded (`--device cpu --threads 1`, the configuration the
snapshots pin), so running N of them at once on N cores leaves every number as it is. A line
is printed when each starts and when it ends (with its time, and whether it computed or
replayed a kept run: see src/run_cache.rs); a summary table follows, also written to
target/artifacts/book-times.md. The longest examples start first, by the times of the
previous run (target/book-runs/times.json; before a first run, the committed
bench/results/book-example-times.json).

Usage: scripts/run-examples.py [--out DIR] [--jobs N] [NAME ...]
  NAME     examples to run (default: every examples/ch*_*.rs)
  --jobs   how many run at once (default: $LRBOOK_JOBS, else the number of CPU cores)
  --out    output root (default: book/src)
"""
import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMES = ROOT / "target" / "book-runs" / "times.json"
# Before a first run (a fresh clone), the times measured on the development machine
# (bench/README.md, "Building the book") give the order.
COMMITTED_TIMES = ROOT / "bench" / "results" / "book-example-times.json"
LOGS = ROOT / "target" / "book-runs" / "logs"
SUMMARY = ROOT / "target" / "artifacts" / "book-times.md"
BOOK_FLAGS = ["--device", "cpu", "--threads", "1"]  # = lrbook::cli::BOOK_FLAGS


def natural_key(name):
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name)]


def all_examples():
    return sorted(
        (p.stem for p in (ROOT / "examples").glob("ch*_*.rs")), key=natural_key
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*")
    ap.add_argument("--out", default="book/src")
    ap.add_argument("--jobs", type=int,
                    default=int(os.environ.get("LRBOOK_JOBS") or os.cpu_count() or 1))
    args = ap.parse_args()
    if args.jobs < 1:
        sys.exit("run-examples: --jobs must be at least 1 (or leave it out: one per core)")
    names = args.names or all_examples()
    unknown = [n for n in names if not (ROOT / "examples" / f"{n}.rs").exists()]
    if unknown:
        sys.exit(f"run-examples: no such example: {', '.join(unknown)} (see examples/)")
    previous = {}
    for times in (TIMES, COMMITTED_TIMES):
        try:
            previous = json.loads(times.read_text())
            break
        except (OSError, ValueError):
            continue
    # Longest first (by the last run's times), so the slowest one does not start last.
    order = sorted(names, key=lambda n: -previous.get(n, {}).get("computed_s", 0.0))
    LOGS.mkdir(parents=True, exist_ok=True)
    lock = threading.Lock()
    results = {}
    started_all = time.monotonic()

    def say(text):
        with lock:
            print(f"\033[1m[book]\033[0m {text}", file=sys.stderr, flush=True)

    def run(name):
        say(f"start {name}")
        log = LOGS / f"{name}.log"
        t0 = time.monotonic()
        with open(log, "w") as err:
            proc = subprocess.run(
                ["cargo", "run", "--quiet", "--example", name, "--",
                 "--out", args.out, *BOOK_FLAGS],
                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err)
        seconds = time.monotonic() - t0
        text = log.read_text(errors="replace")
        how = "replayed" if "replayed the kept run" in text else "computed"
        results[name] = (proc.returncode, how, seconds)
        if proc.returncode == 0:
            say(f"done  {name}: {how} in {seconds:.1f} s")
        else:
            tail = "\n".join(text.splitlines()[-20:])
            say(f"FAILED {name} (exit {proc.returncode}) after {seconds:.1f} s; "
                f"log {log.relative_to(ROOT)}:\n{tail}")

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        list(pool.map(run, order))
    wall = time.monotonic() - started_all

    for name, (rc, how, seconds) in results.items():
        if rc == 0:
            entry = previous.setdefault(name, {})
            entry[f"{how}_s"] = round(seconds, 2)
    TIMES.parent.mkdir(parents=True, exist_ok=True)
    TIMES.write_text(json.dumps(previous, indent=1, sort_keys=True) + "\n")

    rows = sorted(results.items(), key=lambda kv: -kv[1][2])
    lines = [
        f"Book examples: {len(results)} run with {args.jobs} at a time, "
        f"{wall:.1f} s wall, {sum(r[2] for r in results.values()):.1f} s summed.",
        "",
        "| example | how | seconds |",
        "|---|---|---:|",
    ]
    for name, (rc, how, seconds) in rows:
        status = how if rc == 0 else f"FAILED (exit {rc})"
        lines.append(f"| {name} | {status} | {seconds:.1f} |")
    table = "\n".join(lines) + "\n"
    SUMMARY.parent.mkdir(parents=True, exist_ok=True)
    SUMMARY.write_text(table)
    print(table, file=sys.stderr)
    failed = [n for n, r in results.items() if r[0] != 0]
    if failed:
        sys.exit(f"run-examples: {len(failed)} example(s) failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
