#!/usr/bin/env bash
# Prints the checks that tests skipped during `make test` (recorded in target/test-skips.txt
# by `record_skip`: no GPU, no installed dataset, running as root), so that no skip is
# silent. It fails nothing: a skip says what this machine could not check.
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
