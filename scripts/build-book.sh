#!/usr/bin/env bash
# Runs every chapter example and exercise solution in its full configuration (they write
# tables to book/src/generated/ and figures to book/src/figures/), then builds the book.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.tools/bin:$PATH"

# The book shows CPU numbers with one thread, the configuration the snapshot tests pin.
cargo build --quiet --examples
for src in $(ls examples/ch*_*.rs | sort -V); do
    name="$(basename "$src" .rs)"
    printf '\033[1m[book]\033[0m running %s\n' "$name" >&2
    cargo run --quiet --example "$name" -- --out book/src --device cpu --threads 1 > /dev/null
done
python3 scripts/check-book-numbers.py
mdbook build book
