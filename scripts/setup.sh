#!/usr/bin/env bash
# One-time, idempotent set-up for lrbook. Installs, inside the repository:
#   .venv/          Python venv with torch==2.13.0 (libtorch for tch, and the reference scripts)
#   .libtorch       symlink to the wheel's torch/ folder (LIBTORCH, see .cargo/config.toml)
#   .tools/bin/     mdbook and mdbook-katex, built from crates.io
#   node_modules/   playwright-core (npm ci; drives the system Chromium, downloads no browser)
# and, system-wide when root or sudo is available, Debian's dataset-fashion-mnist and chromium.
# Usage: scripts/setup.sh [all|torch|book|data|browser]   (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

TORCH_VERSION="2.13.0"
MDBOOK_VERSION="0.5.4"
MDBOOK_KATEX_VERSION="0.10.0-alpha"   # resolved below to the newest 0.10.x that installs
PYTHON="${PYTHON:-python3}"

say() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

setup_torch() {
    if [ -x .venv/bin/python ] && .venv/bin/python - <<PY 2>/dev/null
import importlib.metadata as m, sys
sys.exit(0 if m.version("torch").split("+")[0] == "$TORCH_VERSION" else 1)
PY
    then
        say "torch $TORCH_VERSION already in .venv"
    else
        say "creating .venv with torch==$TORCH_VERSION (about 5 GB; this takes a few minutes)"
        "$PYTHON" -m venv .venv
        .venv/bin/python -m pip install --quiet --upgrade pip
        .venv/bin/python -m pip install --quiet "torch==$TORCH_VERSION" numpy
    fi
    local torch_dir
    torch_dir="$(.venv/bin/python -c 'import os, torch; print(os.path.dirname(torch.__file__))')"
    # Only when it points elsewhere: a new link makes cargo rebuild lrbook-env-check, and with
    # it the library and every test executable, at the next build.
    [ "$(readlink .libtorch 2>/dev/null)" = "$torch_dir" ] || ln -sfn "$torch_dir" .libtorch
    say "LIBTORCH -> $torch_dir (via .libtorch)"
}

setup_book_tools() {
    mkdir -p .tools
    if [ -x .tools/bin/mdbook ] && .tools/bin/mdbook --version | grep -q "$MDBOOK_VERSION"; then
        say "mdbook $MDBOOK_VERSION already in .tools/bin"
    else
        say "installing mdbook $MDBOOK_VERSION into .tools (a few minutes)"
        cargo install --quiet --locked --root .tools mdbook --version "$MDBOOK_VERSION"
    fi
    if [ -x .tools/bin/mdbook-katex ] && .tools/bin/mdbook-katex --version 2>/dev/null | grep -q ' 0\.10'; then
        say "mdbook-katex 0.10 already in .tools/bin"
    else
        say "installing mdbook-katex 0.10 into .tools (a few minutes)"
        cargo install --quiet --locked --root .tools mdbook-katex --version "^0.10"
    fi
}

setup_data() {
    local sys_dir=/usr/share/datasets/fashion-mnist
    if [ -n "${FASHION_MNIST_DIR:-}" ] && [ -f "$FASHION_MNIST_DIR/train-images-idx3-ubyte.gz" ]; then
        say "Fashion-MNIST found in \$FASHION_MNIST_DIR=$FASHION_MNIST_DIR"; return
    fi
    if [ -f "$sys_dir/train-images-idx3-ubyte.gz" ] || [ -f data/fashion-mnist/train-images-idx3-ubyte.gz ]; then
        say "Fashion-MNIST already present"; return
    fi
    local SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO="sudo -n"; fi
    fi
    if [ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ]; then
        say "installing Debian package dataset-fashion-mnist"
        $SUDO apt-get install -y -q dataset-fashion-mnist >/dev/null 2>&1 || {
            $SUDO apt-get update -q >/dev/null 2>&1 || true
            $SUDO apt-get install -y -q dataset-fashion-mnist >/dev/null
        }
    else
        cat >&2 <<MSG
[setup] Fashion-MNIST is not installed and this user cannot run apt-get.
        Either ask an administrator to run:   apt-get install dataset-fashion-mnist
        or download the four files train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
        t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz from
        https://github.com/zalandoresearch/fashion-mnist (data/fashion/) into
            $ROOT/data/fashion-mnist/
        or point FASHION_MNIST_DIR at a folder that holds them.
MSG
        return 1
    fi
}

# Chapter 2's slider test (scripts/test-slider.sh) runs in a real headless Chromium.
setup_browser() {
    if [ ! -x /usr/bin/chromium ] && [ -z "${CHROMIUM:-}" ]; then
        local SUDO=""
        if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO="sudo -n"; fi
        if [ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ]; then
            say "installing Debian package chromium"
            $SUDO apt-get install -y -q chromium >/dev/null 2>&1 || {
                $SUDO apt-get update -q >/dev/null 2>&1 || true
                $SUDO apt-get install -y -q chromium >/dev/null
            }
        else
            say "Chromium is not installed and this user cannot run apt-get: ask an administrator to run 'apt-get install chromium', or set CHROMIUM to a Chromium binary"
            return 1
        fi
    fi
    if [ -f node_modules/playwright-core/package.json ] && grep -q '"version": "1.65.1"' node_modules/playwright-core/package.json; then
        say "playwright-core already in node_modules"
    else
        say "installing playwright-core into node_modules (npm ci; no browser download)"
        PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent
    fi
}

case "${1:-all}" in
    all)
        # The book tools are built from source (CPU-bound); the torch wheel, the Debian
        # packages and the node package are downloads (network-bound). Both at once: on a
        # fresh 2-core machine this saves the few minutes the builds would otherwise add.
        # (Each in its own background job, so that set -e still stops it at its first error.)
        setup_book_tools & tools_pid=$!
        ( setup_torch; setup_data; setup_browser ) & downloads_pid=$!
        downloads_ok=0; wait "$downloads_pid" || downloads_ok=$?
        tools_ok=0; wait "$tools_pid" || tools_ok=$?
        if [ "$downloads_ok" != 0 ] || [ "$tools_ok" != 0 ]; then
            say "set-up failed (see the messages above); run 'scripts/setup.sh' again once it is fixed"
            exit 1
        fi
        ;;
    browser) setup_browser ;;
    torch) setup_torch ;;
    book) setup_book_tools ;;
    data) setup_data ;;
    *) echo "usage: $0 [all|torch|book|data|browser]" >&2; exit 2 ;;
esac
