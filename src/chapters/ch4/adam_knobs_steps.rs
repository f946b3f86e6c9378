//! What ε and β₂ do to the size of Adam's step, measured with lrbook's `Adam` against closed
//! forms: the step under a constant gradient of scale s (ε), and the step after the gradient
//! jumps or drops by a factor k following a long steady phase (β₂); exercises 6 and 7.
use std::path::Path;

use tch::Tensor;

use super::adam_knobs::feed_gradient;
use crate::chapters::exercise::{Exercise, Solution};
use crate::chapters::Config;
use crate::optim::{Adam, AdamConfig, Optimizer};
use crate::report::{fmt_sig, Cell, Table};
use crate::{validate, Error, Result};

/// The ε's of the ε sweep.
pub const EPSILONS: [f64; 3] = [1e-8, 1e-4, 1e-1];
/// Steps of each ε run; the step is measured at the last (on a constant gradient the bias
/// corrections make it the same at every step).
pub const EPS_STEPS: usize = 10;

// ANCHOR: step_sizes
/// lrbook's Adam (with `beta1`, `beta2`, `eps`) on one parameter per entry of `start`: the
/// gradient is `start[i]` for `steady` steps, then `after(n)[i]` at the n-th step after
/// the change; returns each parameter's step `|Δθ|/η` at the steps `n = 1..=post`.
pub fn steps_after_change(
    (beta1, beta2, eps): (f64, f64, f64),
    start: &[f64],
    steady: usize,
    post: usize,
    after: impl Fn(usize) -> Vec<f64>,
) -> Result<Vec<Vec<f64>>> {
    let theta = Tensor::zeros([start.len() as i64], (tch::Kind::Double, tch::Device::Cpu))
        .set_requires_grad(true);
    let config = AdamConfig {
        betas: (beta1, beta2),
        eps,
        ..AdamConfig::default()
    };
    let mut opt = Adam::new(vec![theta.shallow_clone()], config)?;
    feed_gradient(&theta, &Tensor::from_slice(start))?;
    for _ in 0..steady {
        opt.step(1.0)?;
    }
    let mut steps = vec![Vec::with_capacity(post); start.len()];
    let mut before = Vec::<f64>::try_from(&theta.detach())?;
    for n in 1..=post {
        feed_gradient(&theta, &Tensor::from_slice(&after(n)))?;
        opt.step(1.0)?; // η = 1: the change of θ is the step in units of η
        let now = Vec::<f64>::try_from(&theta.detach())?;
        for (i, s) in steps.iter_mut().enumerate() {
            s.push((now[i] - before[i]).abs());
        }
        before = now;
    }
    Ok(steps)
}
// ANCHOR_END: step_sizes

/// Adam's step `|Δθ|/η` at step [`EPS_STEPS`] under the constant gradients `scales`.
pub fn constant_gradient_steps(scales: &[f64], eps: f64, steps: usize) -> Result<Vec<f64>> {
    let defaults = AdamConfig::default().betas;
    let out = steps_after_change((defaults.0, defaults.1, eps), scales, steps - 1, 1, |_| {
        scales.to_vec()
    })?;
    Ok(out.into_iter().map(|s| s[0]).collect())
}

// ANCHOR: closed_forms
/// The step under a constant gradient of scale s: `η·s/(s+ε)` (in units of η), at every t.
pub fn constant_step(s: f64, eps: f64) -> f64 {
    s / (s + eps)
}

/// The first step after the gradient jumps from s to k·s (β₁ = 0, long steady phase):
/// `k/√(β₂ + (1−β₂)k²)`, which tends to `1/√(1−β₂)` as k grows.
pub fn jump_step(beta2: f64, k: f64) -> f64 {
    k / (beta2 + (1.0 - beta2) * k * k).sqrt()
}

/// After a drop from s to s/k (β₁ = 0), `v_n = β₂ⁿs² + (1−β₂ⁿ)s²/k²`; the step
/// `(1/k)/√(v_n/s²)` is back to η/2 once `β₂ⁿ ≤ 3/(k²−1)`: at `n = ⌈ln(3/(k²−1))/ln β₂⌉`.
pub fn drop_recovery(beta2: f64, k: f64) -> usize {
    ((3.0 / (k * k - 1.0)).ln() / beta2.ln()).ceil().max(1.0) as usize
}

/// The first step after a drop from s to s/k (β₁ = 0): `(1/k)/√(β₂ + (1−β₂)/k²)`, about
/// `1/(k√β₂)`.
pub fn drop_first_step(beta2: f64, k: f64) -> f64 {
    (1.0 / k) / (beta2 + (1.0 - beta2) / (k * k)).sqrt()
}

/// The first step after a one-step spike of k after a long steady phase, for any β₁:
/// `(β₁ + (1−β₁)k)/√(β₂ + (1−β₂)k²)`.
pub fn spike_step(beta1: f64, beta2: f64, k: f64) -> f64 {
    (beta1 + (1.0 - beta1) * k) / (beta2 + (1.0 - beta2) * k * k).sqrt()
}
// ANCHOR_END: closed_forms

/// The gradient scales of the ε sweep: `10^k` for k = −12..2.
pub fn eps_scales() -> Vec<f64> {
    (-12..=2).map(|k| 10f64.powi(k)).collect()
}

/// The ε sweep: per ε of [`EPSILONS`], the measured step at every scale.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct EpsSweep {
    /// Gradient scales.
    pub scales: Vec<f64>,
    /// `steps[j][i]`: ε `j`, scale `i`, step in units of η.
    pub steps: Vec<Vec<f64>>,
}

/// Runs lrbook's Adam at every scale for every ε.
pub fn eps_sweep() -> Result<EpsSweep> {
    let scales = eps_scales();
    let steps = EPSILONS
        .iter()
        .map(|&e| constant_gradient_steps(&scales, e, EPS_STEPS))
        .collect::<Result<Vec<_>>>()?;
    Ok(EpsSweep { scales, steps })
}

/// The ε table: measured step/η against `s/(s+ε)`.
pub fn eps_table(s: &EpsSweep) -> Table {
    let mut columns = vec!["gradient scale s".to_string()];
    for e in EPSILONS {
        columns.push(format!("ε = {}: step/η", fmt_sig(e, 1)));
        columns.push(format!("ε = {}: s/(s+ε)", fmt_sig(e, 1)));
    }
    let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
    let mut t = crate::table!(
        "adam_knobs_eps",
        &format!(
            "Adam's step under a constant gradient of scale s, in units of η, measured at step \
             {EPS_STEPS} with lrbook's Adam (β = (0.9, 0.999), f64), against the closed form \
             s/(s+ε)"
        ),
        &columns,
    );
    for (i, &scale) in s.scales.iter().enumerate() {
        let mut row = vec![Cell::num(scale, 1)];
        for (j, &e) in EPSILONS.iter().enumerate() {
            row.push(Cell::num(s.steps[j][i], 4));
            row.push(Cell::num(constant_step(scale, e), 4));
        }
        t.push(row);
    }
    t
}

/// The β₂'s and the factor of the jump and drop experiment.
#[derive(Clone, Debug)]
pub struct StepsConfig {
    /// β₂'s, increasing.
    pub beta2s: Vec<f64>,
    /// The factor k of the jump (s → ks) and of the drop (s → s/k).
    pub factor: f64,
}

impl StepsConfig {
    /// β₂ ∈ {0.9, 0.95, 0.99, 0.999, 0.9999} (quick: {0.9, 0.99, 0.999}), k = 100.
    pub fn for_config(quick: bool) -> Self {
        StepsConfig {
            beta2s: if quick {
                vec![0.9, 0.99, 0.999]
            } else {
                vec![0.9, 0.95, 0.99, 0.999, 0.9999]
            },
            factor: 100.0,
        }
    }
}

/// The largest of `steps` (steps 1, 2, … after a change) and the step at which it is taken.
pub fn largest_step(steps: &[f64]) -> (f64, usize) {
    steps
        .iter()
        .enumerate()
        .fold((0.0, 0), |b, (i, &s)| if s > b.0 { (s, i + 1) } else { b })
}

/// The β₁'s of the jump and drop runs.
pub const JUMP_BETA1S: [f64; 2] = [0.0, 0.9];

/// Steps of the steady phase before a change: `⌈10/(1−β₂)⌉`, so that `β₂ᵗ < 5e-5`.
pub fn steady_steps(beta2: f64) -> usize {
    (10.0 / (1.0 - beta2)).ceil() as usize
}

/// One (β₁, β₂) run: the step after a jump by k and after a drop by k, from the same
/// steady phase (two parameters of one optimizer).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct BetaTwoRun {
    /// β₁.
    pub beta1: f64,
    /// β₂.
    pub beta2: f64,
    /// Step/η at steps 1.. after the jump.
    pub jump: Vec<f64>,
    /// Step/η at steps 1.. after the drop.
    pub drop: Vec<f64>,
}

impl BetaTwoRun {
    /// The largest step after the jump, and the step at which it is taken.
    pub fn largest_jump_step(&self) -> (f64, usize) {
        largest_step(&self.jump)
    }

    /// Steps after the drop until the step is at least η/2 from then on.
    pub fn drop_recovery(&self) -> Option<usize> {
        if *self.drop.last()? < 0.5 {
            return None;
        }
        Some(
            self.drop
                .iter()
                .rposition(|&s| s < 0.5)
                .map_or(1, |i| i + 2),
        )
    }
}

/// Runs every (β₁, β₂) of `c`: a steady phase at gradient 1, then 100 (jump) and 1/100 (drop).
pub fn beta2_runs(c: &StepsConfig) -> Result<Vec<BetaTwoRun>> {
    let k = c.factor;
    let mut out = Vec::new();
    for &beta2 in &c.beta2s {
        let post = drop_recovery(beta2, k) * 6 / 5 + 10;
        for &beta1 in &JUMP_BETA1S {
            let s = steps_after_change(
                (beta1, beta2, AdamConfig::default().eps),
                &[1.0, 1.0],
                steady_steps(beta2),
                post,
                |_| vec![k, 1.0 / k],
            )?;
            out.push(BetaTwoRun {
                beta1,
                beta2,
                jump: s[0].clone(),
                drop: s[1].clone(),
            });
        }
    }
    Ok(out)
}

fn run_of(runs: &[BetaTwoRun], beta1: f64, beta2: f64) -> Option<&BetaTwoRun> {
    runs.iter().find(|r| r.beta1 == beta1 && r.beta2 == beta2)
}

fn steady_caption(c: &StepsConfig) -> String {
    format!(
        "lrbook's Adam, ε = 1e-8, f64; ⌈10/(1−β₂)⌉ steps at gradient s, then the gradient \
         changes by k = {} and stays there",
        fmt_sig(c.factor, 3)
    )
}

/// The largest step after a jump s → ks, per β₂: closed form (β₁ = 0) and measured.
pub fn jump_table(runs: &[BetaTwoRun], c: &StepsConfig) -> Table {
    let mut t = crate::table!(
        "adam_knobs_jump",
        &format!(
            "The largest step after the gradient jumps from s to ks, in units of η: {}",
            steady_caption(c)
        ),
        &[
            "β₂",
            "k/√(β₂+(1−β₂)k²)",
            "measured, β₁ = 0",
            "limit 1/√(1−β₂)",
            "measured, β₁ = 0.9",
            "at step (β₁ = 0.9)",
        ],
    );
    for &b2 in &c.beta2s {
        let (Some(r0), Some(r9)) = (run_of(runs, 0.0, b2), run_of(runs, 0.9, b2)) else {
            continue;
        };
        let (m9, at9) = r9.largest_jump_step();
        t.push(vec![
            Cell::num(b2, 5),
            Cell::num(jump_step(b2, c.factor), 4),
            Cell::num(r0.largest_jump_step().0, 4),
            Cell::num(1.0 / (1.0 - b2).sqrt(), 4),
            Cell::num(m9, 4),
            Cell::from(at9),
        ]);
    }
    t
}

/// Steps until the step is back to η/2 after a drop s → s/k, per β₂.
pub fn drop_table(runs: &[BetaTwoRun], c: &StepsConfig) -> Table {
    let mut t = crate::table!(
        "adam_knobs_drop",
        &format!(
            "Steps after the gradient drops from s to s/k until Adam's step is at least η/2 \
             from then on: {}",
            steady_caption(c)
        ),
        &[
            "β₂",
            "⌈ln(3/(k²−1))/ln β₂⌉",
            "measured, β₁ = 0",
            "measured, β₁ = 0.9",
            "first step/η after the drop (β₁ = 0)",
            "(1/k)/√(β₂+(1−β₂)/k²)",
        ],
    );
    let text = |n: Option<usize>| n.map_or(Cell::from("—"), Cell::from);
    for &b2 in &c.beta2s {
        let (Some(r0), Some(r9)) = (run_of(runs, 0.0, b2), run_of(runs, 0.9, b2)) else {
            continue;
        };
        t.push(vec![
            Cell::num(b2, 5),
            Cell::from(drop_recovery(b2, c.factor)),
            text(r0.drop_recovery()),
            text(r9.drop_recovery()),
            Cell::num(r0.drop[0], 4),
            Cell::num(drop_first_step(b2, c.factor), 4),
        ]);
    }
    t
}

/// "< bound" when `|x|` is below `bound` (its last digits differ between processors), `|x|`
/// to two digits otherwise.
pub fn below_or_value(x: f64, bound: f64) -> String {
    if x.abs() < bound {
        format!("< {}", fmt_sig(bound, 1))
    } else {
        fmt_sig(x.abs(), 2)
    }
}

fn check_eps(flag: &str, eps: f64) -> Result<f64> {
    validate::positive(flag, eps)?;
    if !(1e-12..=1.0).contains(&eps) {
        return Err(Error::invalid(
            flag,
            format!("got {eps}, but ε must lie in [1e-12, 1]"),
            "Pass a value such as 1e-8.",
        ));
    }
    Ok(eps)
}

/// Exercise 6: for your ε, at what gradient scale does Adam's step fall to half of η?
/// Measured by bisection with lrbook's Adam, against the closed form `s = ε`.
#[derive(clap::Args, Clone, Debug)]
pub struct HalfStep {
    /// Adam's ε, in [1e-12, 1].
    #[arg(long, default_value_t = 1e-8)]
    pub eps: f64,
    /// Steps of constant gradient before the step is measured.
    #[arg(long, default_value_t = 10)]
    pub steps: usize,
}

impl Exercise for HalfStep {
    const NAME: &'static str = "ch4_ex6_half_step";

    fn solve(&self, _cfg: &Config, _figures: Option<&Path>) -> Result<Solution> {
        let eps = check_eps("--eps", self.eps)?;
        validate::count_in("--steps", self.steps, 100_000)?;
        // Bisection on ln s over [ε/1e6, 1e6·ε] for step/η = 1/2.
        let (mut lo, mut hi) = (eps.ln() - 6.0 * 10f64.ln(), eps.ln() + 6.0 * 10f64.ln());
        for _ in 0..50 {
            let mid = 0.5 * (lo + hi);
            if constant_gradient_steps(&[mid.exp()], eps, self.steps)?[0] < 0.5 {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let s_half = (0.5 * (lo + hi)).exp();
        let mut t = crate::table!(
            "adam_knobs_ex6_half_step",
            &format!(
                "Exercise 6: the gradient scale at which Adam's step is η/2, by bisection on \
                 lrbook's Adam (β = (0.9, 0.999), f64, step measured at step {}), against the \
                 closed form s = ε",
                self.steps
            ),
            &[
                "ε",
                "measured s",
                "closed form s = ε",
                "|measured/closed − 1|"
            ],
        );
        t.push(vec![
            Cell::num(eps, 3),
            Cell::num(s_half, 6),
            Cell::num(eps, 6),
            Cell::Text(below_or_value(s_half / eps - 1.0, 1e-9)),
        ]);
        Ok(Solution::tables(vec![t]))
    }
}

/// Exercise 7: after a one-step gradient spike of k after a long steady phase, how large is
/// Adam's largest step for your β₂? Measured with β₁ = 0 and your β₁, against
/// `(β₁ + (1−β₁)k)/√(β₂ + (1−β₂)k²)`.
#[derive(clap::Args, Clone, Debug)]
pub struct SpikeStep {
    /// Adam's β₂, in [0, 0.99999] (the steady phase takes ⌈10/(1−β₂)⌉ steps).
    #[arg(long, default_value_t = 0.999)]
    pub beta2: f64,
    /// Adam's β₁ of the second row, in [0, 1).
    #[arg(long, default_value_t = 0.9)]
    pub beta1: f64,
    /// The spike's factor k, in [1, 1e6].
    #[arg(long, default_value_t = 100.0)]
    pub spike: f64,
}

impl Exercise for SpikeStep {
    const NAME: &'static str = "ch4_ex7_spike_step";

    fn solve(&self, _cfg: &Config, _figures: Option<&Path>) -> Result<Solution> {
        validate::unit_interval("--beta2", self.beta2)?;
        if self.beta2 > 0.99999 {
            return Err(Error::invalid(
                "--beta2",
                format!(
                    "got {}, but this exercise takes β₂ ≤ 0.99999 (its steady phase is \
                     ⌈10/(1−β₂)⌉ steps)",
                    self.beta2
                ),
                "Pass a value such as 0.999.",
            ));
        }
        validate::unit_interval("--beta1", self.beta1)?;
        if !(1.0..=1e6).contains(&self.spike) {
            return Err(Error::invalid(
                "--spike",
                format!("got {}, but the factor k must lie in [1, 1e6]", self.spike),
                "Pass a factor such as 100.",
            ));
        }
        let k = self.spike;
        let mut t = crate::table!(
            "adam_knobs_ex7_spike",
            &format!(
                "Exercise 7: Adam's largest step, in units of η, after a one-step gradient spike \
                 of k = {} following ⌈10/(1−β₂)⌉ steps at a constant gradient, β₂ = {}, ε = \
                 1e-8, lrbook's Adam in f64; 50 steps after the spike",
                fmt_sig(k, 3),
                self.beta2
            ),
            &[
                "β₁",
                "measured largest step/η",
                "at step",
                "(β₁+(1−β₁)k)/√(β₂+(1−β₂)k²)",
                "limit k → ∞: (1−β₁)/√(1−β₂)",
            ],
        );
        for beta1 in [0.0, self.beta1] {
            let s = steps_after_change(
                (beta1, self.beta2, AdamConfig::default().eps),
                &[1.0],
                steady_steps(self.beta2),
                50,
                |n| vec![if n == 1 { k } else { 1.0 }],
            )?;
            let (largest, at) = largest_step(&s[0]);
            t.push(vec![
                Cell::num(beta1, 3),
                Cell::num(largest, 4),
                Cell::from(at),
                Cell::num(spike_step(beta1, self.beta2, k), 4),
                Cell::num((1.0 - beta1) / (1.0 - self.beta2).sqrt(), 4),
            ]);
        }
        Ok(Solution::tables(vec![t]))
    }
}
