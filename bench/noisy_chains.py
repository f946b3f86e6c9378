"""PyTorch-Python twin of bench/noisy_chains.rs: the same batched noisy-quadratic chains
(constant-step SGD on ½Σλᵢθᵢ², 8 curvatures log-spaced from 0.05 to 1, noise σᵢ² = λᵢ per
example ÷ B, B = 8, θ₀ = 1), as one [groups, chains, 8] float64 tensor with the same
operations per step (noise, gradient, step, per-chain loss, chain mean, window sum), on one
CPU thread. Prints the best-of-repeats wall time in seconds; checks every group's window
mean against the closed-form floor (within 5%) so that the timed work is the real work.

    .venv/bin/python bench/noisy_chains.py GROUPS CHAINS STEPS REPEATS"""
import math
import sys
import time

import torch

ETAS = [0.1, 0.2, 0.5, 1.0, 0.05, 1.5]
DIMS, LMIN, LMAX, BATCH = 8, 0.05, 1.0, 8


def run(groups, chains, steps):
    lam = torch.tensor([LMIN * (LMAX / LMIN) ** (i / (DIMS - 1)) for i in range(DIMS)],
                       dtype=torch.float64).view(1, 1, DIMS)
    half_lam = lam * 0.5
    scale = (lam.sqrt() / math.sqrt(BATCH)).expand(groups, 1, DIMS).contiguous()
    etas = torch.tensor(ETAS[:groups], dtype=torch.float64).view(1, groups, 1, 1)
    etas = etas.expand(steps, groups, 1, 1).contiguous()
    theta = torch.ones(groups, chains, DIMS, dtype=torch.float64)
    means = [(theta * theta * half_lam).sum(-1).mean(-1)]
    window_sum = torch.zeros(groups, chains, dtype=torch.float64)
    window_len = 0
    for t in range(steps):
        noise = torch.randn(groups, chains, DIMS, dtype=torch.float64) * scale
        grad = theta * lam + noise
        theta -= etas[t] * grad
        loss = (theta * theta * half_lam).sum(-1)
        means.append(loss.mean(-1))
        if t + 1 >= steps // 2 + 1:
            window_sum += loss
            window_len += 1
    return torch.stack(means, 1), window_sum / window_len, lam.flatten()


def main():
    groups, chains, steps, repeats = (int(a) for a in sys.argv[1:5])
    torch.set_num_threads(1)
    torch.manual_seed(0)
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        _, window, lam = run(groups, chains, steps)
        best = min(best, time.perf_counter() - start)
        for g in range(groups):
            eta = ETAS[g]
            floor = sum(eta * l / (2 * BATCH * (2 - eta * l)) for l in lam.tolist())
            got = window[g].mean().item()
            if abs(got - floor) > 0.05 * floor:
                sys.exit(f"group {g}: window mean {got} is not within 5% of the floor {floor}")
    print(best)


if __name__ == "__main__":
    main()
