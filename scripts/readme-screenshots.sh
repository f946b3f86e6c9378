#!/usr/bin/env bash
# Retakes the README's screenshots (assets/screenshot-ch3.png, assets/screenshot-explorer.png)
# from the built book in headless Chromium (tests/browser/readme-shots.mjs). Run after
# scripts/build-book.sh when chapter 3's gallery, its figure or the explorer change.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/browser-lib.sh
require_browser
serve book/build port
node tests/browser/readme-shots.mjs "http://127.0.0.1:$port/" assets
