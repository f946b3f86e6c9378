//! "From AdaGrad to RMSProp to Adam": the per-parameter effective learning rate of each
//! for a parameter with large and one with small gradients, and Adam's bias correction.
use tch::{Kind, Tensor};

use crate::data::rng::SplitMix64;
use crate::optim::{Adagrad, AdagradConfig, Adam, AdamConfig, Optimizer, RmsProp, RmsPropConfig};
use crate::report::{fmt_sig, Cell, Table};
use crate::{validate, Error, Result};

/// One optimizer's effective learning rate for the large- and the small-gradient
/// parameter, at every step.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct EffectiveLrRun {
    /// The optimizer.
    #[serde(deserialize_with = "crate::run_cache::leak_str")]
    pub name: crate::run_cache::StaticName,
    /// Its base learning rate.
    pub lr: f64,
    /// `(step, effective LR of θ₁, effective LR of θ₂)`.
    pub rates: Vec<(usize, f64, f64)>,
}

/// Curvatures and gradient-noise levels of the two parameters: θ₁ has large gradients,
/// θ₂ small ones.
pub const TWO_SCALES: [(f64, f64); 2] = [(10.0, 1.0), (0.1, 0.01)];

// ANCHOR: effective_lr
/// The effective per-parameter LR `η_eff` of AdaGrad, RMSProp and Adam: the factor that
/// multiplies the gradient (AdaGrad, RMSProp) or the first moment (Adam) in the update.
fn effective_lrs(
    opt: &dyn Optimizer,
    name: &str,
    lr: f64,
    adam: Option<&Adam>,
) -> Result<Vec<f64>> {
    let t = match adam {
        Some(a) => a
            .effective_lr(0, lr)
            .ok_or_else(|| Error::invalid("Adam", "no step taken", "Step first."))?,
        None => {
            let state = opt.state();
            let acc = &state[0].tensors[0]; // AdaGrad's sum, RMSProp's square_avg
            let eps = if name == "AdaGrad" { 1e-10 } else { 1e-8 };
            (acc.sqrt() + eps).reciprocal() * lr
        }
    };
    Ok(Vec::<f64>::try_from(&t)?)
}
// ANCHOR_END: effective_lr

/// Runs AdaGrad, RMSProp and Adam on the two-scale noisy quadratic
/// `Σ ½aᵢθᵢ² + θ·ξ_t`, `ξ_t ~ N(0, σᵢ²)`, recording effective LRs for `steps` steps.
pub fn effective_lr_runs(steps: usize, seed: u64) -> Result<Vec<EffectiveLrRun>> {
    validate::at_least_one("steps", steps)?;
    let a = Tensor::from_slice(&[TWO_SCALES[0].0, TWO_SCALES[1].0]);
    let sigma = Tensor::from_slice(&[TWO_SCALES[0].1, TWO_SCALES[1].1]);
    let mut runs = Vec::new();
    for (name, lr) in [("AdaGrad", 0.1), ("RMSProp", 0.01), ("Adam", 0.01)] {
        let theta = Tensor::from_slice(&[1.0f64, 1.0]).set_requires_grad(true);
        let params = vec![theta.shallow_clone()];
        let mut adagrad = None;
        let mut rmsprop = None;
        let mut adam = None;
        match name {
            "AdaGrad" => adagrad = Some(Adagrad::new(params, AdagradConfig::default())?),
            "RMSProp" => rmsprop = Some(RmsProp::new(params, RmsPropConfig::default())?),
            _ => adam = Some(Adam::new(params, AdamConfig::default())?),
        }
        let mut rng = SplitMix64::new(seed); // the same noise for every optimizer
        let mut rates = Vec::new();
        for step in 1..=steps {
            let noise = Tensor::from_slice(&[rng.normal(), rng.normal()]) * &sigma;
            let loss =
                (&a * theta.square()).sum(Kind::Double) * 0.5 + (&theta * noise).sum(Kind::Double);
            {
                let opt: &mut dyn Optimizer = match (&mut adagrad, &mut rmsprop, &mut adam) {
                    (Some(o), _, _) => o,
                    (_, Some(o), _) => o,
                    (_, _, Some(o)) => o,
                    _ => unreachable!("one optimizer is set"),
                };
                opt.zero_grad();
                loss.backward();
                opt.step(lr)?;
            }
            let eff = match (&adagrad, &rmsprop, &adam) {
                (Some(o), _, _) => effective_lrs(o, name, lr, None)?,
                (_, Some(o), _) => effective_lrs(o, name, lr, None)?,
                (_, _, Some(a)) => effective_lrs(a, name, lr, Some(a))?,
                _ => unreachable!("one optimizer is set"),
            };
            rates.push((step, eff[0], eff[1]));
        }
        runs.push(EffectiveLrRun { name, lr, rates });
    }
    Ok(runs)
}

/// The effective-LR table at a few landmark steps.
pub fn effective_lr_table(runs: &[EffectiveLrRun]) -> Table {
    let steps = runs[0].rates.len();
    let marks: Vec<usize> = [1, 10, 100, steps / 2, steps]
        .into_iter()
        .filter(|&m| m <= steps)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut columns = vec!["optimizer".to_string(), "base η".into(), "parameter".into()];
    columns.extend(marks.iter().map(|m| format!("η_eff at step {m}")));
    let cols: Vec<&str> = columns.iter().map(String::as_str).collect();
    let mut table = crate::table!(
        "effective_lr",
        &format!(
            "Effective learning rate per parameter on a noisy quadratic: θ₁ with curvature {} and gradient noise {}, θ₂ with {} and {}",
            fmt_sig(TWO_SCALES[0].0, 2), fmt_sig(TWO_SCALES[0].1, 2), fmt_sig(TWO_SCALES[1].0, 2), fmt_sig(TWO_SCALES[1].1, 2)
        ),
        &cols,
    );
    for r in runs {
        for (pi, label) in [(0, "θ₁ (large gradients)"), (1, "θ₂ (small gradients)")] {
            let mut row = vec![Cell::from(r.name), Cell::num(r.lr, 2), Cell::from(label)];
            row.extend(marks.iter().map(|&m| {
                let (_, e1, e2) = r.rates[m - 1];
                Cell::num(if pi == 0 { e1 } else { e2 }, 3)
            }));
            table.push(row);
        }
    }
    table
}

// ANCHOR: bias_correction
/// Adam on a constant gradient `g`: the size of each update with bias correction (as
/// implemented) and without it (`η·m_t/(√v_t + ε)` from the same moments), relative to η.
pub fn bias_correction_demo(beta1: f64, beta2: f64, steps: usize) -> Result<Table> {
    let lr = 1e-3;
    let g = 0.5;
    let theta = Tensor::from_slice(&[0.0f64]).set_requires_grad(true);
    let config = AdamConfig {
        betas: (beta1, beta2),
        ..AdamConfig::default()
    };
    let mut adam = Adam::new(vec![theta.shallow_clone()], config)?;
    let mut table = crate::table!(
        "bias_correction",
        &format!(
            "Adam on a constant gradient (β₁ = {}, β₂ = {}): update size relative to η",
            fmt_sig(beta1, 3),
            fmt_sig(beta2, 4)
        ),
        &[
            "step t",
            "with correction",
            "without correction",
            "(1−β₁ᵗ)/√(1−β₂ᵗ)",
        ],
    );
    for t in 1..=steps {
        let before = f64::try_from(&theta.detach())?;
        adam.zero_grad();
        (&theta * g).sum(Kind::Double).backward();
        adam.step(lr)?;
        let with = (before - f64::try_from(&theta.detach())?) / lr;
        let state = adam.state();
        let m = f64::try_from(&state[0].tensors[0])?;
        let v = f64::try_from(&state[1].tensors[0])?;
        let without = m / (v.sqrt() + 1e-8);
        let closed = (1.0 - beta1.powi(t as i32)) / (1.0 - beta2.powi(t as i32)).sqrt();
        table.push(vec![
            Cell::from(t),
            Cell::num(with, 5),
            Cell::num(without, 5),
            Cell::num(closed, 5),
        ]);
    }
    Ok(table)
}
// ANCHOR_END: bias_correction

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bias_correction_matches_its_closed_form() {
        let t = bias_correction_demo(0.9, 0.999, 5).unwrap();
        assert_eq!(t.rows.len(), 5);
        for row in 0..t.rows.len() {
            let value = |column| t.cell(row, column).and_then(Cell::value).unwrap();
            let with = value("with correction");
            let without = value("without correction");
            let closed = value("(1−β₁ᵗ)/√(1−β₂ᵗ)");
            assert!((with - 1.0).abs() < 1e-6, "{:?}", t.rows[row]);
            assert!(
                (without - closed).abs() < 1e-6 * closed,
                "{:?}",
                t.rows[row]
            );
        }
    }
}
