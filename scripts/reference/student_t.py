#!/usr/bin/env python3
"""Reference values of Student's t distribution for src/stats.rs, computed independently of
it: the CDF by Gauss-Legendre quadrature of the density (lrbook uses the incomplete beta
continued fraction), and quantiles by Newton's method on that CDF.

Writes tests/fixtures/student_t.json. Run from the repo root with .venv's python:
    .venv/bin/python scripts/reference/student_t.py
"""
import json
import math
import pathlib

import numpy as np

NODES, WEIGHTS = np.polynomial.legendre.leggauss(20)
PANELS = 400


def density(x, df):
    log_c = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    return np.exp(log_c - (df + 1) / 2 * np.log1p(x * x / df))


def cdf(t, df):
    """P(T <= t) = 1/2 + the integral of the density from 0 to t (20-point Gauss-Legendre
    on PANELS equal panels)."""
    if t == 0:
        return 0.5
    edges = np.linspace(0.0, abs(t), PANELS + 1)
    half = (edges[1:] - edges[:-1]) / 2
    mid = (edges[1:] + edges[:-1]) / 2
    x = mid[:, None] + half[:, None] * NODES[None, :]
    integral = float(np.sum(half[:, None] * WEIGHTS[None, :] * density(x, df)))
    return 0.5 + integral if t > 0 else 0.5 - integral


def critical(level, df):
    """The t > 0 with P(|T| > t) = 1 - level: Newton on cdf(t) = (1 + level)/2."""
    target = (1 + level) / 2
    t = 2.0
    for _ in range(100):
        step = (cdf(t, df) - target) / float(density(np.array(t), df))
        t = max(t - step, t / 4)
        if abs(step) < 1e-14 * t:
            break
    return t


def main():
    dfs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 20, 29, 30, 60, 100]
    levels = [0.9, 0.95, 0.99]
    fixture = {
        "source": "scripts/reference/student_t.py (Gauss-Legendre quadrature of the density, "
                  "Newton for quantiles)",
        "critical": [{"level": lv, "df": df, "t": critical(lv, df)} for lv in levels for df in dfs],
        "cdf": [{"t": t, "df": df, "p": cdf(t, df)}
                for df in [1, 2, 4, 9, 30] for t in [-6.0, -2.5, -0.7, 0.3, 1.0, 2.0, 4.5, 12.0]],
    }
    out = pathlib.Path("tests/fixtures/student_t.json")
    out.write_text(json.dumps(fixture, indent=1) + "\n")
    print(f"wrote {out}: {len(fixture['critical'])} critical values, {len(fixture['cdf'])} CDF values")


if __name__ == "__main__":
    main()
