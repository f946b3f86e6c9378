"""PyTorch-Python twin of `cargo run --example ch3_schedules -- --quick` (the training part).

The same work as chapter 3's quick comparison: 2000 Fashion-MNIST training and 1000 test
images (standardised), an MLP 784-64-10, SGD with momentum 0.9 at peak LR 0.05, batch 64,
4 epochs of 32 steps, seven schedules (constant, StepLR, ExponentialLR, CosineAnnealingLR,
LinearLR warmup + cosine via SequentialLR, OneCycleLR with momentum cycling, and
ReduceLROnPlateau on the mean training loss of every half epoch) x 2 seeds, a test
evaluation after every epoch. It does not draw figures (the Rust run draws 11 files), so
the comparison favours Python slightly. Usage: .venv/bin/python bench/ch3_quick.py THREADS
"""
import gzip
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch.optim import lr_scheduler as S

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
PIXEL_MEAN, PIXEL_STD = 0.28604, 0.35302  # lrbook::data::fashion_mnist


def load(prefix, n):
    d = os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")
    with gzip.open(os.path.join(d, f"{prefix}-images-idx3-ubyte.gz")) as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)[:n]
    with gzip.open(os.path.join(d, f"{prefix}-labels-idx1-ubyte.gz")) as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)[:n]
    x = (torch.from_numpy(x.astype(np.float32)) / 255.0 - PIXEL_MEAN) / PIXEL_STD
    return x, torch.from_numpy(y.astype(np.int64))


xtr, ytr = load("train", 2000)
xte, yte = load("t10k", 1000)
peak, epochs, batch = 0.05, 4, 64
spe = math.ceil(len(xtr) / batch)
total = spe * epochs


def scheduler(name, opt):
    if name == "constant":
        return None
    if name == "step":
        return S.StepLR(opt, math.ceil(total / 3), 0.2)
    if name == "exponential":
        return S.ExponentialLR(opt, 0.01 ** (1 / total))
    if name == "cosine":
        return S.CosineAnnealingLR(opt, total, 0.0)
    if name == "warmup_cosine":
        w = total // 10
        return S.SequentialLR(opt, [S.LinearLR(opt, 1 / w, 1.0, w), S.CosineAnnealingLR(opt, total - w, 0.0)], [w])
    if name == "one_cycle":
        return S.OneCycleLR(opt, peak, total_steps=total)
    return S.ReduceLROnPlateau(opt, factor=0.3, patience=1, threshold=0.01)


for name in ["constant", "step", "exponential", "cosine", "warmup_cosine", "one_cycle", "plateau"]:
    for seed in [0, 1]:
        torch.manual_seed(seed)
        model = torch.nn.Sequential(torch.nn.Linear(784, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
        opt = torch.optim.SGD(model.parameters(), lr=peak, momentum=0.9)
        sched = scheduler(name, opt)
        window, acc = max(spe // 2, 1), []
        rng = np.random.default_rng(seed)
        for epoch in range(epochs):
            order = torch.from_numpy(rng.permutation(len(xtr)))
            for k in range(spe):
                idx = order[k * batch:(k + 1) * batch]
                opt.zero_grad()
                loss = F.cross_entropy(model(xtr[idx]), ytr[idx])
                loss.backward()
                opt.step()
                acc.append(loss.item())
                if name == "plateau":
                    if len(acc) == window:
                        sched.step(sum(acc) / window)
                        acc = []
                elif sched is not None:
                    sched.step()
            with torch.no_grad():
                test_acc = (model(xte).argmax(1) == yte).float().mean().item()
print("done")
