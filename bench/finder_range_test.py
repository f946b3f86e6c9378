"""Benchmark: the same 100-step LR range test as bench/finder_range_test.rs, in PyTorch.

Fashion-MNIST MLP 784-128-10, plain SGD, batch 128, CPU, batches in file order; the
learning rate sweeps exponentially from 1e-6 to 1; the loss is smoothed (beta 0.98, bias
corrected); the model is saved before and restored after; the optimizer is built fresh.
Usage: .venv/bin/python bench/finder_range_test.py --threads 1 --repeats 7
"""
import argparse
import copy
import gzip
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

PIXEL_MEAN, PIXEL_STD = 0.28604, 0.35302  # lrbook::data::fashion_mnist


def load(n):
    d = os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")
    with gzip.open(os.path.join(d, "train-images-idx3-ubyte.gz")) as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)[:n]
    with gzip.open(os.path.join(d, "train-labels-idx1-ubyte.gz")) as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)[:n]
    x = (torch.from_numpy(x.astype(np.float32)) / 255.0 - PIXEL_MEAN) / PIXEL_STD
    return x, torch.from_numpy(y.astype(np.int64))


def range_test(model, batches, start, end, n, beta=0.98):
    saved = copy.deepcopy(model.state_dict())
    opt = torch.optim.SGD(model.parameters(), lr=start)
    avg, points = 0.0, []
    for k, (x, y) in enumerate(batches[:n]):
        lr = start * (end / start) ** (k / (n - 1))
        for g in opt.param_groups:
            g["lr"] = lr
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        value = loss.item()
        if np.isfinite(value):
            loss.backward()
            opt.step()
        avg = beta * avg + (1 - beta) * value
        smoothed = avg / (1 - beta ** (k + 1))
        points.append((lr, value, smoothed))
        if not np.isfinite(smoothed):
            break
    opt.zero_grad()
    model.load_state_dict(saved)
    return points


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--iterations", type=int, default=100)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    batch = 128
    x, y = load(batch * a.iterations)
    batches = [(x[i:i + batch], y[i:i + batch]) for i in range(0, len(x), batch)]
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    times, steps = [], 0
    for rep in range(a.repeats + 1):
        t0 = time.perf_counter()
        steps = len(range_test(model, batches, 1e-6, 1.0, a.iterations))
        dt = time.perf_counter() - t0
        if rep > 0:
            times.append(dt)
    times.sort()
    print(f"python steps={steps} threads={a.threads} median_s={times[len(times) // 2]:.6f} min_s={times[0]:.6f}")


if __name__ == "__main__":
    main()
