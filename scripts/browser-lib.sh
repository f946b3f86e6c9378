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

# Kept passes for the browser tests (as tests/common/kept.rs does for the slow Rust tests):
# `unless_kept NAME` exits the calling script at once, successfully, when a run with the same
# inputs passed before: the same built book and book sources, browser tests and scripts,
# node packages, Chromium and node versions, and PAGES/LAYOUTS/CI/LRBOOK_* settings (a
# SHA-256 of their contents, never a timestamp). The reuse is listed in
# target/test-kept-passes.txt, which `make test` prints. `keep_pass` at the end of the script
# records the pass. LRBOOK_NO_CACHE=1 runs every check.
_kept_file=
_kept_key=
unless_kept() {
    local name=$1
    _kept_file=target/kept-passes/browser-$name
    _kept_key=$({
        find book/build book/src tests/browser scripts package-lock.json -type f \
            ! -name '*.lrbook-tmp.*' ! -path '*/__pycache__/*' -print0 | sort -z | xargs -0 sha256sum
        "${CHROMIUM:-/usr/bin/chromium}" --version 2>/dev/null || true
        node --version
        env | grep -E '^(PAGES|LAYOUTS|CI|LRBOOK_[A-Z_]*)=' | sort || true
    } | sha256sum | cut -d' ' -f1)
    if [ "${LRBOOK_NO_CACHE:-0}" != 1 ] && [ -f "$_kept_file" ] && [ "$(cat "$_kept_file")" = "$_kept_key" ]; then
        printf '\033[1m[%s]\033[0m kept pass: nothing it checks changed since it passed (LRBOOK_NO_CACHE=1 reruns it)\n' "$name" >&2
        echo "scripts/test-$name.sh" >> target/test-kept-passes.txt
        exit 0
    fi
}
keep_pass() {
    [ -n "$_kept_file" ] || return 0
    mkdir -p "$(dirname "$_kept_file")"
    printf '%s' "$_kept_key" > "$_kept_file"
}
