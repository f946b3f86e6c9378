//! Replays the trajectories recorded from `torch.optim` ([`FIXTURE`], written by
//! `scripts/reference/optimizers.py`) with this module's optimizers, built through the
//! [registry](super::registry). Chapter 4's conformance table shows the result and
//! `tests/optim_conformance.rs` asserts it.
use std::path::Path;

use serde_json::Value;
use tch::{Kind, Tensor};

use super::registry::{OptimizerSpec, Variant};
use super::Optimizer;
use crate::{Error, Result};

/// The fixture written by `scripts/reference/optimizers.py` from `torch.optim`.
pub const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/optimizers.json"
);

/// One replayed fixture case.
#[derive(Debug, Clone)]
pub struct Replay {
    /// The class and keyword arguments of the case.
    pub spec: OptimizerSpec,
    /// The case's keyword arguments, as JSON text.
    pub args: String,
    /// Largest normwise relative deviation from PyTorch over the steps:
    /// `max_k ‖θ_k − θ_k^torch‖_∞ / ‖θ_k^torch‖_∞`.
    pub worst_relative: f64,
    /// Steps replayed.
    pub steps: usize,
}

impl Replay {
    /// The update rule the case exercises.
    pub fn variant(&self) -> Variant {
        self.spec.variant()
    }
}

fn malformed(what: &str) -> Error {
    Error::Data(format!(
        "{FIXTURE}: {what}. Regenerate it with .venv/bin/python scripts/reference/optimizers.py"
    ))
}

fn matrix(v: &Value, what: &str) -> Result<Vec<Vec<f64>>> {
    let rows = v
        .as_array()
        .ok_or_else(|| malformed(&format!("{what} is not a list")))?;
    rows.iter()
        .map(|r| {
            r.as_array()
                .ok_or_else(|| malformed(&format!("{what} has a row that is not a list")))?
                .iter()
                .map(|x| {
                    x.as_f64()
                        .ok_or_else(|| malformed(&format!("{what} has a non-number")))
                })
                .collect()
        })
        .collect()
}

fn tensor2(rows: &[Vec<f64>]) -> Tensor {
    let flat: Vec<f64> = rows.iter().flatten().copied().collect();
    Tensor::from_slice(&flat).view([rows.len() as i64, rows.first().map_or(0, Vec::len) as i64])
}

// ANCHOR: fixture_problem
/// The fixture's problem: `mean((tanh(X W) + b − Y)²)`, f64, with the step-`k` learning
/// rate `lr·(1 + ½ sin k)` so that the rules are driven like a schedule drives them.
fn fixture_loss(x: &Tensor, y: &Tensor, w: &Tensor, b: &Tensor) -> Tensor {
    (x.matmul(w).tanh() + b - y).square().mean(Kind::Double)
}
// ANCHOR_END: fixture_problem

/// The fixtures' problem (see `scripts/reference/optimizers.py`): the data `x`, `y` and the
/// initial weights `w0`, `b0`, in f64, as a fixture file records them. Shared by
/// [`replay_fixture`] and the momentum-cycling fixture of `tests/optim_schedule_drive.rs`.
#[derive(Debug)]
pub struct Problem {
    /// Inputs, 8×3.
    pub x: Tensor,
    /// Targets, 8×2.
    pub y: Tensor,
    /// Initial W, 3×2.
    pub w0: Tensor,
    /// Initial b, 2.
    pub b0: Tensor,
}

impl Problem {
    /// Reads `x`, `y`, `w0` and `b0` from a fixture's JSON.
    pub fn from_json(f: &Value) -> Result<Self> {
        let b0: Vec<f64> = f["b0"]
            .as_array()
            .ok_or_else(|| malformed("b0 is not a list"))?
            .iter()
            .filter_map(Value::as_f64)
            .collect();
        Ok(Problem {
            x: tensor2(&matrix(&f["x"], "x")?),
            y: tensor2(&matrix(&f["y"], "y")?),
            w0: tensor2(&matrix(&f["w0"], "w0")?),
            b0: Tensor::from_slice(&b0),
        })
    }

    /// The loss at weights `w`, `b`.
    pub fn loss(&self, w: &Tensor, b: &Tensor) -> Tensor {
        fixture_loss(&self.x, &self.y, w, b)
    }

    /// Fresh copies of the initial weights `(W, b)`, requiring gradients.
    pub fn weights(&self) -> (Tensor, Tensor) {
        (
            self.w0.copy().set_requires_grad(true),
            self.b0.copy().set_requires_grad(true),
        )
    }
}

/// Replays every case of the `torch.optim` fixture at `path` with this crate's optimizers.
pub fn replay_fixture(path: &Path) -> Result<Vec<Replay>> {
    replay_fixture_with(path, |spec, params| spec.build(params).map(Some))
}

/// Replays the cases of the fixture at `path` with the optimizer `build` makes for each
/// case's spec over its parameters; a case for which it returns `None` is left out (the
/// fused path replays the classes it has, `tests/optim_fused.rs`).
pub fn replay_fixture_with(
    path: &Path,
    build: impl Fn(&OptimizerSpec, Vec<Tensor>) -> Result<Option<Box<dyn Optimizer>>>,
) -> Result<Vec<Replay>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io("read", path, e))?;
    let f: Value =
        serde_json::from_str(&text).map_err(|e| malformed(&format!("not valid JSON ({e})")))?;
    let problem = Problem::from_json(&f)?;
    let cases = f["cases"].as_array().ok_or_else(|| malformed("no cases"))?;
    let mut out = Vec::new();
    for case in cases {
        let rule = case["rule"]
            .as_str()
            .ok_or_else(|| malformed("a case has no rule"))?;
        let p = &case["params"];
        let lr = case["lr"]
            .as_f64()
            .ok_or_else(|| malformed("a case has no lr"))?;
        let torch = matrix(&case["trajectory"], "trajectory")?;
        let (w, b) = problem.weights();
        let spec = OptimizerSpec::from_json(rule, p)?;
        let Some(mut opt) = build(&spec, vec![w.shallow_clone(), b.shallow_clone()])? else {
            continue;
        };
        let mut worst: f64 = 0.0;
        for (k, expected) in torch.iter().enumerate() {
            opt.zero_grad();
            problem.loss(&w, &b).backward();
            opt.step(lr * (1.0 + 0.5 * (k as f64).sin()))?;
            let flat = Tensor::cat(&[w.detach().flatten(0, -1), b.detach()], 0);
            let ours = Vec::<f64>::try_from(&flat)?;
            if ours.len() != expected.len() {
                return Err(malformed("a trajectory row has the wrong length"));
            }
            // Normwise: the largest gap relative to the largest weight of this step (a weight
            // that passes through 0 has no meaningful elementwise relative error).
            let gap = ours
                .iter()
                .zip(expected)
                .map(|(o, t)| (o - t).abs())
                .fold(0.0, max_or_nan);
            let scale = expected.iter().map(|t| t.abs()).fold(0.0, f64::max);
            worst = max_or_nan(worst, gap / scale.max(f64::MIN_POSITIVE));
        }
        out.push(Replay {
            spec,
            args: p.to_string(),
            worst_relative: worst,
            steps: torch.len(),
        });
    }
    Ok(out)
}

/// The maximum, but NaN as soon as either is NaN: a weight that became NaN is the worst
/// deviation of all, never one that `f64::max` quietly skips.
pub fn max_or_nan(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_fixture_gives_a_clear_error() {
        let dir = std::env::temp_dir().join(format!("lrbook-fixture-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("bad.json");
        std::fs::write(&p, "{not json").unwrap();
        let e = replay_fixture(&p).unwrap_err().to_string();
        assert!(
            e.contains("not valid JSON") && e.contains("optimizers.py"),
            "{e}"
        );
        let e = replay_fixture(&dir.join("missing.json"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("missing.json"), "{e}");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn nan_is_the_worst_deviation() {
        assert!(max_or_nan(1.0, f64::NAN).is_nan());
        assert!(max_or_nan(f64::NAN, 0.0).is_nan());
        assert_eq!(max_or_nan(1e-12, 1e-11), 1e-11);
    }
}
