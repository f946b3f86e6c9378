//! Learning-rate schedules with PyTorch 2.13 `torch.optim.lr_scheduler` semantics.
//!
//! `tch` only has [`tch::nn::Optimizer::set_lr`]; this module gives a tch user the schedules
//! they would reach for in PyTorch. A schedule is a pure function of the step:
//! [`LrSchedule::lr`]`(k)` is the learning rate of the `k`-th optimizer step (`k = 0, 1, …`),
//! the value PyTorch's `optimizer.param_groups[0]["lr"]` holds after `k` calls to
//! `scheduler.step()` (called once per step, after `optimizer.step()`).
//! [`ReduceLrOnPlateau`] depends on the metrics it has seen, so it is stateful instead.
//!
//! ```
//! use lrbook::schedule::{apply, CosineAnnealingLr};
//! use tch::nn::{self, OptimizerConfig};
//! # fn main() -> lrbook::Result<()> {
//! let vs = nn::VarStore::new(tch::Device::Cpu);
//! let _w = vs.root().zeros("w", &[3]);
//! let mut opt = nn::Sgd::default().build(&vs, 0.1)?;
//! let schedule = CosineAnnealingLr::new(0.1, 100, 0.0)?;
//! for step in 0..100 {
//!     let _lr = apply(&schedule, &mut opt, step)?; // set this step's LR, then:
//!     // let loss = …; opt.backward_step(&loss);
//! }
//! # Ok(()) }
//! ```
//!
//! # Closed forms versus PyTorch's recursion
//!
//! Many PyTorch schedulers are *chainable*: `get_lr` multiplies the optimizer's current LR by
//! a ratio (`lr *= gamma`, the cosine ratio, …). Here every schedule uses the closed form
//! (`base_lr * gamma^k`, …), which PyTorch itself uses when `step(epoch)` is given. The two
//! agree mathematically but round differently: the recursion accumulates one rounding per
//! step. Over the 300-step reference runs the largest gap is about `6e-14` relative (cosine
//! annealing with a short period, near `eta_min`); it grows roughly linearly with the number
//! of steps. `tests/schedule_conformance.rs` checks every recorded value to `1e-12` relative.
use crate::optim::Optimizer;
use crate::validate;
use crate::{Error, Result};

mod basic;
mod compose;
mod cycles;
mod plateau;
mod policy;

pub use basic::{
    Constant, CosineAnnealingLr, CosineAnnealingWarmRestarts, ExponentialLr, InverseSqrt, LinearLr,
    MultiStepLr, PolynomialLr, StepLr, TimeBasedDecay, Warmup, WarmupShape,
};
pub use compose::{cosine_with_warmup, warmup_then, Chained, Sequential};
pub use cycles::{
    AnnealStrategy, CyclicConfig, CyclicLr, CyclicMode, LinearOneCycle, OneCycleConfig, OneCycleLr,
};
pub use plateau::{PlateauConfig, PlateauMode, PlateauState, ReduceLrOnPlateau, ThresholdMode};
pub use policy::{FollowSchedule, LrPolicy, PlateauOnLoss};

// ANCHOR: trait
/// A learning-rate schedule: the LR (and optionally the momentum) of every optimizer step.
///
/// Schedules are stateless, so the same schedule can be plotted, tested and used for
/// training, and `lr(k)` never depends on how often it was called before.
pub trait LrSchedule {
    /// The learning rate the schedule starts from and scales (PyTorch's `initial_lr`).
    fn base_lr(&self) -> f64;

    /// The learning rate of optimizer step `step` (0-based). Never panics: a schedule that is
    /// only defined for a finite number of steps (one-cycle) saturates at its last value.
    fn lr(&self, step: usize) -> f64;

    /// Like [`LrSchedule::lr`], but reports a step outside the schedule as an error, as
    /// PyTorch does for `OneCycleLR` stepped past `total_steps`.
    fn try_lr(&self, step: usize) -> Result<f64> {
        Ok(self.lr(step))
    }

    /// The momentum (SGD momentum, Adam's `beta1`) of step `step`, for schedules that cycle
    /// it (one-cycle, cyclic); `None` leaves the optimizer's momentum alone.
    fn momentum(&self, _step: usize) -> Option<f64> {
        None
    }
}
// ANCHOR_END: trait

impl<S: LrSchedule + ?Sized> LrSchedule for Box<S> {
    fn base_lr(&self) -> f64 {
        (**self).base_lr()
    }
    fn lr(&self, step: usize) -> f64 {
        (**self).lr(step)
    }
    fn try_lr(&self, step: usize) -> Result<f64> {
        (**self).try_lr(step)
    }
    fn momentum(&self, step: usize) -> Option<f64> {
        (**self).momentum(step)
    }
}

/// Sets the learning rate of step `step`, and its momentum when the schedule cycles it, on
/// any [`Optimizer`]: tch's `nn::Optimizer` or one of [`crate::optim`]'s rules. Call it
/// before each optimizer step; it returns the learning rate, which lrbook's rules take in
/// `step(lr)` and which tch's optimizer keeps for its own `step()` and `backward_step`.
///
/// The momentum goes through [`Optimizer::set_momentum`], as PyTorch's `OneCycleLR` and
/// `CyclicLR` set it with `cycle_momentum`: SGD's and RMSprop's `momentum` (turned on when
/// the optimizer was built without, as in PyTorch), and β₁ of `betas` for the Adam family
/// (lrbook's Adam, AdamW, Adamax, NAdam and RAdam; tch's Adam and AdamW). An optimizer with
/// no momentum (AdaGrad) is an error that says to turn the cycling off, where PyTorch
/// raises a `ValueError`. Fails, without touching the optimizer, when the step is outside
/// the schedule (see [`LrSchedule::try_lr`]) or the momentum is out of the rule's range.
///
/// One loop drives either kind of optimizer. In generic code `opt.step(lr)` is
/// [`Optimizer::step`]; on a concrete `nn::Optimizer` it would name tch's own zero-argument
/// `step`, which also uses the rate `apply` set:
///
/// ```
/// use lrbook::optim::{Adam, AdamConfig, Optimizer};
/// use lrbook::schedule::{apply, LrSchedule, OneCycleConfig, OneCycleLr};
/// use tch::nn::{self, Module, OptimizerConfig};
/// # fn main() -> lrbook::Result<()> {
/// // One cycle over 30 steps; the momentum (β₁ for Adam) goes 0.95 → 0.85 → 0.95.
/// let schedule = OneCycleLr::new(0.05, 30, OneCycleConfig::default())?;
/// let x = tch::Tensor::ones([8, 3], (tch::Kind::Float, tch::Device::Cpu));
///
/// /// The first and last loss of 30 steps of `opt` on `model`, driven by `schedule`.
/// fn train<O: Optimizer + ?Sized>(
///     opt: &mut O,
///     model: &impl Module,
///     schedule: &impl LrSchedule,
///     x: &tch::Tensor,
/// ) -> lrbook::Result<(f64, f64)> {
///     let mut losses = Vec::new();
///     for k in 0..30 {
///         let lr = apply(schedule, opt, k)?; // this step's LR and momentum
///         opt.zero_grad();
///         let loss = model.forward(x).square().mean(tch::Kind::Float);
///         losses.push(f64::try_from(&loss)?);
///         loss.backward();
///         opt.step(lr)?;
///     }
///     Ok((losses[0], losses[29]))
/// }
///
/// // tch's own Adam ...
/// let vs = nn::VarStore::new(tch::Device::Cpu);
/// let model = nn::linear(vs.root(), 3, 1, Default::default());
/// let mut tch_adam = nn::Adam::default().build(&vs, 1e-3)?;
/// let (first, last) = train(&mut tch_adam, &model, &schedule, &x)?;
/// assert!(last < first);
///
/// // ... and lrbook's, through the same call.
/// let vs = nn::VarStore::new(tch::Device::Cpu);
/// let model = nn::linear(vs.root(), 3, 1, Default::default());
/// let mut adam = Adam::new(vs.trainable_variables(), AdamConfig::default())?;
/// let (first, last) = train(&mut adam, &model, &schedule, &x)?;
/// assert!(last < first);
/// assert_eq!(adam.momentum(), schedule.momentum(29)); // β₁ followed the schedule
///
/// // The concrete forms: tch's optimizer steps with its own methods at the LR `apply` set,
/// let lr = apply(&schedule, &mut tch_adam, 30)?;
/// tch_adam.backward_step(&model.forward(&x).square().mean(tch::Kind::Float));
/// // and lrbook's takes the LR `apply` returns.
/// let lr_again = apply(&schedule, &mut adam, 30)?;
/// adam.zero_grad();
/// model.forward(&x).square().mean(tch::Kind::Float).backward();
/// adam.step(lr_again)?;
/// assert_eq!(lr, lr_again);
/// # Ok(()) }
/// ```
// ANCHOR: apply
pub fn apply<S, O>(schedule: &S, optimizer: &mut O, step: usize) -> Result<f64>
where
    S: LrSchedule + ?Sized,
    O: Optimizer + ?Sized,
{
    let lr = schedule.try_lr(step)?;
    set_lr_and_momentum(optimizer, step, lr, schedule.momentum(step))?;
    Ok(lr)
}

/// What [`apply`] and [`crate::train::train`] do with one step's values: check the LR, set
/// the momentum (the one setting that can still fail), then the LR.
pub(crate) fn set_lr_and_momentum<O: Optimizer + ?Sized>(
    optimizer: &mut O,
    step: usize,
    lr: f64,
    momentum: Option<f64>,
) -> Result<()> {
    validate::learning_rate(&format!("learning rate at step {step}"), lr)?;
    if let Some(momentum) = momentum {
        optimizer.set_momentum(momentum)?;
    }
    optimizer.set_lr(lr)
}
// ANCHOR_END: apply

/// A minimum LR: finite, `>= 0` and not above the schedule's maximum.
fn min_lr(what: &str, min: f64, max: f64) -> Result<f64> {
    validate::non_negative(what, min)?;
    validate::range(what, min, max)?;
    Ok(min)
}

/// A multiplicative factor in `(0, 1]` (or `[0, 1]` when `allow_zero`).
fn unit_factor(what: &str, x: f64, allow_zero: bool) -> Result<f64> {
    let ok = x.is_finite() && x <= 1.0 && (x > 0.0 || (allow_zero && x == 0.0));
    if !ok {
        let interval = if allow_zero { "[0, 1]" } else { "(0, 1]" };
        return Err(Error::invalid(
            what,
            format!("got {x}, but it must lie in {interval}"),
            format!("Pass a factor in {interval}."),
        ));
    }
    Ok(x)
}

/// A decay factor γ in `(0, 1]`. PyTorch's `StepLR`, `MultiStepLR`, `ExponentialLR` and
/// `CyclicLR` accept any γ; lrbook is stricter, because these schedules only ever decay:
/// with γ > 1 the rate `base_lr·γ^k` grows without bound and reaches ∞ (which libtorch cannot
/// hold as a learning rate), and γ ≤ 0 gives zero or sign-flipping rates.
fn decay_factor(what: &str, gamma: f64) -> Result<f64> {
    if !(gamma.is_finite() && gamma > 0.0 && gamma <= 1.0) {
        return Err(Error::invalid(
            what,
            format!("got {gamma}, but a decay factor must lie in (0, 1]"),
            "Pass a factor such as 0.1 or 0.95 (1 keeps the rate constant); a factor above 1 \
             would grow the learning rate without bound.",
        ));
    }
    Ok(gamma)
}

/// A momentum range `base <= max`, both in `[0, 1]`.
fn momentum_range(base: f64, max: f64) -> Result<(f64, f64)> {
    unit_factor("base momentum", base, true)?;
    unit_factor("max momentum", max, true)?;
    validate::range("momentum range", base, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg<T>(r: Result<T>) -> String {
        match r {
            Err(e) => e.to_string(),
            Ok(_) => panic!("expected an error"),
        }
    }

    #[test]
    fn learning_rates_must_be_positive_and_finite() {
        assert!(msg(StepLr::new(0.0, 10, 0.1)).contains("must be > 0"));
        assert!(msg(ExponentialLr::new(f64::NAN, 0.9)).contains("not a finite number"));
        assert!(msg(Constant::new(-1.0)).contains("must be > 0"));
        assert!(msg(CyclicLr::new(
            f64::INFINITY,
            1.0,
            5,
            CyclicConfig::default()
        ))
        .contains("not a finite"));
    }

    #[test]
    fn periods_and_step_sizes_must_be_positive() {
        assert!(msg(StepLr::new(0.1, 0, 0.1)).contains("step size: got 0"));
        assert!(msg(CosineAnnealingLr::new(0.1, 0, 0.0)).contains("T_max: got 0"));
        assert!(msg(CosineAnnealingWarmRestarts::new(0.1, 0, 1, 0.0)).contains("T_0: got 0"));
        assert!(msg(CosineAnnealingWarmRestarts::new(0.1, 5, 0, 0.0)).contains("T_mult: got 0"));
        assert!(msg(PolynomialLr::new(0.1, 0, 1.0)).contains("total_iters: got 0"));
        assert!(msg(LinearLr::new(0.1, 0.5, 1.0, 0)).contains("total_iters: got 0"));
        assert!(msg(CyclicLr::new(0.01, 0.1, 0, CyclicConfig::default()))
            .contains("step_size_up: got 0"));
        let down0 = CyclicConfig {
            step_size_down: Some(0),
            ..CyclicConfig::default()
        };
        assert!(msg(CyclicLr::new(0.01, 0.1, 5, down0)).contains("step_size_down: got 0"));
        assert!(msg(Warmup::linear(0.1, 0)).contains("warmup steps: got 0"));
        assert!(msg(InverseSqrt::new(0.1, 0)).contains("timescale: got 0"));
        assert!(msg(LinearOneCycle::new(0.01, 0.1, 1)).contains("total steps"));
    }

    #[test]
    fn factors_and_rates_are_range_checked() {
        assert!(msg(StepLr::new(0.1, 10, -0.5)).contains("gamma"));
        assert!(msg(ExponentialLr::new(0.1, 0.0)).contains("must lie in (0, 1]"));
        assert!(msg(LinearLr::new(0.1, 0.0, 1.0, 5)).contains("must lie in (0, 1]"));
        assert!(msg(LinearLr::new(0.1, 0.5, 1.5, 5)).contains("must lie in [0, 1]"));
        assert!(msg(PolynomialLr::new(0.1, 10, -1.0)).contains("power"));
        assert!(msg(TimeBasedDecay::new(0.1, -0.1)).contains("decay"));
        assert!(
            msg(Warmup::linear(0.1, 5).and_then(|w| w.with_start_factor(1.5)))
                .contains("start factor")
        );
    }

    #[test]
    fn min_above_max_is_rejected() {
        assert!(msg(CosineAnnealingLr::new(0.1, 10, 0.5)).contains("min=0.5 > max=0.1"));
        assert!(msg(CosineAnnealingWarmRestarts::new(0.1, 10, 1, 0.2)).contains("min=0.2"));
        assert!(msg(CyclicLr::new(0.5, 0.1, 5, CyclicConfig::default())).contains("min=0.5"));
        assert!(msg(LinearOneCycle::new(0.5, 0.1, 10)).contains("min=0.5"));
        let moms = CyclicConfig {
            base_momentum: 0.95,
            max_momentum: 0.9,
            ..CyclicConfig::default()
        };
        assert!(msg(CyclicLr::new(0.01, 0.1, 5, moms)).contains("momentum range"));
        let cfg = OneCycleConfig {
            base_momentum: 0.99,
            ..OneCycleConfig::default()
        };
        assert!(msg(OneCycleLr::new(0.1, 100, cfg)).contains("momentum range"));
    }

    #[test]
    fn one_cycle_rejects_bad_phases_and_steps_past_the_end() {
        let cfg = OneCycleConfig {
            pct_start: 1.5,
            ..OneCycleConfig::default()
        };
        assert!(msg(OneCycleLr::new(0.1, 100, cfg)).contains("pct_start"));
        let cfg = OneCycleConfig {
            pct_start: 0.01,
            ..OneCycleConfig::default()
        };
        assert!(msg(OneCycleLr::new(0.1, 100, cfg)).contains("phase 1 has no steps"));
        assert!(msg(OneCycleLr::new(0.1, 0, OneCycleConfig::default())).contains("got 0"));
        let cfg = OneCycleConfig {
            div_factor: 0.0,
            ..OneCycleConfig::default()
        };
        assert!(msg(OneCycleLr::new(0.1, 100, cfg)).contains("div_factor"));
        let s = OneCycleLr::new(0.1, 100, OneCycleConfig::default()).unwrap();
        assert!(s.try_lr(100).is_ok());
        let m = msg(s.try_lr(101));
        assert!(
            m.contains("step 101") && m.contains("total_steps is 100"),
            "{m}"
        );
        // `lr` saturates instead of panicking.
        assert_eq!(s.lr(1000), s.lr(100));
    }

    #[test]
    fn composition_is_validated() {
        let a: Box<dyn LrSchedule> = Box::new(Constant::new(0.1).unwrap());
        let b: Box<dyn LrSchedule> = Box::new(Constant::new(0.1).unwrap());
        assert!(msg(Sequential::new(vec![a, b], vec![])).contains("milestones"));
        let a: Box<dyn LrSchedule> = Box::new(Constant::new(0.1).unwrap());
        let b: Box<dyn LrSchedule> = Box::new(Constant::new(0.1).unwrap());
        let c: Box<dyn LrSchedule> = Box::new(Constant::new(0.1).unwrap());
        assert!(msg(Sequential::new(vec![a, b, c], vec![5, 5])).contains("increasing"));
        let a: Box<dyn LrSchedule> = Box::new(Constant::new(0.1).unwrap());
        let b: Box<dyn LrSchedule> = Box::new(Constant::new(0.1).unwrap());
        assert!(msg(Sequential::new(vec![a, b], vec![0])).contains("increasing"));
        assert!(msg(Sequential::new(vec![], vec![])).contains("at least one"));
        assert!(msg(Chained::new(vec![])).contains("at least one"));
        assert!(msg(cosine_with_warmup(0.1, 100, 100, 0.0)).contains("warmup"));
        assert!(msg(cosine_with_warmup(0.1, 0, 100, 0.0)).contains("warmup steps"));
    }

    #[test]
    fn plateau_config_is_validated() {
        let bad = |cfg: PlateauConfig| msg(ReduceLrOnPlateau::new(0.1, cfg));
        let d = PlateauConfig::default;
        assert!(bad(PlateauConfig { factor: 1.0, ..d() }).contains("factor"));
        assert!(bad(PlateauConfig {
            threshold: -1.0,
            ..d()
        })
        .contains("threshold"));
        assert!(bad(PlateauConfig { min_lr: 0.5, ..d() }).contains("min=0.5"));
        assert!(bad(PlateauConfig {
            eps: f64::NAN,
            ..d()
        })
        .contains("eps"));
    }

    #[test]
    fn growth_factors_above_one_are_rejected() {
        for gamma in [1.0001, 2.0, f64::INFINITY, f64::NAN, 0.0, -0.5] {
            for m in [
                msg(StepLr::new(0.1, 10, gamma)),
                msg(MultiStepLr::new(0.1, vec![5, 10], gamma)),
                msg(ExponentialLr::new(0.1, gamma)),
            ] {
                assert!(
                    m.contains("gamma") && m.contains("must lie in (0, 1]"),
                    "{m}"
                );
            }
            let cfg = CyclicConfig {
                mode: CyclicMode::ExpRange,
                gamma,
                ..CyclicConfig::default()
            };
            let m = msg(CyclicLr::new(0.01, 0.1, 5, cfg));
            assert!(m.contains("cyclic gamma") && m.contains("(0, 1]"), "{m}");
        }
        // γ = 1 is allowed and is constant: before, γ = 1.01 reached ∞ by step 72,000.
        let flat = ExponentialLr::new(0.1, 1.0).unwrap();
        assert_eq!(flat.lr(usize::MAX), 0.1);
    }

    #[test]
    fn every_schedule_is_finite_at_the_last_usize_step() {
        let far = [
            usize::MAX,
            usize::MAX - 1,
            i32::MAX as usize + 1,
            u32::MAX as usize,
        ];
        let schedules: Vec<Box<dyn LrSchedule>> = vec![
            Box::new(StepLr::new(0.1, 1, 0.5).unwrap()),
            Box::new(MultiStepLr::new(0.1, vec![0, 1, usize::MAX], 0.5).unwrap()),
            Box::new(ExponentialLr::new(0.1, 0.999).unwrap()),
            Box::new(TimeBasedDecay::new(0.1, f64::MAX).unwrap()),
            Box::new(InverseSqrt::new(0.1, 1).unwrap()),
            Box::new(PolynomialLr::new(0.1, usize::MAX, 2.0).unwrap()),
            Box::new(LinearLr::new(0.1, 0.5, 1.0, usize::MAX).unwrap()),
            Box::new(CosineAnnealingLr::new(0.1, 1, 0.0).unwrap()),
            Box::new(CosineAnnealingWarmRestarts::new(0.1, 1, 2, 0.0).unwrap()),
            Box::new(CosineAnnealingWarmRestarts::new(0.1, 7, 1, 0.01).unwrap()),
            Box::new(Warmup::cosine(0.1, usize::MAX).unwrap()),
            Box::new(OneCycleLr::new(0.1, usize::MAX, OneCycleConfig::default()).unwrap()),
            Box::new(LinearOneCycle::new(0.01, 0.1, usize::MAX).unwrap()),
            Box::new(CyclicLr::new(0.01, 0.1, 1, CyclicConfig::default()).unwrap()),
            Box::new(
                CyclicLr::new(
                    0.01,
                    0.1,
                    3,
                    CyclicConfig {
                        mode: CyclicMode::Triangular2,
                        ..CyclicConfig::default()
                    },
                )
                .unwrap(),
            ),
            Box::new(cosine_with_warmup(0.1, 10, usize::MAX, 0.0).unwrap()),
        ];
        for (i, s) in schedules.iter().enumerate() {
            for step in far {
                let lr = s.lr(step);
                assert!(
                    lr.is_finite() && lr >= 0.0,
                    "schedule {i} at step {step}: {lr}"
                );
                assert!(
                    lr <= 0.1 * (1.0 + 1e-12),
                    "schedule {i} at step {step}: {lr}"
                );
            }
        }
    }

    #[test]
    fn warm_restart_periods_are_bounded_and_restart_steps_checked() {
        let s = CosineAnnealingWarmRestarts::new(0.1, 10, 2, 0.0).unwrap();
        assert_eq!(s.restart_step(1).unwrap(), 10);
        assert_eq!(s.restart_step(3).unwrap(), 10 + 20 + 40);
        assert_eq!(s.position(70), (0, 80));
        let m = msg(s.restart_step(70));
        assert!(m.contains("restart 70") && m.contains("usize::MAX"), "{m}");
        let flat = CosineAnnealingWarmRestarts::new(0.1, 5, 1, 0.0).unwrap();
        assert_eq!(flat.restart_step(4).unwrap(), 20);
        assert_eq!(flat.restart_step(u32::MAX).unwrap(), 5 * u32::MAX as usize); // at once
        assert_eq!(s.restart_step(0).unwrap(), 0);
        // The periods saturate instead of wrapping: the step is inside a period.
        let wide = CosineAnnealingWarmRestarts::new(0.1, 3, 10_000_000, 0.0).unwrap();
        let (t_cur, t_i) = wide.position(usize::MAX);
        assert!(t_cur < t_i, "{t_cur} {t_i}");
        let m = msg(CosineAnnealingWarmRestarts::new(
            0.1,
            validate::MAX_STEPS + 1,
            1,
            0.0,
        ));
        assert!(m.contains("T_0") && m.contains("above the limit"), "{m}");
        let m = msg(CosineAnnealingWarmRestarts::new(0.1, 5, usize::MAX, 0.0));
        assert!(m.contains("T_mult") && m.contains("above the limit"), "{m}");
    }

    #[test]
    fn one_cycle_rates_must_stay_in_single_precision() {
        let cfg = OneCycleConfig {
            div_factor: 1e300,
            ..OneCycleConfig::default()
        };
        let m = msg(OneCycleLr::new(0.1, 100, cfg));
        assert!(
            m.contains("initial learning rate (max_lr / div_factor)"),
            "{m}"
        );
        let cfg = OneCycleConfig {
            final_div_factor: 1e300,
            ..OneCycleConfig::default()
        };
        let m = msg(OneCycleLr::new(0.1, 100, cfg));
        assert!(m.contains("final learning rate"), "{m}");
    }

    #[test]
    fn chained_zero_factors_win_and_overflow_is_reported() {
        struct Wild(f64, f64);
        impl LrSchedule for Wild {
            fn base_lr(&self) -> f64 {
                self.0
            }
            fn lr(&self, _step: usize) -> f64 {
                self.1
            }
        }
        let huge = || -> Box<dyn LrSchedule> { Box::new(Wild(1e-30, 1e30)) }; // factor 1e60
        let zero: Box<dyn LrSchedule> = Box::new(PolynomialLr::new(0.1, 1, 1.0).unwrap());
        let c = Chained::new(vec![huge(), huge(), huge(), huge(), huge(), huge(), zero]).unwrap();
        assert_eq!(c.lr(5), 0.0); // was ∞ · 0 = NaN
        let c = Chained::new(vec![huge(), huge(), huge(), huge(), huge(), huge()]).unwrap();
        assert_eq!(c.lr(0), f64::MAX);
        assert!(msg(c.try_lr(0)).contains("above the largest learning rate"));
        let m = msg(Chained::new(vec![Box::new(Wild(0.0, 0.1))]));
        assert!(m.contains("base learning rate of chained part 0"), "{m}");
    }

    #[test]
    fn plateau_limits_thresholds_and_counters() {
        let bad = |cfg: PlateauConfig| msg(ReduceLrOnPlateau::new(0.1, cfg));
        let d = PlateauConfig::default;
        for threshold in [1.0, 2.5] {
            let m = bad(PlateauConfig { threshold, ..d() });
            assert!(m.contains("relative mode") && m.contains("[0, 1)"), "{m}");
        }
        // In absolute mode a threshold of 2 is a plain amount.
        let abs = PlateauConfig {
            threshold: 2.0,
            threshold_mode: ThresholdMode::Abs,
            ..d()
        };
        assert!(ReduceLrOnPlateau::new(0.1, abs).is_ok());
        for factor in [0.0, 1.0, f64::NAN, -0.5] {
            assert!(bad(PlateauConfig { factor, ..d() }).contains("plateau factor"));
        }
        let m = bad(PlateauConfig {
            patience: usize::MAX,
            ..d()
        });
        assert!(
            m.contains("plateau patience") && m.contains("above the limit"),
            "{m}"
        );
        let m = bad(PlateauConfig {
            cooldown: validate::MAX_STEPS + 1,
            ..d()
        });
        assert!(m.contains("plateau cooldown"), "{m}");
        // eps = 0 and min_lr = 0: the rate is cut again and again but never reaches 0.
        let cfg = PlateauConfig {
            patience: 0,
            eps: 0.0,
            factor: 1e-10,
            ..d()
        };
        let mut p = ReduceLrOnPlateau::new(0.1, cfg).unwrap();
        for _ in 0..100 {
            p.step(1.0);
        }
        assert_eq!(p.lr(), validate::MIN_LEARNING_RATE);
    }

    #[test]
    fn plateau_counts_a_nan_metric_as_no_improvement() {
        for mode in [PlateauMode::Min, PlateauMode::Max] {
            for threshold_mode in [ThresholdMode::Rel, ThresholdMode::Abs] {
                let cfg = PlateauConfig {
                    mode,
                    threshold_mode,
                    factor: 0.5,
                    patience: 2,
                    ..PlateauConfig::default()
                };
                let mut p = ReduceLrOnPlateau::new(0.1, cfg).unwrap();
                assert_eq!(p.step(1.0), 0.1);
                // Were NaN an improvement, it would become the best, reset the count, and
                // no later metric could ever beat it.
                assert_eq!(p.step(f64::NAN), 0.1);
                assert_eq!(p.step(f64::NAN), 0.1);
                assert_eq!(p.step(f64::NAN), 0.05, "{mode:?} {threshold_mode:?}");
                // The best is still 1.0: a clear improvement resets the count.
                let better = if mode == PlateauMode::Min { 0.5 } else { 2.0 };
                assert_eq!(p.step(better), 0.05);
                assert_eq!(p.step(better), 0.05);
                assert_eq!(p.step(better), 0.05);
                assert_eq!(p.step(better), 0.025);
                // A NaN first metric does not become the best either.
                let mut q = ReduceLrOnPlateau::new(0.1, cfg).unwrap();
                q.step(f64::NAN);
                q.step(better);
                q.step(better * 1.0);
                assert_eq!(q.step(better), 0.1, "NaN was taken as the best");
            }
        }
    }

    #[test]
    fn apply_sets_lr_and_momentum_on_tch_optimizers_and_reports_steps_past_the_end() {
        use tch::nn::{self, OptimizerConfig};
        let vs = nn::VarStore::new(tch::Device::Cpu);
        let _w = vs.root().zeros("w", &[2]);
        let schedule = OneCycleLr::new(0.1, 10, OneCycleConfig::default()).unwrap();
        let mut sgd = nn::Sgd::default().build(&vs, 0.1).unwrap();
        let mut adam = nn::Adam::default().build(&vs, 0.1).unwrap();
        for step in 0..=10 {
            let lr = apply(&schedule, &mut sgd, step).unwrap();
            assert_eq!(lr, schedule.lr(step));
            apply(&schedule, &mut adam, step).unwrap(); // momentum sets Adam's beta1
        }
        assert!(msg(apply(&schedule, &mut sgd, 11)).contains("total_steps is 10"));
    }
}
