"""PyTorch's side of bench/adam_step.rs: the same Adam steps with torch.optim.Adam, in its
three CPU code paths: the default single-tensor loop (foreach=False), the multi-tensor
foreach=True, and the fused kernel (fused=True).

Same model shapes (the Fashion-MNIST MLP 784-128-10, f32), same fixed gradients, one CPU
thread. After WARMUP steps of each, ROUNDS rounds time STEPS steps of each variant in turn
(interleaved, so that a busy moment of the machine hits them alike); each variant's best
round is printed, one line per variant: `name microseconds_per_step`.
Usage: .venv/bin/python bench/adam_step.py STEPS WARMUP ROUNDS
"""
import sys
import time

import torch

steps, warmup, rounds = (int(a) for a in sys.argv[1:4])
torch.set_num_threads(1)
shapes = [(128, 784), (128,), (10, 128), (10,)]
variants = {
    "torch_default": dict(foreach=False),
    "torch_foreach": dict(foreach=True),
    "torch_fused": dict(fused=True),
}
optimizers = {}
for name, kwargs in variants.items():
    torch.manual_seed(0)
    params = [torch.zeros(s, requires_grad=True) for s in shapes]
    for p in params:
        p.grad = torch.randn(p.shape)
    optimizers[name] = torch.optim.Adam(params, lr=1e-3, **kwargs)
for opt in optimizers.values():
    for _ in range(warmup):
        opt.step()
best = {name: float("inf") for name in optimizers}
for _ in range(rounds):
    for name, opt in optimizers.items():
        start = time.perf_counter()
        for _ in range(steps):
            opt.step()
        best[name] = min(best[name], (time.perf_counter() - start) / steps * 1e6)
for name, us in best.items():
    print(f"{name} {us:.3f}")
