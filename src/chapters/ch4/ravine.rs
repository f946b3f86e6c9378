//! "Momentum on a ravine": gradient descent, heavy ball and Nesterov at their tuned
//! settings on `½(θ₁² + κθ₂²)`, measured against the rates theory predicts.
use tch::{Kind, Tensor};

use crate::optim::{Optimizer, Sgd, SgdConfig};
use crate::report::{fmt_sig, Cell, Table};
use crate::{validate, Result};

/// Condition numbers of the ravine table (the figure shows the middle one).
pub const RAVINE_KAPPAS: [f64; 3] = [10.0, 100.0, 1000.0];

/// A method of the ravine comparison and its tuned setting.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RavineRun {
    /// The method's name.
    #[serde(deserialize_with = "crate::run_cache::leak_str")]
    pub name: crate::run_cache::StaticName,
    /// Learning rate.
    pub eta: f64,
    /// Momentum (0 for gradient descent).
    pub beta: f64,
    /// The rate per step theory predicts.
    pub predicted_rate: f64,
    /// `(θ₁, θ₂)` at every step.
    pub path: Vec<(f64, f64)>,
    /// Steps until `‖θ‖ ≤ ε‖θ₀‖`, if reached.
    pub steps_to_eps: Option<usize>,
}

impl RavineRun {
    /// The measured rate per step: `(‖θ_T‖/‖θ_{T/2}‖)^(2/T)` over the second half of the run.
    pub fn measured_rate(&self) -> f64 {
        let norm = |p: &(f64, f64)| p.0.hypot(p.1);
        let t = self.steps_to_eps.unwrap_or(self.path.len() - 1).max(2);
        let half = t / 2;
        (norm(&self.path[t]) / norm(&self.path[half])).powf(1.0 / (t - half) as f64)
    }
}

/// Tolerance of the ravine runs.
pub const RAVINE_EPS: f64 = 1e-6;

// ANCHOR: ravine_run
/// Runs `Sgd` (heavy ball, or Nesterov) on `½(θ₁² + κθ₂²)` from `(1, 1)` in f64.
pub fn ravine_run(
    kappa: f64,
    eta: f64,
    beta: f64,
    nesterov: bool,
    max_steps: usize,
) -> Result<Vec<(f64, f64)>> {
    let curvature = Tensor::from_slice(&[1.0, kappa]);
    let theta = Tensor::from_slice(&[1.0f64, 1.0]).set_requires_grad(true);
    let config = SgdConfig {
        momentum: beta,
        nesterov,
        ..SgdConfig::default()
    };
    let mut opt = Sgd::new(vec![theta.shallow_clone()], config)?;
    let mut path = vec![(1.0, 1.0)];
    for _ in 0..max_steps {
        opt.zero_grad();
        ((&curvature * theta.square()).sum(Kind::Double) * 0.5).backward();
        opt.step(eta)?;
        let v = Vec::<f64>::try_from(&theta.detach())?;
        path.push((v[0], v[1]));
        if !(v[0].is_finite() && v[1].is_finite()) || v[0].hypot(v[1]) <= RAVINE_EPS * 2f64.sqrt() {
            break;
        }
    }
    Ok(path)
}
// ANCHOR_END: ravine_run

/// Gradient descent, heavy ball and Nesterov at their tuned settings on the ravine with
/// condition number `kappa` (λ = 1 and κ).
pub fn ravine_comparison(kappa: f64) -> Result<Vec<RavineRun>> {
    validate::positive("condition number", kappa)?;
    let (lmin, lmax) = (1.0, kappa);
    let sk = kappa.sqrt();
    let settings: [(&'static str, f64, f64, bool, f64); 3] = [
        (
            "gradient descent, η = 2/(λmax+λmin)",
            2.0 / (lmax + lmin),
            0.0,
            false,
            (kappa - 1.0) / (kappa + 1.0),
        ),
        (
            "heavy ball, Polyak's η and β",
            4.0 / (lmax.sqrt() + lmin.sqrt()).powi(2),
            ((sk - 1.0) / (sk + 1.0)).powi(2),
            false,
            (sk - 1.0) / (sk + 1.0),
        ),
        (
            "Nesterov, η = 1/λmax, β = (√κ−1)/(√κ+1)",
            1.0 / lmax,
            (sk - 1.0) / (sk + 1.0),
            true,
            1.0 - 1.0 / sk,
        ),
    ];
    settings
        .iter()
        .map(|&(name, eta, beta, nesterov, predicted_rate)| {
            let path = ravine_run(kappa, eta, beta, nesterov, 100_000)?;
            let last = path[path.len() - 1];
            let reached = last.0.hypot(last.1) <= RAVINE_EPS * 2f64.sqrt();
            Ok(RavineRun {
                name,
                eta,
                beta,
                predicted_rate,
                steps_to_eps: reached.then_some(path.len() - 1),
                path,
            })
        })
        .collect()
}

/// The ravine table for several condition numbers.
pub fn ravine_table(kappas: &[f64]) -> Result<(Table, Vec<RavineRun>)> {
    let mut table = crate::table!(
        "ravine",
        &format!("Steps to ‖θ‖ ≤ {}·‖θ₀‖ on ½(θ₁² + κθ₂²), and the rate per step, measured against theory", fmt_sig(RAVINE_EPS, 1)),
        &["κ", "method", "η", "β", "steps to ε", "rate measured", "rate predicted"],
    );
    let mut shown = Vec::new();
    for (i, &kappa) in kappas.iter().enumerate() {
        let runs = ravine_comparison(kappa)?;
        for r in &runs {
            table.push(vec![
                Cell::num(kappa, 3),
                Cell::from(r.name),
                Cell::num(r.eta, 4),
                Cell::num(r.beta, 4),
                r.steps_to_eps.map_or(Cell::from("not reached"), Cell::from),
                Cell::num(r.measured_rate(), 4),
                Cell::num(r.predicted_rate, 4),
            ]);
        }
        if i == kappas.len() / 2 {
            shown = runs;
        }
    }
    Ok((table, shown))
}
