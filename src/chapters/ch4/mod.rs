//! Chapter 4 — momentum and adaptive methods.
//!
//! 1. Conformance: every update rule of [`crate::optim`] replayed against `torch.optim`.
//! 2. Momentum on a ravine: gradient descent, heavy ball and Nesterov at their tuned
//!    settings, measured against chapter 1's rates.
//! 3. Adaptive rates: the per-parameter effective learning rate of AdaGrad, RMSProp and Adam
//!    for a parameter with large and one with small gradients; Adam's bias correction.
//! 4. Sparse features: where AdaGrad's per-parameter rates beat SGD, measured.
//! 5. Sensitivity: final loss against the base LR for SGD, momentum and Adam on the
//!    Fashion-MNIST MLP, and the width of each one's good band.
//! 6. State memory per parameter, measured; AdamW against Adam with L2.
use std::path::{Path, PathBuf};

use tch::nn;
use tch::{Device, Kind, Tensor};

use super::Config;
use crate::data::rng::SplitMix64;
use crate::data::{fashion_mnist, Dataset};
use crate::models::{Activation, Mlp};
use crate::optim::fixture::{max_or_nan, replay_fixture, Replay, FIXTURE};
use crate::optim::{
    Adagrad, AdagradConfig, Adam, AdamConfig, Optimizer, OptimizerSpec, RmsProp, RmsPropConfig,
    Rule, Sgd, SgdConfig, TorchArgs, Variant,
};
use crate::plot::{self, LineChart, Series};
use crate::report::{fmt_sig, Cell, Report, Table};
use crate::train::{self, Loss, TrainConfig};
use crate::{validate, Error, Result};

// ---------------------------------------------------------------------------------------
// 1. Conformance

/// A deviation shown as a bound at decade resolution ("≤ 1e-14"), since its exact digits
/// are rounding noise.
fn deviation_cell(x: f64) -> Cell {
    if x == 0.0 {
        return Cell::from("0 (bit for bit)");
    }
    if !x.is_finite() {
        return Cell::Text(format!("{x} (diverged from PyTorch)"));
    }
    let decade = x.log10().ceil() as i32;
    Cell::Text(format!("≤ 1e-{}", -decade))
}

/// The conformance summary: per update rule, the cases and the worst deviation.
pub fn conformance_table(replays: &[Replay]) -> Table {
    let mut table = Table::new(
        "conformance",
        "Every update rule against torch.optim 2.13: 50 steps per case on a small f64 model; deviation = max over steps of max |θ − θ_torch| / max |θ_torch|",
        &[
            "update rule",
            "cases",
            "steps",
            "worst relative deviation",
            "within 1e-10?",
        ],
    );
    let mut variants: Vec<Variant> = Vec::new();
    for r in replays {
        if !variants.contains(&r.variant()) {
            variants.push(r.variant());
        }
    }
    for v in variants {
        let rs: Vec<&Replay> = replays.iter().filter(|r| r.variant() == v).collect();
        let worst = rs.iter().map(|r| r.worst_relative).fold(0.0, max_or_nan);
        table.push(vec![
            Cell::from(v.name()),
            Cell::from(rs.len()),
            Cell::from(rs.iter().map(|r| r.steps).sum::<usize>()),
            deviation_cell(worst),
            Cell::from(if worst <= 1e-10 { "yes" } else { "NO" }),
        ]);
    }
    table
}

// ---------------------------------------------------------------------------------------
// 2. Momentum on a ravine

/// A method of the ravine comparison and its tuned setting.
#[derive(Debug, Clone)]
pub struct RavineRun {
    /// The method's name.
    pub name: &'static str,
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
    let mut table = Table::new(
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

// ---------------------------------------------------------------------------------------
// 3. Effective learning rates and bias correction

/// One optimizer's effective learning rate for the large- and the small-gradient
/// parameter, at every step.
#[derive(Debug, Clone)]
pub struct EffectiveLrRun {
    /// The optimizer.
    pub name: &'static str,
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
    let mut table = Table::new(
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
        beta1,
        beta2,
        ..AdamConfig::default()
    };
    let mut adam = Adam::new(vec![theta.shallow_clone()], config)?;
    let mut table = Table::new(
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

// ---------------------------------------------------------------------------------------
// 4. Sparse features

/// A logistic-regression problem whose first `common` features are active in half the
/// examples and the rest only with probability `rare_p`.
#[derive(Clone, Debug)]
pub struct SparseProblem {
    /// Features active half of the time.
    pub common: usize,
    /// Rarely active features.
    pub rare: usize,
    /// Activation probability of a rare feature.
    pub rare_p: f64,
    /// Training examples (seen once, in minibatches of 10).
    pub train: usize,
    /// Test examples.
    pub test: usize,
}

impl Default for SparseProblem {
    fn default() -> Self {
        SparseProblem {
            common: 10,
            rare: 40,
            rare_p: 0.02,
            train: 5000,
            test: 5000,
        }
    }
}

fn sparse_data(
    p: &SparseProblem,
    n: usize,
    w_true: &[f64],
    rng: &mut SplitMix64,
) -> Result<Dataset> {
    let d = p.common + p.rare;
    let mut x = vec![0f64; n * d];
    let mut y = vec![0f64; n];
    for i in 0..n {
        let mut z = 0.0;
        for j in 0..d {
            let prob = if j < p.common { 0.5 } else { p.rare_p };
            if rng.uniform() < prob {
                x[i * d + j] = 1.0;
                z += w_true[j];
            }
        }
        y[i] = if rng.uniform() < 1.0 / (1.0 + (-z).exp()) {
            1.0
        } else {
            0.0
        };
    }
    Dataset::new(
        Tensor::from_slice(&x).view([n as i64, d as i64]),
        Tensor::from_slice(&y).view([n as i64, 1]),
    )
}

/// Result of training on the sparse problem at one learning rate.
#[derive(Clone, Debug)]
pub struct SparseResult {
    /// Learning rate.
    pub lr: f64,
    /// Test log-loss at the end.
    pub test_loss: f64,
    /// Mean |w − w*| over the common features.
    pub common_error: f64,
    /// Mean |w − w*| over the rare features.
    pub rare_error: f64,
}

/// Trains logistic regression on `p` with SGD or AdaGrad at each LR of `lrs`.
pub fn sparse_sweep(
    p: &SparseProblem,
    adagrad: bool,
    lrs: &[f64],
    seed: u64,
) -> Result<Vec<SparseResult>> {
    let d = p.common + p.rare;
    let mut rng = SplitMix64::new(seed);
    let w_true: Vec<f64> = (0..d).map(|_| 2.0 * rng.normal()).collect();
    let train = sparse_data(p, p.train, &w_true, &mut rng)?;
    let test = sparse_data(p, p.test, &w_true, &mut rng)?;
    let logloss = |w: &Tensor, data: &Dataset| {
        data.inputs
            .matmul(w)
            .binary_cross_entropy_with_logits::<Tensor>(
                &data.targets,
                None,
                None,
                tch::Reduction::Mean,
            )
    };
    let mut out = Vec::new();
    for &lr in lrs {
        let w = Tensor::zeros([d as i64, 1], (Kind::Double, Device::Cpu)).set_requires_grad(true);
        let rule = if adagrad { Rule::Adagrad } else { Rule::Sgd };
        let mut opt = OptimizerSpec::from(rule).build(vec![w.shallow_clone()])?;
        for (xs, ys) in train.batches(10, None, false)? {
            opt.zero_grad();
            logloss(
                &w,
                &Dataset {
                    inputs: xs,
                    targets: ys,
                },
            )
            .backward();
            opt.step(lr)?;
        }
        let test_loss = f64::try_from(logloss(&w.detach(), &test))?;
        let err =
            Vec::<f64>::try_from(&(w.detach().view([-1]) - Tensor::from_slice(&w_true)).abs())?;
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
        out.push(SparseResult {
            lr,
            test_loss: if test_loss.is_finite() {
                test_loss
            } else {
                f64::INFINITY
            },
            common_error: mean(&err[..p.common]),
            rare_error: mean(&err[p.common..]),
        });
    }
    Ok(out)
}

/// The learning rates both optimizers try on the sparse problem.
pub const SPARSE_LRS: [f64; 7] = [0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0];

/// SGD against AdaGrad on the sparse problem, each at its best learning rate.
pub fn sparse_table(p: &SparseProblem, seed: u64, id: &str) -> Result<Table> {
    let mut table = Table::new(
        id,
        &format!(
            "Logistic regression, {} common features (active half the time) and {} rare ones (active with probability {}), one pass over {} examples: each optimizer at its best η of {}",
            p.common, p.rare, fmt_sig(p.rare_p, 2), p.train,
            SPARSE_LRS.iter().map(|l| fmt_sig(*l, 1)).collect::<Vec<_>>().join(", ")
        ),
        &["optimizer", "best η", "test log-loss", "mean |w − w*|, common", "mean |w − w*|, rare"],
    );
    for (name, adagrad) in [("SGD", false), ("AdaGrad", true)] {
        let results = sparse_sweep(p, adagrad, &SPARSE_LRS, seed)?;
        let best = results
            .iter()
            .min_by(|a, b| a.test_loss.total_cmp(&b.test_loss))
            .expect("at least one learning rate");
        table.push(vec![
            Cell::from(name),
            Cell::num(best.lr, 2),
            Cell::num(best.test_loss, 4),
            Cell::num(best.common_error, 3),
            Cell::num(best.rare_error, 3),
        ]);
    }
    Ok(table)
}

// ---------------------------------------------------------------------------------------
// 5. Sensitivity on Fashion-MNIST

/// Sizes of the sensitivity sweep and of the AdamW experiment.
#[derive(Clone, Debug)]
pub struct NetConfig {
    /// Training examples.
    pub train_examples: usize,
    /// Held-out examples for the final loss.
    pub test_examples: usize,
    /// Hidden widths of the ReLU MLP.
    pub hidden: Vec<i64>,
    /// Passes over the training set.
    pub epochs: usize,
    /// Examples per step.
    pub batch_size: usize,
    /// Base learning rates swept.
    pub lrs: Vec<f64>,
    /// Weight decays of the AdamW experiment.
    pub decays: Vec<f64>,
    /// Seeds of the sensitivity sweep; each point is the mean final loss over them.
    pub seeds: Vec<u64>,
}

impl NetConfig {
    /// The quick or the full sizes.
    pub fn for_config(quick: bool) -> Self {
        let lrs = (0..=8).map(|i| 10f64.powf(-4.0 + 0.5 * i as f64)).collect();
        if quick {
            NetConfig {
                train_examples: 2000,
                test_examples: 1000,
                hidden: vec![64],
                epochs: 2,
                batch_size: 100,
                lrs,
                decays: vec![1e-3, 1e-1],
                seeds: vec![0],
            }
        } else {
            NetConfig {
                train_examples: 20_000,
                test_examples: 5000,
                hidden: vec![128],
                epochs: 3,
                batch_size: 100,
                lrs,
                decays: vec![1e-4, 1e-3, 1e-2, 1e-1],
                seeds: vec![0, 1, 2],
            }
        }
    }
}

/// The optimizers of the sensitivity sweep, by the names the table shows.
pub fn sensitivity_optimizers() -> [(&'static str, OptimizerSpec); 3] {
    let momentum = TorchArgs {
        momentum: Some(0.9),
        ..TorchArgs::default()
    };
    [
        ("SGD", Rule::Sgd.into()),
        ("SGD + momentum 0.9", Rule::Sgd.with(momentum)),
        ("Adam", Rule::Adam.into()),
    ]
}

fn net_data(cfg: &Config, nc: &NetConfig) -> Result<fashion_mnist::FashionMnist> {
    let dir = match &cfg.data_dir {
        Some(d) => d.clone(),
        None => fashion_mnist::locate()?,
    };
    let raw = fashion_mnist::load_subset(&dir, nc.train_examples, nc.test_examples)?;
    Ok(fashion_mnist::FashionMnist {
        train: fashion_mnist::standardize(&raw.train).to_device(cfg.device),
        test: fashion_mnist::standardize(&raw.test).to_device(cfg.device),
    })
}

/// Final held-out loss (∞ if diverged) and accuracy of one MLP run.
fn net_run(
    data: &fashion_mnist::FashionMnist,
    nc: &NetConfig,
    spec: &OptimizerSpec,
    lr: f64,
    seed: u64,
    device: Device,
) -> Result<(f64, f64, f64)> {
    tch::manual_seed(seed as i64);
    let mut vs = nn::VarStore::new(Device::Cpu);
    let mut sizes = vec![784];
    sizes.extend(&nc.hidden);
    sizes.push(10);
    let model = Mlp::new(&vs.root(), &sizes, Activation::Relu)?;
    vs.set_device(device);
    let mut opt = spec.build(vs.trainable_variables())?;
    let tc = TrainConfig {
        epochs: nc.epochs,
        batch_size: nc.batch_size,
        shuffle_seed: Some(seed),
        blowup: Some(1e2),
        progress: false,
        ..TrainConfig::default()
    };
    let h = train::train(
        &model,
        Loss::CrossEntropy,
        opt.as_mut(),
        &mut |_| lr,
        &data.train,
        Some(&data.test),
        &tc,
    )?;
    let norm: f64 = vs
        .trainable_variables()
        .iter()
        .map(|t| f64::try_from(t.square().sum(Kind::Double)).unwrap_or(f64::NAN))
        .sum::<f64>()
        .sqrt();
    if h.diverged() {
        return Ok((f64::INFINITY, f64::NAN, norm));
    }
    let e = h
        .evals
        .last()
        .ok_or_else(|| Error::invalid("training", "no evaluation", "Train at least one step."))?;
    let loss = if e.loss.is_finite() {
        e.loss
    } else {
        f64::INFINITY
    };
    Ok((loss, e.accuracy.unwrap_or(f64::NAN), norm))
}

/// One optimizer's sweep: `(lr, final held-out loss)`.
#[derive(Clone, Debug)]
pub struct Sensitivity {
    /// The optimizer.
    pub name: &'static str,
    /// `(lr, final held-out loss)`, ∞ when the run diverged.
    pub points: Vec<(f64, f64)>,
}

/// Tolerance of the "good band": learning rates whose final loss is within this factor of
/// the optimizer's best.
pub const GOOD_BAND_FACTOR: f64 = 1.2;

impl Sensitivity {
    /// The best point.
    pub fn best(&self) -> (f64, f64) {
        self.points
            .iter()
            .copied()
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap_or((f64::NAN, f64::NAN))
    }

    // ANCHOR: good_band
    /// The contiguous run of grid learning rates around the best whose final loss is at most
    /// [`GOOD_BAND_FACTOR`] × the best, as `(lowest, highest)`.
    pub fn good_band(&self) -> (f64, f64) {
        let (best_lr, best_loss) = self.best();
        let ok = |l: f64| l <= GOOD_BAND_FACTOR * best_loss;
        let i = self.points.iter().position(|p| p.0 == best_lr).unwrap_or(0);
        let (mut lo, mut hi) = (i, i);
        while lo > 0 && ok(self.points[lo - 1].1) {
            lo -= 1;
        }
        while hi + 1 < self.points.len() && ok(self.points[hi + 1].1) {
            hi += 1;
        }
        (self.points[lo].0, self.points[hi].0)
    }
    // ANCHOR_END: good_band

    /// Width of the good band in decades, `log₁₀(high/low)`.
    pub fn band_decades(&self) -> f64 {
        let (lo, hi) = self.good_band();
        (hi / lo).log10()
    }
}

/// Sweeps the base LR for SGD, momentum and Adam on the MLP.
pub fn sensitivity(
    cfg: &Config,
    nc: &NetConfig,
    data: &fashion_mnist::FashionMnist,
) -> Result<Vec<Sensitivity>> {
    sensitivity_optimizers()
        .iter()
        .map(|&(name, spec)| {
            let points = nc
                .lrs
                .iter()
                .map(|&lr| {
                    let mut total = 0.0;
                    for &seed in &nc.seeds {
                        total += net_run(data, nc, &spec, lr, cfg.seed + seed, cfg.device)?.0;
                    }
                    Ok((lr, total / nc.seeds.len() as f64))
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(Sensitivity { name, points })
        })
        .collect()
}

/// The sensitivity table: best LR and loss, the good band, and its width.
pub fn sensitivity_table(sweeps: &[Sensitivity], nc: &NetConfig) -> Table {
    let mut table = Table::new(
        "sensitivity",
        &format!(
            "Final held-out loss (mean over {} seeds) against base η (half-decade grid from {} to {}), MLP 784-{}-10, {} Fashion-MNIST images, {} epochs; good band: loss ≤ {}× the best",
            nc.seeds.len(),
            fmt_sig(nc.lrs[0], 1), fmt_sig(*nc.lrs.last().unwrap_or(&f64::NAN), 1),
            nc.hidden.iter().map(|h| h.to_string()).collect::<Vec<_>>().join("-"),
            nc.train_examples, nc.epochs, fmt_sig(GOOD_BAND_FACTOR, 2)
        ),
        &["optimizer", "best η", "best loss", "good band from", "good band to", "width (decades)", "diverged at η ≥"],
    );
    for s in sweeps {
        let (lr, loss) = s.best();
        let (lo, hi) = s.good_band();
        let diverged = s
            .points
            .iter()
            .find(|p| p.1.is_infinite())
            .map_or(Cell::from("none"), |p| Cell::num(p.0, 2));
        table.push(vec![
            Cell::from(s.name),
            Cell::num(lr, 2),
            Cell::num(loss, 3),
            Cell::num(lo, 2),
            Cell::num(hi, 2),
            Cell::num(s.band_decades(), 2),
            diverged,
        ]);
    }
    table
}

// ---------------------------------------------------------------------------------------
// 6. Memory and AdamW

/// The rules of the memory table, what to build for each, and their qualitative
/// properties (momentum, per-parameter rate, bias correction).
fn memory_rows() -> [(&'static str, OptimizerSpec, [&'static str; 3]); 12] {
    let momentum = TorchArgs {
        momentum: Some(0.9),
        ..TorchArgs::default()
    };
    let nesterov = TorchArgs {
        nesterov: true,
        ..momentum
    };
    let centered = TorchArgs {
        centered: true,
        ..momentum
    };
    let amsgrad = TorchArgs {
        amsgrad: true,
        ..TorchArgs::default()
    };
    [
        ("SGD", Rule::Sgd.into(), ["no", "no", "no"]),
        ("SGD, momentum", Rule::Sgd.with(momentum), ["yes", "no", "no"]),
        (
            "SGD, Nesterov",
            Rule::Sgd.with(nesterov),
            ["yes (look-ahead)", "no", "no"],
        ),
        ("AdaGrad", Rule::Adagrad.into(), ["no", "yes (sum of g²)", "no"]),
        (
            "RMSProp",
            Rule::RmsProp.into(),
            ["no", "yes (average of g²)", "no"],
        ),
        (
            "RMSProp, centered + momentum",
            Rule::RmsProp.with(centered),
            ["yes", "yes (variance of g)", "no"],
        ),
        ("Adam", Rule::Adam.into(), ["yes", "yes", "yes"]),
        (
            "Adam, AMSGrad",
            Rule::Adam.with(amsgrad),
            ["yes", "yes (running max)", "yes"],
        ),
        ("AdamW", Rule::AdamW.into(), ["yes", "yes", "yes"]),
        (
            "Adamax",
            Rule::Adamax.into(),
            ["yes", "yes (∞-norm)", "first moment"],
        ),
        ("NAdam", Rule::NAdam.into(), ["yes (Nesterov)", "yes", "yes"]),
        ("RAdam", Rule::RAdam.into(), ["yes", "yes (rectified)", "yes"]),
    ]
}

/// State bytes per parameter of every rule, measured after one step on an f32 MLP.
pub fn memory_table() -> Result<Table> {
    let mut table = Table::new(
        "memory",
        "What each rule keeps: measured optimizer state per parameter after one step (f32 MLP 784-128-10)",
        &["update rule", "momentum", "per-parameter rate", "bias correction", "state bytes per parameter", "state tensors per parameter"],
    );
    for (name, spec, [momentum, adaptive, bias]) in memory_rows() {
        tch::manual_seed(0);
        let vs = nn::VarStore::new(Device::Cpu);
        let model = Mlp::new(&vs.root(), &[784, 128, 10], Activation::Relu)?;
        let params = vs.trainable_variables();
        let n: i64 = params.iter().map(|p| p.numel() as i64).sum();
        let mut opt = spec.build(params)?;
        let x = Tensor::ones([4, 784], (Kind::Float, Device::Cpu));
        opt.zero_grad();
        nn::Module::forward(&model, &x)
            .square()
            .mean(Kind::Float)
            .backward();
        opt.step(1e-3)?;
        let bytes: usize = opt.state().iter().map(|b| b.bytes()).sum();
        let per = bytes as f64 / n as f64;
        table.push(vec![
            Cell::from(name),
            Cell::from(momentum),
            Cell::from(adaptive),
            Cell::from(bias),
            Cell::num(per, 3),
            Cell::num(per / 4.0, 3),
        ]);
    }
    Ok(table)
}

/// Adam with L2 against AdamW at the same decay values, at η = 1e-3.
pub fn adamw_table(
    cfg: &Config,
    nc: &NetConfig,
    data: &fashion_mnist::FashionMnist,
) -> Result<Table> {
    let lr = 1e-3;
    let mut table = Table::new(
        "adamw",
        &format!("Adam with an L2 term against AdamW's decoupled decay, η = {}, same λ, same seed and budget as the sweep", fmt_sig(lr, 1)),
        &["λ", "Adam + L2: held-out loss", "accuracy", "weight norm", "AdamW: held-out loss", "accuracy", "weight norm"],
    );
    for &wd in &nc.decays {
        validate::non_negative("weight decay", wd)?;
        let decay = TorchArgs {
            weight_decay: Some(wd),
            ..TorchArgs::default()
        };
        let l2 = net_run(data, nc, &Rule::Adam.with(decay), lr, cfg.seed, cfg.device)?;
        let dec = net_run(data, nc, &Rule::AdamW.with(decay), lr, cfg.seed, cfg.device)?;
        table.push(vec![
            Cell::num(wd, 1),
            Cell::num(l2.0, 3),
            Cell::num(l2.1, 3),
            Cell::num(l2.2, 3),
            Cell::num(dec.0, 3),
            Cell::num(dec.1, 3),
            Cell::num(dec.2, 3),
        ]);
    }
    Ok(table)
}

// ---------------------------------------------------------------------------------------
// The chapter

/// Condition numbers of the ravine table (the figure shows the middle one).
pub const RAVINE_KAPPAS: [f64; 3] = [10.0, 100.0, 1000.0];

/// Everything chapter 4 computes.
#[derive(Debug)]
pub struct Chapter4 {
    /// The tables.
    pub report: Report,
    /// The ravine runs at κ = 100.
    pub ravine: Vec<RavineRun>,
    /// Effective learning rates over time.
    pub effective: Vec<EffectiveLrRun>,
    /// The sensitivity sweeps.
    pub sensitivity: Vec<Sensitivity>,
}

/// Runs the chapter with the sizes of `cfg.quick`.
pub fn run(cfg: &Config) -> Result<Chapter4> {
    let nc = NetConfig::for_config(cfg.quick);
    let mut report = Report::new("Chapter 4: momentum and adaptive methods");
    report
        .tables
        .push(conformance_table(&replay_fixture(Path::new(FIXTURE))?));
    let (ravine_t, ravine) = ravine_table(&RAVINE_KAPPAS)?;
    report.tables.push(ravine_t);
    let effective = effective_lr_runs(if cfg.quick { 200 } else { 1000 }, cfg.seed)?;
    report.tables.push(effective_lr_table(&effective));
    report.tables.push(bias_correction_demo(0.9, 0.999, 8)?);
    report
        .tables
        .push(sparse_table(&SparseProblem::default(), cfg.seed, "sparse")?);
    let data = net_data(cfg, &nc)?;
    let sensitivity = sensitivity(cfg, &nc, &data)?;
    report.tables.push(sensitivity_table(&sensitivity, &nc));
    report.tables.push(memory_table()?);
    report.tables.push(adamw_table(cfg, &nc, &data)?);
    Ok(Chapter4 {
        report,
        ravine,
        effective,
        sensitivity,
    })
}

/// Draws the chapter's figures into `dir`.
pub fn draw_figures(ch: &Chapter4, dir: &Path) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    let mut path_chart =
        LineChart::new("Paths on ½(θ₁² + 100θ₂²) from (1, 1)", "θ₁", "θ₂").size(900, 420);
    let mut error_chart = LineChart::new("Distance to the minimum", "step", "‖θ_t‖ (log scale)")
        .y_log()
        .size(900, 420);
    for (i, r) in ch.ravine.iter().enumerate() {
        let pts: Vec<(f64, f64)> = r.path.iter().take(60).copied().collect();
        path_chart = path_chart.series(Series::line_with_points(r.name, pts).with_color(i));
        let errs: Vec<(f64, f64)> = r
            .path
            .iter()
            .enumerate()
            .map(|(k, p)| (k as f64, p.0.hypot(p.1)))
            .collect();
        error_chart = error_chart.series(Series::line(r.name, errs).with_color(i));
    }
    let path = dir.join("ravine.svg");
    plot::save_panels_svg(&[path_chart.clone(), error_chart.clone()], 1, &path)?;
    written.push(path);
    for (c, stem) in [
        (&path_chart, "ravine_paths"),
        (&error_chart, "ravine_error"),
    ] {
        let (a, b) = plot::save_figure(c, dir, stem)?;
        written.extend([a, b]);
    }

    let panels: Vec<LineChart> = ch
        .effective
        .iter()
        .map(|r| {
            let big: Vec<(f64, f64)> = r.rates.iter().map(|&(s, e, _)| (s as f64, e)).collect();
            let small: Vec<(f64, f64)> = r.rates.iter().map(|&(s, _, e)| (s as f64, e)).collect();
            LineChart::new(
                &format!("{} (base η = {})", r.name, fmt_sig(r.lr, 2)),
                "step (log scale)",
                "effective η (log scale)",
            )
            .x_log()
            .y_log()
            .size(900, 320)
            .series(Series::line("θ₁, large gradients", big).with_color(0))
            .series(Series::line("θ₂, small gradients", small).with_color(1))
        })
        .collect();
    let path = dir.join("effective_lr.svg");
    plot::save_panels_svg(&panels, 1, &path)?;
    written.push(path);

    let mut sens = LineChart::new(
        "Final held-out loss against base learning rate",
        "base η (log scale)",
        "held-out cross-entropy (log scale)",
    )
    .x_log()
    .y_log()
    .size(900, 480);
    for (i, s) in ch.sensitivity.iter().enumerate() {
        sens = sens.series(Series::line_with_points(s.name, s.points.clone()).with_color(i));
    }
    let (a, b) = plot::save_figure(&sens, dir, "sensitivity")?;
    written.extend([a, b]);
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_band_is_contiguous_around_the_best() {
        let s = Sensitivity {
            name: "x",
            points: vec![
                (1e-3, 2.0),
                (1e-2, 0.55),
                (1e-1, 0.5),
                (1.0, 0.58),
                (10.0, f64::INFINITY),
            ],
        };
        assert_eq!(s.best(), (1e-1, 0.5));
        assert_eq!(s.good_band(), (1e-2, 1.0));
        assert!((s.band_decades() - 2.0).abs() < 1e-12);
    }

    #[test]
    fn bias_correction_matches_its_closed_form() {
        let t = bias_correction_demo(0.9, 0.999, 5).unwrap();
        for row in &t.rows {
            let (
                Cell::Num { value: with, .. },
                Cell::Num { value: without, .. },
                Cell::Num { value: closed, .. },
            ) = (&row[1], &row[2], &row[3])
            else {
                panic!("{row:?}")
            };
            assert!((with - 1.0).abs() < 1e-6, "{row:?}");
            assert!((without - closed).abs() < 1e-6 * closed, "{row:?}");
        }
    }
}
