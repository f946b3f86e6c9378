#!/usr/bin/env bash
# Retakes the README's screenshots (assets/screenshot-ch3.png, assets/screenshot-explorer.png)
# from the built book in headless Chromium (tests/browser/readme-shots.mjs). Run after
# scripts/build-book.sh when chapter 3's gallery, its figure or the explorer change.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f book/build/ch3-schedules.html ] || { echo "error: book/build not found; build the book first (scripts/build-book.sh)" >&2; exit 1; }
[ -d node_modules/playwright-core ] || { echo "error: node_modules/playwright-core missing; run: npm ci (scripts/setup.sh does)" >&2; exit 1; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory book/build >/dev/null 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
    python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/')" 2>/dev/null && break
    sleep 0.1
done
node tests/browser/readme-shots.mjs "http://127.0.0.1:$port/" assets
