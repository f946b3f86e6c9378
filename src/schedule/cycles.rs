//! Cyclical schedules: PyTorch's `OneCycleLR` and `CyclicLR`, and a simple linear one-cycle.
use super::{decay_factor, momentum_range, LrSchedule};
use crate::validate;
use crate::{Error, Result};
use std::f64::consts::PI;

/// How [`OneCycleLR`](OneCycleLr) moves between two values within a phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnnealStrategy {
    /// Half a cosine (PyTorch's `"cos"`, the default).
    Cos,
    /// A straight line (PyTorch's `"linear"`).
    Linear,
}

impl AnnealStrategy {
    // ANCHOR: anneal
    /// The value a fraction `pct` of the way from `start` to `end` (PyTorch's formulas).
    fn anneal(self, start: f64, end: f64, pct: f64) -> f64 {
        match self {
            AnnealStrategy::Cos => end + (start - end) / 2.0 * ((PI * pct).cos() + 1.0),
            AnnealStrategy::Linear => (end - start) * pct + start,
        }
    }
    // ANCHOR_END: anneal
}

/// Options of [`OneCycleLr`], with PyTorch's defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OneCycleConfig {
    /// Fraction of the steps spent increasing the LR (default 0.3).
    pub pct_start: f64,
    /// Cosine or linear annealing (default cosine).
    pub anneal_strategy: AnnealStrategy,
    /// The initial LR is `max_lr / div_factor` (default 25).
    pub div_factor: f64,
    /// The final LR is `initial_lr / final_div_factor` (default 1e4).
    pub final_div_factor: f64,
    /// Fast.ai's three phases: up, back down to `initial_lr`, then annihilate (default false).
    pub three_phase: bool,
    /// Cycle momentum inversely to the LR (default true).
    pub cycle_momentum: bool,
    /// Momentum at the LR peak (default 0.85).
    pub base_momentum: f64,
    /// Momentum at the start and end (default 0.95).
    pub max_momentum: f64,
}

impl Default for OneCycleConfig {
    fn default() -> Self {
        Self {
            pct_start: 0.3,
            anneal_strategy: AnnealStrategy::Cos,
            div_factor: 25.0,
            final_div_factor: 1e4,
            three_phase: false,
            cycle_momentum: true,
            base_momentum: 0.85,
            max_momentum: 0.95,
        }
    }
}

/// One phase: anneal from the start values to the end values until `end_step`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Phase {
    end_step: f64,
    lr: (f64, f64),
    momentum: (f64, f64),
}

/// PyTorch's `OneCycleLR` (Smith's super-convergence policy), defined for steps
/// `0..=total_steps` — PyTorch raises on the `total_steps + 1`-th `scheduler.step()`, and so
/// does [`LrSchedule::try_lr`] here. [`LrSchedule::lr`] saturates at step `total_steps`.
#[derive(Debug, Clone, PartialEq)]
pub struct OneCycleLr {
    max_lr: f64,
    total_steps: usize,
    config: OneCycleConfig,
    phases: Vec<Phase>,
}

impl OneCycleLr {
    /// Peak at `max_lr` with `total_steps >= 1` steps. Unlike PyTorch, phases with no steps
    /// (where PyTorch divides by zero or runs backwards) are rejected.
    pub fn new(max_lr: f64, total_steps: usize, config: OneCycleConfig) -> Result<Self> {
        let max_lr = validate::learning_rate("max learning rate", max_lr)?;
        validate::at_least_one("total_steps", total_steps)?;
        let c = config;
        if !(0.0..=1.0).contains(&c.pct_start) {
            return Err(Error::invalid(
                "pct_start",
                format!("got {}, but it must lie in [0, 1]", c.pct_start),
                "Pass the fraction of steps spent warming up, such as 0.3.",
            ));
        }
        validate::positive("div_factor", c.div_factor)?;
        validate::positive("final_div_factor", c.final_div_factor)?;
        momentum_range(c.base_momentum, c.max_momentum)?;
        let initial = max_lr / c.div_factor;
        validate::learning_rate(
            "one-cycle initial learning rate (max_lr / div_factor)",
            initial,
        )?;
        let min = initial / c.final_div_factor;
        validate::learning_rate(
            "one-cycle final learning rate (max_lr / div_factor / final_div_factor)",
            min,
        )?;
        let (base_m, max_m) = (c.base_momentum, c.max_momentum);
        let up_end = c.pct_start * total_steps as f64 - 1.0;
        let last = total_steps as f64 - 1.0;
        let phases = if c.three_phase {
            vec![
                Phase {
                    end_step: up_end,
                    lr: (initial, max_lr),
                    momentum: (max_m, base_m),
                },
                Phase {
                    end_step: 2.0 * c.pct_start * total_steps as f64 - 2.0,
                    lr: (max_lr, initial),
                    momentum: (base_m, max_m),
                },
                Phase {
                    end_step: last,
                    lr: (initial, min),
                    momentum: (max_m, max_m),
                },
            ]
        } else {
            vec![
                Phase {
                    end_step: up_end,
                    lr: (initial, max_lr),
                    momentum: (max_m, base_m),
                },
                Phase {
                    end_step: last,
                    lr: (max_lr, min),
                    momentum: (base_m, max_m),
                },
            ]
        };
        let mut start = 0.0;
        for (i, phase) in phases.iter().enumerate() {
            if phase.end_step <= start {
                return Err(Error::invalid(
                    "one-cycle schedule",
                    format!(
                        "phase {} has no steps (it would end at step {} but starts at {start}) \
                         with total_steps={total_steps}, pct_start={}",
                        i + 1,
                        phase.end_step,
                        c.pct_start
                    ),
                    "Increase total_steps or move pct_start away from 0 and 1 (0.5 for three phases).",
                ));
            }
            start = phase.end_step;
        }
        Ok(Self {
            max_lr,
            total_steps,
            config,
            phases,
        })
    }

    /// The number of steps the schedule was built for.
    pub fn total_steps(&self) -> usize {
        self.total_steps
    }

    // ANCHOR: one_cycle
    /// `(lr, momentum)` at `step`, by annealing within the phase that contains it.
    fn values(&self, step: usize) -> (f64, f64) {
        let t = step.min(self.total_steps) as f64;
        let anneal = self.config.anneal_strategy;
        let mut start = 0.0;
        for (i, phase) in self.phases.iter().enumerate() {
            if t <= phase.end_step || i == self.phases.len() - 1 {
                let pct = (t - start) / (phase.end_step - start);
                return (
                    anneal.anneal(phase.lr.0, phase.lr.1, pct),
                    anneal.anneal(phase.momentum.0, phase.momentum.1, pct),
                );
            }
            start = phase.end_step;
        }
        unreachable!("the last phase always matches")
    }
    // ANCHOR_END: one_cycle
}

impl LrSchedule for OneCycleLr {
    fn base_lr(&self) -> f64 {
        self.max_lr / self.config.div_factor
    }
    fn lr(&self, step: usize) -> f64 {
        self.values(step).0
    }
    fn try_lr(&self, step: usize) -> Result<f64> {
        if step > self.total_steps {
            return Err(Error::invalid(
                "one-cycle step",
                format!(
                    "tried to use step {step}, but the schedule's total_steps is {} \
                     (steps 0..={} are defined)",
                    self.total_steps, self.total_steps
                ),
                "Build the schedule with total_steps >= the number of optimizer steps.",
            ));
        }
        Ok(self.lr(step))
    }
    fn momentum(&self, step: usize) -> Option<f64> {
        self.config.cycle_momentum.then(|| self.values(step).1)
    }
}

/// The simple linear one-cycle: from `min_lr` linearly up to `max_lr` over the first half
/// of `total_steps`, linearly back down to `min_lr` at `total_steps`, then flat. No momentum
/// cycling; use [`OneCycleLr`] for PyTorch's version.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearOneCycle {
    min_lr: f64,
    max_lr: f64,
    total_steps: usize,
}

impl LinearOneCycle {
    /// `0 < min_lr <= max_lr`, `total_steps >= 2` (one step up, one down).
    pub fn new(min_lr: f64, max_lr: f64, total_steps: usize) -> Result<Self> {
        validate::learning_rate("min learning rate", min_lr)?;
        validate::learning_rate("max learning rate", max_lr)?;
        validate::range("one-cycle learning-rate range", min_lr, max_lr)?;
        if total_steps < 2 {
            return Err(Error::invalid(
                "total steps",
                format!("got {total_steps}, but a cycle needs at least 2"),
                "Pass the number of training steps (>= 2).",
            ));
        }
        Ok(Self {
            min_lr,
            max_lr,
            total_steps,
        })
    }
}

impl LrSchedule for LinearOneCycle {
    fn base_lr(&self) -> f64 {
        self.min_lr
    }
    // ANCHOR: linear_one_cycle
    fn lr(&self, step: usize) -> f64 {
        let (t, total) = (step.min(self.total_steps) as f64, self.total_steps as f64);
        let half = total / 2.0;
        let height = self.max_lr - self.min_lr;
        if t <= half {
            self.min_lr + height * t / half
        } else {
            self.min_lr + height * (total - t) / (total - half)
        }
    }
    // ANCHOR_END: linear_one_cycle
}

/// How [`CyclicLr`] scales the amplitude of each cycle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CyclicMode {
    /// Same amplitude every cycle.
    Triangular,
    /// Amplitude halves every cycle.
    Triangular2,
    /// Amplitude scaled by `gamma^step` (per step, not per cycle, as in PyTorch).
    ExpRange,
}

/// Options of [`CyclicLr`], with PyTorch's defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CyclicConfig {
    /// Steps in the decreasing half; `None` means equal to `step_size_up`.
    pub step_size_down: Option<usize>,
    /// Amplitude policy (default triangular).
    pub mode: CyclicMode,
    /// The base of [`CyclicMode::ExpRange`], in `(0, 1]` (default 1; PyTorch accepts any
    /// γ, but γ > 1 grows the amplitude to ∞).
    pub gamma: f64,
    /// Cycle momentum inversely to the LR (default true).
    pub cycle_momentum: bool,
    /// Momentum at the LR peak (default 0.8).
    pub base_momentum: f64,
    /// Momentum at the LR trough (default 0.9).
    pub max_momentum: f64,
}

impl Default for CyclicConfig {
    fn default() -> Self {
        Self {
            step_size_down: None,
            mode: CyclicMode::Triangular,
            gamma: 1.0,
            cycle_momentum: true,
            base_momentum: 0.8,
            max_momentum: 0.9,
        }
    }
}

/// PyTorch's `CyclicLR` (Smith's cyclical learning rates): triangles between `base_lr` and
/// `max_lr`, `step_size_up` steps up and `step_size_down` steps down.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CyclicLr {
    base_lr: f64,
    max_lr: f64,
    total_size: f64,
    step_ratio: f64,
    config: CyclicConfig,
}

impl CyclicLr {
    /// Cycle between `base_lr <= max_lr` (both finite, `> 0`) with `step_size_up >= 1`.
    pub fn new(
        base_lr: f64,
        max_lr: f64,
        step_size_up: usize,
        config: CyclicConfig,
    ) -> Result<Self> {
        validate::learning_rate("base learning rate", base_lr)?;
        validate::learning_rate("max learning rate", max_lr)?;
        validate::range("cyclic learning-rate range", base_lr, max_lr)?;
        let up = validate::at_least_one("step_size_up", step_size_up)? as f64;
        let down = match config.step_size_down {
            Some(d) => validate::at_least_one("step_size_down", d)? as f64,
            None => up,
        };
        decay_factor("cyclic gamma", config.gamma)?;
        momentum_range(config.base_momentum, config.max_momentum)?;
        Ok(Self {
            base_lr,
            max_lr,
            total_size: up + down,
            step_ratio: up / (up + down),
            config,
        })
    }

    // ANCHOR: cyclic
    /// `(position in the triangle in [0, 1], amplitude scale)` at `step`.
    fn shape(&self, step: usize) -> (f64, f64) {
        let t = step as f64;
        let cycle = (1.0 + t / self.total_size).floor();
        let x = 1.0 + t / self.total_size - cycle;
        let height = if x <= self.step_ratio {
            x / self.step_ratio
        } else {
            (x - 1.0) / (self.step_ratio - 1.0)
        };
        let scale = match self.config.mode {
            CyclicMode::Triangular => 1.0,
            CyclicMode::Triangular2 => 1.0 / 2f64.powf(cycle - 1.0),
            CyclicMode::ExpRange => self.config.gamma.powf(t),
        };
        (height, scale)
    }
    // ANCHOR_END: cyclic
}

impl LrSchedule for CyclicLr {
    fn base_lr(&self) -> f64 {
        self.base_lr
    }
    fn lr(&self, step: usize) -> f64 {
        let (height, scale) = self.shape(step);
        self.base_lr + (self.max_lr - self.base_lr) * height * scale
    }
    fn momentum(&self, step: usize) -> Option<f64> {
        let c = self.config;
        c.cycle_momentum.then(|| {
            let (height, scale) = self.shape(step);
            c.max_momentum - (c.max_momentum - c.base_momentum) * height * scale
        })
    }
}
