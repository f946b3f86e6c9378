# Shared by scripts/check-*-mutations.sh (sourced, not run): `run FILE OLD NEW` replaces the
# first OLD in FILE by NEW, runs $MUTATION_TEST (a cargo test command), restores FILE, and
# reports whether the test killed the mutation; `finish` prints the count and fails if any
# survived. FILE is put back even if the script is interrupted mid-mutation.
survivors=0
backup=""; target=""
trap '[ -n "$backup" ] && cp "$backup" "$target" && rm -f "$backup"' EXIT INT TERM
run() { # file, old, new
    target="$1"
    backup="$(mktemp)"
    cp "$1" "$backup"
    python3 - "$1" "$2" "$3" <<'PY'
import sys
p, old, new = sys.argv[1:4]
s = open(p).read()
assert old in s, f"mutation target not found in {p}: {old}"
open(p, "w").write(s.replace(old, new, 1))
PY
    if $MUTATION_TEST >/dev/null 2>&1; then
        echo "SURVIVED: $1: $2 -> $3"; survivors=$((survivors + 1))
    else
        echo "killed:   $1: $2 -> $3"
    fi
    cp "$backup" "$1"; rm -f "$backup"; backup=""
}
finish() {
    echo "$survivors mutations survived"
    [ "$survivors" -eq 0 ]
}
