#!/usr/bin/env bash
# Checks every page of the built book in a real headless Chromium (tests/browser/pages.mjs):
# no failed loads, no KaTeX errors, every image decoded, every internal link and anchor
# resolves, no console errors; then the layout checks (tests/browser/checks/) on every page at
# 1280 and 390 px in a light and a dark theme, after their self-test on tests/browser/broken/.
# Saves full-page screenshots to target/artifacts/pages/<layout>/.
# Needs: a built book (scripts/build-book.sh), Chromium and playwright-core (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/browser-lib.sh
require_browser
unless_kept pages
serve book/build port
# The self-test pages are served from the repository root, so that they can load the book's
# own scripts and figures (/book/src/..., /book/build/...).
serve . selfport
# First the checks' self-test: pages that each break one rule on purpose must fail it.
printf '\033[1m[pages]\033[0m self-test: every layout check fails on its broken page (tests/browser/broken/)\n' >&2
node tests/browser/pages.mjs --self-test "http://127.0.0.1:$selfport/tests/browser/broken/" tests/browser/broken
rm -rf target/artifacts/pages  # no screenshot of an earlier run is left among this run's
printf '\033[1m[pages]\033[0m headless Chromium on every page of http://127.0.0.1:%s/\n' "$port" >&2
node tests/browser/pages.mjs "http://127.0.0.1:$port/" book/build target/artifacts/pages
keep_pass
