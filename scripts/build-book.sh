#!/usr/bin/env bash
# Runs every chapter example and exercise solution in its full configuration (they write
# tables to book/src/generated/ and figures to book/src/figures/), then builds the book.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.tools/bin:$PATH"

# The book shows CPU numbers with one thread, the configuration the snapshot tests pin. The
# examples run several at a time (one per core, each on one thread: the numbers do not
# change), with a line per start and finish and a summary of times at the end. A run that
# `cargo test` or an earlier build already made with the same sources, flags, machine and
# data is replayed from target/book-runs/ instead of computed again (src/run_cache.rs;
# LRBOOK_NO_CACHE=1 computes everything).
cargo build --quiet --examples
python3 scripts/run-examples.py --out book/src
python3 scripts/check-book-numbers.py
mdbook build book
