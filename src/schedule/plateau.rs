//! PyTorch's `ReduceLROnPlateau`: cut the LR when a monitored metric stops improving.
use super::min_lr;
use crate::validate;
use crate::{Error, Result};

/// Whether a smaller (a loss) or a larger (an accuracy) metric is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlateauMode {
    /// Lower is better (default).
    Min,
    /// Higher is better.
    Max,
}

/// How much better than the best value a metric must be to count as an improvement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThresholdMode {
    /// Better by a fraction `threshold` of the best value (default).
    Rel,
    /// Better by `threshold` in absolute terms.
    Abs,
}

/// Options of [`ReduceLrOnPlateau`], with PyTorch's defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlateauConfig {
    /// Min (a loss) or max (an accuracy).
    pub mode: PlateauMode,
    /// Multiply the LR by this on a plateau, in `(0, 1)` (default 0.1).
    pub factor: f64,
    /// Bad steps tolerated before a cut, at most [`validate::MAX_STEPS`] (default 10).
    pub patience: usize,
    /// Minimal improvement (default 1e-4): a fraction in `[0, 1)` of the best value in
    /// relative mode (at 1 or above nothing could count as better), a finite amount `>= 0`
    /// in absolute mode.
    pub threshold: f64,
    /// Relative or absolute threshold (default relative).
    pub threshold_mode: ThresholdMode,
    /// Steps after a cut during which bad steps are not counted, at most
    /// [`validate::MAX_STEPS`] (default 0).
    pub cooldown: usize,
    /// The LR is never cut below this (default 0), nor below
    /// [`validate::MIN_LEARNING_RATE`], the smallest rate libtorch can hold.
    pub min_lr: f64,
    /// Cuts smaller than this are skipped (default 1e-8).
    pub eps: f64,
}

impl Default for PlateauConfig {
    fn default() -> Self {
        Self {
            mode: PlateauMode::Min,
            factor: 0.1,
            patience: 10,
            threshold: 1e-4,
            threshold_mode: ThresholdMode::Rel,
            cooldown: 0,
            min_lr: 0.0,
            eps: 1e-8,
        }
    }
}

/// What a [`ReduceLrOnPlateau`] carries from one evaluation to the next: all a resumed run
/// needs besides its [`PlateauConfig`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlateauState {
    /// The learning rate now (after every cut so far).
    pub lr: f64,
    /// The best metric seen (∞ in min mode, −∞ in max mode before the first).
    pub best: f64,
    /// Evaluations since the last improvement (reset by a cut and during cooldown).
    pub num_bad_steps: usize,
    /// Evaluations of cooldown left after the last cut.
    pub cooldown_counter: usize,
}

/// PyTorch's `ReduceLROnPlateau`. Stateful: call [`ReduceLrOnPlateau::step`] once per
/// evaluation with the metric; it returns the LR to use from now on.
///
/// A NaN metric never counts as an improvement (PyTorch's comparisons behave the same way),
/// so a diverging run is cut after `patience` steps instead of crashing.
#[derive(Debug, Clone, PartialEq)]
pub struct ReduceLrOnPlateau {
    config: PlateauConfig,
    lr: f64,
    best: f64,
    num_bad_steps: usize,
    cooldown_counter: usize,
}

impl ReduceLrOnPlateau {
    /// Start at `base_lr`; `min_lr <= base_lr`, `factor` in `(0, 1)`, `threshold` in
    /// `[0, 1)` (relative) or finite and `>= 0` (absolute), `eps` finite and `>= 0`,
    /// `patience` and `cooldown` at most [`validate::MAX_STEPS`]. PyTorch checks only
    /// `factor < 1`.
    pub fn new(base_lr: f64, config: PlateauConfig) -> Result<Self> {
        let lr = validate::learning_rate("base learning rate", base_lr)?;
        if !(config.factor > 0.0 && config.factor < 1.0) {
            return Err(Error::invalid(
                "plateau factor",
                format!("got {}, but it must lie in (0, 1)", config.factor),
                "Pass a factor such as 0.1 or 0.5.",
            ));
        }
        validate::non_negative("plateau threshold", config.threshold)?;
        if config.threshold_mode == ThresholdMode::Rel && config.threshold >= 1.0 {
            return Err(Error::invalid(
                "plateau threshold",
                format!(
                    "got {} in relative mode, but it must lie in [0, 1): an improvement must \
                     beat the best by that fraction of it, and at 1 or above no metric could",
                    config.threshold
                ),
                "Pass a fraction such as 1e-4 (PyTorch's default), or use absolute mode.",
            ));
        }
        for (what, n) in [
            ("plateau patience", config.patience),
            ("plateau cooldown", config.cooldown),
        ] {
            if n > validate::MAX_STEPS {
                return Err(Error::invalid(
                    what,
                    format!("got {n}, above the limit of {}", validate::MAX_STEPS),
                    format!("Pass at most {} evaluations.", validate::MAX_STEPS),
                ));
            }
        }
        validate::non_negative("plateau eps", config.eps)?;
        min_lr("plateau min_lr", config.min_lr, lr)?;
        Ok(Self {
            config,
            lr,
            best: Self::worst(config.mode),
            num_bad_steps: 0,
            cooldown_counter: 0,
        })
    }

    fn worst(mode: PlateauMode) -> f64 {
        match mode {
            PlateauMode::Min => f64::INFINITY,
            PlateauMode::Max => f64::NEG_INFINITY,
        }
    }

    /// The current learning rate.
    pub fn lr(&self) -> f64 {
        self.lr
    }

    /// The options it was built with.
    pub fn config(&self) -> PlateauConfig {
        self.config
    }

    /// What it has learned from the metrics so far, for a checkpoint
    /// ([`crate::checkpoint::Checkpoint::with_plateau`]).
    pub fn state(&self) -> PlateauState {
        PlateauState {
            lr: self.lr,
            best: self.best,
            num_bad_steps: self.num_bad_steps,
            cooldown_counter: self.cooldown_counter,
        }
    }

    /// The scheduler with options `config` continuing from `state`: the next
    /// [`ReduceLrOnPlateau::step`] returns what it would have returned had the run that
    /// saved `state` gone on. `config` is checked as by [`ReduceLrOnPlateau::new`] (with
    /// `state.lr` as the base rate); the state must be one a run can reach: the rate at or
    /// above `min_lr`, the best metric not NaN, at most `patience` bad steps and at most
    /// `cooldown` steps of cooldown left.
    pub fn from_state(config: PlateauConfig, state: PlateauState) -> Result<Self> {
        let mut out = Self::new(state.lr, config)?;
        let bad = |what: &str, problem: String| {
            Err(Error::invalid(
                format!("plateau state {what}"),
                problem,
                "Pass a state taken from ReduceLrOnPlateau::state with the same config.",
            ))
        };
        if state.best.is_nan() {
            return bad(
                "best",
                "got NaN, which no run records as its best metric".into(),
            );
        }
        if state.num_bad_steps > config.patience {
            return bad(
                "num_bad_steps",
                format!(
                    "got {}, above the patience of {}: a run cuts and resets the count first",
                    state.num_bad_steps, config.patience
                ),
            );
        }
        if state.cooldown_counter > config.cooldown {
            return bad(
                "cooldown_counter",
                format!(
                    "got {}, above the cooldown of {}",
                    state.cooldown_counter, config.cooldown
                ),
            );
        }
        out.best = state.best;
        out.num_bad_steps = state.num_bad_steps;
        out.cooldown_counter = state.cooldown_counter;
        Ok(out)
    }

    // ANCHOR: plateau_is_better
    fn is_better(&self, a: f64) -> bool {
        let (best, th) = (self.best, self.config.threshold);
        match (self.config.mode, self.config.threshold_mode) {
            (PlateauMode::Min, ThresholdMode::Rel) => a < best * (1.0 - th),
            (PlateauMode::Min, ThresholdMode::Abs) => a < best - th,
            (PlateauMode::Max, ThresholdMode::Rel) => a > best * (th + 1.0),
            (PlateauMode::Max, ThresholdMode::Abs) => a > best + th,
        }
    }
    // ANCHOR_END: plateau_is_better

    // ANCHOR: plateau_step
    /// Record this evaluation's metric; returns the (possibly reduced) learning rate.
    pub fn step(&mut self, metric: f64) -> f64 {
        if self.is_better(metric) {
            self.best = metric;
            self.num_bad_steps = 0;
        } else {
            self.num_bad_steps = self.num_bad_steps.saturating_add(1);
        }
        if self.cooldown_counter > 0 {
            self.cooldown_counter -= 1;
            self.num_bad_steps = 0; // bad steps during cooldown do not count
        }
        if self.num_bad_steps > self.config.patience {
            let floor = self.config.min_lr.max(validate::MIN_LEARNING_RATE);
            let new_lr = (self.lr * self.config.factor).max(floor);
            if self.lr - new_lr > self.config.eps {
                self.lr = new_lr;
            }
            self.cooldown_counter = self.config.cooldown;
            self.num_bad_steps = 0;
        }
        self.lr
    }
    // ANCHOR_END: plateau_step
}
