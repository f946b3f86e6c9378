"""Reference values for `lrbook::schedule`, recorded from torch.optim.lr_scheduler.

Run: .venv/bin/python scripts/reference/schedules.py
Writes tests/fixtures/schedules.json, read by tests/schedule_conformance.rs.

Protocol (the one PyTorch documents): build the optimizer with lr=base_lr, build the
scheduler (its constructor performs the initial step), then record the lr that the next
optimizer step will use, call optimizer.step() and scheduler.step(), and repeat. So
`lrs[k]` is the learning rate of the k-th optimizer step (k = 0, 1, ...), which is what
`LrSchedule::lr(k)` returns. Momentum (SGD's `momentum`) is recorded the same way for
schedules with cycle_momentum. Floats are written with repr (shortest round-trip).
"""
import json
import math
import os
import warnings

import torch
from torch.optim import SGD
from torch.optim import lr_scheduler as S

warnings.filterwarnings("ignore")
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "schedules.json")


def opt(base_lr, momentum=0.9):
    p = torch.nn.Parameter(torch.zeros(1))
    return SGD([p], lr=base_lr, momentum=momentum)


def run(make, base_lr, steps, momentum=False):
    o = opt(base_lr)
    s = make(o)
    lrs, moms = [], []
    for k in range(steps):
        g = o.param_groups[0]
        lrs.append(float(g["lr"]))
        moms.append(float(g["momentum"]))
        o.step()
        if k + 1 < steps:  # the value after the last recorded one is not needed
            s.step()
    rec = {"lrs": lrs}
    if momentum:
        rec["momentums"] = moms
    return rec


cases = []


def case(kind, params, rec):
    cases.append({"kind": kind, "params": params, **rec})


N = 300
for base_lr, step_size, gamma in [(0.1, 30, 0.1), (0.5, 7, 0.5), (1.0, 1, 0.9), (0.01, 100, 0.3)]:
    p = dict(base_lr=base_lr, step_size=step_size, gamma=gamma)
    case("step", p, run(lambda o: S.StepLR(o, step_size, gamma), base_lr, N))

for base_lr, milestones, gamma in [(0.1, [30, 80], 0.1), (0.2, [10, 10, 50, 120], 0.5), (0.05, [1, 2, 3], 0.9), (1.0, [299], 0.01)]:
    p = dict(base_lr=base_lr, milestones=milestones, gamma=gamma)
    case("multistep", p, run(lambda o: S.MultiStepLR(o, milestones, gamma), base_lr, N))

for base_lr, gamma in [(0.1, 0.99), (1.0, 0.95), (0.3, 1.0), (0.02, 0.9)]:
    p = dict(base_lr=base_lr, gamma=gamma)
    case("exponential", p, run(lambda o: S.ExponentialLR(o, gamma), base_lr, N))

for base_lr, total, power in [(0.1, 100, 1.0), (0.1, 200, 2.0), (0.5, 50, 0.5), (1.0, 300, 0.9), (0.3, 7, 3.0)]:
    p = dict(base_lr=base_lr, total_iters=total, power=power)
    case("polynomial", p, run(lambda o: S.PolynomialLR(o, total, power), base_lr, N))

for base_lr, sf, ef, total in [(0.1, 1 / 3, 1.0, 5), (0.1, 0.01, 1.0, 100), (0.5, 1.0, 0.1, 50), (0.2, 0.5, 0.0, 200), (0.3, 0.25, 1.0, 1)]:
    p = dict(base_lr=base_lr, start_factor=sf, end_factor=ef, total_iters=total)
    case("linear", p, run(lambda o: S.LinearLR(o, sf, ef, total), base_lr, N))

for base_lr, t_max, eta_min in [(0.1, 100, 0.0), (0.1, 50, 0.001), (1.0, 300, 0.0), (0.05, 7, 0.01), (0.1, 1, 0.0), (0.2, 33, 0.02)]:
    p = dict(base_lr=base_lr, t_max=t_max, eta_min=eta_min)
    case("cosine", p, run(lambda o: S.CosineAnnealingLR(o, t_max, eta_min), base_lr, N))

for base_lr, t0, tm, eta_min in [(0.1, 10, 1, 0.0), (0.1, 10, 2, 0.001), (0.5, 3, 3, 0.0), (0.1, 50, 1, 0.01), (0.1, 1, 2, 0.0)]:
    p = dict(base_lr=base_lr, t_0=t0, t_mult=tm, eta_min=eta_min)
    case("warm_restarts", p, run(lambda o: S.CosineAnnealingWarmRestarts(o, t0, tm, eta_min), base_lr, N))

for base_lr, max_lr, up, down, mode, gamma, cm in [
    (0.001, 0.1, 20, None, "triangular", 1.0, True),
    (0.01, 0.1, 10, 30, "triangular2", 1.0, True),
    (0.001, 0.05, 15, 15, "exp_range", 0.99, True),
    (0.1, 1.0, 1, 1, "triangular", 1.0, False),
    (0.002, 0.02, 7, 13, "exp_range", 0.995, True),
    (0.05, 0.5, 25, 5, "triangular2", 1.0, False),
]:
    p = dict(base_lr=base_lr, max_lr=max_lr, step_size_up=up, step_size_down=down, mode=mode, gamma=gamma,
             cycle_momentum=cm, base_momentum=0.8, max_momentum=0.9)
    case("cyclic", p, run(lambda o: S.CyclicLR(o, base_lr, max_lr, up, down, mode, gamma, cycle_momentum=cm,
                                                base_momentum=0.8, max_momentum=0.9), base_lr, N, momentum=cm))

for max_lr, total, pct, strat, div, fdiv, three, cm in [
    (0.1, 100, 0.3, "cos", 25.0, 1e4, False, True),
    (1.0, 300, 0.25, "linear", 25.0, 1e4, False, True),
    (0.05, 200, 0.4, "cos", 10.0, 100.0, True, True),
    (0.1, 150, 0.3, "linear", 25.0, 1e4, True, True),
    (0.2, 50, 0.5, "cos", 5.0, 1e3, False, False),
]:
    p = dict(max_lr=max_lr, total_steps=total, pct_start=pct, anneal_strategy=strat, div_factor=div,
             final_div_factor=fdiv, three_phase=three, cycle_momentum=cm, base_momentum=0.85, max_momentum=0.95)
    mk = lambda o: S.OneCycleLR(o, max_lr, total_steps=total, pct_start=pct, anneal_strategy=strat, cycle_momentum=cm,
                                base_momentum=0.85, max_momentum=0.95, div_factor=div, final_div_factor=fdiv,
                                three_phase=three)
    # PyTorch accepts total_steps + 1 values (steps 0..=total_steps) and raises on the next step.
    rec = run(mk, max_lr, total + 1, momentum=cm)
    o = opt(max_lr)
    s = mk(o)
    raised_at = None
    for k in range(1, total + 3):
        try:
            s.step()
        except ValueError:
            raised_at = k
            break
    p["raises_at_step"] = raised_at
    case("one_cycle", p, rec)

# Plateau: a fixed metric sequence with improvements, plateaus and noise, so that reductions,
# cooldowns, the threshold and min_lr all matter. Max mode sees 1 - metric (an accuracy-like curve).
metric = []
for k in range(200):
    base = 1.0 / (1.0 + 0.05 * min(k, 40)) + (0.002 * (k - 120) if k > 120 else 0.0)
    metric.append(base + 0.01 * math.sin(1.7 * k) * (1.0 if (k // 25) % 2 else 0.2))
for mode, tmode, factor, patience, threshold, cooldown, min_lr, eps in [
    ("min", "rel", 0.5, 3, 1e-2, 2, 1e-4, 1e-8),
    ("min", "abs", 0.1, 5, 0.01, 0, 0.0, 1e-8),
    ("max", "rel", 0.5, 2, 1e-3, 1, 1e-3, 1e-8),
    ("max", "abs", 0.3, 4, 0.005, 3, 0.0, 1e-8),
    ("min", "rel", 0.7, 0, 1e-4, 0, 0.0149, 1e-3),
]:
    base_lr = 0.1
    ms = metric if mode == "min" else [1.0 - m for m in metric]
    o = opt(base_lr)
    s = S.ReduceLROnPlateau(o, mode=mode, factor=factor, patience=patience, threshold=threshold,
                            threshold_mode=tmode, cooldown=cooldown, min_lr=min_lr, eps=eps)
    lrs = []
    for m in ms:
        s.step(m)
        lrs.append(float(o.param_groups[0]["lr"]))
    p = dict(base_lr=base_lr, mode=mode, threshold_mode=tmode, factor=factor, patience=patience,
             threshold=threshold, cooldown=cooldown, min_lr=min_lr, eps=eps, metrics=ms)
    case("plateau", p, {"lrs": lrs})

# Threshold-sensitive plateaus: each step improves the metric by one of a few amounts
# straddling the threshold (1% relative or 0.01 absolute), so that changing the threshold,
# or comparing with the previous value instead of the best, changes the decisions.
rel_steps = [0.015, 0.007, 0.007, 0.0, 0.012, 0.004, 0.0, 0.0, 0.019, 0.009, 0.002, 0.0]
abs_steps = [0.015, 0.007, 0.007, 0.0, 0.012, 0.004, 0.0, 0.0, 0.019, 0.009, 0.002, 0.0]
m_rel, m_abs = [2.0], [2.0]
for k in range(199):
    m_rel.append(m_rel[-1] * (1.0 - rel_steps[k % len(rel_steps)]))
    m_abs.append(m_abs[-1] - abs_steps[k % len(abs_steps)])
for mode, tmode, patience, cooldown in [("min", "rel", 1, 0), ("min", "abs", 2, 1), ("max", "rel", 1, 1), ("max", "abs", 1, 0), ("min", "rel", 0, 0)]:
    base_lr, factor, threshold = 0.1, 0.5, 0.01
    seq = m_rel if tmode == "rel" else m_abs
    ms = seq if mode == "min" else [4.0 - m for m in seq]
    o = opt(base_lr)
    s = S.ReduceLROnPlateau(o, mode=mode, factor=factor, patience=patience, threshold=threshold,
                            threshold_mode=tmode, cooldown=cooldown, min_lr=0.0, eps=1e-8)
    lrs = []
    for m in ms:
        s.step(m)
        lrs.append(float(o.param_groups[0]["lr"]))
    p = dict(base_lr=base_lr, mode=mode, threshold_mode=tmode, factor=factor, patience=patience,
             threshold=threshold, cooldown=cooldown, min_lr=0.0, eps=1e-8, metrics=ms)
    case("plateau", p, {"lrs": lrs})

# Composition. Sequential: each later scheduler restarts at its own step 0 at its milestone.
for base_lr in [0.1]:
    p = dict(base_lr=base_lr, parts=[dict(kind="linear", start_factor=0.1, end_factor=1.0, total_iters=10),
                                     dict(kind="cosine", t_max=90, eta_min=0.0)], milestones=[10])
    case("sequential", p, run(lambda o: S.SequentialLR(o, [S.LinearLR(o, 0.1, 1.0, 10), S.CosineAnnealingLR(o, 90, 0.0)], [10]), base_lr, N))
    p = dict(base_lr=base_lr, parts=[dict(kind="exponential", gamma=0.9), dict(kind="step", step_size=10, gamma=0.5),
                                     dict(kind="polynomial", total_iters=50, power=2.0)], milestones=[20, 150])
    case("sequential", p, run(lambda o: S.SequentialLR(o, [S.ExponentialLR(o, 0.9), S.StepLR(o, 10, 0.5), S.PolynomialLR(o, 50, 2.0)], [20, 150]), base_lr, N))
    p = dict(base_lr=base_lr, parts=[dict(kind="linear", start_factor=0.25, end_factor=1.0, total_iters=8),
                                     dict(kind="exponential", gamma=0.98)])
    case("chained", p, run(lambda o: S.ChainedScheduler([S.LinearLR(o, 0.25, 1.0, 8), S.ExponentialLR(o, 0.98)]), base_lr, N))
    p = dict(base_lr=base_lr, parts=[dict(kind="step", step_size=30, gamma=0.5), dict(kind="multistep", milestones=[50, 100], gamma=0.1)])
    case("chained", p, run(lambda o: S.ChainedScheduler([S.StepLR(o, 30, 0.5), S.MultiStepLR(o, [50, 100], 0.1)]), base_lr, N))

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w") as f:
    # json writes floats with repr, the shortest string that round-trips.
    json.dump({"torch_version": torch.__version__, "cases": cases}, f, separators=(",", ":"))
    f.write("\n")
n_values = sum(len(c["lrs"]) + len(c.get("momentums", [])) for c in cases)
print(f"wrote {len(cases)} cases, {n_values} values, torch {torch.__version__} -> {os.path.normpath(OUT)}")
