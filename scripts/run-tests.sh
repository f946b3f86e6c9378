#!/usr/bin/env bash
# Runs every Rust test but the doc tests (`cargo test --doc` runs those), as `make test` does.
# With cargo-nextest installed (it is on the development machines; `cargo install
# cargo-nextest --locked` elsewhere), each test runs in its own process, one per core, the
# longest first (.config/nextest.toml), with a line per test and its time. Without it, plain
# `cargo test` runs the same tests, one test file at a time, which takes longer on several
# cores but checks the same things.
set -euo pipefail
cd "$(dirname "$0")/.."
export INSTA_UPDATE=no
if [ "${LRBOOK_CARGO_TEST:-0}" != 1 ] && cargo nextest --version >/dev/null 2>&1; then
    # The examples are built first (tests/hostile_inputs.rs runs them) and not listed: they
    # hold no tests, and listing each would start its process for nothing.
    cargo build --quiet --examples
    exec cargo nextest run --lib --tests --no-tests=fail "$@"
fi
printf '\033[1m[test]\033[0m cargo-nextest is not installed: running the tests with cargo test, one test file at a time (cargo install cargo-nextest --locked runs them side by side)\n' >&2
exec cargo test --all-targets "$@"
