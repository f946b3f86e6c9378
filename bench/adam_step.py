"""PyTorch's side of bench/adam_step.rs: the same Adam steps with torch.optim.Adam.

Same model shapes (the Fashion-MNIST MLP 784-128-10, f32), same fixed gradients, one CPU
thread, the default (single-tensor) CPU code path. Prints one line: microseconds per step.
Usage: .venv/bin/python bench/adam_step.py STEPS WARMUP
"""
import sys
import time

import torch

steps, warmup = int(sys.argv[1]), int(sys.argv[2])
torch.set_num_threads(1)
torch.manual_seed(0)
shapes = [(128, 784), (128,), (10, 128), (10,)]
params = [torch.zeros(s, requires_grad=True) for s in shapes]
for p in params:
    p.grad = torch.randn(p.shape)
opt = torch.optim.Adam(params, lr=1e-3)
for _ in range(warmup):
    opt.step()
start = time.perf_counter()
for _ in range(steps):
    opt.step()
elapsed = time.perf_counter() - start
print(f"{elapsed / steps * 1e6:.3f}")
