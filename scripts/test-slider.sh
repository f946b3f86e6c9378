#!/usr/bin/env bash
# Tests chapter 2's slider in a real headless Chromium: serves the built book (book/build)
# on 127.0.0.1, loads the chapter, moves the slider into each regime and checks what the
# page reports (tests/browser/slider.mjs). Saves a screenshot to target/artifacts/.
# Needs: a built book (scripts/build-book.sh), /usr/bin/chromium (or $CHROMIUM), node, and
# playwright-core in node_modules (scripts/setup.sh installs both).
set -euo pipefail
cd "$(dirname "$0")/.."
page=book/build/ch2-goldilocks.html
[ -f "$page" ] || { echo "error: $page not found; build the book first (scripts/build-book.sh)" >&2; exit 1; }
. scripts/browser-lib.sh
require_browser
unless_kept slider
serve book/build port
printf '\033[1m[slider]\033[0m headless Chromium on http://127.0.0.1:%s/ch2-goldilocks.html\n' "$port" >&2
node tests/browser/slider.mjs "http://127.0.0.1:$port/ch2-goldilocks.html" target/artifacts
keep_pass
