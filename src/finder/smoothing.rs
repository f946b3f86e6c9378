//! The moving average that smooths a range test's losses, and the divergence test: fastai's
//! (zero-started, bias-corrected) and torch-lr-finder's (started at the first loss).
use crate::optim::pow_count;
use crate::{Error, Result};

/// The exponential moving average that smooths the recorded losses,
/// `a ← beta·a + (1 − beta)·loss`.
///
/// Two peers' averages are expressible: fastai's ([`Smoothing::default`], started at 0 and
/// divided by `1 − beta^(t+1)`) and torch-lr-finder's ([`Smoothing::torch_lr_finder`],
/// started at the first loss, no correction). Both are checked against the packages
/// themselves in `tests/finder_peers.rs`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Smoothing {
    /// Weight of the past, `0 <= beta < 1`; 0 means no smoothing (default 0.98, fastai's).
    pub beta: f64,
    /// Divide by `1 − beta^(t+1)` (default true). Without it (and without
    /// `seed_with_first`) the average starts at 0 and creeps up to the loss, which makes the
    /// early curve, and the divergence test, wrong.
    pub bias_correction: bool,
    /// Start the average at the first loss instead of at 0 (default false; torch-lr-finder's
    /// choice). It needs no bias correction, and cannot be combined with one.
    pub seed_with_first: bool,
}

impl Default for Smoothing {
    /// fastai's: `beta = 0.98`, bias-corrected.
    fn default() -> Self {
        Smoothing {
            beta: 0.98,
            bias_correction: true,
            seed_with_first: false,
        }
    }
}

impl Smoothing {
    /// torch-lr-finder's average (its `range_test(smooth_f=…)`, default 0.05): `smooth_f` is
    /// the weight of the new loss, so `beta = 1 − smooth_f`, started at the first loss,
    /// without bias correction; `smooth_f = 0` turns smoothing off, as there. Pair it with
    /// `divergence_factor: Some(5.0)`, torch-lr-finder's `diverge_th`, in a
    /// [`RangeTest`](super::RangeTest): it then takes torch-lr-finder's learning rates (bit
    /// for bit), smoothed losses and stop step, with one deliberate difference: at a NaN
    /// loss the range test stops, where torch-lr-finder (whose `NaN > th · best` is false)
    /// keeps going to the end with NaN.
    ///
    /// ```
    /// use lrbook::finder::{smooth, Smoothing};
    /// let s = smooth(&[2.0, 1.0, 1.0], &Smoothing::torch_lr_finder(0.5))?;
    /// assert_eq!(s, [2.0, 1.5, 1.25]);
    /// # Ok::<(), lrbook::Error>(())
    /// ```
    pub fn torch_lr_finder(smooth_f: f64) -> Self {
        Smoothing {
            beta: if smooth_f == 0.0 { 0.0 } else { 1.0 - smooth_f },
            bias_correction: false,
            seed_with_first: true,
        }
    }

    /// Checks the settings: `beta` in `[0, 1)`, and not both a first-loss start and a bias
    /// correction.
    pub fn validate(&self) -> Result<()> {
        let beta = self.beta;
        if !(0.0..1.0).contains(&beta) {
            return Err(Error::invalid(
                "range test smoothing beta",
                format!("got {beta}, but it must lie in [0, 1)"),
                "Pass 0.98 (fastai's default), or 0 for no smoothing.",
            ));
        }
        if self.seed_with_first && self.bias_correction {
            return Err(Error::invalid(
                "range test smoothing",
                "got both seed_with_first and bias_correction, but the correction undoes a \
                 start at 0, and an average started at the first loss has none to undo",
                "Use Smoothing::default() (fastai's) or Smoothing::torch_lr_finder(0.05).",
            ));
        }
        Ok(())
    }
}

/// Smooths a raw loss curve exactly as the range test does while it runs (the same
/// [`Tracker`], without its stop): for plotting a curve recorded elsewhere, or feeding it
/// to [`suggest`](super::suggest). A NaN or ∞ carries into every later value, as in the
/// running test.
///
/// ```
/// use lrbook::finder::{smooth, Smoothing};
/// // fastai's average of a constant curve is that constant from the first point on.
/// let s = smooth(&[3.0; 4], &Smoothing::default())?;
/// assert!(s.iter().all(|v| (v - 3.0).abs() < 1e-12), "{s:?}");
/// # Ok::<(), lrbook::Error>(())
/// ```
pub fn smooth(raw: &[f64], smoothing: &Smoothing) -> Result<Vec<f64>> {
    smoothing.validate()?;
    let mut tracker = Tracker::new(*smoothing, None);
    Ok(raw.iter().map(|&loss| tracker.push(loss).0).collect())
}

/// The moving average and the divergence test, one loss at a time.
#[derive(Clone, Debug)]
pub struct Tracker {
    smoothing: Smoothing,
    factor: Option<f64>,
    pub(super) average: f64,
    pub(super) count: u64,
    best: f64,
}

impl Tracker {
    /// A fresh tracker (settings are not checked here; [`RangeTest::validate`](
    /// super::RangeTest::validate) and [`Smoothing::validate`] do that).
    pub fn new(smoothing: Smoothing, divergence_factor: Option<f64>) -> Self {
        Tracker {
            smoothing,
            factor: divergence_factor,
            average: 0.0,
            count: 0,
            best: f64::INFINITY,
        }
    }

    // ANCHOR: tracker
    /// Adds one loss; returns the smoothed loss and whether the test should stop here.
    pub fn push(&mut self, loss: f64) -> (f64, bool) {
        let beta = self.smoothing.beta;
        self.count = self.count.saturating_add(1);
        self.average = if self.smoothing.seed_with_first && self.count == 1 {
            loss
        } else {
            beta * self.average + (1.0 - beta) * loss
        };
        let smoothed = if self.smoothing.bias_correction {
            self.average / (1.0 - pow_count(beta, self.count))
        } else {
            self.average
        };
        if !smoothed.is_finite() {
            return (smoothed, true);
        }
        self.best = self.best.min(smoothed);
        // k·best for a positive best; for a negative best, as far above it as k·|best| is
        // above |best|, so that negative losses do not stop the test at once.
        let diverged = self
            .factor
            .is_some_and(|k| smoothed > self.best + (k - 1.0) * self.best.abs());
        (smoothed, diverged)
    }
    // ANCHOR_END: tracker
}
