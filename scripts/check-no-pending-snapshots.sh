#!/usr/bin/env bash
# Fails if insta left any snapshot pending review (.snap.new or .pending-snap files).
set -euo pipefail
cd "$(dirname "$0")/.."
pending="$(find . -path ./target -prune -o \( -name '*.snap.new' -o -name '*.pending-snap' \) -print)"
if [ -n "$pending" ]; then
    echo "error: snapshots pending review:" >&2
    echo "$pending" >&2
    echo "Review them (cargo insta review, or compare by hand) and commit the accepted .snap files." >&2
    exit 1
fi
