//! "NAdam, AdaMax, ε and β₂: Adam's other dials": NAdam written as Adam with a Nesterov
//! look-ahead and checked against lrbook's `NAdam`, the two on a quadratic ravine; AdaMax as
//! the p → ∞ limit of Adam with an Lᵖ norm, on a recorded gradient sequence; and (in
//! [`super::adam_knobs_steps`]) what ε and β₂ do to the size of Adam's step.
use std::path::Path;

use tch::Tensor;

use super::adam_knobs_steps::{self, below_or_value, BetaTwoRun, EpsSweep, StepsConfig};
use crate::chapters::exercise::{drawn_solution, solve_section, Exercise, Section, Solution};
use crate::chapters::Config;
use crate::optim::{Adam, AdamConfig, Adamax, AdamaxConfig, NAdam, NAdamConfig, Optimizer};
use crate::report::{fmt_sig, Cell, Table};
use crate::Result;

/// Condition number of the ravine `½(θ₁² + κθ₂²)`, started from `(1, 1)`.
pub const KAPPA: f64 = 100.0;
/// A run has reached the target once `‖θ_t‖ ≤ TARGET·‖θ₀‖` for good (within its budget).
pub const TARGET: f64 = 1e-3;
/// NAdam's `momentum_decay` ψ large enough that `μ_t = β₁(1 − ½·0.96^(tψ))` is β₁ from the
/// first step on (`0.96^1000` ≈ 2e-18).
pub const MU_AT_ONCE: f64 = 1000.0;
/// The exponents p of the AdaMax table.
pub const POWERS: [f64; 8] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0];
/// β₂ of the AdaMax experiment (Adamax's default).
pub const ADAMAX_BETA2: f64 = 0.999;
/// The learning rate of the Adam run whose gradients the AdaMax experiment replays.
pub const RECORDED_ETA: f64 = 0.01;

/// Which momentum term Adam's update uses.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Momentum {
    /// Adam's: the momentum carried in from the last step plus this gradient's share.
    Classic,
    /// NAdam's look-ahead, with PyTorch's `μ_t` schedule of `momentum_decay` ψ.
    Nesterov {
        /// ψ of `μ_t = β₁(1 − ½·0.96^(tψ))`.
        momentum_decay: f64,
    },
}

/// Adam or NAdam in plain `f64`, written from the papers, independent of `crate::optim`.
#[derive(Clone, Debug)]
pub struct AdamReference {
    beta1: f64,
    beta2: f64,
    eps: f64,
    momentum: Momentum,
    m: Vec<f64>,
    v: Vec<f64>,
    t: i32,
    mu_product: f64,
}

impl AdamReference {
    /// A reference for `n` coordinates with `torch.optim`'s default β's and ε.
    pub fn new(n: usize, momentum: Momentum) -> Self {
        AdamReference {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            momentum,
            m: vec![0.0; n],
            v: vec![0.0; n],
            t: 0,
            mu_product: 1.0,
        }
    }

    // ANCHOR: nadam_reference
    /// One update of `theta` with gradient `grad` at learning rate `eta`.
    pub fn step(&mut self, theta: &mut [f64], grad: &[f64], eta: f64) {
        let (b1, b2) = (self.beta1, self.beta2);
        self.t += 1;
        let t = self.t;
        // PyTorch's momentum schedule μ_t = β₁(1 − ½·0.96^(tψ)) and the products of the μ's.
        let mu_of = |s: i32, psi: f64| b1 * (1.0 - 0.5 * 0.96f64.powf(s as f64 * psi));
        let (mu, mu_next) = match self.momentum {
            Momentum::Classic => (b1, b1),
            Momentum::Nesterov { momentum_decay } => {
                (mu_of(t, momentum_decay), mu_of(t + 1, momentum_decay))
            }
        };
        self.mu_product *= mu;
        let mu_product_next = self.mu_product * mu_next;
        for i in 0..theta.len() {
            let g = grad[i];
            let previous = self.m[i];
            self.m[i] = b1 * previous + (1.0 - b1) * g;
            self.v[i] = b2 * self.v[i] + (1.0 - b2) * g * g;
            let v_hat = self.v[i] / (1.0 - b2.powi(t));
            let direction = match self.momentum {
                // Adam: the momentum carried in from the last step, plus this gradient's share.
                Momentum::Classic => (b1 * previous + (1.0 - b1) * g) / (1.0 - b1.powi(t)),
                // Nesterov: the momentum the *next* step will carry, plus this gradient's share.
                Momentum::Nesterov { .. } => {
                    mu_next * self.m[i] / (1.0 - mu_product_next)
                        + (1.0 - mu) * g / (1.0 - self.mu_product)
                }
            };
            theta[i] -= eta * direction / (v_hat.sqrt() + self.eps);
        }
    }
    // ANCHOR_END: nadam_reference
}

/// Sets `param`'s gradient to `g` (a first call creates it by a backward pass through
/// `Σ param·g`, whose gradient is exactly `g`).
pub fn feed_gradient(param: &Tensor, g: &Tensor) -> Result<()> {
    let mut grad = param.grad();
    if grad.defined() {
        let _guard = tch::no_grad_guard();
        grad.f_copy_(g)?;
    } else {
        (param * g.detach()).sum(tch::Kind::Double).f_backward()?;
    }
    Ok(())
}

/// The three methods of the ravine comparison.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Method {
    /// `torch.optim.Adam`'s defaults.
    Adam,
    /// `torch.optim.NAdam`'s defaults (`momentum_decay` 4e-3).
    NAdam,
    /// NAdam with `momentum_decay` [`MU_AT_ONCE`]: `μ_t = β₁` from the first step.
    NAdamAtOnce,
}

impl Method {
    /// All three, in table order.
    pub const ALL: [Method; 3] = [Method::Adam, Method::NAdam, Method::NAdamAtOnce];

    /// The method's name on the page.
    pub fn name(self) -> &'static str {
        match self {
            Method::Adam => "Adam",
            Method::NAdam => "NAdam, ψ = 4e-3",
            Method::NAdamAtOnce => "NAdam, ψ = 1000 (μ_t = β₁)",
        }
    }

    /// lrbook's optimizer for this method over `params`.
    pub fn optimizer(self, params: Vec<Tensor>) -> Result<Box<dyn Optimizer>> {
        let nadam = |momentum_decay| NAdamConfig {
            momentum_decay,
            ..NAdamConfig::default()
        };
        Ok(match self {
            Method::Adam => Box::new(Adam::new(params, AdamConfig::default())?),
            Method::NAdam => Box::new(NAdam::new(params, NAdamConfig::default())?),
            Method::NAdamAtOnce => Box::new(NAdam::new(params, nadam(MU_AT_ONCE))?),
        })
    }

    /// The independent reference of this method.
    pub fn reference(self) -> AdamReference {
        let momentum = match self {
            Method::Adam => Momentum::Classic,
            Method::NAdam => Momentum::Nesterov {
                momentum_decay: NAdamConfig::default().momentum_decay,
            },
            Method::NAdamAtOnce => Momentum::Nesterov {
                momentum_decay: MU_AT_ONCE,
            },
        };
        AdamReference::new(2, momentum)
    }
}

/// One run on the ravine: the iterates `θ_0..θ_T` and the gradients `g_1..g_T`.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct RavineRun {
    /// `(θ₁, θ₂)` at every step, from `(1, 1)`.
    pub path: Vec<[f64; 2]>,
    /// The gradient of every step.
    pub grads: Vec<[f64; 2]>,
}

impl RavineRun {
    /// Steps until `‖θ_t‖ ≤ TARGET·‖θ₀‖` holds for good; `None` if it does not hold at the end.
    pub fn steps_to_target(&self) -> Option<usize> {
        let below = |p: &[f64; 2]| p[0].hypot(p[1]) <= TARGET * 2f64.sqrt();
        if !below(self.path.last()?) {
            return None;
        }
        Some(
            self.path
                .iter()
                .rposition(|p| !below(p))
                .map_or(0, |i| i + 1),
        )
    }

    /// How often θ₂ (the steep direction) changes sign before the target is reached (over
    /// the whole run if it is not).
    pub fn sign_changes(&self) -> usize {
        let end = self.steps_to_target().unwrap_or(self.path.len() - 1);
        self.path[..=end]
            .windows(2)
            .filter(|w| (w[0][1] < 0.0) != (w[1][1] < 0.0))
            .count()
    }
}

/// Runs `method` (lrbook's optimizer) on `½(θ₁² + κθ₂²)` from `(1, 1)` for `steps` steps.
pub fn ravine_run(method: Method, eta: f64, steps: usize) -> Result<RavineRun> {
    let curvature = Tensor::from_slice(&[1.0, KAPPA]);
    let theta = Tensor::from_slice(&[1.0f64, 1.0]).set_requires_grad(true);
    let mut opt = method.optimizer(vec![theta.shallow_clone()])?;
    let mut run = RavineRun {
        path: vec![[1.0, 1.0]],
        grads: Vec::with_capacity(steps),
    };
    for _ in 0..steps {
        let g = &curvature * theta.detach();
        feed_gradient(&theta, &g)?;
        let g = Vec::<f64>::try_from(&g)?;
        run.grads.push([g[0], g[1]]);
        opt.step(eta)?;
        let v = Vec::<f64>::try_from(&theta.detach())?;
        run.path.push([v[0], v[1]]);
    }
    Ok(run)
}

/// [`AdamReference`] fed the gradients `grads` from `(1, 1)`: its path. Replaying lrbook's
/// gradients, rather than computing its own, keeps the last-bit differences of the two from
/// feeding back through the gradient and growing along an oscillating run.
pub fn reference_path(method: Method, eta: f64, grads: &[[f64; 2]]) -> Vec<[f64; 2]> {
    let mut opt = method.reference();
    let mut theta = [1.0, 1.0];
    let mut path = vec![theta];
    for g in grads {
        opt.step(&mut theta, g, eta);
        path.push(theta);
    }
    path
}

/// The learning rates of the check against the reference.
pub const CHECK_ETAS: [f64; 3] = [0.001, 0.01, 0.1];
/// Steps of each checked run.
pub const CHECK_STEPS: usize = 100;

/// Largest `|θ_lrbook − θ_reference|` over a checked run from `(1, 1)`: absolute, since near
/// the minimum θ is the small difference of steps of size η, and each step's rounding stays.
pub fn reference_gap(method: Method, eta: f64) -> Result<f64> {
    let lrbook = ravine_run(method, eta, CHECK_STEPS)?;
    let reference = reference_path(method, eta, &lrbook.grads);
    Ok(lrbook
        .path
        .iter()
        .zip(&reference)
        .map(|(a, b)| (a[0] - b[0]).abs().max((a[1] - b[1]).abs()))
        .fold(0.0, f64::max))
}

/// lrbook's Adam and NAdam against [`AdamReference`] on the ravine.
pub fn reference_table() -> Result<Table> {
    let columns: Vec<String> = std::iter::once("method".to_string())
        .chain(CHECK_ETAS.iter().map(|e| format!("η = {}", fmt_sig(*e, 1))))
        .collect();
    let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
    let mut t = crate::table!(
        "adam_knobs_nadam_check",
        &format!(
            "lrbook's optimizers against the reference recursion fed the same gradients: the \
             largest |θ_lrbook − θ_reference| over {CHECK_STEPS} steps on ½(θ₁² + {}θ₂²) from (1, 1), f64, β = (0.9, 0.999), ε = 1e-8",
            fmt_sig(KAPPA, 3)
        ),
        &columns,
    );
    for m in Method::ALL {
        let mut row = vec![Cell::from(m.name())];
        for &eta in &CHECK_ETAS {
            row.push(Cell::Text(below_or_value(reference_gap(m, eta)?, 1e-12)));
        }
        t.push(row);
    }
    Ok(t)
}

/// The learning-rate grid and budget of the ravine sweep.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct SweepConfig {
    /// Learning rates, increasing.
    pub etas: Vec<f64>,
    /// Steps per run.
    pub steps: usize,
}

impl SweepConfig {
    /// η log-spaced over `[1e-3, 1]`: 13 points (quick: 7), 3000 steps each.
    pub fn for_config(quick: bool) -> Result<Self> {
        let n = if quick { 7 } else { 13 };
        Ok(SweepConfig {
            etas: crate::grid::log_spaced(1e-3, 1.0, n)?,
            steps: 3000,
        })
    }
}

/// The sweep: for each η (outer) and each [`Method`] (inner), the run.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct NadamSweep {
    /// Its grid.
    pub config: SweepConfig,
    /// `runs[i][j]`: η `i`, method `j` of [`Method::ALL`].
    pub runs: Vec<Vec<RavineRun>>,
}

/// Runs every method at every η of `c`.
pub fn nadam_sweep(c: &SweepConfig) -> Result<NadamSweep> {
    let runs = c
        .etas
        .iter()
        .map(|&eta| {
            Method::ALL
                .iter()
                .map(|&m| ravine_run(m, eta, c.steps))
                .collect::<Result<Vec<_>>>()
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(NadamSweep {
        config: c.clone(),
        runs,
    })
}

/// The sweep's table: steps to the target and sign changes of θ₂ before it, per method.
pub fn sweep_table(s: &NadamSweep) -> Table {
    let mut columns = vec!["η".to_string()];
    for m in Method::ALL {
        columns.push(format!("{}: steps to target", m.name()));
    }
    for m in Method::ALL {
        columns.push(format!("{}: θ₂ sign changes", m.name()));
    }
    let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
    let mut t = crate::table!(
        "adam_knobs_nadam_ravine",
        &format!(
            "Adam against NAdam on the ravine ½(θ₁² + {}θ₂²) from (1, 1), f64, β = (0.9, \
             0.999), ε = 1e-8: steps until ‖θ_t‖ ≤ {}·‖θ₀‖ for good ('—': not within {} \
             steps), and how often θ₂ changes sign before then",
            fmt_sig(KAPPA, 3),
            fmt_sig(TARGET, 1),
            s.config.steps
        ),
        &columns,
    );
    for (eta, runs) in s.config.etas.iter().zip(&s.runs) {
        let mut row = vec![Cell::num(*eta, 3)];
        row.extend(
            runs.iter()
                .map(|r| r.steps_to_target().map_or(Cell::from("—"), Cell::from)),
        );
        row.extend(runs.iter().map(|r| Cell::from(r.sign_changes())));
        t.push(row);
    }
    t
}

// ANCHOR: lp_norm
/// `u_t⁽ᵖ⁾ = v_t^(1/p)` with `v_t = β₂ᵖ·v_{t−1} + (1−β₂ᵖ)|g_t|ᵖ`, for every t, in log space:
/// `ln v_t = ln(1−β₂ᵖ) + logsumexp_i(p(t−i)·ln β₂ + p·ln|g_i|)`, so no power overflows.
pub fn lp_moment(grads: &[f64], beta2: f64, p: f64) -> Vec<f64> {
    let log_weight = (1.0 - beta2.powf(p)).ln();
    let mut log_sum = f64::NEG_INFINITY; // ln Σ_i β₂^(p(t−i))|g_i|^p, carried along t
    grads
        .iter()
        .map(|g| {
            let term = p * g.abs().ln();
            let decayed = log_sum + p * beta2.ln();
            let hi = decayed.max(term);
            log_sum = if hi == f64::NEG_INFINITY {
                hi
            } else {
                hi + ((decayed - hi).exp() + (term - hi).exp()).ln()
            };
            ((log_weight + log_sum) / p).exp()
        })
        .collect()
}

/// AdaMax's `u_t = max(β₂u_{t−1}, |g_t|)` for every t (Kingma & Ba's, without ε).
pub fn infinity_moment(grads: &[f64], beta2: f64) -> Vec<f64> {
    let mut u = 0.0f64;
    grads
        .iter()
        .map(|g| {
            u = (beta2 * u).max(g.abs());
            u
        })
        .collect()
}

/// The bounds `(1−β₂ᵖ)^(1/p) ≤ u_t⁽ᵖ⁾/u_t⁽∞⁾ ≤ ((1−β₂ᵖ)·t)^(1/p)`.
pub fn ratio_bounds(beta2: f64, p: f64, t: usize) -> (f64, f64) {
    let w = 1.0 - beta2.powf(p);
    (w.powf(1.0 / p), (w * t as f64).powf(1.0 / p))
}
// ANCHOR_END: lp_norm

/// lrbook's `Adamax` fed `grads` (as a one-element parameter): its `u_t` after every step.
pub fn lrbook_adamax_u(grads: &[f64], beta2: f64) -> Result<Vec<f64>> {
    let theta = Tensor::from_slice(&[0.0f64]).set_requires_grad(true);
    let config = AdamaxConfig {
        betas: (0.9, beta2),
        ..AdamaxConfig::default()
    };
    let mut opt = Adamax::new(vec![theta.shallow_clone()], config)?;
    let mut out = Vec::with_capacity(grads.len());
    for &g in grads {
        feed_gradient(&theta, &Tensor::from_slice(&[g]))?;
        opt.step(1e-3)?;
        let state = opt.state();
        let u = state
            .iter()
            .find(|b| b.name == "exp_inf")
            .map(|b| b.tensors[0].double_value(&[0]))
            .unwrap_or(f64::NAN);
        out.push(u);
    }
    Ok(out)
}

/// The AdaMax experiment: a recorded gradient sequence and its moments.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct AdamaxLimit {
    /// θ₂'s gradients of an Adam run on the ravine at [`RECORDED_ETA`].
    pub grads: Vec<f64>,
    /// `u_t⁽ᵖ⁾` for each p of [`POWERS`].
    pub lp: Vec<Vec<f64>>,
    /// `u_t⁽∞⁾` without ε.
    pub infinity: Vec<f64>,
    /// lrbook's Adamax `u_t` (with its ε inside the max).
    pub lrbook: Vec<f64>,
}

impl AdamaxLimit {
    /// Steps t at which `u⁽ᵖ⁾/u⁽∞⁾` of power index `k` leaves its bounds.
    pub fn outside_bounds(&self, k: usize) -> usize {
        (0..self.grads.len())
            .filter(|&i| {
                let (lo, hi) = ratio_bounds(ADAMAX_BETA2, POWERS[k], i + 1);
                let r = self.lp[k][i] / self.infinity[i];
                r < lo * (1.0 - 1e-12) || r > hi * (1.0 + 1e-12)
            })
            .count()
    }

    /// The largest `u_lrbook − u⁽∞⁾` and the smallest, over t.
    pub fn lrbook_gap(&self) -> (f64, f64) {
        let d: Vec<f64> = self
            .lrbook
            .iter()
            .zip(&self.infinity)
            .map(|(a, b)| a - b)
            .collect();
        (
            d.iter().copied().fold(f64::MIN, f64::max),
            d.iter().copied().fold(f64::MAX, f64::min),
        )
    }
}

/// Records θ₂'s gradients of `steps` Adam steps on the ravine and computes every moment.
pub fn adamax_limit(steps: usize) -> Result<AdamaxLimit> {
    let run = ravine_run(Method::Adam, RECORDED_ETA, steps)?;
    let grads: Vec<f64> = run.grads.iter().map(|g| g[1]).collect();
    Ok(AdamaxLimit {
        lp: POWERS
            .iter()
            .map(|&p| lp_moment(&grads, ADAMAX_BETA2, p))
            .collect(),
        infinity: infinity_moment(&grads, ADAMAX_BETA2),
        lrbook: lrbook_adamax_u(&grads, ADAMAX_BETA2)?,
        grads,
    })
}

/// The ratios at the last step against their bounds, per p, and lrbook's Adamax against u⁽∞⁾.
pub fn adamax_table(a: &AdamaxLimit) -> Table {
    let n = a.grads.len();
    let mut t = crate::table!(
        "adam_knobs_adamax",
        &format!(
            "Adam with an Lᵖ norm against AdaMax, β₂ = {}, on the {n} gradients of θ₂ in an Adam \
             run (η = {}) on ½(θ₁² + {}θ₂²) from (1, 1), f64: u⁽ᵖ⁾/u⁽∞⁾ at t = {n} between its \
             bounds, and the steps t ≤ {n} at which it leaves them",
            fmt_sig(ADAMAX_BETA2, 3),
            fmt_sig(RECORDED_ETA, 2),
            fmt_sig(KAPPA, 3)
        ),
        &[
            "p",
            "lower bound (1−β₂ᵖ)^(1/p)",
            "u⁽ᵖ⁾/u⁽∞⁾",
            "upper bound ((1−β₂ᵖ)t)^(1/p)",
            "steps outside the bounds",
        ],
    );
    for (k, &p) in POWERS.iter().enumerate() {
        let (lo, hi) = ratio_bounds(ADAMAX_BETA2, p, n);
        t.push(vec![
            Cell::num(p, 3),
            Cell::num(lo, 4),
            Cell::num(a.lp[k][n - 1] / a.infinity[n - 1], 4),
            Cell::num(hi, 4),
            Cell::from(a.outside_bounds(k)),
        ]);
    }
    t
}

/// lrbook's Adamax against the ε-free u⁽∞⁾ of the same gradients.
pub fn adamax_lrbook_table(a: &AdamaxLimit) -> Table {
    let n = a.grads.len();
    let (hi, lo) = a.lrbook_gap();
    let mut t = crate::table!(
        "adam_knobs_adamax_lrbook",
        &format!(
            "lrbook's Adamax (u = max(β₂u, |g| + ε), ε = 1e-8) against u⁽∞⁾ = max(β₂u, |g|) on \
             the same {n} gradients: the difference over all t"
        ),
        &[
            "u⁽∞⁾ at t = T",
            "lrbook's u at t = T",
            "smallest u_lrbook − u⁽∞⁾",
            "largest u_lrbook − u⁽∞⁾",
            "ε",
        ],
    );
    t.push(vec![
        Cell::num(a.infinity[n - 1], 6),
        Cell::num(a.lrbook[n - 1], 6),
        Cell::num(lo, 2),
        Cell::num(hi, 2),
        Cell::num(AdamaxConfig::default().eps, 1),
    ]);
    t
}

/// Everything the section computes.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct AdamKnobs {
    /// The NAdam sweep on the ravine.
    pub sweep: NadamSweep,
    /// The AdaMax experiment.
    pub adamax: AdamaxLimit,
    /// The ε sweep.
    pub eps: EpsSweep,
    /// The β₂ runs.
    pub beta2: Vec<BetaTwoRun>,
    /// The section's tables, in page order.
    pub tables: Vec<Table>,
}

/// Runs the whole section (`--quick` shrinks the η grid, the recorded sequence and the β₂ list).
pub fn adam_knobs(cfg: &Config) -> Result<AdamKnobs> {
    let sweep = nadam_sweep(&SweepConfig::for_config(cfg.quick)?)?;
    let adamax = adamax_limit(if cfg.quick { 300 } else { 1000 })?;
    let eps = adam_knobs_steps::eps_sweep()?;
    let sc = StepsConfig::for_config(cfg.quick);
    let beta2 = adam_knobs_steps::beta2_runs(&sc)?;
    let tables = vec![
        reference_table()?,
        sweep_table(&sweep),
        adamax_table(&adamax),
        adamax_lrbook_table(&adamax),
        adam_knobs_steps::eps_table(&eps),
        adam_knobs_steps::jump_table(&beta2, &sc),
        adam_knobs_steps::drop_table(&beta2, &sc),
    ];
    Ok(AdamKnobs {
        sweep,
        adamax,
        eps,
        beta2,
        tables,
    })
}

/// "NAdam, AdaMax, ε and β₂": NAdam as Nesterov inside Adam, AdaMax as the ∞-norm limit,
/// and what ε and β₂ do to the size of Adam's step.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct AdamKnobsSection {}

impl Exercise for AdamKnobsSection {
    const NAME: &'static str = "ch4_adam_knobs";

    fn title() -> String {
        "Chapter 4, section: NAdam, AdaMax, ε and β₂".to_string()
    }

    fn solve(&self, cfg: &Config, figures: Option<&Path>) -> Result<Solution> {
        solve_section(self, cfg, figures)
    }
}

impl Section for AdamKnobsSection {
    type Output = AdamKnobs;

    fn compute(&self, cfg: &Config) -> Result<AdamKnobs> {
        adam_knobs(cfg)
    }

    fn solution(s: &Self::Output, figures: Option<&Path>) -> Result<Solution> {
        drawn_solution(s.tables.clone(), figures, |dir| {
            super::adam_knobs_figures::draw(s, dir)
        })
    }
}
