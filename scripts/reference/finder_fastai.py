"""Reference suggestions for `lrbook::finder::suggest`, from fastai's own `Learner.lr_find`.

Run: .venv/bin/python scripts/reference/finder_fastai.py
Writes tests/fixtures/finder_fastai.json, read by tests/finder_peers.rs.

Peer: fastai 2.8.12 (fastai/callback/schedule.py: `lr_find`, `valley`, `slide`, `minimum`,
`steep`), installed without its dependencies beside torch 2.13, never into .venv:

    .venv/bin/pip install --no-deps --target .reference-pkgs/fastai fastai==2.8.12 \
        fastcore==2.2.41 fasttransform==0.0.5 plum-dispatch==2.10.1 beartype==0.23.1 \
        rich==15.0.0 markdown-it-py==4.3.0 mdurl==0.1.2 pygments==2.21.0 \
        fastprogress==1.0.3 fastdownload==0.0.8 matplotlib==3.11.2 contourpy==1.3.3 \
        cycler==0.12.1 fonttools==4.69.1 kiwisolver==1.5.1 pyparsing==3.3.3 \
        python-dateutil==4.0.0 six==1.17.0 pillow==13.0.0 packaging==26.4 pandas==3.1.1 \
        pytz==2026.6 tzdata==2026.6 pyyaml==6.0.4 requests==2.34.2 urllib3==2.8.0 \
        charset-normalizer==3.5.3 idna==3.21 certifi==2026.10.19.post1 scipy==1.17.1 \
        scikit-learn==1.9.1 joblib==1.6.0 threadpoolctl==3.8.0 cloudpickle==3.1.3 \
        narwhals==2.29.0

(fastprogress is pinned to 1.0.3 because later versions import fasthtml.) Nothing is
stubbed: `import fastai.callback.schedule` runs as it is.

Protocol: every curve is handed to fastai's real `Learner.lr_find` (so the trim
`[num_it//10:-5]`, the cut at the first NaN and the four suggestion functions are all
fastai's own), called on a stand-in learner whose `fit` does no training: the recorder
already holds the curve as if a range test had recorded it (`recorder.lrs`, and the
smoothed `recorder.losses`). `num_it` is the planned iteration count; a curve shorter than
it is a test that stopped early. fastai turns both lists into float32 tensors, so every
learning rate and loss is rounded to float32 here first, and the fixture stores those
values: lrbook then reads the same numbers in f64. Each suggestion function is wrapped
only to record what it returned (and to record an exception instead of aborting the
others); the index of the point it picked is found by matching the returned learning rate
(for `minimum`, the minimum's own learning rate) against the curve's.

fastai computes in float32, lrbook in f64: where two of steep's slopes tie exactly in exact
arithmetic (a sigmoid centred on a grid point, with nothing to break its symmetry), float32
rounding alone picks one of them. The curves are therefore centred off the grid where
nothing else breaks that tie (`never_diverging`), and no curve is a straight line
(`straight_descent` is an exponential): a tie is a fact of the curve, not of the
rule.

Curves with an ∞ tail (fastai cuts only at NaN) also get the suggestions fastai makes on
the same curve with the ∞ replaced by NaN: lrbook cuts at both, so that twin is what
lrbook must give. Every float is written as a string: its repr, or "nan", "inf", "-inf".
"""
import contextlib
import json
import math
import os
import sys
import types
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(ROOT, ".reference-pkgs", "fastai"))
warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402
import fastai  # noqa: E402
from fastai.callback.schedule import Learner, minimum, slide, steep, valley  # noqa: E402
from exact_floats import enc, enc1  # noqa: E402

assert fastai.__version__ == "2.8.12", fastai.__version__
OUT = os.path.join(ROOT, "tests", "fixtures", "finder_fastai.json")
FUNCS = (valley, slide, minimum, steep)


def f32(xs):
    return [float(np.float32(x)) for x in xs]


def fastai_lrs(num_it, n, start=1e-7, end=10.0):
    """fastai's LRFinder schedule, SchedExp at pos = train_iter / num_it."""
    return [start * (end / start) ** (i / num_it) for i in range(n)]


def u_curve(lrs, floor=0.4, height=1.9, centre=-3.0, blow=-0.5, scale=0.02):
    out = []
    for lr in lrs:
        x = math.log10(lr)
        out.append(floor + height / (1 + math.exp(3 * (x - centre))) + scale * math.exp(2.5 * (x - blow)))
    return out


def ema(raw, beta=0.98):
    """fastai's debiased moving average (Recorder's smooth_loss)."""
    avg, out = 0.0, []
    for k, v in enumerate(raw, 1):
        avg = beta * avg + (1 - beta) * v
        out.append(avg / (1 - beta**k))
    return out


def stop_at_divergence(losses, k=4.0):
    """The curve as fastai's LRFinder records it: up to and including the first point
    above k x the best so far."""
    best = math.inf
    for i, v in enumerate(losses):
        best = min(best, v)
        if v > k * best:
            return losses[: i + 1]
    return losses


class StandInLearner:
    """Just what `Learner.lr_find` touches: `dls.train` (its length), `no_logging`, `fit`
    and `recorder`."""

    def __init__(self, lrs, losses):
        self.recorder = types.SimpleNamespace(lrs=list(lrs), losses=list(losses))
        self.dls = types.SimpleNamespace(train=[None] * 16)

    @contextlib.contextmanager
    def no_logging(self):
        yield

    def fit(self, n_epoch, cbs=None):
        pass  # the recorder already holds the range test's curve


def run_fastai(lrs, losses, num_it):
    returned = {}

    def wrap(func):
        def recorded(lrs_, losses_, num_it_):
            try:
                out = func(lrs_, losses_, num_it_)
                returned[func.__name__] = out
                return out
            except Exception as e:  # noqa: BLE001  (recorded, then the next rule runs)
                returned[func.__name__] = e
                return math.nan, (math.nan, math.nan)

        recorded.__name__ = func.__name__
        return recorded

    learn = StandInLearner(lrs, losses)
    Learner.lr_find(learn, num_it=num_it, show_plot=False, suggest_funcs=tuple(wrap(f) for f in FUNCS))
    result = {}
    for func in FUNCS:
        name = func.__name__
        out = returned[name]
        if isinstance(out, Exception):
            result[name] = {"error": f"{type(out).__name__}: {out}"}
            continue
        lr, (point_lr, _) = out
        lr, point_lr = float(lr), float(point_lr)
        matches = [i for i, v in enumerate(lrs) if v == point_lr]
        assert len(matches) == 1, (name, point_lr)
        result[name] = {"lr": enc1(lr), "index": matches[0]}
    return result


def curves():
    rng = np.random.default_rng(17)
    out = []

    def add(name, num_it, lrs, losses, note):
        assert len(losses) <= len(lrs) <= num_it
        lrs = lrs[: len(losses)]  # a test that stopped early recorded fewer points
        out.append((name, num_it, f32(lrs), f32(losses), note))

    l100 = fastai_lrs(100, 100)
    add("clean_u", 100, l100, u_curve(l100), "a clean sigmoid descent, then the blow-up")
    l300 = fastai_lrs(300, 300)
    add("clean_u_300", 300, l300, u_curve(l300), "the same, 300 iterations: skip_start 30")
    raw = [v + rng.normal(0, 0.05) for v in u_curve(l100)]
    add("noisy_u", 100, l100, ema(raw), "minibatch noise, smoothed by fastai's average")
    raw = [v + rng.normal(0, 0.25) for v in u_curve(l300)]
    add("noisy_u_heavy", 300, l300, ema(raw), "heavy noise, smoothed")
    raw = [v + rng.normal(0, 0.15) for v in u_curve(l100)]
    add("noisy_u_unsmoothed", 100, l100, raw, "raw minibatch losses, no smoothing")
    spiky = u_curve(l100)
    for i, v in [(1, 40.0), (3, 25.0), (6, 9.0)]:
        spiky[i] = v
    add("early_spikes", 100, l100, spiky, "spikes in the first tenth, which is skipped")
    spiky = u_curve(l100)
    for i, v in [(11, 6.0), (14, 4.0), (20, 3.0)]:
        spiky[i] = v
    add("spikes_inside_window", 100, l100, spiky, "spikes just after the skipped tenth")
    add("flat_start", 100, l100, u_curve(l100, centre=-1.5, blow=0.5),
        "flat for six decades, then a late descent")
    two = [a + b for a, b in zip(u_curve(l100, height=0.8, centre=-5.0, scale=0.0),
                                 u_curve(l100, floor=0.0, height=1.0, centre=-2.0))]
    add("two_valleys", 100, l100, two, "two descents, the second deeper")
    two = [a + b - 0.6 * math.exp(-((math.log10(lr) + 4.0) ** 2) * 4)
           for a, b, lr in zip(u_curve(l100, height=0.6, centre=-5.5, scale=0.0),
                               u_curve(l100, floor=0.0, height=1.0, centre=-1.5, blow=0.3), l100)]
    add("two_valleys_bump", 100, l100, two, "a dip, a bump, then the main descent")
    add("never_diverging", 100, l100, u_curve(l100, centre=-3.03, scale=0.0), "falls to the end, no blow-up")
    add("never_diverging_plateau", 100, l100, u_curve(l100, centre=-4.0, scale=0.0),
        "falls early, then a long plateau to the end")
    lr_fast = fastai_lrs(100, 100, start=1e-5, end=100.0)
    add("early_stop", 100, lr_fast, stop_at_divergence(u_curve(lr_fast, blow=-1.5, scale=0.2)),
        "diverges at 4x the best before the planned 100 iterations")
    l200 = fastai_lrs(200, 200, start=1e-4, end=1e3)
    raw = [v + rng.normal(0, 0.05) for v in u_curve(l200, centre=-2.0, blow=-1.0, scale=0.3)]
    add("early_stop_noisy_200", 200, l200, stop_at_divergence(ema(raw)),
        "noisy, stops early out of 200 planned")
    nan_tail = u_curve(l100)[:82] + [math.nan] * 18
    add("nan_tail", 100, l100, nan_tail, "NaN from step 82 to the end (fastai keeps recording)")
    nan_last = u_curve(l100)[:77] + [math.nan]
    add("nan_last", 100, l100[:78], nan_last, "one NaN, the last point (lrbook's tracker stops there)")
    inf_tail = u_curve(l100)[:82] + [math.inf] * 18
    add("inf_tail", 100, l100, inf_tail, "∞ from step 82 to the end")
    inf_last = u_curve(l100)[:83] + [math.inf] * 4 + u_curve(l100)[87:90]
    add("inf_inside", 100, l100[:90], inf_last, "∞ inside the window, finite again after")
    add("negative", 100, l100, [v - 3.0 for v in u_curve(l100)], "every loss negative")
    raw = [v - 2.0 + rng.normal(0, 0.05) for v in u_curve(l100)]
    add("negative_noisy", 100, l100, ema(raw), "negative and noisy, smoothed")
    down = [0.5 + 0.5 * math.exp(-i / 30) for i in range(100)]  # no two slopes tie
    add("straight_descent", 100, l100, down, "strictly decreasing: fastai's valley starts at -1")
    wrap = [1.0, 0.9] + [1.0 + 0.01 * i for i in range(18)]
    pad = [2.0 - 0.001 * i for i in range(10)]
    add("valley_wraps", 100, l100[:35], pad + wrap + [1.3, 1.4, 1.5, 1.6, 1.7],
        "the only descent is two points: fastai's valley index is -1, the window's last point")
    add("flat", 100, l100, [0.3 + 0.002 * ((k * 37 % 11) - 5) for k in range(100)],
        "noisy and flat: no descent (lrbook refuses)")
    add("too_short", 100, l100[:18], u_curve(l100)[:18],
        "stopped after 18 of 100: 3 points left after the trim (lrbook refuses)")
    return out


def main():
    cases = []
    for name, num_it, lrs, losses, note in curves():
        case = {"name": name, "note": note, "num_it": num_it, "lrs": enc(lrs), "losses": enc(losses),
                "fastai": run_fastai(lrs, losses, num_it)}
        if any(math.isinf(v) for v in losses):
            twin = [math.nan if math.isinf(v) else v for v in losses]
            case["fastai_inf_as_nan"] = run_fastai(lrs, twin, num_it)
        cases.append(case)
    with open(OUT, "w") as f:
        json.dump({"peer": "fastai 2.8.12", "cases": cases}, f, indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} curves to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
