#!/usr/bin/env bash
# Tests chapter 3's schedule explorer in a real headless Chromium: serves the built book
# (book/build) on 127.0.0.1, loads the chapter, and checks every case of the committed
# PyTorch schedule fixture against the values the page computes (tests/browser/explorer.mjs).
# Saves a screenshot to target/artifacts/.
# Needs: a built book (scripts/build-book.sh), /usr/bin/chromium (or $CHROMIUM), node, and
# playwright-core in node_modules (scripts/setup.sh installs both).
set -euo pipefail
cd "$(dirname "$0")/.."
page=book/build/ch3-schedules.html
[ -f "$page" ] || { echo "error: $page not found; build the book first (scripts/build-book.sh)" >&2; exit 1; }
. scripts/browser-lib.sh
require_browser
unless_kept explorer
serve book/build port
printf '\033[1m[explorer]\033[0m headless Chromium on http://127.0.0.1:%s/ch3-schedules.html\n' "$port" >&2
node tests/browser/explorer.mjs "http://127.0.0.1:$port/ch3-schedules.html" target/artifacts
keep_pass
