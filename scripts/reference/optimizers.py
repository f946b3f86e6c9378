"""Reference trajectories for `lrbook::optim`, recorded from torch.optim.

Run: .venv/bin/python scripts/reference/optimizers.py
Writes tests/fixtures/optimizers.json, read by tests/optim_conformance.rs.

Problem: a small f64 model with fixed data and fixed initial weights,
    loss(W, b) = mean((tanh(X W) + b - Y)^2),  X: 8x3, Y: 8x2, W: 3x2, b: 2,
so the gradients are real autograd gradients that change along the trajectory. Each case
runs 50 steps; the learning rate of step k is lr * (1 + 0.5 sin k), to check that the rule
uses the LR it is given at each step (how a schedule drives it). After every step the
flattened W and b are recorded. Single-tensor code paths (foreach=False), default dtype
f64 so that PyTorch's scalar state (step counts, NAdam's mu_product) is f64 too.
"""
import json
import math
import os

import torch

torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "optimizers.json")
STEPS = 50

X = [[math.sin(1.0 + i + 2.0 * j) for j in range(3)] for i in range(8)]
Y = [[math.cos(0.5 * i - j) for j in range(2)] for i in range(8)]
W0 = [[0.3 * math.cos(i + 3.0 * j) for j in range(2)] for i in range(3)]
B0 = [0.1, -0.2]


def lr_at(lr, k):
    return lr * (1.0 + 0.5 * math.sin(k))


def problem():
    """Fresh data and weights: (x, y, w, b), w and b requiring gradients."""
    x, y = torch.tensor(X), torch.tensor(Y)
    return x, y, torch.tensor(W0, requires_grad=True), torch.tensor(B0, requires_grad=True)


def loss_of(x, y, w, b):
    return ((torch.tanh(x @ w) + b - y) ** 2).mean()


def trajectory(make, lr):
    x, y, w, b = problem()
    opt = make([w, b])
    out = []
    for k in range(STEPS):
        for g in opt.param_groups:
            g["lr"] = lr_at(lr, k)
        opt.zero_grad()
        loss_of(x, y, w, b).backward()
        opt.step()
        out.append(w.detach().flatten().tolist() + b.detach().tolist())
    return out


O = torch.optim
cases = []


def case(rule, lr, **kw):
    ctor = {
        "sgd": O.SGD, "adagrad": O.Adagrad, "rmsprop": O.RMSprop, "adam": O.Adam, "adamw": O.AdamW,
        "adamax": O.Adamax, "nadam": O.NAdam, "radam": O.RAdam,
    }[rule]
    traj = trajectory(lambda ps: ctor(ps, lr=lr, foreach=False, **kw), lr)
    params = {k: (list(v) if isinstance(v, tuple) else v) for k, v in kw.items()}
    cases.append({"rule": rule, "lr": lr, "params": params, "trajectory": traj})


def main():
    case("sgd", 0.1)
    case("sgd", 0.05, momentum=0.9)
    case("sgd", 0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)
    case("sgd", 0.05, momentum=0.9, nesterov=True)
    case("sgd", 0.05, momentum=0.5, nesterov=True, weight_decay=0.05)
    case("adagrad", 0.1)
    case("adagrad", 0.1, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1, eps=1e-6)
    case("rmsprop", 0.01)
    case("rmsprop", 0.01, centered=True)
    case("rmsprop", 0.01, momentum=0.9)
    case("rmsprop", 0.01, alpha=0.9, centered=True, momentum=0.5, weight_decay=0.01, eps=1e-6)
    case("adam", 0.01)
    case("adam", 0.01, amsgrad=True)
    case("adam", 0.01, betas=(0.5, 0.9), eps=1e-6, weight_decay=0.1)
    case("adam", 0.02, betas=(0.8, 0.99), amsgrad=True, weight_decay=0.01)
    case("adamw", 0.01)
    case("adamw", 0.01, weight_decay=0.1, amsgrad=True, betas=(0.8, 0.99))
    case("adamax", 0.02)
    case("adamax", 0.02, betas=(0.8, 0.99), weight_decay=0.01, eps=1e-6)
    case("nadam", 0.02)
    case("nadam", 0.02, weight_decay=0.01, momentum_decay=0.01)
    case("nadam", 0.02, weight_decay=0.05, decoupled_weight_decay=True, betas=(0.8, 0.99))
    case("radam", 0.01)
    case("radam", 0.01, weight_decay=0.01)
    case("radam", 0.01, betas=(0.8, 0.9), weight_decay=0.05, decoupled_weight_decay=True)

    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump({"torch_version": torch.__version__, "steps": STEPS, "x": X, "y": Y, "w0": W0, "b0": B0,
                   "cases": cases}, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(cases)} cases x {STEPS} steps, torch {torch.__version__} -> {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
