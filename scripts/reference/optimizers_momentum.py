"""Reference trajectories for optimizers driven by a momentum-cycling schedule, from torch.optim.

Run: .venv/bin/python scripts/reference/optimizers_momentum.py
Writes tests/fixtures/optimizers_momentum.json, read by tests/optim_schedule_drive.rs.

The problem, its data and its initial weights are those of scripts/reference/optimizers.py
(imported from it). Each case builds one torch.optim optimizer (single-tensor path,
foreach=False, f64) and a scheduler with cycle_momentum=True: OneCycleLR (50 steps) or
CyclicLR. PyTorch's schedulers then set `group["betas"] = (m, beta2)` when the optimizer's
defaults have "betas" (Adam, AdamW, Adamax, NAdam, RAdam) and `group["momentum"] = m`
otherwise (SGD, RMSprop), once at construction and after every scheduler.step(). So plain
SGD and RMSprop built with momentum 0 get momentum from the schedule, and Adagrad, which
has neither, is refused: its ValueError is recorded under "refused".

Each step records the learning rate and momentum the optimizer step used (read from the
param group just before optimizer.step()) and the flattened W and b after it.
"""
import json
import os
import sys

import torch

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
from optimizers import O, STEPS, B0, W0, X, Y, loss_of, problem

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "optimizers_momentum.json")
CLASSES = {
    "sgd": O.SGD, "adagrad": O.Adagrad, "rmsprop": O.RMSprop, "adam": O.Adam, "adamw": O.AdamW,
    "adamax": O.Adamax, "nadam": O.NAdam, "radam": O.RAdam,
}


def one_cycle(max_lr, **kw):
    return {"kind": "one_cycle", "max_lr": max_lr, "total_steps": STEPS, **kw}


def cyclic(base_lr, max_lr, step_size_up, **kw):
    return {"kind": "cyclic", "base_lr": base_lr, "max_lr": max_lr, "step_size_up": step_size_up, **kw}


def scheduler(opt, s):
    kw = {k: v for k, v in s.items() if k not in ("kind", "max_lr", "base_lr")}
    if s["kind"] == "one_cycle":
        return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=s["max_lr"], cycle_momentum=True, **kw)
    return torch.optim.lr_scheduler.CyclicLR(
        opt, base_lr=s["base_lr"], max_lr=s["max_lr"], cycle_momentum=True, **kw)


def momentum_of(group):
    return group["betas"][0] if "betas" in group else group["momentum"]


def run(rule, schedule, **kw):
    x, y, w, b = problem()
    opt = CLASSES[rule]([w, b], foreach=False, **kw)
    sched = scheduler(opt, schedule)
    lrs, momenta, traj = [], [], []
    for _ in range(STEPS):
        group = opt.param_groups[0]
        lrs.append(group["lr"])
        momenta.append(momentum_of(group))
        opt.zero_grad()
        loss_of(x, y, w, b).backward()
        opt.step()
        sched.step()
        traj.append(w.detach().flatten().tolist() + b.detach().tolist())
    params = {k: (list(v) if isinstance(v, tuple) else v) for k, v in kw.items()}
    return {"rule": rule, "params": params, "schedule": schedule, "lrs": lrs, "momenta": momenta,
            "trajectory": traj}


def refusal(rule, schedule):
    x, y, w, b = problem()
    try:
        scheduler(CLASSES[rule]([w, b], foreach=False), schedule)
    except ValueError as e:
        return {"rule": rule, "schedule": schedule, "error": str(e)}
    raise AssertionError(f"{rule} was not refused")


def main():
    default = one_cycle  # PyTorch's defaults: cos, pct_start 0.3, momentum 0.85..0.95
    shaped = dict(pct_start=0.2, anneal_strategy="linear", three_phase=True, div_factor=10.0,
                  final_div_factor=100.0, base_momentum=0.5, max_momentum=0.9)
    tri2 = dict(step_size_up=8, step_size_down=4, mode="triangular2", base_momentum=0.6, max_momentum=0.9)
    cases = [
        # The 11 variants with a momentum to cycle: each under the default one-cycle.
        run("sgd", default(0.1)),  # built without momentum: the schedule turns it on
        run("sgd", default(0.1), momentum=0.9),
        run("sgd", default(0.1), momentum=0.9, dampening=0.1, weight_decay=0.01),
        run("sgd", default(0.1), momentum=0.9, nesterov=True),
        run("rmsprop", default(0.01)),  # as SGD: momentum 0 becomes the schedule's
        run("rmsprop", default(0.01), momentum=0.9, weight_decay=0.01),
        run("rmsprop", default(0.01), centered=True, momentum=0.5),
        run("adam", default(0.02)),
        run("adam", default(0.02), amsgrad=True, weight_decay=0.01),
        run("adamw", default(0.02)),
        run("adam", default(0.02), decoupled_weight_decay=True, weight_decay=0.1),  # AdamW's update
        run("adamax", default(0.02)),
        run("nadam", default(0.02)),
        run("nadam", default(0.02), decoupled_weight_decay=True, weight_decay=0.05, momentum_decay=0.01),
        run("radam", default(0.02)),
        run("radam", default(0.02), decoupled_weight_decay=True, weight_decay=0.05),
        # Another one-cycle shape, and CyclicLR, which cycles momentum the same way.
        run("sgd", one_cycle(0.1, **shaped), momentum=0.9, nesterov=True),
        run("adam", one_cycle(0.02, **shaped), betas=(0.9, 0.99)),
        run("nadam", one_cycle(0.02, **shaped)),
        run("radam", one_cycle(0.02, **shaped)),
        run("sgd", cyclic(0.01, 0.1, **tri2), momentum=0.9),
        run("rmsprop", cyclic(0.001, 0.01, **tri2)),
        run("adamw", cyclic(0.002, 0.02, **tri2), weight_decay=0.1),
        run("adamax", cyclic(0.002, 0.02, **tri2)),
        run("nadam", cyclic(0.002, 0.02, **tri2)),
        run("radam", cyclic(0.002, 0.02, **tri2)),
    ]
    refused = [refusal("adagrad", default(0.1)), refusal("adagrad", cyclic(0.01, 0.1, **tri2))]
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump({"torch_version": torch.__version__, "steps": STEPS, "x": X, "y": Y, "w0": W0, "b0": B0,
                   "cases": cases, "refused": refused}, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(cases)} cases x {STEPS} steps and {len(refused)} refusals, "
          f"torch {torch.__version__} -> {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
