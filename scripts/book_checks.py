"""What scripts/check-book-numbers.py and scripts/check-prose-numbers.py share: how a
check reports its problems, and how its --self-test reports planted faults it missed."""
import sys


def report(problems, headline, advice, ok):
    """Prints `problems` under `headline` with `advice` and exits 1, or prints `ok`."""
    if problems:
        print(f"error: {headline}:", file=sys.stderr)
        for p in problems:
            print(f"  {p}", file=sys.stderr)
        print(advice, file=sys.stderr)
        sys.exit(1)
    print(ok, file=sys.stderr)


def report_self_test(name, failed):
    """Exits 1 listing the planted faults a self-test did not see reported, if any."""
    if failed:
        print(f"{name} self-test failed:\n  " + "\n  ".join(failed), file=sys.stderr)
        sys.exit(1)
    print(f"{name} self-test: every planted fault is reported", file=sys.stderr)
