"""Reference trajectories for `lrbook::optim::{Lars, Lamb}` from timm, and for
`lrbook::train::clip_grad_norm` from torch.nn.utils.clip_grad_norm_ (torch 2.13).

Run: .venv/bin/python scripts/reference/optimizers_large_batch.py
Writes tests/fixtures/optimizers_large_batch.json, read by tests/optim_large_batch.rs.

References: timm 1.0.15's `timm.optim.Lars` and `timm.optim.Lamb`, installed without its
dependencies into .reference-pkgs/timm:
    .venv/bin/pip install --no-deps --target .reference-pkgs/timm timm==1.0.15
timm's package __init__ imports torchvision (not in .venv), so this script loads just the
three module files timm/optim/{_types,lars,lamb}.py with importlib, from their paths, as
members of a stand-in package: timm's own code runs unchanged, nothing else of timm loads.

The problem, its data, initial weights and per-step learning rate are those of
scripts/reference/optimizers.py (imported from it): 50 steps, lr of step k is
lr * (1 + 0.5 sin k), W and b flattened after every step, f64. Each case also records how
many steps used the option it is there to exercise (the trust-ratio clip of LARC/LAMBC,
LAMB's global gradient-norm clip), so the test can check the fixture covers it; a case with
trust_clip also records whether its trajectory differs from the same case without it.

clip_grad_norm cases: the gradients of the problem at its initial weights, scaled by a
factor, clipped by torch.nn.utils.clip_grad_norm_ (foreach=False, norm_type 2) at a given
max_norm; recorded: the gradients before, the returned total norm, the gradients after.
"""
import importlib.util
import json
import os
import sys
import types

import torch

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
from optimizers import STEPS, B0, W0, X, Y, loss_of, lr_at, problem

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "tests", "fixtures", "optimizers_large_batch.json")
TIMM_OPTIM = os.path.join(HERE, "..", "..", ".reference-pkgs", "timm", "timm", "optim")
TIMM_VERSION = "1.0.15"


def load_timm_optim():
    """timm/optim/{_types,lars,lamb}.py as modules of a stand-in package `timm_optim`."""
    with open(os.path.join(TIMM_OPTIM, "..", "version.py")) as f:
        assert f"'{TIMM_VERSION}'" in f.read(), "expected timm " + TIMM_VERSION
    package = types.ModuleType("timm_optim")
    package.__path__ = [TIMM_OPTIM]
    sys.modules["timm_optim"] = package
    loaded = {}
    for name in ("_types", "lars", "lamb"):
        spec = importlib.util.spec_from_file_location(f"timm_optim.{name}", os.path.join(TIMM_OPTIM, f"{name}.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        loaded[name] = module
    return loaded["lars"].Lars, loaded["lamb"].Lamb


Lars, Lamb = load_timm_optim()


def lars_clips(opt):
    """Whether LARC's clip min(r / lr, 1) bites for some parameter at this step."""
    g = opt.param_groups[0]
    if not g["trust_clip"] or not (g["weight_decay"] != 0 or g["always_adapt"]):
        return False
    for p in g["params"]:
        w, d = p.norm(2.0), p.grad.norm(2.0)
        if w > 0 and d > 0:
            r = g["trust_coeff"] * w / (d + w * g["weight_decay"] + g["eps"])
            if r / g["lr"] > 1.0:
                return True
    return False


def lamb_clips(opt):
    """Whether LAMB's global gradient-norm clip bites at this step."""
    m = opt.defaults["max_grad_norm"]
    if m is None:
        return False
    norm = torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in opt.param_groups[0]["params"]]))
    return bool(norm > m)


cases = []


def run(rule, lr, **kw):
    x, y, w, b = problem()
    opt = {"lars": Lars, "lamb": Lamb}[rule]([w, b], lr=lr, **kw)
    traj, clipped = [], 0
    for k in range(STEPS):
        opt.param_groups[0]["lr"] = lr_at(lr, k)
        opt.zero_grad()
        loss_of(x, y, w, b).backward()
        clipped += (lars_clips if rule == "lars" else lamb_clips)(opt)
        opt.step()
        traj.append(w.detach().flatten().tolist() + b.detach().tolist())
    return traj, clipped


def case(rule, lr, **kw):
    traj, clipped = run(rule, lr, **kw)
    params = {k: (list(v) if isinstance(v, tuple) else v) for k, v in kw.items()}
    out = {"rule": rule, "lr": lr, "params": params, "clipped_steps": clipped, "trajectory": traj}
    if kw.get("trust_clip"):
        # The same case without the trust-ratio clip: the clip must change the trajectory.
        out["trust_clip_changes_trajectory"] = run(rule, lr, **{**kw, "trust_clip": False})[0] != traj
    cases.append(out)


def clip_case(scale, max_norm):
    x, y, w, b = problem()
    (loss_of(x, y, w, b) * scale).backward()
    before = [w.grad.flatten().tolist(), b.grad.tolist()]
    total = torch.nn.utils.clip_grad_norm_([w, b], max_norm, foreach=False)
    after = [w.grad.flatten().tolist(), b.grad.tolist()]
    return {"scale": scale, "max_norm": max_norm, "grads": before, "total_norm": total.item(), "clipped": after}


def main():
    case("lars", 0.1)  # timm's defaults: weight decay 0, so no adaptation (plain SGD)
    case("lars", 1.0, always_adapt=True)
    case("lars", 1.0, weight_decay=0.01, momentum=0.9)
    case("lars", 0.5, weight_decay=0.05, momentum=0.9, nesterov=True, trust_coeff=0.02)
    case("lars", 0.1, always_adapt=True, trust_clip=True, trust_coeff=0.05, momentum=0.5, dampening=0.1)
    case("lars", 0.2, weight_decay=0.01, trust_clip=True, trust_coeff=0.1, eps=1e-6)
    case("lamb", 0.01)  # timm's defaults: weight decay 0.01, global clip at 1.0
    case("lamb", 0.01, weight_decay=0.0)
    case("lamb", 0.01, weight_decay=0.0, always_adapt=True, max_grad_norm=None)
    case("lamb", 0.02, weight_decay=0.1, betas=(0.8, 0.99), max_grad_norm=0.1)
    # Small m against √v makes ‖u‖ < ‖θ‖, so LAMBC's clip of the trust ratio at 1 bites.
    case("lamb", 0.05, weight_decay=0.01, trust_clip=True, bias_correction=False, betas=(0.99, 0.5))
    case("lamb", 0.01, weight_decay=0.05, decoupled_decay=True, bias_correction=False, grad_averaging=False,
         max_grad_norm=0.1, eps=1e-8)
    # Without the trust ratio, grad_averaging=False makes m 1/(1 − β₁) times larger.
    case("lamb", 0.002, weight_decay=0.0, grad_averaging=False, betas=(0.8, 0.999))
    clips = [clip_case(s, m) for s, m in [(1.0, 0.1), (1.0, 10.0), (25.0, 1.0), (1e-3, 1e-6)]]

    with open(OUT, "w") as f:
        json.dump({"torch_version": torch.__version__, "timm_version": TIMM_VERSION, "steps": STEPS, "x": X,
                   "y": Y, "w0": W0, "b0": B0, "cases": cases, "clip_grad_norm": clips}, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(cases)} cases x {STEPS} steps and {len(clips)} clip cases, timm {TIMM_VERSION}, "
          f"torch {torch.__version__} -> {os.path.normpath(OUT)}")
    for c in cases:
        print(c["rule"], c["params"], "clipped steps:", c["clipped_steps"],
              "trust clip matters:", c.get("trust_clip_changes_trajectory"))


if __name__ == "__main__":
    main()
