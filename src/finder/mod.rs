//! The learning-rate range test ("LR finder") and the rules that read a learning rate off
//! its curve.
//!
//! The range test (Smith, *Cyclical Learning Rates for Training Neural Networks*, 2015/2017)
//! trains for `N` steps while the learning rate sweeps from `start_lr` to `end_lr`,
//! exponentially (the usual choice) or linearly, and records the loss of every step. The
//! loss is smoothed by an exponential moving average ([`Smoothing`]: fastai's, started at 0
//! and bias-corrected, or torch-lr-finder's, started at the first loss; [`smooth`] applies
//! either to a recorded curve), and the test stops early once the smoothed loss exceeds
//! `k ×` the best so far (fastai's rule, `k = 4`; torch-lr-finder's `diverge_th` is 5), or
//! becomes NaN or ∞. With a validation closure it records the held-out loss
//! after every step instead (Smith's variant).
//!
//! # What is restored, and why the optimizer is built by the finder
//!
//! Afterwards every variable of the [`VarStore`] (trainable or not, e.g. batch-norm running
//! statistics) holds the bits it held before. tch's `nn::Optimizer` does not expose its state
//! (Adam's moments, SGD's momentum buffers), so it cannot be saved and restored. The finder
//! therefore takes an optimizer *factory*: it builds a fresh optimizer for the sweep and drops
//! it afterwards, and never touches an optimizer the caller already has. That optimizer's
//! state, including its learning rate, is exactly what it was. Gradients are zeroed (or
//! released) at the end, as every training step does before its backward pass. What the
//! finder does not rewind: libtorch's random generator (dropout draws) and the caller's data
//! iterator, which has advanced by the batches it consumed.
//! `tests/finder_restore.rs` proves both halves: one identical Adam (and SGD with momentum)
//! step after the finder gives bit-identical weights to the same step on a twin model that
//! never saw the finder.
//!
//! # Suggestions
//!
//! [`suggest`] reads a learning rate from a curve by one of fastai's four rules, returned as
//! data ([`Suggestion`]): [`Rule::Steep`], [`Rule::Minimum`], [`Rule::Valley`] and
//! [`Rule::Slide`]. Like fastai's `lr_find`, the rules see the smoothed curve without a
//! tenth of the planned iterations at its start (where the first batches' noise and the
//! average's warm-up live) and without its last 5 points (the blow-up), and only the part
//! before the first NaN or ∞; [`Suggestion::window`] says which part that was. They give
//! fastai 2.8.12's suggestions bit for bit (`tests/finder_peers.rs`; [`SuggestOptions`]
//! lists the deliberate differences). Fewer usable points than a rule
//! needs, or a curve with no descent, give an [`Error`] that says so, never a made-up
//! learning rate.
//!
//! ```
//! use lrbook::finder::{RangeTest, Rule};
//! use tch::nn::{self, ModuleT, OptimizerConfig};
//! # fn main() -> lrbook::Result<()> {
//! # let data = lrbook::data::synthetic::gaussian_blobs(200, 3, 4, 1.0, 0)?;
//! let vs = nn::VarStore::new(tch::Device::Cpu);
//! let model = nn::seq()
//!     .add(nn::linear(vs.root() / "l1", 4, 32, Default::default()))
//!     .add_fn(|x| x.relu())
//!     .add(nn::linear(vs.root() / "l2", 32, 3, Default::default()));
//! // Any iterator of batches: here, epochs of shuffled minibatches, one after another.
//! let batches = (0..).map_while(|e| data.batches(32, Some(e), true).ok()).flatten();
//! let result = RangeTest::new(1e-4, 10.0, 100)?.run(
//!     &vs,
//!     || nn::Adam::default().build(&vs, 1e-3), // a fresh optimizer, dropped afterwards
//!     batches,
//!     |(x, y)| model.forward_t(x, true).cross_entropy_for_logits(y),
//! )?;
//! let lr = result.suggest(Rule::Valley)?.lr; // and the model's weights are as they were
//! assert!(lr > 1e-4 && lr < 10.0);
//! # Ok(()) }
//! ```

use tch::nn::VarStore;
use tch::Tensor;

use crate::optim::Optimizer;
use crate::plot::{LineChart, Marker, Series};
use crate::report::fmt_sig;
use crate::{validate, Error, Result};

mod io;
mod rules;
mod smoothing;
pub use rules::{suggest, Rule, SuggestOptions, Suggestion};
pub use smoothing::{smooth, Smoothing, Tracker};

/// How the learning rate moves from `start_lr` to `end_lr`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sweep {
    /// Equal ratios per step: `start·(end/start)^(k/(N−1))`. The usual choice: every decade
    /// gets the same number of steps.
    #[default]
    Exponential,
    /// Equal differences per step: `start + (end − start)·k/(N−1)` (Smith's original).
    Linear,
}

/// The range test's settings. Build with [`RangeTest::new`] and adjust the public fields.
#[derive(Clone, Debug, PartialEq)]
pub struct RangeTest {
    /// The first step's learning rate (> 0).
    pub start_lr: f64,
    /// The last step's learning rate (> `start_lr`).
    pub end_lr: f64,
    /// Steps of the sweep, at least 2 and at most [`validate::MAX_STEPS`].
    pub iterations: usize,
    /// Exponential (default) or linear.
    pub sweep: Sweep,
    /// The moving average applied to the losses.
    pub smoothing: Smoothing,
    /// Stop once the smoothed loss exceeds the best by `(k − 1)·|best|` (that is, `k·best`
    /// for a positive best); `None` never stops early on a finite loss. Default `Some(4.0)`.
    pub divergence_factor: Option<f64>,
}

impl RangeTest {
    /// A sweep over `iterations` steps from `start_lr` to `end_lr`, exponential, smoothed
    /// with `beta = 0.98` and bias correction, stopping at 4× the best smoothed loss.
    pub fn new(start_lr: f64, end_lr: f64, iterations: usize) -> Result<Self> {
        let test = RangeTest {
            start_lr,
            end_lr,
            iterations,
            sweep: Sweep::Exponential,
            smoothing: Smoothing::default(),
            divergence_factor: Some(4.0),
        };
        test.validate()?;
        Ok(test)
    }

    /// Checks every setting; [`RangeTest::run`] calls this too.
    pub fn validate(&self) -> Result<()> {
        validate::learning_rate("range test start_lr", self.start_lr)?;
        validate::learning_rate("range test end_lr", self.end_lr)?;
        if self.start_lr >= self.end_lr {
            return Err(Error::invalid(
                "range test bounds",
                format!(
                    "got start_lr = {} >= end_lr = {}; the sweep must go up",
                    self.start_lr, self.end_lr
                ),
                "Pass start_lr < end_lr, for example 1e-7 and 10.",
            ));
        }
        if self.iterations > validate::MAX_STEPS {
            return Err(Error::invalid(
                "range test iterations",
                format!(
                    "got {}, above the limit of {}",
                    self.iterations,
                    validate::MAX_STEPS
                ),
                "Pass 100 or so; the suggestion rules need dozens of points, not millions.",
            ));
        }
        if self.iterations < 2 {
            return Err(Error::invalid(
                "range test iterations",
                format!(
                    "got {}, but a sweep from start_lr to end_lr needs at least 2 steps",
                    self.iterations
                ),
                "Pass 100 or so; the suggestion rules need dozens of points.",
            ));
        }
        self.smoothing.validate()?;
        if let Some(k) = self.divergence_factor {
            if !k.is_finite() || k <= 1.0 {
                return Err(Error::invalid(
                    "range test divergence factor",
                    format!("got {k}, but it must be a finite number > 1"),
                    "Pass 4 (fastai's default), or None to stop only on NaN or ∞.",
                ));
            }
        }
        Ok(())
    }

    // ANCHOR: lr_at
    /// The learning rate of step `k` (`0 <= k < iterations`): `start_lr` at step 0 and
    /// exactly `end_lr` at the last step.
    pub fn lr_at(&self, k: usize) -> f64 {
        let last = self.iterations.saturating_sub(1).max(1) as f64; // validate() ensures >= 1
        let t = (k as f64 / last).min(1.0);
        match self.sweep {
            Sweep::Exponential => self.start_lr * (self.end_lr / self.start_lr).powf(t),
            Sweep::Linear => self.start_lr + (self.end_lr - self.start_lr) * t,
        }
    }
    // ANCHOR_END: lr_at

    /// Runs the range test on the model whose variables live in `vs`.
    ///
    /// - `make_optimizer` builds the optimizer for the sweep (e.g.
    ///   `|| nn::Sgd::default().build(&vs, 1e-3)`); its learning rate is set every step.
    /// - `batches` yields at least `iterations` batches (cycle your epochs); if it runs out
    ///   first, the test stops with [`Stop::DataExhausted`].
    /// - `loss` computes the scalar training loss of a batch (the forward pass in training
    ///   mode).
    ///
    /// Afterwards every variable of `vs` is restored bit for bit (see the module docs).
    pub fn run<O, E, B, L>(
        &self,
        vs: &VarStore,
        make_optimizer: impl FnOnce() -> std::result::Result<O, E>,
        batches: impl IntoIterator<Item = B>,
        loss: L,
    ) -> Result<RangeTestResult>
    where
        O: Optimizer,
        E: Into<Error>,
        L: FnMut(&B) -> Tensor,
    {
        self.run_inner(vs, make_optimizer, batches, loss, None)
    }

    /// Smith's variant: like [`RangeTest::run`], but after every step `validation` computes
    /// the held-out loss (called under `no_grad`; use the forward pass in evaluation mode),
    /// and that loss, not the minibatch loss, is smoothed, tested for divergence and read
    /// by the suggestion rules. The training losses are kept in [`RangePoint::train_loss`].
    pub fn run_validated<O, E, B, L, V>(
        &self,
        vs: &VarStore,
        make_optimizer: impl FnOnce() -> std::result::Result<O, E>,
        batches: impl IntoIterator<Item = B>,
        loss: L,
        mut validation: V,
    ) -> Result<RangeTestResult>
    where
        O: Optimizer,
        E: Into<Error>,
        L: FnMut(&B) -> Tensor,
        V: FnMut() -> Tensor,
    {
        self.run_inner(vs, make_optimizer, batches, loss, Some(&mut validation))
    }

    fn run_inner<O, E, B, L>(
        &self,
        vs: &VarStore,
        make_optimizer: impl FnOnce() -> std::result::Result<O, E>,
        batches: impl IntoIterator<Item = B>,
        loss: L,
        validation: Option<&mut dyn FnMut() -> Tensor>,
    ) -> Result<RangeTestResult>
    where
        O: Optimizer,
        E: Into<Error>,
        L: FnMut(&B) -> Tensor,
    {
        self.validate()?;
        let snapshot = Snapshot::take(vs);
        let mut optimizer = make_optimizer().map_err(Into::into)?;
        let outcome = self.sweep_steps(&mut optimizer, batches, loss, validation);
        optimizer.zero_grad();
        drop(optimizer);
        // Restore even when the sweep failed part-way, then report the sweep's error.
        snapshot.restore(vs)?;
        outcome
    }

    fn sweep_steps<O: Optimizer, B, L: FnMut(&B) -> Tensor>(
        &self,
        optimizer: &mut O,
        batches: impl IntoIterator<Item = B>,
        mut loss: L,
        mut validation: Option<&mut dyn FnMut() -> Tensor>,
    ) -> Result<RangeTestResult> {
        let mut tracker = Tracker::new(self.smoothing, self.divergence_factor);
        let mut points = Vec::with_capacity(self.iterations);
        let mut stop = Stop::Completed;
        let mut batches = batches.into_iter();
        // ANCHOR: sweep
        for step in 0..self.iterations {
            let Some(batch) = batches.next() else {
                stop = Stop::DataExhausted { step };
                break;
            };
            let lr = self.lr_at(step);
            optimizer.zero_grad();
            let batch_loss = loss(&batch);
            let train_loss = scalar(&batch_loss, "the loss closure")?;
            if train_loss.is_finite() {
                batch_loss.backward();
                optimizer.step(lr)?;
            }
            let val_loss = match validation.as_mut() {
                Some(v) if train_loss.is_finite() => {
                    let _guard = tch::no_grad_guard();
                    Some(scalar(&v(), "the validation closure")?)
                }
                Some(_) => Some(f64::NAN),
                None => None,
            };
            let tracked = val_loss.unwrap_or(train_loss);
            let (smoothed, diverged) = tracker.push(tracked);
            points.push(RangePoint {
                step,
                lr,
                train_loss,
                val_loss,
                smoothed,
            });
            if diverged {
                stop = Stop::Diverged { step, smoothed };
                break;
            }
        }
        // ANCHOR_END: sweep
        Ok(RangeTestResult {
            points,
            stop,
            iterations: self.iterations,
        })
    }
}

fn scalar(t: &Tensor, what: &str) -> Result<f64> {
    if t.numel() != 1 {
        return Err(Error::invalid(
            format!("value returned by {what}"),
            format!("got a tensor of shape {:?}", t.size()),
            "Return the scalar (mean) loss, e.g. output.cross_entropy_for_logits(&y).",
        ));
    }
    Ok(f64::try_from(t.detach().reshape([1i64]).get(0))?)
}

/// A copy of every variable of a [`VarStore`], to put back bit for bit.
struct Snapshot(Vec<(String, Tensor)>);

impl Snapshot {
    fn take(vs: &VarStore) -> Self {
        let _guard = tch::no_grad_guard();
        let mut vars: Vec<(String, Tensor)> = vs
            .variables()
            .into_iter()
            .map(|(name, t)| (name, t.detach().copy()))
            .collect();
        vars.sort_by(|a, b| a.0.cmp(&b.0));
        Snapshot(vars)
    }

    fn restore(&self, vs: &VarStore) -> Result<()> {
        let _guard = tch::no_grad_guard();
        let mut current = vs.variables();
        for (name, saved) in &self.0 {
            let Some(var) = current.get_mut(name) else {
                return Err(Error::invalid(
                    "model variables",
                    format!("variable {name} disappeared from the VarStore during the range test"),
                    "Do not remove variables from the VarStore inside the loss closure.",
                ));
            };
            var.f_copy_(saved)?;
        }
        Ok(())
    }
}

/// One step of the range test.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RangePoint {
    /// Step index, from 0.
    pub step: usize,
    /// The learning rate of this step.
    pub lr: f64,
    /// The minibatch loss, computed before this step's update.
    pub train_loss: f64,
    /// The held-out loss after this step's update (Smith's variant only).
    pub val_loss: Option<f64>,
    /// The smoothed tracked loss (held-out if there is one, else training).
    pub smoothed: f64,
}

impl RangePoint {
    /// The loss the test tracks: held-out if measured, else the minibatch loss.
    pub fn loss(&self) -> f64 {
        self.val_loss.unwrap_or(self.train_loss)
    }
}

/// Why the range test ended.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Stop {
    /// All `iterations` steps ran.
    Completed,
    /// The smoothed loss became non-finite or exceeded the divergence bound at `step`
    /// (the step is recorded; it is the last point).
    Diverged {
        /// The step that stopped the test.
        step: usize,
        /// Its smoothed loss.
        smoothed: f64,
    },
    /// The batch iterator ran out before `step`.
    DataExhausted {
        /// Steps taken.
        step: usize,
    },
}

/// What the range test recorded.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RangeTestResult {
    /// One point per step taken.
    pub points: Vec<RangePoint>,
    /// Why it ended.
    pub stop: Stop,
    /// The steps the test was planned for ([`RangeTest::iterations`]), taken or not: the
    /// suggestions leave out a tenth of them at the start, as fastai's `num_it // 10`.
    pub iterations: usize,
}

impl RangeTestResult {
    /// The learning rates, step by step.
    pub fn lrs(&self) -> Vec<f64> {
        self.points.iter().map(|p| p.lr).collect()
    }

    /// The tracked (unsmoothed) losses.
    pub fn losses(&self) -> Vec<f64> {
        self.points.iter().map(RangePoint::loss).collect()
    }

    /// The smoothed losses, which the rules read.
    pub fn smoothed(&self) -> Vec<f64> {
        self.points.iter().map(|p| p.smoothed).collect()
    }

    /// The learning rate at which the test stopped on divergence, if it did.
    pub fn divergence_lr(&self) -> Option<f64> {
        match self.stop {
            Stop::Diverged { step, .. } => self.points.get(step).map(|p| p.lr),
            _ => None,
        }
    }

    /// One rule's suggestion with the default [`SuggestOptions`], leaving out a tenth of
    /// the planned iterations at the start ([`SuggestOptions::for_iterations`]): fastai's
    /// `lr_find` suggestion on the same curve.
    pub fn suggest(&self, rule: Rule) -> Result<Suggestion> {
        self.suggest_with(rule, &SuggestOptions::default())
    }

    /// One rule's suggestion with explicit options; a `skip_start` of `None` becomes a tenth
    /// of the planned iterations.
    pub fn suggest_with(&self, rule: Rule, opts: &SuggestOptions) -> Result<Suggestion> {
        suggest(rule, &self.lrs(), &self.smoothed(), &self.resolve(opts))
    }

    /// The part of the smoothed curve the rules read with `opts` (see
    /// [`SuggestOptions::window`]; a `skip_start` of `None` is a tenth of the planned
    /// iterations).
    pub fn window(&self, opts: &SuggestOptions) -> std::ops::Range<usize> {
        self.resolve(opts).window(&self.smoothed())
    }

    fn resolve(&self, opts: &SuggestOptions) -> SuggestOptions {
        SuggestOptions {
            skip_start: opts.skip_start.or(Some(self.iterations / 10)),
            ..opts.clone()
        }
    }

    /// Every rule's suggestion (or the reason it has none), in [`Rule::ALL`] order.
    pub fn suggestions(&self) -> Vec<(Rule, Result<Suggestion>)> {
        Rule::ALL.iter().map(|&r| (r, self.suggest(r))).collect()
    }

    /// The finder's figure: raw and smoothed loss against the learning rate on a log axis,
    /// a vertical line at each suggestion, and the divergence point. The y range is cut to
    /// the divergence bound so that the blow-up does not flatten the rest.
    pub fn chart(&self, title: &str) -> LineChart {
        let raw: Vec<(f64, f64)> = self.points.iter().map(|p| (p.lr, p.loss())).collect();
        let smooth: Vec<(f64, f64)> = self.points.iter().map(|p| (p.lr, p.smoothed)).collect();
        let mut chart = LineChart::new(title, "learning rate (log scale)", "loss")
            .x_log()
            .series(Series::line("loss", raw).with_color(1))
            .series(Series::line("smoothed", smooth).with_color(3));
        // Each suggestion is a dot on the smoothed curve with its own legend entry (labels
        // next to the dots would overlap: the suggestions are often close together).
        for (i, (rule, s)) in self.suggestions().into_iter().enumerate() {
            if let Ok(s) = s {
                let y = interpolate_log(&self.points, s.lr).unwrap_or(s.loss);
                chart = chart.series(
                    Series::points(
                        format!("{} {}", rule.name(), fmt_sig(s.lr, 2)),
                        vec![(s.lr, y)],
                    )
                    .with_color([0, 2, 4, 5][i % 4]),
                );
            }
        }
        if let Stop::Diverged { step, smoothed } = self.stop {
            if let Some(p) = self.points.get(step) {
                let y = if smoothed.is_finite() {
                    smoothed
                } else {
                    self.smoothed()
                        .into_iter()
                        .filter(|v| v.is_finite())
                        .fold(f64::NEG_INFINITY, f64::max)
                };
                if y.is_finite() {
                    chart = chart.marker(Marker::point(p.lr, y, "diverged"));
                }
            }
        }
        let finite: Vec<f64> = self
            .points
            .iter()
            .flat_map(|p| [p.loss(), p.smoothed])
            .filter(|v| v.is_finite())
            .collect();
        let lo = finite.iter().copied().fold(f64::INFINITY, f64::min);
        let best = self
            .smoothed()
            .into_iter()
            .filter(|v| v.is_finite())
            .fold(f64::INFINITY, f64::min);
        let first = self
            .points
            .iter()
            .map(|p| p.smoothed)
            .find(|v| v.is_finite());
        if let (true, Some(first)) = (lo.is_finite() && best.is_finite(), first) {
            let k = 4.0;
            let mut hi = (best + (k - 1.0) * best.abs()).max(first);
            if let Stop::Diverged { smoothed, .. } = self.stop {
                if smoothed.is_finite() {
                    hi = hi.max(smoothed);
                }
            }
            let pad = 0.05 * (hi - lo).abs().max(1e-9);
            if hi > lo {
                chart = chart.y_range(lo - pad, hi + pad);
            }
        }
        chart
    }
}

/// The smoothed loss at `lr`, interpolated linearly in `log lr` between recorded points.
fn interpolate_log(points: &[RangePoint], lr: f64) -> Option<f64> {
    let k = points
        .windows(2)
        .position(|w| w[0].lr <= lr && lr <= w[1].lr)?;
    let (a, b) = (&points[k], &points[k + 1]);
    let t = (lr.log10() - a.lr.log10()) / (b.lr.log10() - a.lr.log10());
    let y = a.smoothed + t * (b.smoothed - a.smoothed);
    y.is_finite().then_some(y)
}

#[cfg(test)]
mod tests;
