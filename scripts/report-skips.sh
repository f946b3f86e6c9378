#!/usr/bin/env bash
# Prints the checks that tests skipped during `make test` (recorded in target/test-skips.txt
# by `record_skip`: no GPU, no installed dataset, running as root), so that no skip is
# silent. It fails nothing: a skip says what this machine could not check. Then lists the
# slow tests that reused a kept pass (target/test-kept-passes.txt, tests/common/kept.rs):
# same test executable, snapshots, pages, data and machine as a run that passed.
set -euo pipefail
cd "$(dirname "$0")/.."
file=target/test-skips.txt
if [ -s "$file" ]; then
    n=$(sort -u "$file" | wc -l)
    printf '\033[1mmake test: %s check(s) skipped on this machine:\033[0m\n' "$n"
    sort -u "$file" | sed 's/^/  skipped /'
else
    echo "make test: no check skipped"
fi
kept=target/test-kept-passes.txt
if [ -s "$kept" ]; then
    n=$(sort -u "$kept" | wc -l)
    printf '\033[1mmake test: %s slow test(s) reused a kept pass\033[0m (nothing they depend on changed; LRBOOK_NO_CACHE=1 runs them):\n' "$n"
    sort -u "$kept" | sed 's/^/  kept /'
fi
