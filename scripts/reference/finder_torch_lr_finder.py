"""Reference smoothing and stopping for `lrbook::finder`, from torch-lr-finder's range test.

Run: .venv/bin/python scripts/reference/finder_torch_lr_finder.py
Writes tests/fixtures/finder_torch_lr_finder.json, read by tests/finder_peers.rs.

Peer: torch-lr-finder 0.2.2 (torch_lr_finder/lr_finder.py, `LRFinder.range_test`), installed
without its dependencies beside torch 2.13, never into .venv:

    .venv/bin/pip install --no-deps --target .reference-pkgs/fastai torch-lr-finder==0.2.2
    .venv/bin/pip install --no-deps --target .reference-pkgs/fastai packaging==26.4 \
        tqdm==4.70.1

It also imports matplotlib (installed there for finder_fastai.py).

Protocol: the real `range_test` runs on a one-parameter model with SGD, with its per-batch
training call `_train_batch` patched to return the next loss of a given raw sequence (the
Python float a real batch's `loss.item()` would be). Everything else is the package's own:
the exponential (or linear) learning-rate schedule, the smoothing `smooth_f * loss +
(1 - smooth_f) * previous`, seeded with the first raw loss and without bias correction, and
the stop once the smoothed loss exceeds `diverge_th * best_loss`. The fixture keeps the raw
sequence, the settings, and `history["lr"]`, `history["loss"]` (one entry per step taken:
the step that diverged is the last one). Every float is written as a string: its repr, or
"nan", "inf", "-inf".
"""
import json
import math
import os
import sys
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(ROOT, ".reference-pkgs", "fastai"))
warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch_lr_finder import LRFinder  # noqa: E402
from exact_floats import enc, enc1  # noqa: E402

OUT = os.path.join(ROOT, "tests", "fixtures", "finder_torch_lr_finder.json")


def run(raw, start_lr, end_lr, step_mode, smooth_f, diverge_th):
    model = torch.nn.Linear(1, 1)
    opt = torch.optim.SGD(model.parameters(), lr=start_lr)
    finder = LRFinder(model, opt, torch.nn.MSELoss(), device="cpu")
    it = iter(raw)
    finder._train_batch = lambda *_a, **_k: next(it)
    data = torch.utils.data.TensorDataset(torch.zeros(4, 1), torch.zeros(4, 1))
    loader = torch.utils.data.DataLoader(data, batch_size=1)  # never drawn from
    finder.range_test(loader, start_lr=start_lr, end_lr=end_lr, num_iter=len(raw),
                      step_mode=step_mode, smooth_f=smooth_f, diverge_th=diverge_th)
    return finder.history


def main():
    rng = np.random.default_rng(17)
    lrs = [1e-6 * 1e7 ** (i / 99) for i in range(100)]  # the raw curves' own x axis
    clean = [0.5 + 2.0 / (1 + math.exp(3 * (math.log10(lr) + 3))) + 0.05 * math.exp(4 * (math.log10(lr) + 1))
             for lr in lrs]
    noisy = [v + float(rng.normal(0, 0.05)) for v in clean]
    nan = clean[:60] + [math.nan] * 40
    flat = [1.0 + float(rng.normal(0, 0.01)) for _ in range(80)]
    cases = [
        ("clean", clean, 1e-6, 1.0, "exp", 0.05, 5),
        ("noisy", noisy, 1e-6, 10.0, "exp", 0.05, 5),
        ("noisy_smooth_0.3_linear", noisy, 1e-4, 0.5, "linear", 0.3, 5),
        ("diverging_at_4", clean, 1e-6, 10.0, "exp", 0.05, 4),
        ("no_smoothing", noisy, 1e-6, 1.0, "exp", 0.0, 5),
        ("nan", nan, 1e-6, 1.0, "exp", 0.05, 5),
        ("flat", flat, 1e-5, 10.0, "exp", 0.05, 5),
    ]
    out = []
    for name, raw, start, end, mode, smooth_f, th in cases:
        h = run(raw, start, end, mode, smooth_f, th)
        out.append({"name": name, "start_lr": enc1(start), "end_lr": enc1(end), "step_mode": mode,
                    "smooth_f": enc1(smooth_f), "diverge_th": enc1(float(th)), "raw": enc(raw),
                    "lr": enc([float(v) for v in h["lr"]]), "loss": enc([float(v) for v in h["loss"]])})
    with open(OUT, "w") as f:
        json.dump({"peer": "torch-lr-finder 0.2.2", "cases": out}, f, indent=1)
        f.write("\n")
    print(f"wrote {len(out)} sequences to {os.path.normpath(OUT)}")
    for c in out:
        print(c["name"], len(c["raw"]), "->", len(c["loss"]), "steps")


if __name__ == "__main__":
    main()
