//! Schedules that are a closed-form function of the step: constant, step and exponential
//! decays, polynomial, linear, cosine annealing (with warm restarts) and warmup.
use super::{decay_factor, min_lr, unit_factor, LrSchedule};
use crate::validate;
use crate::{Error, Result};
use std::f64::consts::PI;

/// The same learning rate at every step; the baseline every other schedule is compared with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Constant {
    base_lr: f64,
}

impl Constant {
    /// A constant schedule at `base_lr` (finite, `> 0`).
    pub fn new(base_lr: f64) -> Result<Self> {
        Ok(Self {
            base_lr: validate::learning_rate("base learning rate", base_lr)?,
        })
    }
}

impl LrSchedule for Constant {
    fn base_lr(&self) -> f64 {
        self.base_lr
    }
    fn lr(&self, _step: usize) -> f64 {
        self.base_lr
    }
}

/// PyTorch's `StepLR`: multiply by `gamma` every `step_size` steps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepLr {
    base_lr: f64,
    step_size: usize,
    gamma: f64,
}

impl StepLr {
    /// Decay `base_lr` by `gamma` every `step_size` (`>= 1`) steps. `gamma` must lie in
    /// `(0, 1]` (PyTorch accepts any γ; γ > 1 would grow the rate to ∞).
    pub fn new(base_lr: f64, step_size: usize, gamma: f64) -> Result<Self> {
        Ok(Self {
            base_lr: validate::learning_rate("base learning rate", base_lr)?,
            step_size: validate::at_least_one("step size", step_size)?,
            gamma: decay_factor("gamma", gamma)?,
        })
    }
}

impl LrSchedule for StepLr {
    fn base_lr(&self) -> f64 {
        self.base_lr
    }
    // ANCHOR: step_lr
    fn lr(&self, step: usize) -> f64 {
        let decays = (step / self.step_size) as f64;
        self.base_lr * self.gamma.powf(decays)
    }
    // ANCHOR_END: step_lr
}

/// PyTorch's `MultiStepLR`: multiply by `gamma` at each milestone.
#[derive(Debug, Clone, PartialEq)]
pub struct MultiStepLr {
    base_lr: f64,
    milestones: Vec<usize>,
    gamma: f64,
}

impl MultiStepLr {
    /// Decay `base_lr` by `gamma` at every step listed in `milestones`. Like PyTorch, the
    /// order does not matter and a milestone listed twice decays twice. `gamma` must lie in
    /// `(0, 1]` (PyTorch accepts any γ; γ > 1 would grow the rate at every milestone).
    pub fn new(base_lr: f64, milestones: Vec<usize>, gamma: f64) -> Result<Self> {
        let mut milestones = milestones;
        milestones.sort_unstable();
        Ok(Self {
            base_lr: validate::learning_rate("base learning rate", base_lr)?,
            milestones,
            gamma: decay_factor("gamma", gamma)?,
        })
    }
}

impl LrSchedule for MultiStepLr {
    fn base_lr(&self) -> f64 {
        self.base_lr
    }
    // ANCHOR: multi_step_lr
    fn lr(&self, step: usize) -> f64 {
        let passed = self.milestones.partition_point(|&m| m <= step) as f64;
        self.base_lr * self.gamma.powf(passed)
    }
    // ANCHOR_END: multi_step_lr
}

/// PyTorch's `ExponentialLR`: multiply by `gamma` every step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExponentialLr {
    base_lr: f64,
    gamma: f64,
}

impl ExponentialLr {
    /// `base_lr · gamma^step`, with `gamma` in `(0, 1]` (PyTorch accepts any γ; with γ > 1
    /// the rate overflows to ∞ after a few thousand steps).
    pub fn new(base_lr: f64, gamma: f64) -> Result<Self> {
        Ok(Self {
            base_lr: validate::learning_rate("base learning rate", base_lr)?,
            gamma: decay_factor("gamma", gamma)?,
        })
    }
}

impl LrSchedule for ExponentialLr {
    fn base_lr(&self) -> f64 {
        self.base_lr
    }
    // ANCHOR: exponential_lr
    fn lr(&self, step: usize) -> f64 {
        self.base_lr * self.gamma.powf(step as f64)
    }
    // ANCHOR_END: exponential_lr
}

/// Time-based decay `base_lr / (1 + decay · step)` (Keras' classic `decay`; no PyTorch
/// counterpart). Decays like `1/t`, slower than any exponential.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimeBasedDecay {
    base_lr: f64,
    decay: f64,
}

impl TimeBasedDecay {
    /// `base_lr / (1 + decay · step)` with `decay` finite and `>= 0`.
    pub fn new(base_lr: f64, decay: f64) -> Result<Self> {
        Ok(Self {
            base_lr: validate::learning_rate("base learning rate", base_lr)?,
            decay: validate::non_negative("decay", decay)?,
        })
    }
}

impl LrSchedule for TimeBasedDecay {
    fn base_lr(&self) -> f64 {
        self.base_lr
    }
    // ANCHOR: time_based
    fn lr(&self, step: usize) -> f64 {
        self.base_lr / (1.0 + self.decay * step as f64)
    }
    // ANCHOR_END: time_based
}

/// Inverse-square-root decay `base_lr / sqrt(1 + step / timescale)` (no PyTorch
/// counterpart). It starts at `base_lr`, and for `step ≫ timescale` it behaves like
/// the Transformer's `base_lr · sqrt(timescale / step)`. Combine with [`super::warmup_then`]
/// for the usual warmup-then-inverse-sqrt recipe.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InverseSqrt {
    base_lr: f64,
    timescale: usize,
}

impl InverseSqrt {
    /// `base_lr / sqrt(1 + step / timescale)` with `timescale >= 1`.
    pub fn new(base_lr: f64, timescale: usize) -> Result<Self> {
        Ok(Self {
            base_lr: validate::learning_rate("base learning rate", base_lr)?,
            timescale: validate::at_least_one("timescale", timescale)?,
        })
    }
}

impl LrSchedule for InverseSqrt {
    fn base_lr(&self) -> f64 {
        self.base_lr
    }
    // ANCHOR: inverse_sqrt
    fn lr(&self, step: usize) -> f64 {
        self.base_lr / (1.0 + step as f64 / self.timescale as f64).sqrt()
    }
    // ANCHOR_END: inverse_sqrt
}

/// PyTorch's `PolynomialLR`: `base_lr · (1 − min(step, T)/T)^power`, zero from step `T` on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PolynomialLr {
    base_lr: f64,
    total_iters: usize,
    power: f64,
}

impl PolynomialLr {
    /// Decay to 0 over `total_iters` (`>= 1`) steps with exponent `power` (finite, `>= 0`).
    pub fn new(base_lr: f64, total_iters: usize, power: f64) -> Result<Self> {
        Ok(Self {
            base_lr: validate::learning_rate("base learning rate", base_lr)?,
            total_iters: validate::at_least_one("total_iters", total_iters)?,
            power: validate::non_negative("power", power)?,
        })
    }
}

impl LrSchedule for PolynomialLr {
    fn base_lr(&self) -> f64 {
        self.base_lr
    }
    // ANCHOR: polynomial_lr
    fn lr(&self, step: usize) -> f64 {
        let t = step.min(self.total_iters) as f64;
        self.base_lr * (1.0 - t / self.total_iters as f64).powf(self.power)
    }
    // ANCHOR_END: polynomial_lr
}

/// PyTorch's `LinearLR`: the factor moves linearly from `start_factor` to `end_factor`
/// over `total_iters` steps, then stays at `end_factor`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearLr {
    base_lr: f64,
    start_factor: f64,
    end_factor: f64,
    total_iters: usize,
}

impl LinearLr {
    /// PyTorch's ranges: `start_factor` in `(0, 1]`, `end_factor` in `[0, 1]`,
    /// `total_iters >= 1`.
    pub fn new(
        base_lr: f64,
        start_factor: f64,
        end_factor: f64,
        total_iters: usize,
    ) -> Result<Self> {
        Ok(Self {
            base_lr: validate::learning_rate("base learning rate", base_lr)?,
            start_factor: unit_factor("start_factor", start_factor, false)?,
            end_factor: unit_factor("end_factor", end_factor, true)?,
            total_iters: validate::at_least_one("total_iters", total_iters)?,
        })
    }
}

impl LrSchedule for LinearLr {
    fn base_lr(&self) -> f64 {
        self.base_lr
    }
    // ANCHOR: linear_lr
    fn lr(&self, step: usize) -> f64 {
        let t = step.min(self.total_iters) as f64;
        let (s, e) = (self.start_factor, self.end_factor);
        // With an end factor of 0, rounding can leave -1e-17 at the end: a rate is never < 0.
        (self.base_lr * (s + (e - s) * t / self.total_iters as f64)).max(0.0)
    }
    // ANCHOR_END: linear_lr
}

/// PyTorch's `CosineAnnealingLR`: half a cosine from `base_lr` down to `eta_min` over
/// `t_max` steps.
///
/// Past `t_max` PyTorch does not stop: its recursion keeps following the same cosine, which
/// climbs back to `base_lr` at `2·t_max` and repeats with period `2·t_max`. This closed form
/// does the same (checked against PyTorch for 300 steps with `t_max` as small as 1). Use
/// [`CosineAnnealingWarmRestarts`] for restarts, or [`super::Sequential`] to hold `eta_min`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CosineAnnealingLr {
    base_lr: f64,
    t_max: usize,
    eta_min: f64,
}

impl CosineAnnealingLr {
    /// Anneal from `base_lr` to `eta_min` (`0 <= eta_min <= base_lr`) over `t_max >= 1` steps.
    pub fn new(base_lr: f64, t_max: usize, eta_min: f64) -> Result<Self> {
        let base_lr = validate::learning_rate("base learning rate", base_lr)?;
        Ok(Self {
            base_lr,
            t_max: validate::at_least_one("T_max", t_max)?,
            eta_min: min_lr("eta_min", eta_min, base_lr)?,
        })
    }
}

// ANCHOR: cosine
/// `eta_min + (base − eta_min) · (1 + cos(π · t / period)) / 2`, PyTorch's operation order.
fn cosine(base_lr: f64, eta_min: f64, t: f64, period: f64) -> f64 {
    eta_min + (base_lr - eta_min) * (1.0 + (PI * t / period).cos()) / 2.0
}
// ANCHOR_END: cosine

impl LrSchedule for CosineAnnealingLr {
    fn base_lr(&self) -> f64 {
        self.base_lr
    }
    fn lr(&self, step: usize) -> f64 {
        cosine(self.base_lr, self.eta_min, step as f64, self.t_max as f64)
    }
}

/// PyTorch's `CosineAnnealingWarmRestarts` (SGDR): cosine annealing that restarts at
/// `base_lr` after `t_0` steps, with each period `t_mult` times longer than the last.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CosineAnnealingWarmRestarts {
    base_lr: f64,
    t_0: usize,
    t_mult: usize,
    eta_min: f64,
}

impl CosineAnnealingWarmRestarts {
    /// First period `1 <= t_0 <=` [`validate::MAX_STEPS`], growth `1 <= t_mult <=`
    /// [`validate::MAX_STEPS`], floor `0 <= eta_min <= base_lr`.
    ///
    /// The periods `t_0·t_mult^i` grow geometrically; once one would be longer than
    /// `usize::MAX` steps, no step can reach its end, and [`Self::position`] reports it as
    /// `usize::MAX` long (the rate keeps falling slowly towards `eta_min`, never NaN).
    pub fn new(base_lr: f64, t_0: usize, t_mult: usize, eta_min: f64) -> Result<Self> {
        let base_lr = validate::learning_rate("base learning rate", base_lr)?;
        Ok(Self {
            base_lr,
            t_0: validate::count_in("T_0", t_0, validate::MAX_STEPS)?,
            t_mult: validate::count_in("T_mult", t_mult, validate::MAX_STEPS)?,
            eta_min: min_lr("eta_min", eta_min, base_lr)?,
        })
    }

    // ANCHOR: warm_restarts_period
    /// `(t_cur, t_i)`: steps since the last restart and the length of the current period.
    pub fn position(&self, step: usize) -> (usize, usize) {
        if self.t_mult == 1 {
            return (step % self.t_0, self.t_0);
        }
        let (mut t_cur, mut t_i) = (step, self.t_0);
        while t_cur >= t_i {
            t_cur -= t_i;
            t_i = t_i.saturating_mul(self.t_mult);
        }
        (t_cur, t_i)
    }
    // ANCHOR_END: warm_restarts_period

    /// The step of the `k`-th restart (`k >= 1`): `t_0·(t_mult^k − 1)/(t_mult − 1)`, or
    /// `k·t_0` when `t_mult = 1`. An error, instead of a wrapped or saturated number, when
    /// that step is beyond `usize::MAX`.
    pub fn restart_step(&self, k: u32) -> Result<usize> {
        let overflow = || {
            Error::invalid(
                "warm-restart index",
                format!(
                    "restart {k} of T_0 = {}, T_mult = {} lies beyond step {} (usize::MAX)",
                    self.t_0,
                    self.t_mult,
                    usize::MAX
                ),
                "Ask for fewer restarts or a smaller T_mult.",
            )
        };
        if self.t_mult == 1 {
            return self.t_0.checked_mul(k as usize).ok_or_else(overflow);
        }
        // Sum of the periods t_0·t_mult^i for i < k, each one checked: with t_mult >= 2 the
        // sum overflows within 64 periods, so this loop is short for any k.
        let (mut step, mut period) = (0usize, self.t_0);
        for i in 0..k {
            step = step.checked_add(period).ok_or_else(overflow)?;
            if i + 1 < k {
                period = period.checked_mul(self.t_mult).ok_or_else(overflow)?;
            }
        }
        Ok(step)
    }
}

impl LrSchedule for CosineAnnealingWarmRestarts {
    fn base_lr(&self) -> f64 {
        self.base_lr
    }
    fn lr(&self, step: usize) -> f64 {
        let (t_cur, t_i) = self.position(step);
        cosine(self.base_lr, self.eta_min, t_cur as f64, t_i as f64)
    }
}

/// The shape of a [`Warmup`] ramp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WarmupShape {
    /// The factor grows linearly (PyTorch's `LinearLR` with `end_factor = 1`).
    Linear,
    /// The factor follows half a cosine: slow start, fast middle, slow arrival.
    Cosine,
}

/// A warmup ramp from `start_factor · base_lr` at step 0 to `base_lr` at step
/// `warmup_steps`, constant afterwards. Use [`super::warmup_then`] to continue with a decay.
///
/// **Step 0 rule.** The factor at step `t` is `s + (1 − s) · min(t, w)/w` (linear), so step 0
/// trains with `s · base_lr`. The default `s = 1/w` gives `base_lr / w`, exactly PyTorch's
/// `LinearLR(start_factor=1/w, end_factor=1, total_iters=w)`. The common hand-written
/// `base_lr · t / w` is the case `s = 0`: it wastes step 0 with a zero LR (an off-by-one); ask
/// for it explicitly with `with_start_factor(0.0)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Warmup {
    base_lr: f64,
    warmup_steps: usize,
    start_factor: f64,
    shape: WarmupShape,
}

impl Warmup {
    /// Linear warmup over `warmup_steps >= 1` steps, starting at `base_lr / warmup_steps`.
    pub fn linear(base_lr: f64, warmup_steps: usize) -> Result<Self> {
        Self::new(base_lr, warmup_steps, WarmupShape::Linear)
    }

    /// Half-cosine warmup over `warmup_steps >= 1` steps, starting at `base_lr / warmup_steps`.
    pub fn cosine(base_lr: f64, warmup_steps: usize) -> Result<Self> {
        Self::new(base_lr, warmup_steps, WarmupShape::Cosine)
    }

    /// Warmup of the given shape, starting at `base_lr / warmup_steps`.
    pub fn new(base_lr: f64, warmup_steps: usize, shape: WarmupShape) -> Result<Self> {
        let warmup_steps = validate::at_least_one("warmup steps", warmup_steps)?;
        Ok(Self {
            base_lr: validate::learning_rate("base learning rate", base_lr)?,
            warmup_steps,
            start_factor: 1.0 / warmup_steps as f64,
            shape,
        })
    }

    /// Start from `start_factor · base_lr` instead (`[0, 1]`; 0 means LR 0 at step 0).
    pub fn with_start_factor(self, start_factor: f64) -> Result<Self> {
        Ok(Self {
            start_factor: unit_factor("warmup start factor", start_factor, true)?,
            ..self
        })
    }

    /// The number of warmup steps; the LR reaches `base_lr` at this step.
    pub fn warmup_steps(&self) -> usize {
        self.warmup_steps
    }
}

impl LrSchedule for Warmup {
    fn base_lr(&self) -> f64 {
        self.base_lr
    }
    // ANCHOR: warmup
    fn lr(&self, step: usize) -> f64 {
        let progress = step.min(self.warmup_steps) as f64 / self.warmup_steps as f64;
        let ramp = match self.shape {
            WarmupShape::Linear => progress,
            WarmupShape::Cosine => (1.0 - (PI * progress).cos()) / 2.0,
        };
        let s = self.start_factor;
        self.base_lr * (s + (1.0 - s) * ramp)
    }
    // ANCHOR_END: warmup
}
