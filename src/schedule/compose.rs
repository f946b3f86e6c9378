//! Composition: one schedule after another ([`Sequential`]), factors multiplied
//! ([`Chained`]), and warmup in front of any schedule.
use super::{CosineAnnealingLr, LrSchedule, Warmup};
use crate::validate;
use crate::{Error, Result};

/// Schedules run one after another, switching at `milestones`; each later schedule restarts
/// at its own step 0 (PyTorch's `SequentialLR`).
///
/// Differences from PyTorch: here each part keeps its own `base_lr` (in PyTorch all parts
/// share the optimizer's `initial_lr`; build the parts with the same base to match), and the
/// restart is exact for every schedule. PyTorch restarts a part with `_update_lr(0)`, which
/// is exact for schedulers with a closed form (StepLR, ExponentialLR, CosineAnnealingLR, …)
/// but uses stale state for `CosineAnnealingWarmRestarts`, `CyclicLR` and `OneCycleLR`.
pub struct Sequential {
    parts: Vec<Box<dyn LrSchedule>>,
    milestones: Vec<usize>,
}

impl Sequential {
    /// `parts.len() == milestones.len() + 1`, milestones strictly increasing and `>= 1`.
    pub fn new(parts: Vec<Box<dyn LrSchedule>>, milestones: Vec<usize>) -> Result<Self> {
        if parts.is_empty() {
            return Err(Error::invalid(
                "sequential schedule",
                "got no schedules, but it needs at least one",
                "Pass one or more schedules.",
            ));
        }
        if milestones.len() + 1 != parts.len() {
            return Err(Error::invalid(
                "sequential milestones",
                format!(
                    "got {} milestones for {} schedules; there must be one fewer milestones",
                    milestones.len(),
                    parts.len()
                ),
                "Give the step at which each schedule after the first takes over.",
            ));
        }
        let mut previous = 0;
        for &m in &milestones {
            if m <= previous {
                return Err(Error::invalid(
                    "sequential milestones",
                    format!("got {milestones:?}; they must be strictly increasing and >= 1"),
                    "Sort the milestones and remove duplicates and 0.",
                ));
            }
            previous = m;
        }
        Ok(Self { parts, milestones })
    }

    // ANCHOR: sequential
    /// The part in charge of `step` and the step local to it.
    fn locate(&self, step: usize) -> (&dyn LrSchedule, usize) {
        let i = self.milestones.partition_point(|&m| m <= step);
        let start = if i == 0 { 0 } else { self.milestones[i - 1] };
        (self.parts[i].as_ref(), step - start)
    }
    // ANCHOR_END: sequential
}

impl LrSchedule for Sequential {
    fn base_lr(&self) -> f64 {
        self.parts[0].base_lr()
    }
    fn lr(&self, step: usize) -> f64 {
        let (part, local) = self.locate(step);
        part.lr(local)
    }
    fn try_lr(&self, step: usize) -> Result<f64> {
        let (part, local) = self.locate(step);
        part.try_lr(local)
    }
    fn momentum(&self, step: usize) -> Option<f64> {
        let (part, local) = self.locate(step);
        part.momentum(local)
    }
}

/// Several schedules applied at once: the LR is `base_lr · Π lrᵢ(step) / base_lrᵢ`, with
/// `base_lr` the first schedule's.
///
/// This equals PyTorch's `ChainedScheduler` for its multiplicative schedulers (StepLR,
/// MultiStepLR, ExponentialLR, LinearLR, PolynomialLR, ConstantLR), up to rounding. PyTorch
/// differs for schedulers that overwrite the LR instead of scaling it (cosine, cyclic,
/// one-cycle): there the last one in the chain wins, which is rarely what was meant.
pub struct Chained {
    parts: Vec<Box<dyn LrSchedule>>,
}

impl Chained {
    /// Multiply the factors of one or more schedules, each with a valid base learning rate
    /// (see [`validate::learning_rate`]; a schedule of your own with base 0 would divide by 0).
    pub fn new(parts: Vec<Box<dyn LrSchedule>>) -> Result<Self> {
        if parts.is_empty() {
            return Err(Error::invalid(
                "chained schedule",
                "got no schedules, but it needs at least one",
                "Pass one or more schedules.",
            ));
        }
        for (i, part) in parts.iter().enumerate() {
            validate::learning_rate(
                &format!("base learning rate of chained part {i}"),
                part.base_lr(),
            )?;
        }
        Ok(Self { parts })
    }
}

impl LrSchedule for Chained {
    fn base_lr(&self) -> f64 {
        self.parts[0].base_lr()
    }
    // ANCHOR: chained
    fn lr(&self, step: usize) -> f64 {
        let factors = self.parts.iter().map(|s| s.lr(step) / s.base_lr());
        if factors.clone().any(|f| f == 0.0) {
            return 0.0; // zero, even if the other factors' product overflows
        }
        let factor: f64 = factors.product();
        (self.base_lr() * factor).min(f64::MAX)
    }
    // ANCHOR_END: chained
    // Factors above 1 (a cyclic part's `max_lr/base_lr`) can multiply past f64's range only
    // in absurd chains: `lr` then saturates at `f64::MAX`, and `try_lr` reports it.
    fn try_lr(&self, step: usize) -> Result<f64> {
        for s in &self.parts {
            s.try_lr(step)?; // only for the error of a part stepped past its end
        }
        let lr = self.lr(step);
        if lr > validate::MAX_LEARNING_RATE {
            return Err(Error::invalid(
                "chained schedule",
                format!(
                    "the product of the parts' factors at step {step} gives {lr:e}, above \
                     the largest learning rate libtorch can hold ({:e})",
                    validate::MAX_LEARNING_RATE
                ),
                "Chain fewer schedules whose rate rises above their base (cyclic, one-cycle).",
            ));
        }
        Ok(lr)
    }
}

/// Linear warmup (from `base_lr / warmup_steps`, see [`Warmup`]) to `schedule.base_lr()`,
/// then `schedule` from its own step 0 at step `warmup_steps`.
pub fn warmup_then<S: LrSchedule + 'static>(
    warmup_steps: usize,
    schedule: S,
) -> Result<Sequential> {
    let warmup = Warmup::linear(schedule.base_lr(), warmup_steps)?;
    Sequential::new(
        vec![Box::new(warmup), Box::new(schedule)],
        vec![warmup_steps],
    )
}

/// The common recipe: linear warmup for `warmup_steps`, then cosine annealing to `eta_min`
/// at step `total_steps` (and, as in PyTorch, back up if you keep going).
pub fn cosine_with_warmup(
    base_lr: f64,
    warmup_steps: usize,
    total_steps: usize,
    eta_min: f64,
) -> Result<Sequential> {
    validate::at_least_one("warmup steps", warmup_steps)?;
    if warmup_steps >= total_steps {
        return Err(Error::invalid(
            "warmup steps",
            format!(
                "got {warmup_steps}, which leaves no steps of the total {total_steps} to anneal"
            ),
            "Use fewer warmup steps than total steps (often 1–10% of them).",
        ));
    }
    let cosine = CosineAnnealingLr::new(base_lr, total_steps - warmup_steps, eta_min)?;
    warmup_then(warmup_steps, cosine)
}
