"""PyTorch's side of bench/train_step.rs: the same training steps and the same sgemm.

One training step of the Fashion-MNIST MLP 784-128-10 (ReLU, f32, cross-entropy) at a given
batch size: forward, loss, zero_grad, backward, optimizer step (SGD, Adam, and Adam with
`fused=True`). The inputs are fixed random tensors (the arithmetic does not depend on the
values). Prints one line per workload: `name median_us` (median over repeats of the mean
time per step). The sgemm ceiling is timed before every workload and once at the end (the
fastest repeat each time), and the best of those is printed (with their number), as
bench/train_step.rs does.
Usage: .venv/bin/python bench/train_step.py THREADS REPEATS STEPS [cpu|cuda]
"""
import statistics
import sys
import time

import torch
import torch.nn.functional as F

threads, repeats, steps = (int(a) for a in sys.argv[1:4])
device = sys.argv[4] if len(sys.argv) > 4 else "cpu"
torch.set_num_threads(threads)


def sync():
    if device == "cuda":
        torch.cuda.synchronize()


def timed(step, steps=steps, pick=statistics.median):
    step()  # warm-up
    step()
    sync()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(steps):
            step()
        sync()
        times.append((time.perf_counter() - t) / steps)
    return pick(times) * 1e6


n = 1024
a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
sgemm_times = []


def sgemm():
    # The fastest of the repeats, 5 products each, as bench/train_step.rs times it.
    sgemm_times.append(timed(lambda: torch.mm(a, b), steps=5, pick=min))


for batch in (32, 128, 1024):
    for opt_name in ("sgd", "adam", "adam_fused"):
        sgemm()
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10)).to(device)
        x = torch.randn(batch, 784, device=device)
        y = torch.randint(0, 10, (batch,), device=device)
        if opt_name == "sgd":
            opt = torch.optim.SGD(model.parameters(), lr=0.01)
        else:
            opt = torch.optim.Adam(model.parameters(), lr=1e-3, fused=opt_name == "adam_fused")

        def step():
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()

        print(f"mlp_b{batch}_{opt_name} {timed(step):.3f}")

sgemm()
print(f"sgemm_{n} {min(sgemm_times):.3f}")
print(f"sgemm_{n}_measurements {len(sgemm_times)}")
