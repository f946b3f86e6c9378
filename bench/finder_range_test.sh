#!/usr/bin/env bash
# Runs the Rust (lrbook::finder) and the PyTorch-Python range test on the same machine, in
# the same invocation, with the same thread count, and prints the ratio of their medians.
# Usage: bench/finder_range_test.sh [THREADS] [REPEATS]   (defaults: 1 thread, 7 repeats)
set -euo pipefail
cd "$(dirname "$0")/.."
threads="${1:-1}"
repeats="${2:-7}"
cargo build --quiet --example bench_finder_range_test
rust="$(cargo run --quiet --example bench_finder_range_test -- --threads "$threads" --repeats "$repeats")"
py="$(.venv/bin/python bench/finder_range_test.py --threads "$threads" --repeats "$repeats")"
echo "$rust"
echo "$py"
python3 - "$rust" "$py" <<'PY'
import sys
def parse(line):
    return dict(kv.split("=") for kv in line.split()[1:])
r, p = parse(sys.argv[1]), parse(sys.argv[2])
if r["steps"] != p["steps"]:
    sys.exit(f"error: different work: rust took {r['steps']} steps, python {p['steps']}")
ratio = float(r["median_s"]) / float(p["median_s"])
print(f"range test, {r['steps']} steps, batch 128, {r['threads']} thread(s): "
      f"rust/python median time = {ratio:.3f}")
PY
