//! A minimal training loop: any model, any [`Optimizer`], a learning rate per step.
//!
//! It records a [`History`] of (step, lr, loss, accuracy) and stops as soon as the loss
//! becomes NaN or ∞ (or blows up past a set factor), reporting the run as diverged rather
//! than failing. A progress bar shows on stderr when it is a terminal. On request
//! ([`TrainConfig::clip_grad_norm`]) it clips the gradients to a global norm before each
//! step, as `torch.nn.utils.clip_grad_norm_` does ([`clip_grad_norm`]), and records each
//! step's norm ([`History::grad_norms`], [`History::clip_rate`]).
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tch::nn::ModuleT;
use tch::{Kind, Reduction, Tensor};

use crate::data::Dataset;
use crate::optim::Optimizer;
use crate::schedule::LrPolicy;
use crate::{validate, Error, Result};

/// The training objective.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loss {
    /// Softmax cross-entropy on class-index targets `[n]` (i64).
    CrossEntropy,
    /// Mean squared error `mean((f(x) − y)²)` on float targets of the output's shape.
    Mse,
    /// `½·mean over examples of ‖f(x) − onehot(y)‖²` on class-index targets: the square loss
    /// used in the edge-of-stability experiments (chapter 1).
    HalfSquaredOneHot,
}

impl Loss {
    /// The scalar loss of `output` against `targets`.
    pub fn compute(self, output: &Tensor, targets: &Tensor) -> Tensor {
        match self {
            Loss::CrossEntropy => output.cross_entropy_for_logits(targets),
            Loss::Mse => output.mse_loss(targets, Reduction::Mean),
            Loss::HalfSquaredOneHot => {
                let classes = output.size()[1];
                let onehot = targets.onehot(classes).to_kind(output.kind());
                (output - onehot).square().sum(output.kind()) * (0.5 / output.size()[0] as f64)
            }
        }
    }

    /// Fraction of correct argmax predictions, for the losses that have classes.
    pub fn accuracy(self, output: &Tensor, targets: &Tensor) -> Option<f64> {
        self.accuracy_on_device(output, targets)
            .and_then(|correct| f64::try_from(correct).ok())
    }

    /// [`Loss::accuracy`] as an f64 scalar tensor on the output's device, not yet read back.
    fn accuracy_on_device(self, output: &Tensor, targets: &Tensor) -> Option<Tensor> {
        match self {
            Loss::CrossEntropy | Loss::HalfSquaredOneHot => Some(
                output
                    .argmax(-1, false)
                    .eq_tensor(targets)
                    .to_kind(Kind::Double)
                    .mean(Kind::Double),
            ),
            Loss::Mse => None,
        }
    }
}

/// How long to train and how to batch.
#[derive(Clone, Debug)]
pub struct TrainConfig {
    /// Passes over the training set, at least 1. The run's steps (epochs × steps per epoch,
    /// or `max_steps` if fewer) may not exceed [`validate::MAX_STEPS`].
    pub epochs: usize,
    /// Examples per step; `usize::MAX` (or anything ≥ n) is full-batch gradient descent.
    pub batch_size: usize,
    /// Seed for the per-epoch shuffle; `None` keeps the data order.
    pub shuffle_seed: Option<u64>,
    /// Stop after this many steps even mid-epoch.
    pub max_steps: Option<usize>,
    /// Declare divergence when the loss exceeds `blowup ×` the first loss (besides NaN/∞);
    /// a finite factor `> 1`.
    pub blowup: Option<f64>,
    /// Evaluate on the held-out set every this many steps, at least 1 (and at the end).
    pub eval_every: Option<usize>,
    /// Show a progress bar (only drawn when stderr is a terminal).
    pub progress: bool,
    /// Clip the gradients to this global L2 norm before every step, with
    /// [`clip_grad_norm`] (`torch.nn.utils.clip_grad_norm_`); a finite number `> 0`, and the
    /// optimizer must expose its [`parameters`](Optimizer::parameters). `None` (the
    /// default) leaves the gradients untouched. [`History::grad_norms`] records each step.
    pub clip_grad_norm: Option<f64>,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            epochs: 1,
            batch_size: 64,
            shuffle_seed: Some(0),
            max_steps: None,
            blowup: Some(1e4),
            eval_every: None,
            progress: true,
            clip_grad_norm: None,
        }
    }
}

/// One training step's numbers.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StepRecord {
    /// Step index, from 0.
    pub step: usize,
    /// Epoch index, from 0.
    pub epoch: usize,
    /// The learning rate used for this step.
    pub lr: f64,
    /// The minibatch loss before the update.
    pub loss: f64,
    /// The minibatch accuracy before the update, for classification losses.
    pub accuracy: Option<f64>,
}

/// An evaluation on held-out data.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EvalRecord {
    /// Steps taken when evaluated.
    pub step: usize,
    /// Mean loss on the held-out set.
    pub loss: f64,
    /// Accuracy on the held-out set, for classification losses.
    pub accuracy: Option<f64>,
}

/// How a run ended.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Outcome {
    /// All epochs (or `max_steps`) ran.
    Completed,
    /// The loss became non-finite or blew up at `step`; training stopped there.
    Diverged {
        /// The step whose loss triggered the stop.
        step: usize,
        /// That loss (NaN, ∞ or just huge).
        loss: f64,
    },
}

/// One step's gradient clipping, when [`TrainConfig::clip_grad_norm`] is set.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GradNormRecord {
    /// Step index, from 0.
    pub step: usize,
    /// The global gradient norm before clipping.
    pub norm: f64,
    /// Whether the step clipped (the norm exceeded `max_norm`).
    pub clipped: bool,
}

/// Everything a run recorded.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct History {
    /// One record per step.
    pub steps: Vec<StepRecord>,
    /// One record per step taken, when gradients are clipped; empty otherwise.
    pub grad_norms: Vec<GradNormRecord>,
    /// Held-out evaluations, if asked for.
    pub evals: Vec<EvalRecord>,
    /// Completed or diverged.
    pub outcome: Outcome,
}

impl History {
    /// The fraction of steps whose gradients were clipped; `None` without clipping (or
    /// before any step).
    pub fn clip_rate(&self) -> Option<f64> {
        if self.grad_norms.is_empty() {
            return None;
        }
        let clipped = self.grad_norms.iter().filter(|r| r.clipped).count();
        Some(clipped as f64 / self.grad_norms.len() as f64)
    }

    /// Whether the run diverged.
    pub fn diverged(&self) -> bool {
        matches!(self.outcome, Outcome::Diverged { .. })
    }

    /// The losses, step by step.
    pub fn losses(&self) -> Vec<f64> {
        self.steps.iter().map(|r| r.loss).collect()
    }

    /// Held-out accuracy at the last evaluation; NaN if there was none (a run that diverged
    /// before its first evaluation) or the loss has no accuracy.
    pub fn final_accuracy(&self) -> f64 {
        self.evals
            .last()
            .and_then(|e| e.accuracy)
            .unwrap_or(f64::NAN)
    }

    /// Held-out loss at the last evaluation; NaN if there was none.
    pub fn final_eval_loss(&self) -> f64 {
        self.evals.last().map_or(f64::NAN, |e| e.loss)
    }

    /// Mean training loss over the last `window` steps (at least one); NaN with no steps.
    pub fn mean_final_loss(&self, window: usize) -> f64 {
        let tail = &self.steps[self.steps.len().saturating_sub(window.max(1))..];
        tail.iter().map(|r| r.loss).sum::<f64>() / tail.len() as f64
    }
}

/// Trains `model` on `data` with `optimizer`, taking each step's learning rate (and
/// momentum, for schedules that cycle it) from `policy`, and telling it each step's loss.
/// A closure `|step| lr` is a policy; so are [`crate::schedule::FollowSchedule`] and
/// [`crate::schedule::PlateauOnLoss`]. Data and model must be on the same device.
pub fn train(
    model: &impl ModuleT,
    loss: Loss,
    optimizer: &mut dyn Optimizer,
    policy: &mut dyn LrPolicy,
    data: &Dataset,
    held_out: Option<&Dataset>,
    cfg: &TrainConfig,
) -> Result<History> {
    check_config(cfg)?;
    if data.is_empty() {
        return Err(Error::invalid(
            "training data",
            "it has no examples",
            "Pass a non-empty data set.",
        ));
    }
    let batch = cfg.batch_size.min(data.len());
    let steps_per_epoch = data.len().div_ceil(batch);
    let total = cfg
        .max_steps
        .unwrap_or(usize::MAX)
        .min(steps_per_epoch.saturating_mul(cfg.epochs));
    if total > validate::MAX_STEPS {
        return Err(Error::invalid(
            "training length",
            format!(
                "{} epochs of {steps_per_epoch} steps is {} steps, above the limit of {}",
                cfg.epochs,
                steps_per_epoch.saturating_mul(cfg.epochs),
                validate::MAX_STEPS
            ),
            "Train for fewer epochs, or set max_steps to stop earlier.",
        ));
    }
    let clip_params = match cfg.clip_grad_norm {
        Some(_) => Some(optimizer.parameters().ok_or_else(|| {
            Error::invalid(
                "clip_grad_norm",
                "this optimizer does not expose its parameters (tch's nn::Optimizer keeps \
                 them inside libtorch), so their gradients cannot be clipped",
                "Use one of lrbook's optimizers (lrbook::optim), or clip_grad_norm: None.",
            )
        })?),
        None => None,
    };
    let bar = progress_bar(cfg.progress, total as u64);

    let mut history = History {
        grad_norms: Vec::new(),
        steps: Vec::new(),
        evals: Vec::new(),
        outcome: Outcome::Completed,
    };
    let mut step = 0;
    let mut first_loss = None;
    'epochs: for epoch in 0..cfg.epochs {
        let seed = cfg.shuffle_seed.map(|s| s.wrapping_add(epoch as u64));
        for (xs, ys) in data.batches(batch, seed, false)? {
            if step >= total {
                break 'epochs;
            }
            let lr = policy.lr_for_step(step)?;
            let momentum = policy.momentum_for_step(step);
            crate::schedule::set_lr_and_momentum(optimizer, step, lr, momentum)?;
            // ANCHOR: train_step
            let output = model.forward_t(&xs, true);
            let batch_loss = loss.compute(&output, &ys);
            let loss_value = f64::try_from(&batch_loss)?;
            let accuracy = loss.accuracy(&output, &ys);
            history.steps.push(StepRecord {
                step,
                epoch,
                lr,
                loss: loss_value,
                accuracy,
            });
            let reference = *first_loss.get_or_insert(loss_value);
            if !loss_value.is_finite()
                || cfg
                    .blowup
                    .is_some_and(|k| loss_value > k * reference.abs().max(1e-12))
            {
                history.outcome = Outcome::Diverged {
                    step,
                    loss: loss_value,
                };
                break 'epochs;
            }
            optimizer.zero_grad();
            batch_loss.backward();
            if let (Some(max_norm), Some(params)) = (cfg.clip_grad_norm, &clip_params) {
                let norm = clip_grad_norm(params, max_norm)?;
                history.grad_norms.push(GradNormRecord {
                    step,
                    norm,
                    clipped: norm > max_norm,
                });
            }
            optimizer.step(lr)?;
            // ANCHOR_END: train_step
            policy.observe_loss(step, loss_value);
            step += 1;
            bar.set_position(step as u64);
            if let (Some(every), Some(h)) = (cfg.eval_every, held_out) {
                if step % every == 0 {
                    history.evals.push(evaluate_at(model, loss, h, step)?);
                }
            }
        }
    }
    if let Some(h) = held_out {
        if history.evals.last().map(|e| e.step) != Some(step) {
            history.evals.push(evaluate_at(model, loss, h, step)?);
        }
    }
    bar.finish_and_clear();
    Ok(history)
}

/// Scales the gradients of `params` in place so that their global L2 norm is at most
/// `max_norm`, as `torch.nn.utils.clip_grad_norm_` does, and returns the norm before
/// clipping.
///
/// The global norm is `‖(‖g₁‖, …, ‖gₙ‖)‖` over the parameters that have a gradient (0
/// when none has). Every gradient is multiplied by `min(max_norm / (norm + 1e-6), 1)`, the
/// same coefficient and the same 1e-6 as PyTorch, so a clipped norm lands just below
/// `max_norm`. As in PyTorch (its default `error_if_nonfinite=False`), a NaN or infinite
/// norm is returned as it is, after scaling by its (NaN or 0) coefficient: check the
/// returned value. `max_norm` must be finite and `> 0`.
///
/// ```
/// # fn main() -> lrbook::Result<()> {
/// let w = tch::Tensor::from_slice(&[3.0f64, 4.0]).set_requires_grad(true);
/// (&w * &w).sum(tch::Kind::Double).backward(); // gradient (6, 8), norm 10
/// let norm = lrbook::train::clip_grad_norm(&[w.shallow_clone()], 1.0)?;
/// assert_eq!(norm, 10.0);
/// let clipped = f64::try_from(w.grad().norm())?;
/// assert!((clipped - 10.0 / (10.0 + 1e-6)).abs() < 1e-12);
/// # Ok(()) }
/// ```
pub fn clip_grad_norm(params: &[Tensor], max_norm: f64) -> Result<f64> {
    if !max_norm.is_finite() || max_norm <= 0.0 {
        return Err(Error::invalid(
            "max_norm of clip_grad_norm",
            format!("got {max_norm}, but it must be a finite number > 0"),
            "Pass the largest global gradient norm to allow, such as 1.0.",
        ));
    }
    let _guard = tch::no_grad_guard();
    let grads: Vec<Tensor> = params
        .iter()
        .map(Tensor::grad)
        .filter(Tensor::defined)
        .collect();
    if grads.is_empty() {
        return Ok(0.0);
    }
    let norms = grads
        .iter()
        .map(|g| g.f_norm())
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let total = Tensor::f_stack(&norms, 0)?.f_norm()?;
    // max_norm / (total + 1e-6), computed as PyTorch's float / tensor does: 1/x · max_norm.
    let coefficient = ((&total + 1e-6).f_reciprocal()? * max_norm).f_clamp_max(1.0)?;
    for mut g in grads {
        let _ = g.f_mul_(&coefficient)?;
    }
    Ok(f64::try_from(&total)?)
}

/// The checks of [`train`] on its configuration, each with what to do instead.
fn check_config(cfg: &TrainConfig) -> Result<()> {
    validate::at_least_one("epochs", cfg.epochs)?;
    if let Some(m) = cfg.clip_grad_norm {
        if !m.is_finite() || m <= 0.0 {
            return Err(Error::invalid(
                "clip_grad_norm",
                format!("got {m}, but it must be a finite number > 0"),
                "Pass the largest global gradient norm to allow, such as 1.0, or None.",
            ));
        }
    }
    validate::at_least_one("batch size", cfg.batch_size)?;
    if cfg.eval_every == Some(0) {
        return Err(Error::invalid(
            "evaluation interval (eval_every)",
            "got 0 steps, but it must be at least 1",
            "Evaluate every 1 or more steps, or pass None to evaluate only at the end.",
        ));
    }
    if let Some(k) = cfg.blowup {
        if !(k.is_finite() && k > 1.0) {
            return Err(Error::invalid(
                "blow-up factor",
                format!(
                    "got {k}, but it must be a finite number > 1: the run is declared \
                     diverged when the loss exceeds this multiple of the first loss"
                ),
                "Pass a factor such as 1e3, or None to stop only on NaN or ∞.",
            ));
        }
    }
    Ok(())
}

fn evaluate_at(
    model: &impl ModuleT,
    loss: Loss,
    data: &Dataset,
    step: usize,
) -> Result<EvalRecord> {
    let (l, a) = evaluate(model, loss, data, 1024)?;
    Ok(EvalRecord {
        step,
        loss: l,
        accuracy: a,
    })
}

/// Mean loss and accuracy of `model` on `data`, in batches of `batch_size`, without gradients.
pub fn evaluate(
    model: &impl ModuleT,
    loss: Loss,
    data: &Dataset,
    batch_size: usize,
) -> Result<(f64, Option<f64>)> {
    validate::at_least_one("batch size", batch_size)?;
    let _guard = tch::no_grad_guard();
    // The sums stay on the data's device and are read back once: on a GPU, a read-back per
    // batch would wait for the device every time. They add the same f64 terms in the same
    // order as a host-side sum would.
    let zero = || Tensor::zeros([], (Kind::Double, data.inputs.device()));
    let (mut loss_sum, mut acc_sum, mut n) = (zero(), zero(), 0usize);
    let mut has_acc = false;
    for (xs, ys) in data.batches(batch_size, None, false)? {
        let b = xs.size()[0] as usize;
        let out = model.forward_t(&xs, false);
        loss_sum += loss.compute(&out, &ys).to_kind(Kind::Double) * b as f64;
        if let Some(a) = loss.accuracy_on_device(&out, &ys) {
            acc_sum += a * b as f64;
            has_acc = true;
        }
        n += b;
    }
    let n = n.max(1) as f64;
    let accuracy = if has_acc {
        Some(f64::try_from(acc_sum)? / n)
    } else {
        None
    };
    Ok((f64::try_from(loss_sum)? / n, accuracy))
}

fn progress_bar(enabled: bool, total: u64) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    // indicatif draws nothing when stderr is not a terminal (pipes, CI, tests).
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} steps {elapsed}") {
        bar.set_style(style);
    }
    bar
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::GradientDescent;
    use tch::nn::{self, Module};
    use tch::Device;

    fn regression() -> Dataset {
        let x = Tensor::linspace(-1.0, 1.0, 64, (Kind::Float, Device::Cpu)).view([64, 1]);
        let y = &x * 2.0 + 1.0;
        Dataset::new(x, y).unwrap()
    }

    #[test]
    fn history_summaries_read_the_last_records() {
        let step = |step, loss| StepRecord {
            step,
            epoch: 0,
            lr: 0.1,
            loss,
            accuracy: None,
        };
        let mut h = History {
            grad_norms: vec![],
            steps: vec![step(0, 4.0), step(1, 2.0), step(2, 1.0)],
            evals: vec![],
            outcome: Outcome::Completed,
        };
        assert!(h.final_accuracy().is_nan() && h.final_eval_loss().is_nan());
        assert_eq!(h.mean_final_loss(2), 1.5);
        assert_eq!(h.mean_final_loss(0), 1.0);
        assert_eq!(h.mean_final_loss(10), 7.0 / 3.0);
        h.evals = vec![
            EvalRecord {
                step: 1,
                loss: 0.9,
                accuracy: Some(0.5),
            },
            EvalRecord {
                step: 3,
                loss: 0.7,
                accuracy: Some(0.75),
            },
        ];
        assert_eq!((h.final_accuracy(), h.final_eval_loss()), (0.75, 0.7));
    }

    #[test]
    fn fits_a_line_and_records_each_step() {
        tch::manual_seed(0);
        let vs = nn::VarStore::new(Device::Cpu);
        let model = nn::linear(vs.root(), 1, 1, Default::default());
        let mut opt = GradientDescent::new(vs.trainable_variables());
        let cfg = TrainConfig {
            epochs: 200,
            batch_size: 64,
            progress: false,
            ..Default::default()
        };
        let h = train(
            &model,
            Loss::Mse,
            &mut opt,
            &mut |_| 0.5,
            &regression(),
            None,
            &cfg,
        )
        .unwrap();
        assert_eq!(h.outcome, Outcome::Completed);
        assert_eq!(h.steps.len(), 200);
        assert!(h.steps.iter().all(|r| r.lr == 0.5));
        let pred =
            f64::try_from(model.forward(&Tensor::from_slice(&[0.5f32]).view([1, 1]))).unwrap();
        assert!((pred - 2.0).abs() < 1e-3, "f(0.5) = {pred}, want 2");
    }

    #[test]
    fn too_large_a_step_is_reported_as_diverged_not_an_error() {
        tch::manual_seed(0);
        let vs = nn::VarStore::new(Device::Cpu);
        let model = nn::linear(vs.root(), 1, 1, Default::default());
        let mut opt = GradientDescent::new(vs.trainable_variables());
        let cfg = TrainConfig {
            epochs: 10_000,
            batch_size: 64,
            blowup: None,
            progress: false,
            ..Default::default()
        };
        let h = train(
            &model,
            Loss::Mse,
            &mut opt,
            &mut |_| 10.0,
            &regression(),
            None,
            &cfg,
        )
        .unwrap();
        match h.outcome {
            Outcome::Diverged { step, loss } => {
                assert!(
                    !loss.is_finite(),
                    "stopped on a non-finite loss, got {loss}"
                );
                assert_eq!(h.steps.len(), step + 1);
            }
            Outcome::Completed => panic!("expected divergence"),
        }
    }

    #[test]
    fn a_bad_schedule_value_is_an_error() {
        let vs = nn::VarStore::new(Device::Cpu);
        let model = nn::linear(vs.root(), 1, 1, Default::default());
        let mut opt = GradientDescent::new(vs.trainable_variables());
        let cfg = TrainConfig {
            epochs: 3,
            progress: false,
            ..Default::default()
        };
        let err = train(
            &model,
            Loss::Mse,
            &mut opt,
            &mut |t| if t < 1 { 0.1 } else { f64::NAN },
            &regression(),
            None,
            &cfg,
        )
        .unwrap_err();
        assert!(err.to_string().contains("learning rate at step 1"), "{err}");
    }

    #[test]
    fn hostile_configs_are_errors_not_panics() {
        let vs = nn::VarStore::new(Device::Cpu);
        let model = nn::linear(vs.root(), 1, 1, Default::default());
        let data = regression();
        let run = |cfg: TrainConfig| {
            let mut opt = GradientDescent::new(vs.trainable_variables());
            train(
                &model,
                Loss::Mse,
                &mut opt,
                &mut |_| 0.1,
                &data,
                Some(&data),
                &cfg,
            )
            .map(|h| h.steps.len())
            .map_err(|e| e.to_string())
        };
        let base = || TrainConfig {
            progress: false,
            ..Default::default()
        };
        // eval_every = 0 divided by zero (step % 0).
        let e = run(TrainConfig {
            eval_every: Some(0),
            ..base()
        })
        .unwrap_err();
        assert!(e.contains("eval_every") && e.contains("at least 1"), "{e}");
        // epochs × steps per epoch overflowed; now a run over MAX_STEPS is an error.
        let e = run(TrainConfig {
            epochs: usize::MAX,
            ..base()
        })
        .unwrap_err();
        assert!(
            e.contains("training length") && e.contains("above the limit of 10000000"),
            "{e}"
        );
        for blowup in [0.5, 1.0, -1.0, f64::NAN, f64::INFINITY] {
            let e = run(TrainConfig {
                blowup: Some(blowup),
                ..base()
            })
            .unwrap_err();
            assert!(e.contains("blow-up factor"), "{e}");
        }
        assert!(run(TrainConfig {
            epochs: 0,
            ..base()
        })
        .is_err());
        assert!(run(TrainConfig {
            batch_size: 0,
            ..base()
        })
        .is_err());
        // Full batch with a huge batch size and many epochs capped by max_steps still runs.
        let steps = run(TrainConfig {
            batch_size: usize::MAX,
            epochs: usize::MAX,
            max_steps: Some(3),
            eval_every: Some(1),
            ..base()
        });
        assert_eq!(steps, Ok(3));
    }
}
