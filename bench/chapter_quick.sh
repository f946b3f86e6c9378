#!/usr/bin/env bash
# A whole chapter's --quick run, end to end (process start, data loading, training, and,
# on the Rust side, tables and figures): chapter 3's example against its PyTorch-Python
# twin bench/ch3_quick.py, same threads, median of REPEATS wall times each.
# Usage: bench/chapter_quick.sh [THREADS] [REPEATS]   (defaults: 1 thread, 5 repeats)
set -euo pipefail
cd "$(dirname "$0")/.."
threads="${1:-1}"
repeats="${2:-5}"
cargo build --quiet --example ch3_schedules
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_it() {
    for _ in $(seq "$repeats"); do
        python3 -c 'import subprocess, sys, time
t = time.perf_counter(); subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(time.perf_counter() - t)' "$@"
    done | median
}
rust=$(time_it target/debug/examples/ch3_schedules --quick --device cpu --threads "$threads" --out "$out")
py=$(time_it .venv/bin/python bench/ch3_quick.py "$threads")
python3 - "$rust" "$py" "$threads" <<'PY'
import sys
rust, py, threads = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
print(f"chapter 3 --quick end to end, {threads} thread(s): lrbook {rust:.2f} s, PyTorch-Python {py:.2f} s, lrbook/PyTorch = {rust / py:.2f}")
PY
