#!/usr/bin/env bash
# Checks every page of the built book in a real headless Chromium (tests/browser/pages.mjs):
# no failed loads, no KaTeX errors, every image decoded, every internal link and anchor
# resolves, no console errors; then the layout checks (tests/browser/checks/) on every page at
# 1280 and 390 px in a light and a dark theme, after their self-test on tests/browser/broken/.
# Saves full-page screenshots to target/artifacts/pages/<layout>/.
# Needs: a built book (scripts/build-book.sh), Chromium and playwright-core (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f book/build/index.html ] || { echo "error: book/build not found; build the book first (scripts/build-book.sh)" >&2; exit 1; }
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || { echo "error: no Chromium at ${CHROMIUM:-/usr/bin/chromium}; run scripts/setup.sh or set CHROMIUM" >&2; exit 1; }
[ -d node_modules/playwright-core ] || { echo "error: node_modules/playwright-core missing; run: npm ci (scripts/setup.sh does)" >&2; exit 1; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory book/build >/dev/null 2>&1 &
server=$!
# The self-test pages are served from the repository root, so that they can load the book's
# own scripts and figures (/book/src/..., /book/build/...).
selfport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$selfport" --bind 127.0.0.1 --directory . >/dev/null 2>&1 &
selfserver=$!
trap 'kill "$server" "$selfserver" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
    python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/'); urllib.request.urlopen('http://127.0.0.1:$selfport/')" 2>/dev/null && break
    sleep 0.1
done
# First the checks' self-test: pages that each break one rule on purpose must fail it.
printf '\033[1m[pages]\033[0m self-test: every layout check fails on its broken page (tests/browser/broken/)\n' >&2
node tests/browser/pages.mjs --self-test "http://127.0.0.1:$selfport/tests/browser/broken/" tests/browser/broken
printf '\033[1m[pages]\033[0m headless Chromium on every page of http://127.0.0.1:%s/\n' "$port" >&2
node tests/browser/pages.mjs "http://127.0.0.1:$port/" book/build target/artifacts/pages
