#!/usr/bin/env bash
# Checks that lrbook can be published and used as a dependency, the way a tch user meets it:
#  1. `cargo publish --dry-run --workspace`: packages lrbook-env-check and lrbook and builds
#     the packaged lrbook (nothing is uploaded);
#  2. the docs, built from the packaged tarball as docs.rs builds them: outside this
#     repository (so .cargo/config.toml does not apply), with no LIBTORCH, through tch's
#     doc-only feature (`[package.metadata.docs.rs]` in Cargo.toml), warnings as errors;
#  3. a new project outside the crate whose Cargo.toml and src/main.rs are the README's own
#     "From your own project" blocks, built against the packaged tarball and run.
# Run by `make test`; by hand: scripts/check-publish.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
export PATH="$root/.tools/bin:$PATH"

step() { printf '[check-publish] %s\n' "$*"; }

# A kept pass (as tests/common/kept.rs for the slow Rust tests): skipped when the packaged
# sources (file contents, not tarball timestamps), the README, this script and the Rust
# toolchain are those of a run that passed. LRBOOK_NO_CACHE=1 runs it.
cargo package --workspace --allow-dirty --no-verify --quiet
kept_dir=$(mktemp -d /tmp/lrbook-kept.XXXXXX)
for crate in "target/package/lrbook-$version.crate" "target/package/lrbook-env-check-$version.crate"; do
    tar xzf "$crate" -C "$kept_dir"
done
kept_key=$({
    (cd "$kept_dir" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
    sha256sum README.md scripts/check-publish.sh
    rustc -V; cargo -V
    env | grep -E '^(CI|LRBOOK_[A-Z_]*)=' | sort || true
} | sha256sum | cut -d' ' -f1)
rm -rf "$kept_dir"
kept_file=target/kept-passes/check-publish
if [ "${LRBOOK_NO_CACHE:-0}" != 1 ] && [ -f "$kept_file" ] && [ "$(cat "$kept_file")" = "$kept_key" ]; then
    step "kept pass: the package, README and toolchain are those of a run that passed (LRBOOK_NO_CACHE=1 reruns it)"
    echo "scripts/check-publish.sh" >> target/test-kept-passes.txt
    exit 0
fi

step "cargo publish --dry-run --workspace (lrbook $version)"
log=$(mktemp)
# --no-verify: the dry-run's own build of the packaged crate would share target/debug with
# the workspace and rerun lrbook's build script there (same unit, other sources), which
# rebuilds the library and every test executable at the next `cargo test` and so voids the
# kept passes (tests/common/kept.rs). The packaged crate is built below all the same, as a
# dependency of the README's downstream project.
if ! cargo publish --dry-run --workspace --allow-dirty --no-verify --quiet >"$log" 2>&1; then
    cat "$log" >&2
    echo "check-publish: cargo publish --dry-run failed (above)" >&2
    exit 1
fi
grep -v '^warning: aborting upload due to dry run$' "$log" || true
rm -f "$log"

# The dry-run keeps its tarballs to itself (target/package/tmp-crate); the steps below read
# the ones `cargo package` writes, from the same sources (no second build: --no-verify).
cargo package --workspace --allow-dirty --no-verify --quiet

scratch=$(mktemp -d /tmp/lrbook-publish.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
tar xzf "target/package/lrbook-$version.crate" -C "$scratch"
tar xzf "target/package/lrbook-env-check-$version.crate" -C "$scratch"
patch_env_check="patch.crates-io.lrbook-env-check.path=\"$scratch/lrbook-env-check-$version\""

step "docs as docs.rs builds them (no libtorch, feature doc-only)"
for f in .cargo/config.toml .cargo/config; do
    if [ -e "$scratch/lrbook-$version/$f" ]; then
        echo "check-publish: the package ships $f, which would change how docs.rs builds it" >&2
        exit 1
    fi
done
(cd "$scratch/lrbook-$version" &&
    env -u LIBTORCH -u LRBOOK_EXPECTED_LIBTORCH -u LD_LIBRARY_PATH DOCS_RS=1 \
        CARGO_TARGET_DIR="$root/target/docsrs" RUSTDOCFLAGS="-D warnings" \
        cargo doc --quiet --no-deps --lib --features doc-only --config "$patch_env_check")
[ -f "$root/target/docsrs/doc/lrbook/index.html" ]

step "the README's downstream project, built against the packaged crate and run"
# Inside target/ so that it builds in this repository's environment and shares its compiled
# dependencies (same profile, same LIBTORCH); it is still a project of its own, with its own
# workspace, depending on the packaged lrbook.
app="$root/target/downstream-app"
rm -rf "$app"
mkdir -p "$app/src"
# The README's blocks: the first ```toml block and the first ```rust block after the
# "From your own project" heading.
python3 - "$root/README.md" "$app" "$root/Cargo.toml" <<'EOF'
import json, pathlib, re, sys, tomllib
text = pathlib.Path(sys.argv[1]).read_text()
section = text.split("### From your own project", 1)[1]
toml = re.search(r"```toml\n(.*?)```", section, re.S).group(1)
rust = re.search(r"```rust\n(.*?)```", section, re.S).group(1)
app = pathlib.Path(sys.argv[2])
# The README's [dependencies] block, under a package header of the app's own, with lrbook's
# own [profile.dev] copied from its Cargo.toml: a dependency built with another profile
# (opt-level, debug info) is compiled a second time, and every one of them was (about 4 min).
def toml_value(v):  # a profile holds booleans, integers and strings only
    return str(v).lower() if isinstance(v, bool) else json.dumps(v)
def profile_tables(name, table, out):
    out.append(f"[{name}]")
    out += [f"{k} = {toml_value(v)}" for k, v in table.items() if not isinstance(v, dict)]
    for package, sub in table.get("package", {}).items():
        profile_tables(f'{name}.package."{package}"', sub, out)
profile = []
profile_tables("profile.dev", tomllib.loads(pathlib.Path(sys.argv[3]).read_text())["profile"]["dev"], profile)
(app / "Cargo.toml").write_text(
    '[package]\nname = "my-tch-app"\nversion = "0.1.0"\nedition = "2021"\n\n' + toml
    + "\n" + "\n".join(profile) + "\n[workspace]\n")
(app / "src" / "main.rs").write_text(rust)
EOF
# lrbook's own Cargo.lock, which cargo trims to what the app uses: the same dependency versions
# as the tests (a fresh resolution picked newer patch releases, so every dependency was compiled
# again, and the check could break on a crate's release with nothing changed here).
cp "$root/Cargo.lock" "$app/Cargo.lock"
libtorch="$root/.libtorch"
(cd "$app" &&
    LIBTORCH="$libtorch" LD_LIBRARY_PATH="$libtorch/lib" CARGO_TARGET_DIR="$root/target" \
        cargo run --quiet --config "$patch_env_check" \
        --config "patch.crates-io.lrbook.path=\"$scratch/lrbook-$version\"")
step "ok: packaged, documented without libtorch, and used from another project"
mkdir -p target/kept-passes
printf '%s' "$kept_key" > "$kept_file"
