#!/usr/bin/env bash
# Tests chapter 2's slider in a real headless Chromium: serves the built book (book/build)
# on 127.0.0.1, loads the chapter, moves the slider into each regime and checks what the
# page reports (tests/browser/explorer.mjs). Saves a screenshot to target/artifacts/.
# Needs: a built book (scripts/build-book.sh), /usr/bin/chromium (or $CHROMIUM), node, and
# playwright-core in node_modules (scripts/setup.sh installs both).
set -euo pipefail
cd "$(dirname "$0")/.."
page=book/build/ch3-schedules.html
[ -f "$page" ] || { echo "error: $page not found; build the book first (scripts/build-book.sh)" >&2; exit 1; }
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || { echo "error: no Chromium at ${CHROMIUM:-/usr/bin/chromium}; run scripts/setup.sh (installs Debian's chromium) or set CHROMIUM" >&2; exit 1; }
[ -d node_modules/playwright-core ] || { echo "error: node_modules/playwright-core missing; run: npm ci (scripts/setup.sh does)" >&2; exit 1; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory book/build >/dev/null 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
    python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/')" 2>/dev/null && break
    sleep 0.1
done
printf '\033[1m[explorer]\033[0m headless Chromium on http://127.0.0.1:%s/ch3-schedules.html\n' "$port" >&2
node tests/browser/explorer.mjs "http://127.0.0.1:$port/ch3-schedules.html" target/artifacts
