# Sourced by the scripts that drive headless Chromium (test-slider.sh, test-explorer.sh,
# test-pages.sh, readme-screenshots.sh): their shared checks and a local web server.

# Fails with what to do when the built book, Chromium or playwright-core is missing.
require_browser() {
    [ -f book/build/index.html ] || { echo "error: book/build not found; build the book first (scripts/build-book.sh)" >&2; exit 1; }
    [ -x "${CHROMIUM:-/usr/bin/chromium}" ] || { echo "error: no Chromium at ${CHROMIUM:-/usr/bin/chromium}; run scripts/setup.sh (installs Debian's chromium) or set CHROMIUM" >&2; exit 1; }
    [ -d node_modules/playwright-core ] || { echo "error: node_modules/playwright-core missing; run: npm ci (scripts/setup.sh does)" >&2; exit 1; }
}

# serve DIR VAR: serves DIR on a free port of 127.0.0.1, waits until it answers, and sets the
# variable VAR to the port. The server is stopped when the calling script exits. (Not run in
# a subshell, so that the server and its trap belong to the calling script.)
_served_pids=()
serve() {
    local dir=$1 free
    free=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    python3 -m http.server "$free" --bind 127.0.0.1 --directory "$dir" >/dev/null 2>&1 &
    _served_pids+=("$!")
    trap 'kill "${_served_pids[@]}" 2>/dev/null || true' EXIT
    for _ in $(seq 50); do
        python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$free/')" 2>/dev/null && break
        sleep 0.1
    done
    printf -v "$2" '%s' "$free"
}
