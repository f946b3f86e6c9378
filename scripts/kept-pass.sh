#!/usr/bin/env bash
# kept-pass.sh NAME PATH... -- COMMAND [ARG...]: runs COMMAND unless a run with the same
# inputs passed before, and records the pass when it succeeds. The inputs are the contents of
# every file under the PATHs (a SHA-256, never a timestamp), the Rust toolchain, the command
# line, and the CI, INSTA_* and LRBOOK_* settings. A reuse is listed in
# target/test-kept-passes.txt, which `make test` prints at its end (scripts/report-skips.sh).
# LRBOOK_NO_CACHE=1 always runs COMMAND. Used by `make test` for the doc tests; the slow Rust
# tests keep theirs in tests/common/kept.rs, the browser tests in scripts/browser-lib.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
name=$1; shift
paths=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do paths+=("$1"); shift; done
[ "${1:-}" = "--" ] || { echo "usage: scripts/kept-pass.sh NAME PATH... -- COMMAND [ARG...]" >&2; exit 2; }
shift
key=$({
    find -L "${paths[@]}" -type f -print0 | sort -z | xargs -0 sha256sum
    rustc -V; cargo -V
    printf '%s\n' "$@"
    env | grep -E '^(CI|INSTA_[A-Z_]*|LRBOOK_[A-Z_]*)=' | sort || true
} | sha256sum | cut -d' ' -f1)
file=target/kept-passes/$name
if [ "${LRBOOK_NO_CACHE:-0}" != 1 ] && [ -f "$file" ] && [ "$(cat "$file")" = "$key" ]; then
    printf '\033[1m[%s]\033[0m kept pass: nothing it depends on changed since it passed (LRBOOK_NO_CACHE=1 reruns it)\n' "$name" >&2
    echo "$name ($*)" >> target/test-kept-passes.txt
    exit 0
fi
"$@"
mkdir -p target/kept-passes
printf '%s' "$key" > "$file"
