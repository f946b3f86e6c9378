//! Chapter 5 — batch size and the learning rate.
//!
//! 1. Gradient noise at a fixed model state: the variance of the minibatch gradient against
//!    the batch size B, against the exact `tr(Σ)/B` from per-example gradients; McCandlish's
//!    two-batch estimator against the exact noise scale.
//! 2. The noise scale `B_noise` estimated during training with moving averages.
//! 3. The sweep: for each B, a grid of learning rates, steps to a target loss;
//!    the best LR per B against `ε_opt(B) = ε_max/(1 + B_noise/B)`, and the steps/examples
//!    trade-off fitted and checked.
//! 4. The scaling rules head to head from a base `(B₀, η₀)` for a fixed number of epochs.
//! 5. Data parallelism: K workers' averaged gradients equal one batch of K·b, in f64; what
//!    the measured critical batch means for the number of useful workers.
//!
//! Everything trains plain SGD (no momentum) on one MLP and one in-memory Fashion-MNIST
//! subset, loaded and standardised once.
use std::path::{Path, PathBuf};

use tch::nn::{self, ModuleT};
use tch::{Device, Kind, Tensor};

use super::Config;

pub mod exercises;
use crate::batch::{
    data_parallel_gradient, flat_gradient, log_log_slope, optimal_lr, scaled_lr,
    two_batch_estimate, NoiseScaleEma, ScalingRule, TradeOff,
};
use crate::data::rng::SplitMix64;
use crate::data::{fashion_mnist, Dataset};
use crate::models::{Activation, Mlp};
use crate::optim::{Optimizer, Sgd, SgdConfig};
use crate::plot::{self, LineChart, Series};
use crate::report::{fmt_sig, Cell, Report, Table};
use crate::schedule::{FollowSchedule, Warmup};
use crate::train::{self, History, Loss, TrainConfig};
use crate::{validate, Error, Result};

/// The sizes of every part of the chapter.
#[derive(Clone, Debug)]
pub struct Ch5Config {
    /// Training examples (the first n of Fashion-MNIST's training set), held in memory.
    pub train_examples: usize,
    /// Held-out examples (the first n of the test set) for the rules comparison.
    pub test_examples: usize,
    /// Hidden width of the ReLU MLP 784-h-10.
    pub hidden: i64,
    /// Part 1: the fixed state is reached by this many SGD steps …
    pub warm_steps: usize,
    /// … at this batch size …
    pub warm_batch: usize,
    /// … and learning rate.
    pub warm_lr: f64,
    /// Part 1: the population whose gradient noise is measured (first n training examples).
    pub pool: usize,
    /// Part 1: batch sizes of the 1/B law.
    pub noise_batches: Vec<usize>,
    /// Part 1: minibatches drawn (with replacement) per batch size.
    pub draws: usize,
    /// Part 2: the two batch sizes of the estimator during training.
    pub est_small: usize,
    /// Part 2: the training batch, whose first `est_small` rows give the small gradient.
    pub est_big: usize,
    /// Part 2: EMA coefficient of the estimates.
    pub ema_beta: f64,
    /// Part 3: the batch sizes swept.
    pub sweep_batches: Vec<usize>,
    /// Part 3: the learning-rate grid (ascending).
    pub lrs: Vec<f64>,
    /// Part 3: the target: mean cross-entropy on the probe set.
    pub target_loss: f64,
    /// Part 3: probe set size (the first n training examples).
    pub probe: usize,
    /// Part 3: step cap of a run.
    pub max_steps: usize,
    /// Part 3: a run stops after this many times the best steps so far at its batch size.
    pub prune_factor: f64,
    /// Part 4: the base batch B₀.
    pub base_batch: usize,
    /// Part 4: the base learning rate η₀ at B₀.
    pub base_lr: f64,
    /// Part 4: the batch sizes scaled to.
    pub rule_batches: Vec<usize>,
    /// Part 4: epochs every run trains.
    pub epochs: usize,
    /// Part 4: epochs of gradual warmup (from η₀ to the scaled LR).
    pub warmup_epochs: usize,
    /// Part 4: "matches the base" means final held-out loss ≤ (1 + tolerance) × base.
    pub tolerance: f64,
    /// Part 5: per-worker batch.
    pub worker_batch: usize,
    /// Part 5: worker counts.
    pub workers: Vec<usize>,
}

impl Ch5Config {
    /// The quick or the full sizes.
    pub fn for_config(quick: bool) -> Self {
        let half_decades = |lo: i32, hi: i32| -> Vec<f64> {
            (lo..=hi).map(|i| 10f64.powf(0.5 * i as f64)).collect()
        };
        let quarter_decades = |lo: i32, hi: i32| -> Vec<f64> {
            (lo..=hi).map(|i| 10f64.powf(0.25 * i as f64)).collect()
        };
        if quick {
            Ch5Config {
                train_examples: 4000,
                test_examples: 1000,
                hidden: 32,
                warm_steps: 50,
                warm_batch: 64,
                warm_lr: 0.1,
                pool: 512,
                noise_batches: vec![1, 8, 64, 512],
                draws: 40,
                est_small: 16,
                est_big: 256,
                ema_beta: 0.9,
                sweep_batches: vec![32, 128, 512],
                lrs: half_decades(-3, 1),
                target_loss: 0.8,
                probe: 500,
                max_steps: 300,
                prune_factor: 3.0,
                base_batch: 32,
                base_lr: 0.03,
                rule_batches: vec![128, 512],
                epochs: 2,
                warmup_epochs: 1,
                tolerance: 0.1,
                worker_batch: 32,
                workers: vec![1, 2, 4, 8],
            }
        } else {
            Ch5Config {
                train_examples: 20_000,
                test_examples: 2000,
                hidden: 64,
                warm_steps: 200,
                warm_batch: 64,
                warm_lr: 0.1,
                pool: 4096,
                noise_batches: vec![1, 4, 16, 64, 256, 1024],
                draws: 100,
                est_small: 32,
                est_big: 1024,
                ema_beta: 0.95,
                sweep_batches: vec![16, 32, 64, 128, 256, 512, 1024, 2048, 4096],
                lrs: quarter_decades(-8, 2),
                target_loss: 0.55,
                probe: 1000,
                max_steps: 2000,
                prune_factor: 3.0,
                base_batch: 32,
                base_lr: 0.03,
                rule_batches: vec![64, 128, 256, 512, 1024, 2048, 4096],
                epochs: 4,
                warmup_epochs: 1,
                tolerance: 0.1,
                worker_batch: 32,
                workers: vec![1, 2, 4, 8, 16, 32, 64, 128],
            }
        }
    }

    fn validate(&self) -> Result<()> {
        validate::at_least_one("training examples", self.train_examples)?;
        validate::at_least_one("test examples", self.test_examples)?;
        validate::learning_rate("warm-up learning rate", self.warm_lr)?;
        for (what, n) in [
            ("pool", self.pool),
            ("probe", self.probe),
            ("est_big", self.est_big),
        ] {
            if n > self.train_examples {
                return Err(Error::invalid(
                    what,
                    format!("{n} exceeds the {} training examples", self.train_examples),
                    "Use more training examples or a smaller size.",
                ));
            }
        }
        validate::at_least_one("draws", self.draws)?;
        two_batch_estimate(self.est_small, 0.0, self.est_big, 0.0)?;
        if self.lrs.is_empty() || self.lrs.windows(2).any(|w| w[1] <= w[0]) {
            return Err(Error::invalid(
                "learning-rate grid",
                "it must be non-empty and ascending",
                "Pass ascending learning rates such as 0.01, 0.0316, 0.1.",
            ));
        }
        for &lr in &self.lrs {
            validate::learning_rate("grid learning rate", lr)?;
        }
        if !self.sweep_batches.contains(&self.base_batch) {
            return Err(Error::invalid(
                "base batch",
                format!(
                    "B₀ = {} is not among the swept batch sizes",
                    self.base_batch
                ),
                "Sweep the base batch too, to compare η₀ with the best LR there.",
            ));
        }
        validate::learning_rate("base learning rate η₀", self.base_lr)?;
        validate::at_least_one("epochs", self.epochs)?;
        validate::positive("tolerance", self.tolerance)?;
        Ok(())
    }
}

/// Loads the chapter's subsets once, standardised, on `cfg.device`.
pub fn chapter_data(cfg: &Config, c: &Ch5Config) -> Result<fashion_mnist::FashionMnist> {
    let dir = match &cfg.data_dir {
        Some(d) => d.clone(),
        None => fashion_mnist::locate()?,
    };
    let raw = fashion_mnist::load_subset(&dir, c.train_examples, c.test_examples)?;
    Ok(fashion_mnist::FashionMnist {
        train: fashion_mnist::standardize(&raw.train).to_device(cfg.device),
        test: fashion_mnist::standardize(&raw.test).to_device(cfg.device),
    })
}

/// The chapter's MLP 784-h-10, initialised from `seed`.
fn new_model(seed: u64, hidden: i64, device: Device) -> Result<(nn::VarStore, Mlp)> {
    tch::manual_seed(seed as i64);
    let mut vs = nn::VarStore::new(Device::Cpu);
    let model = Mlp::new(&vs.root(), &[784, hidden, 10], Activation::Relu)?;
    vs.set_device(device);
    Ok((vs, model))
}

fn plain_sgd(vs: &nn::VarStore) -> Result<Sgd> {
    Sgd::new(vs.trainable_variables(), SgdConfig::default())
}

fn sq_norm(t: &Tensor) -> Result<f64> {
    Ok(f64::try_from(t.square().sum(Kind::Double))?)
}

/// Sum of the squared gradients of `params` (|g|²).
fn grad_sq_norm(params: &[Tensor]) -> Result<f64> {
    let mut s = 0.0;
    for p in params {
        s += sq_norm(&p.grad())?;
    }
    Ok(s)
}

// ---------------------------------------------------------------------------------------
// 1. Gradient noise at a fixed state

/// The noise of the minibatch gradient at one batch size.
#[derive(Clone, Debug)]
pub struct NoisePoint {
    /// Batch size.
    pub batch: usize,
    /// Measured `E|g_B − G|²` over the draws.
    pub variance: f64,
    /// Measured `E|g_B|²`.
    pub mean_sq: f64,
}

/// Part 1's measurements.
#[derive(Clone, Debug)]
pub struct FixedStateNoise {
    /// `|G|²` of the whole pool.
    pub g2: f64,
    /// `tr(Σ)`: mean over the pool of `|g_i − G|²`, from per-example gradients.
    pub trace: f64,
    /// One point per batch size.
    pub points: Vec<NoisePoint>,
}

impl FixedStateNoise {
    /// The exact simple noise scale `tr(Σ)/|G|²` of the pool at this state.
    pub fn b_simple(&self) -> f64 {
        self.trace / self.g2
    }
}

// ANCHOR: noise_at_fixed_state
/// Measures gradient noise at the model's current state on `pool`: the exact `|G|²` and
/// `tr(Σ)` (per-example gradients, one backward pass each), then for each batch size `draws`
/// minibatches (and at least `2·pool/B`) sampled **with replacement**, so that
/// `E|g_B − G|² = tr(Σ)/B` exactly.
pub fn noise_at_fixed_state(
    model: &impl ModuleT,
    params: &[Tensor],
    pool: &Dataset,
    batches: &[usize],
    draws: usize,
    seed: u64,
) -> Result<FixedStateNoise> {
    let loss = Loss::CrossEntropy;
    let full = flat_gradient(model, loss, params, &pool.inputs, &pool.targets)?;
    let n = pool.len();
    let mut trace = 0.0;
    for i in 0..n as i64 {
        let g = flat_gradient(
            model,
            loss,
            params,
            &pool.inputs.narrow(0, i, 1),
            &pool.targets.narrow(0, i, 1),
        )?;
        trace += sq_norm(&(g - &full))?;
    }
    trace /= n as f64;
    let mut rng = SplitMix64::new(seed);
    let mut points = Vec::new();
    for &b in batches {
        // At least two pools' worth of examples per batch size: per-example gradient norms
        // are heavy-tailed, so small batches need many draws.
        let draws = draws.max((2 * n).div_ceil(b));
        let (mut var, mut msq) = (0.0, 0.0);
        for _ in 0..draws {
            let rows: Vec<i64> = (0..b).map(|_| rng.below(n as u64) as i64).collect();
            let rows = Tensor::from_slice(&rows).to_device(pool.inputs.device());
            let g = flat_gradient(
                model,
                loss,
                params,
                &pool.inputs.index_select(0, &rows),
                &pool.targets.index_select(0, &rows),
            )?;
            msq += sq_norm(&g)?;
            var += sq_norm(&(g - &full))?;
        }
        points.push(NoisePoint {
            batch: b,
            variance: var / draws as f64,
            mean_sq: msq / draws as f64,
        });
    }
    Ok(FixedStateNoise {
        g2: sq_norm(&full)?,
        trace,
        points,
    })
}
// ANCHOR_END: noise_at_fixed_state

/// The 1/B table.
pub fn noise_law_table(n: &FixedStateNoise, pool: usize, draws: usize) -> Table {
    let mut t = Table::new(
        "noise_law",
        &format!(
            "Variance of the minibatch gradient at a fixed state: max({draws}, 2·{pool}/B) \
             minibatches per B drawn with replacement from {pool} training images"
        ),
        &[
            "B",
            "measured E‖g_B − G‖²",
            "tr(Σ)/B (per-example)",
            "measured / predicted",
            "measured E‖g_B‖²",
            "‖G‖² + tr(Σ)/B",
        ],
    );
    for p in &n.points {
        let pred = n.trace / p.batch as f64;
        t.push(vec![
            Cell::from(p.batch),
            Cell::num(p.variance, 3),
            Cell::num(pred, 3),
            Cell::num(p.variance / pred, 3),
            Cell::num(p.mean_sq, 3),
            Cell::num(n.g2 + pred, 3),
        ]);
    }
    t
}

/// The exact noise scale at the fixed state against the two-batch estimator applied to the
/// measured `E|g_B|²` of every pair of batch sizes whose ratio is at least 16.
pub fn fixed_state_scale_table(n: &FixedStateNoise) -> Result<Table> {
    let mut t = Table::new(
        "noise_scale_fixed",
        "The noise scale at the fixed state: exact (per-example gradients) and from the \
         two-batch estimator on the averaged ‖g_B‖²",
        &["method", "‖G‖²", "tr(Σ)", "B_noise = tr(Σ)/‖G‖²"],
    );
    t.push(vec![
        Cell::from("exact, per-example gradients"),
        Cell::num(n.g2, 3),
        Cell::num(n.trace, 3),
        Cell::num(n.b_simple(), 3),
    ]);
    for (i, s) in n.points.iter().enumerate() {
        for b in &n.points[i + 1..] {
            if b.batch < 16 * s.batch {
                continue;
            }
            let e = two_batch_estimate(s.batch, s.mean_sq, b.batch, b.mean_sq)?;
            t.push(vec![
                Cell::Text(format!("two-batch, B = {} and {}", s.batch, b.batch)),
                Cell::num(e.g2, 3),
                Cell::num(e.trace, 3),
                Cell::num(e.trace / e.g2, 3),
            ]);
        }
    }
    Ok(t)
}

// ---------------------------------------------------------------------------------------
// 3. The sweep: best LR per batch, steps to target

/// How one run of the sweep ended.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SweepOutcome {
    /// Reached the target at this step (probe checkpoints about 10% apart).
    Reached(usize),
    /// Stopped at its step cap without reaching the target.
    NotReached(usize),
    /// The loss became non-finite or exceeded 5× its first value.
    Diverged(usize),
}

/// One `(B, η)` run of the sweep.
#[derive(Clone, Debug)]
pub struct SweepRun {
    /// Batch size.
    pub batch: usize,
    /// Learning rate.
    pub lr: f64,
    /// How it ended.
    pub outcome: SweepOutcome,
}

/// The probe checkpoints: every step up to 10, then about 10% apart.
pub fn checkpoints(max_steps: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut k = 1usize;
    while k <= max_steps {
        out.push(k);
        k = (k + 1).max((k as f64 * 1.1).ceil() as usize);
    }
    out
}

fn probe_loss(model: &impl ModuleT, probe: &Dataset) -> Result<f64> {
    Ok(train::evaluate(model, Loss::CrossEntropy, probe, 4096)?.0)
}

// ANCHOR: steps_to_target
/// Trains plain SGD at `(batch, lr)` from the seed's initialisation until the mean loss on
/// `probe` is at most `target` (checked at [`checkpoints`]), the loss diverges, or `cap` steps.
pub fn steps_to_target(
    data: &Dataset,
    probe: &Dataset,
    c: &Ch5Config,
    batch: usize,
    lr: f64,
    cap: usize,
    seed: u64,
) -> Result<SweepOutcome> {
    let (vs, model) = new_model(seed, c.hidden, data.inputs.device())?;
    let mut sgd = plain_sgd(&vs)?;
    let marks = checkpoints(cap);
    let mut next = 0;
    let (mut step, mut epoch, mut first) = (0usize, 0u64, None);
    loop {
        for (xs, ys) in data.batches(batch, Some(seed.wrapping_add(epoch)), true)? {
            let l = Loss::CrossEntropy.compute(&model.forward_t(&xs, true), &ys);
            let v = f64::try_from(&l)?;
            let f = *first.get_or_insert(v);
            if !v.is_finite() || v > 5.0 * f {
                return Ok(SweepOutcome::Diverged(step));
            }
            sgd.zero_grad();
            l.backward();
            sgd.step(lr)?;
            step += 1;
            if next < marks.len() && marks[next] == step {
                next += 1;
                if probe_loss(&model, probe)? <= c.target_loss {
                    return Ok(SweepOutcome::Reached(step));
                }
            }
            if step >= cap {
                return Ok(SweepOutcome::NotReached(step));
            }
        }
        epoch += 1;
    }
}
// ANCHOR_END: steps_to_target

/// Sweeps the grid at one batch size, from the largest LR down, pruning runs that cannot
/// win: a run stops after `prune_factor ×` the best steps so far, and once some LR has
/// reached the target the descent stops at the first smaller LR that does not improve on it.
pub fn sweep_batch(
    data: &Dataset,
    probe: &Dataset,
    c: &Ch5Config,
    batch: usize,
    seed: u64,
) -> Result<Vec<SweepRun>> {
    let mut runs = Vec::new();
    let mut best: Option<usize> = None;
    for &lr in c.lrs.iter().rev() {
        let cap = best.map_or(c.max_steps, |b| {
            c.max_steps.min((c.prune_factor * b as f64).ceil() as usize)
        });
        let outcome = steps_to_target(data, probe, c, batch, lr, cap, seed)?;
        runs.push(SweepRun { batch, lr, outcome });
        match (outcome, best) {
            (SweepOutcome::Reached(s), None) => best = Some(s),
            (SweepOutcome::Reached(s), Some(b)) if s < b => best = Some(s),
            // No run has reached the target yet: a smaller LR may (a lower noise floor).
            (SweepOutcome::Diverged(_) | SweepOutcome::NotReached(_), None) => {}
            _ => break,
        }
    }
    runs.sort_by(|a, b| a.lr.total_cmp(&b.lr));
    Ok(runs)
}

/// The best run of one batch size: fewest steps to the target (the larger LR on ties).
pub fn best_of(runs: &[SweepRun]) -> Option<(f64, usize)> {
    runs.iter()
        .filter_map(|r| match r.outcome {
            SweepOutcome::Reached(s) => Some((r.lr, s)),
            _ => None,
        })
        .min_by(|a, b| a.1.cmp(&b.1).then(b.0.total_cmp(&a.0)))
}

/// Part 2: training at `est_big` with the sweep's best LR there, the McCandlish estimates
/// every step, averaged. Records `(step, probe loss, B_noise)` at the checkpoints.
#[derive(Clone, Debug)]
pub struct NoiseScaleRun {
    /// The batch trained with.
    pub batch: usize,
    /// Its learning rate.
    pub lr: f64,
    /// `(step, probe loss, |G|² estimate, tr Σ estimate, B_noise)` at the checkpoints.
    pub trace: Vec<(usize, f64, f64, f64, f64)>,
    /// B_noise when the probe loss first reached the target (or at the end).
    pub at_target: f64,
    /// The step at which that was read.
    pub target_step: usize,
}

// ANCHOR: noise_scale_during_training
/// Trains at `c.est_big` and feeds every step's `|g_small|²` (first `c.est_small` rows of
/// the batch) and `|g_big|²` (the whole batch) to a [`NoiseScaleEma`].
pub fn noise_scale_during_training(
    data: &Dataset,
    probe: &Dataset,
    c: &Ch5Config,
    lr: f64,
    steps: usize,
    seed: u64,
) -> Result<NoiseScaleRun> {
    let (vs, model) = new_model(seed, c.hidden, data.inputs.device())?;
    let params = vs.trainable_variables();
    let mut sgd = plain_sgd(&vs)?;
    let mut ema = NoiseScaleEma::new(c.est_small, c.est_big, c.ema_beta)?;
    let marks = checkpoints(steps);
    let (mut step, mut epoch, mut next) = (0usize, 0u64, 0usize);
    let mut trace = Vec::new();
    let mut at_target = None;
    'outer: loop {
        for (xs, ys) in data.batches(c.est_big, Some(seed.wrapping_add(epoch)), true)? {
            let small = c.est_small as i64;
            sgd.zero_grad();
            Loss::CrossEntropy
                .compute(
                    &model.forward_t(&xs.narrow(0, 0, small), true),
                    &ys.narrow(0, 0, small),
                )
                .backward();
            let g_small_sq = grad_sq_norm(&params)?;
            sgd.zero_grad();
            Loss::CrossEntropy
                .compute(&model.forward_t(&xs, true), &ys)
                .backward();
            let g_big_sq = grad_sq_norm(&params)?;
            ema.update(g_small_sq, g_big_sq)?;
            sgd.step(lr)?;
            step += 1;
            if next < marks.len() && marks[next] == step {
                next += 1;
                let p = probe_loss(&model, probe)?;
                let e = ema.estimate().expect("updated");
                let b = ema.b_noise().unwrap_or(f64::NAN);
                trace.push((step, p, e.g2, e.trace, b));
                if at_target.is_none() && p <= c.target_loss {
                    at_target = Some((b, step));
                }
            }
            if step >= steps {
                break 'outer;
            }
        }
        epoch += 1;
    }
    let (b, s) = at_target.unwrap_or_else(|| {
        let last = trace
            .last()
            .copied()
            .unwrap_or((0, 0.0, 0.0, 0.0, f64::NAN));
        (last.4, last.0)
    });
    Ok(NoiseScaleRun {
        batch: c.est_big,
        lr,
        trace,
        at_target: b,
        target_step: s,
    })
}
// ANCHOR_END: noise_scale_during_training

/// The noise-scale estimate along training, at a few checkpoints.
pub fn noise_scale_table(r: &NoiseScaleRun, c: &Ch5Config) -> Table {
    let mut t = Table::new(
        "noise_scale_training",
        &format!(
            "B_noise during training at B = {}, η = {} (two-batch estimator, B_small = {}, \
             EMA β = {}); the row marked * is the first checkpoint at probe loss ≤ {}",
            r.batch,
            fmt_sig(r.lr, 3),
            c.est_small,
            fmt_sig(c.ema_beta, 2),
            fmt_sig(c.target_loss, 3)
        ),
        &["step", "probe loss", "‖G‖² (EMA)", "tr(Σ) (EMA)", "B_noise"],
    );
    let n = r.trace.len();
    let mut picks: Vec<usize> = [0, n / 4, n / 2, 3 * n / 4, n.saturating_sub(1)]
        .into_iter()
        .chain(r.trace.iter().position(|p| p.0 == r.target_step))
        .filter(|&i| i < n)
        .collect();
    picks.sort_unstable();
    picks.dedup();
    for i in picks {
        let (s, p, g2, tr, b) = r.trace[i];
        let mark = if s == r.target_step { " *" } else { "" };
        t.push(vec![
            Cell::Text(format!("{s}{mark}")),
            Cell::num(p, 3),
            Cell::num(g2, 3),
            Cell::num(tr, 3),
            Cell::num(b, 3),
        ]);
    }
    t
}

/// The sweep and its fits.
#[derive(Clone, Debug)]
pub struct Sweep {
    /// Every run, batch-major.
    pub runs: Vec<SweepRun>,
    /// Per batch: `(B, best LR, steps to target)`, for the batches where some LR reached it.
    pub best: Vec<(usize, f64, usize)>,
    /// ε_max fitted in log space to the measured best LRs, given B_noise.
    pub eps_max: f64,
    /// The B_noise the prediction uses.
    pub b_noise: f64,
    /// The steps/examples trade-off fitted to the best steps.
    pub tradeoff: TradeOff,
}

impl Sweep {
    /// The predicted best LR at `b`.
    pub fn predicted_lr(&self, b: f64) -> f64 {
        optimal_lr(self.eps_max, self.b_noise, b).unwrap_or(f64::NAN)
    }
}

// ANCHOR: fit_eps_max
/// The one free constant of the prediction: `ln ε_max` is the mean over batches of
/// `ln(best η) + ln(1 + B_noise/B)`, so the shape comes from `B_noise` alone.
pub fn fit_eps_max(best: &[(usize, f64, usize)], b_noise: f64) -> f64 {
    let logs: Vec<f64> = best
        .iter()
        .map(|&(b, lr, _)| lr.ln() + (1.0 + b_noise / b as f64).ln())
        .collect();
    (logs.iter().sum::<f64>() / logs.len().max(1) as f64).exp()
}
// ANCHOR_END: fit_eps_max

/// Grid points per decade of an evenly log-spaced grid.
fn grid_per_decade(lrs: &[f64]) -> String {
    match lrs {
        [a, b, ..] => fmt_sig(1.0 / (b / a).log10(), 2),
        _ => "—".into(),
    }
}

/// The measured against the predicted best LR per batch.
pub fn best_lr_table(s: &Sweep, c: &Ch5Config) -> Table {
    let mut t = Table::new(
        "best_lr",
        &format!(
            "Best learning rate per batch (fewest steps to probe loss ≤ {}; grid {} per decade) \
             against ε_opt(B) = ε_max/(1 + B_noise/B) with B_noise = {} and fitted ε_max = {}",
            fmt_sig(c.target_loss, 3),
            grid_per_decade(&c.lrs),
            fmt_sig(s.b_noise, 3),
            fmt_sig(s.eps_max, 3)
        ),
        &[
            "B",
            "best η (measured)",
            "ε_opt(B) (predicted)",
            "measured / predicted",
            "steps to target",
            "examples to target",
            "best η / B",
        ],
    );
    for &b in &c.sweep_batches {
        match s.best.iter().find(|x| x.0 == b) {
            Some(&(_, lr, steps)) => {
                let p = s.predicted_lr(b as f64);
                t.push(vec![
                    Cell::from(b),
                    Cell::num(lr, 3),
                    Cell::num(p, 3),
                    Cell::num(lr / p, 3),
                    Cell::from(steps),
                    Cell::from(steps * b),
                    Cell::num(lr / b as f64, 3),
                ]);
            }
            None => t.push(vec![
                Cell::from(b),
                Cell::from("target not reached"),
                Cell::num(s.predicted_lr(b as f64), 3),
                Cell::from("—"),
                Cell::from("—"),
                Cell::from("—"),
                Cell::from("—"),
            ]),
        }
    }
    t
}

/// Every run of the sweep: steps to the target (or why not) per `(B, η)`.
pub fn sweep_table(s: &Sweep, c: &Ch5Config) -> Table {
    let mut cols = vec!["B".to_string()];
    cols.extend(c.lrs.iter().map(|lr| format!("η = {}", fmt_sig(*lr, 3))));
    let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
    let mut t = Table::new(
        "sweep",
        &format!(
            "Steps to probe loss ≤ {} for every (B, η) run (— not run: pruned; \
             \"> n\" stopped at its cap; \"div\" diverged)",
            fmt_sig(c.target_loss, 3)
        ),
        &cols,
    );
    for &b in &c.sweep_batches {
        let mut row = vec![Cell::from(b)];
        for &lr in &c.lrs {
            let cell = match s.runs.iter().find(|r| r.batch == b && r.lr == lr) {
                None => Cell::from("—"),
                Some(r) => match r.outcome {
                    SweepOutcome::Reached(k) => Cell::Text(k.to_string()),
                    SweepOutcome::NotReached(k) => Cell::Text(format!("> {k}")),
                    SweepOutcome::Diverged(_) => Cell::from("div"),
                },
            };
            row.push(cell);
        }
        t.push(row);
    }
    t
}

/// The trade-off table: measured steps and examples at each batch's best LR against the fit.
pub fn tradeoff_table(s: &Sweep) -> Table {
    let f = &s.tradeoff;
    let mut t = Table::new(
        "tradeoff",
        &format!(
            "Steps S and examples E to the target at each batch's best η, against the fit \
             S = S_min + E_min/B: S_min = {}, E_min = {}, B_crit = E_min/S_min = {}",
            fmt_sig(f.s_min, 3),
            fmt_sig(f.e_min, 3),
            fmt_sig(f.b_crit(), 3)
        ),
        &[
            "B",
            "S measured",
            "S fit",
            "E measured",
            "E fit",
            "(S/S_min − 1)(E/E_min − 1), measured",
        ],
    );
    for &(b, _, steps) in &s.best {
        let bf = b as f64;
        let (sm, em) = (steps as f64, (steps * b) as f64);
        t.push(vec![
            Cell::from(b),
            Cell::from(steps),
            Cell::num(f.steps(bf), 3),
            Cell::from(steps * b),
            Cell::num(f.examples(bf), 3),
            Cell::num((sm / f.s_min - 1.0) * (em / f.e_min - 1.0), 3),
        ]);
    }
    t
}

// ---------------------------------------------------------------------------------------
// 4. The scaling rules head to head

/// A contender of the rules comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleRun {
    /// A plain scaling rule, constant LR.
    Plain(ScalingRule),
    /// The linear rule with gradual warmup from η₀ over the first epochs (Goyal et al.).
    LinearWarmup,
}

impl RuleRun {
    /// The four contenders, in table order.
    pub const ALL: [RuleRun; 4] = [
        RuleRun::Plain(ScalingRule::Linear),
        RuleRun::LinearWarmup,
        RuleRun::Plain(ScalingRule::Sqrt),
        RuleRun::Plain(ScalingRule::None),
    ];

    /// The name in tables.
    pub fn name(self) -> &'static str {
        match self {
            RuleRun::Plain(r) => r.name(),
            RuleRun::LinearWarmup => "linear + warmup",
        }
    }
}

/// One run of the rules comparison.
#[derive(Clone, Debug)]
pub struct RulesRun {
    /// Batch size.
    pub batch: usize,
    /// The rule (the base run is `Plain(None)` at B₀).
    pub rule: RuleRun,
    /// The LR the rule gives (after warmup).
    pub lr: f64,
    /// Steps taken.
    pub steps: usize,
    /// What the loop recorded (held-out evaluations about 4 per epoch).
    pub history: History,
}

impl RulesRun {
    /// Final held-out loss, ∞ if diverged.
    pub fn final_loss(&self) -> f64 {
        if self.history.diverged() {
            return f64::INFINITY;
        }
        self.history.evals.last().map_or(f64::INFINITY, |e| e.loss)
    }
}

// ANCHOR: rules_run
/// Trains `rule` at `batch` for `c.epochs` epochs from the base `(c.base_batch, base_lr)`.
pub fn rules_run(
    data: &fashion_mnist::FashionMnist,
    c: &Ch5Config,
    rule: RuleRun,
    batch: usize,
    base_lr: f64,
    seed: u64,
) -> Result<RulesRun> {
    let (vs, model) = new_model(seed, c.hidden, data.train.inputs.device())?;
    let mut sgd = plain_sgd(&vs)?;
    let steps_per_epoch = c.train_examples.div_ceil(batch);
    let lr = match rule {
        RuleRun::Plain(r) => scaled_lr(r, base_lr, c.base_batch, batch)?,
        RuleRun::LinearWarmup => scaled_lr(ScalingRule::Linear, base_lr, c.base_batch, batch)?,
    };
    // Goyal et al.'s gradual warmup: from η₀ up to the scaled η, linearly, then constant.
    let warmup = Warmup::linear(lr, (c.warmup_epochs * steps_per_epoch).max(1))?
        .with_start_factor((base_lr / lr).min(1.0))?;
    let tc = TrainConfig {
        epochs: c.epochs,
        batch_size: batch,
        shuffle_seed: Some(seed),
        blowup: Some(5.0),
        eval_every: Some((steps_per_epoch / 4).max(1)),
        progress: false,
        ..TrainConfig::default()
    };
    let history = match rule {
        RuleRun::LinearWarmup => train::train(
            &model,
            Loss::CrossEntropy,
            &mut sgd,
            &mut FollowSchedule(&warmup),
            &data.train,
            Some(&data.test),
            &tc,
        )?,
        RuleRun::Plain(_) => train::train(
            &model,
            Loss::CrossEntropy,
            &mut sgd,
            &mut |_| lr,
            &data.train,
            Some(&data.test),
            &tc,
        )?,
    };
    Ok(RulesRun {
        batch,
        rule,
        lr,
        steps: history.steps.len(),
        history,
    })
}
// ANCHOR_END: rules_run

/// The rules comparison: the base run and every rule at every batch.
#[derive(Clone, Debug)]
pub struct Rules {
    /// η₀.
    pub base_lr: f64,
    /// The base run at B₀.
    pub base: RulesRun,
    /// Every scaled run.
    pub runs: Vec<RulesRun>,
    /// The tolerance.
    pub tolerance: f64,
}

impl Rules {
    /// Whether a run matches the base within the tolerance.
    pub fn matches(&self, r: &RulesRun) -> bool {
        r.final_loss() <= (1.0 + self.tolerance) * self.base.final_loss()
    }

    // ANCHOR: largest_matching
    /// The largest batch up to which every batch matches the base, for `rule` (B₀ itself
    /// when already the first scaled batch fails).
    pub fn largest_matching(&self, rule: RuleRun) -> usize {
        let mut largest = self.base.batch;
        for r in self.runs.iter().filter(|r| r.rule == rule) {
            if !self.matches(r) {
                break;
            }
            largest = r.batch;
        }
        largest
    }
    // ANCHOR_END: largest_matching
}

/// The rules table: one row per (B, rule).
pub fn rules_table(r: &Rules, c: &Ch5Config) -> Table {
    let mut t = Table::new(
        "rules",
        &format!(
            "Scaling rules from B₀ = {}, η₀ = {}, plain SGD, {} epochs \
             of {} images each; loss on {} held-out images; match = loss ≤ {}× base",
            c.base_batch,
            fmt_sig(r.base_lr, 3),
            c.epochs,
            c.train_examples,
            c.test_examples,
            fmt_sig(1.0 + c.tolerance, 3)
        ),
        &[
            "B",
            "rule",
            "η",
            "steps",
            "final held-out loss",
            "loss / base",
            "matches base?",
        ],
    );
    let row = |run: &RulesRun, name: &str| -> Vec<Cell> {
        let l = run.final_loss();
        let (loss, ratio, ok) = if run.history.diverged() {
            (Cell::from("diverged"), Cell::from("—"), "no")
        } else {
            (
                Cell::num(l, 3),
                Cell::num(l / r.base.final_loss(), 3),
                if r.matches(run) { "yes" } else { "no" },
            )
        };
        vec![
            Cell::from(run.batch),
            Cell::from(name),
            Cell::num(run.lr, 3),
            Cell::from(run.steps),
            loss,
            ratio,
            Cell::from(ok),
        ]
    };
    t.push(row(&r.base, "base"));
    for run in &r.runs {
        t.push(row(run, run.rule.name()));
    }
    t
}

/// The headline: the largest batch at which each rule still matches.
pub fn rules_summary_table(r: &Rules, c: &Ch5Config) -> Table {
    let mut t = Table::new(
        "rules_summary",
        &format!(
            "Largest batch up to which every batch matches the base run's held-out loss within \
             {}% (from B₀ = {}; tried up to B = {})",
            fmt_sig(100.0 * c.tolerance, 2),
            c.base_batch,
            c.rule_batches.iter().max().copied().unwrap_or(c.base_batch)
        ),
        &["rule", "largest matching B", "× B₀"],
    );
    for rule in RuleRun::ALL {
        let b = r.largest_matching(rule);
        t.push(vec![
            Cell::from(rule.name()),
            Cell::from(b),
            Cell::from(b / c.base_batch),
        ]);
    }
    t
}

// ---------------------------------------------------------------------------------------
// 5. Data parallelism

// ANCHOR: data_parallel_check
/// K workers of `b` examples against one batch of K·b, on an f64 copy of the chapter's MLP:
/// `(K, relative difference |g_K − g|/|g|)` per worker count.
pub fn data_parallel_check(
    data: &Dataset,
    hidden: i64,
    b: usize,
    workers: &[usize],
    seed: u64,
) -> Result<Vec<(usize, f64)>> {
    let (mut vs, model) = new_model(seed, hidden, Device::Cpu)?;
    vs.double();
    let params = vs.trainable_variables();
    let mut out = Vec::new();
    for &k in workers {
        let n = (k * b) as i64;
        let xs = data
            .inputs
            .narrow(0, 0, n)
            .to_device(Device::Cpu)
            .to_kind(Kind::Double);
        let ys = data.targets.narrow(0, 0, n).to_device(Device::Cpu);
        let whole = flat_gradient(&model, Loss::CrossEntropy, &params, &xs, &ys)?;
        let dp = data_parallel_gradient(&model, Loss::CrossEntropy, &params, &xs, &ys, k)?;
        let rel = f64::try_from((&dp - &whole).norm())? / f64::try_from(whole.norm())?;
        out.push((k, rel));
    }
    Ok(out)
}
// ANCHOR_END: data_parallel_check

/// The equivalence table and, from the fitted trade-off, what K workers buy.
pub fn data_parallel_table(check: &[(usize, f64)], c: &Ch5Config, f: &TradeOff) -> Table {
    let b = c.worker_batch as f64;
    let mut t = Table::new(
        "data_parallel",
        &format!(
            "K workers of b = {} examples: averaged gradient against one batch of K·b (f64), \
             and the speed-up in steps the fitted trade-off predicts (B_crit = {})",
            c.worker_batch,
            fmt_sig(f.b_crit(), 3)
        ),
        &[
            "K",
            "global batch K·b",
            "relative difference",
            "predicted steps S(K·b)",
            "speed-up S(b)/S(K·b)",
            "efficiency (speed-up / K)",
        ],
    );
    for &(k, rel) in check {
        let speed = f.steps(b) / f.steps(b * k as f64);
        t.push(vec![
            Cell::from(k),
            Cell::from(k * c.worker_batch),
            Cell::Text(if rel <= 1e-12 {
                "≤ 1e-12".into()
            } else {
                fmt_sig(rel, 2)
            }),
            Cell::num(f.steps(b * k as f64), 3),
            Cell::num(speed, 3),
            Cell::num(speed / k as f64, 2),
        ]);
    }
    t
}

// ---------------------------------------------------------------------------------------

/// Everything chapter 5 computes.
#[derive(Debug)]
pub struct Chapter5 {
    /// The tables.
    pub report: Report,
    /// The sizes.
    pub config: Ch5Config,
    /// Part 1.
    pub noise: FixedStateNoise,
    /// Part 2.
    pub noise_run: NoiseScaleRun,
    /// Part 3.
    pub sweep: Sweep,
    /// Part 4.
    pub rules: Rules,
    /// Part 5: `(K, relative difference)`.
    pub data_parallel: Vec<(usize, f64)>,
    /// Slope of log variance against log B in part 1.
    pub noise_slope: f64,
}

/// Runs the chapter with the sizes of `cfg.quick`.
pub fn run(cfg: &Config) -> Result<Chapter5> {
    run_with(cfg, &Ch5Config::for_config(cfg.quick))
}

/// Runs the chapter with explicit sizes.
pub fn run_with(cfg: &Config, c: &Ch5Config) -> Result<Chapter5> {
    c.validate()?;
    let data = chapter_data(cfg, c)?;
    let seed = cfg.seed;
    let mut report = Report::new("Chapter 5: batch size and the learning rate");

    // 1. Noise at a fixed state.
    let (vs, model) = new_model(seed, c.hidden, cfg.device)?;
    let mut sgd = plain_sgd(&vs)?;
    let warm = TrainConfig {
        epochs: c.warm_steps.max(1), // at least one step per epoch; max_steps stops it
        batch_size: c.warm_batch,
        shuffle_seed: Some(seed),
        max_steps: Some(c.warm_steps),
        progress: false,
        ..TrainConfig::default()
    };
    let lr = c.warm_lr;
    train::train(
        &model,
        Loss::CrossEntropy,
        &mut sgd,
        &mut |_| lr,
        &data.train,
        None,
        &warm,
    )?;
    let pool = data.train.subset(c.pool)?;
    let noise = noise_at_fixed_state(
        &model,
        &vs.trainable_variables(),
        &pool,
        &c.noise_batches,
        c.draws,
        seed,
    )?;
    let noise_slope = log_log_slope(
        &noise
            .points
            .iter()
            .map(|p| (p.batch as f64, p.variance))
            .collect::<Vec<_>>(),
    )?;
    report.tables.push(noise_law_table(&noise, c.pool, c.draws));
    report.tables.push(fixed_state_scale_table(&noise)?);

    // 3. The sweep (run before part 2, whose LR is the sweep's best at est_big).
    let probe = data.train.subset(c.probe)?;
    let mut runs = Vec::new();
    for &b in &c.sweep_batches {
        runs.extend(sweep_batch(&data.train, &probe, c, b, seed)?);
    }
    let best: Vec<(usize, f64, usize)> = c
        .sweep_batches
        .iter()
        .filter_map(|&b| {
            let of_b: Vec<SweepRun> = runs.iter().filter(|r| r.batch == b).cloned().collect();
            best_of(&of_b).map(|(lr, s)| (b, lr, s))
        })
        .collect();
    if best.len() < 2 {
        return Err(Error::invalid(
            "sweep",
            format!("only {} batch sizes reached the target", best.len()),
            "Raise the target loss or the step cap.",
        ));
    }

    // 2. B_noise during training, at the best LR for est_big (nearest swept batch).
    let est_lr = best
        .iter()
        .min_by_key(|x| (x.0 as i64 - c.est_big as i64).abs())
        .map(|x| x.1)
        .unwrap_or(c.warm_lr);
    let est_steps = best
        .iter()
        .map(|x| x.2)
        .max()
        .unwrap_or(c.max_steps)
        .min(c.max_steps);
    let noise_run = noise_scale_during_training(&data.train, &probe, c, est_lr, est_steps, seed)?;
    report.tables.push(noise_scale_table(&noise_run, c));

    let b_noise = noise_run.at_target;
    let tradeoff = TradeOff::fit(
        &best
            .iter()
            .map(|&(b, _, s)| (b as f64, s as f64))
            .collect::<Vec<_>>(),
    )?;
    let sweep = Sweep {
        runs,
        eps_max: fit_eps_max(&best, b_noise),
        best,
        b_noise,
        tradeoff,
    };
    report.tables.push(best_lr_table(&sweep, c));
    report.tables.push(sweep_table(&sweep, c));
    report.tables.push(tradeoff_table(&sweep));

    // 4. The rules.
    let base_lr = c.base_lr;
    let base = rules_run(
        &data,
        c,
        RuleRun::Plain(ScalingRule::None),
        c.base_batch,
        base_lr,
        seed,
    )?;
    let mut rule_runs = Vec::new();
    for rule in RuleRun::ALL {
        for &b in &c.rule_batches {
            rule_runs.push(rules_run(&data, c, rule, b, base_lr, seed)?);
        }
    }
    let rules = Rules {
        base_lr,
        base,
        runs: rule_runs,
        tolerance: c.tolerance,
    };
    report.tables.push(rules_table(&rules, c));
    report.tables.push(rules_summary_table(&rules, c));

    // 5. Data parallel.
    let data_parallel =
        data_parallel_check(&data.train, c.hidden, c.worker_batch, &c.workers, seed)?;
    report
        .tables
        .push(data_parallel_table(&data_parallel, c, &sweep.tradeoff));

    Ok(Chapter5 {
        report,
        config: c.clone(),
        noise,
        noise_run,
        sweep,
        rules,
        data_parallel,
        noise_slope,
    })
}

/// Draws the chapter's figures into `dir`.
pub fn draw_figures(ch: &Chapter5, dir: &Path) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    let c = &ch.config;
    let n = &ch.noise;
    let measured: Vec<(f64, f64)> = n
        .points
        .iter()
        .map(|p| (p.batch as f64, p.variance))
        .collect();
    let bmax = c.noise_batches.iter().max().copied().unwrap_or(1) as f64;
    let law: Vec<(f64, f64)> = (0..=40)
        .map(|i| {
            let b = bmax.powf(i as f64 / 40.0);
            (b, n.trace / b)
        })
        .collect();
    let chart = LineChart::new(
        "Variance of the minibatch gradient at a fixed state",
        "batch size B (log scale)",
        "E‖g_B − G‖² (log scale)",
    )
    .x_log()
    .y_log()
    .size(900, 450)
    .series(Series::points("measured", measured).with_color(0))
    .series(Series::dashed("tr(Σ)/B from per-example gradients", law).with_color(1));
    let (a, b) = plot::save_figure(&chart, dir, "noise_law")?;
    written.extend([a, b]);

    let s = &ch.sweep;
    let bs: Vec<f64> = c.sweep_batches.iter().map(|&b| b as f64).collect();
    let (lo, hi) = (bs[0], *bs.last().unwrap_or(&bs[0]));
    let grid: Vec<f64> = (0..=60)
        .map(|i| lo * (hi / lo).powf(i as f64 / 60.0))
        .collect();
    let base_lr = ch.rules.base_lr;
    let b0 = c.base_batch as f64;
    let mut lr_chart = LineChart::new(
        "Best learning rate per batch size",
        "batch size B (log scale)",
        "η (log scale)",
    )
    .x_log()
    .y_log()
    .size(900, 480)
    .series(
        Series::points(
            "measured best η (grid)",
            s.best
                .iter()
                .map(|&(b, lr, _)| (b as f64, lr))
                .collect::<Vec<_>>(),
        )
        .with_color(0),
    )
    .series(
        Series::line(
            "predicted ε_max/(1 + B_noise/B)",
            grid.iter()
                .map(|&b| (b, s.predicted_lr(b)))
                .collect::<Vec<_>>(),
        )
        .with_color(1),
    );
    for (i, rule) in [ScalingRule::Linear, ScalingRule::Sqrt].iter().enumerate() {
        let pts: Vec<(f64, f64)> = grid
            .iter()
            .map(|&b| (b, base_lr * (b / b0).powf(if i == 0 { 1.0 } else { 0.5 })))
            .filter(|p| p.1 <= 10.0 * c.lrs.last().copied().unwrap_or(1.0))
            .collect();
        lr_chart = lr_chart.series(
            Series::dashed(
                format!("{} rule from B₀ = {}", rule.name(), c.base_batch),
                pts,
            )
            .with_color(2 + i),
        );
    }
    let (a, b) = plot::save_figure(&lr_chart, dir, "best_lr")?;
    written.extend([a, b]);

    let f = &s.tradeoff;
    let curve: Vec<(f64, f64)> = grid.iter().map(|&b| (f.examples(b), f.steps(b))).collect();
    let to = LineChart::new(
        "Steps against examples to the target",
        "examples E (log scale)",
        "steps S (log scale)",
    )
    .x_log()
    .y_log()
    .size(900, 450)
    .series(
        Series::points(
            "measured, best η per B",
            s.best
                .iter()
                .map(|&(b, _, st)| ((st * b) as f64, st as f64))
                .collect::<Vec<_>>(),
        )
        .with_color(0),
    )
    .series(Series::line("fit (S/S_min − 1)(E/E_min − 1) = 1", curve).with_color(1));
    let (a, b) = plot::save_figure(&to, dir, "tradeoff")?;
    written.extend([a, b]);

    let nr = &ch.noise_run;
    let ns = LineChart::new(
        &format!("B_noise estimated during training at B = {}", nr.batch),
        "step",
        "B_noise (log scale)",
    )
    .y_log()
    .size(900, 400)
    .series(
        Series::line_with_points(
            "EMA of the two-batch estimates",
            nr.trace
                .iter()
                .map(|p| (p.0 as f64, p.4))
                .collect::<Vec<_>>(),
        )
        .with_color(0),
    );
    let (a, b) = plot::save_figure(&ns, dir, "noise_scale_training")?;
    written.extend([a, b]);

    // Loss against epochs and against steps, at the largest batch where warmup mattered most.
    let r = &ch.rules;
    let show = c
        .rule_batches
        .iter()
        .copied()
        .filter(|&b| {
            let lin = r
                .runs
                .iter()
                .find(|x| x.batch == b && x.rule == RuleRun::Plain(ScalingRule::Linear));
            lin.is_some_and(|x| x.history.diverged())
        })
        .min()
        .unwrap_or(*c.rule_batches.last().unwrap_or(&c.base_batch));
    let spe = |b: usize| c.train_examples.div_ceil(b) as f64;
    let mut by_epoch = LineChart::new(
        &format!("Held-out loss at B = {show} against epochs"),
        "epoch",
        "held-out cross-entropy (log scale)",
    )
    .y_log()
    .size(900, 400);
    let mut by_step = LineChart::new(
        &format!(
            "The same runs against optimizer steps (base B₀ = {})",
            c.base_batch
        ),
        "step (log scale)",
        "held-out cross-entropy (log scale)",
    )
    .x_log()
    .y_log()
    .size(900, 400);
    let mut runs: Vec<(&RulesRun, String)> = vec![(&r.base, format!("base B₀ = {}", c.base_batch))];
    for run in r.runs.iter().filter(|x| x.batch == show) {
        let label = if run.history.diverged() {
            format!("{} (diverged)", run.rule.name())
        } else {
            run.rule.name().to_string()
        };
        runs.push((run, label));
    }
    for (i, (run, label)) in runs.iter().enumerate() {
        let e: Vec<(f64, f64)> = run
            .history
            .evals
            .iter()
            .map(|e| (e.step as f64 / spe(run.batch), e.loss))
            .collect();
        let st: Vec<(f64, f64)> = run
            .history
            .evals
            .iter()
            .filter(|e| e.step > 0)
            .map(|e| (e.step as f64, e.loss))
            .collect();
        by_epoch = by_epoch.series(Series::line_with_points(label.clone(), e).with_color(i));
        by_step = by_step.series(Series::line_with_points(label.clone(), st).with_color(i));
    }
    let path = dir.join("rules.svg");
    plot::save_panels_svg(&[by_epoch.clone(), by_step.clone()], 1, &path)?;
    written.push(path);
    for (chart, stem) in [(&by_epoch, "rules_by_epoch"), (&by_step, "rules_by_step")] {
        let csv = dir.join(format!("{stem}.csv"));
        chart.write_csv(&csv)?;
        written.push(csv);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoints_are_dense_then_ten_percent_apart() {
        let c = checkpoints(100);
        assert_eq!(&c[..10], &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        assert!(c.windows(2).all(|w| w[1] > w[0]));
        assert!(c
            .windows(2)
            .all(|w| w[1] as f64 <= (w[0] as f64 * 1.1).ceil().max(w[0] as f64 + 1.0)));
        assert!(*c.last().unwrap() <= 100);
    }

    #[test]
    fn best_of_prefers_fewest_steps_then_larger_lr() {
        let r = |lr, outcome| SweepRun {
            batch: 8,
            lr,
            outcome,
        };
        let runs = [
            r(0.1, SweepOutcome::Reached(50)),
            r(0.3, SweepOutcome::Reached(20)),
            r(1.0, SweepOutcome::Reached(20)),
            r(3.0, SweepOutcome::Diverged(2)),
        ];
        assert_eq!(best_of(&runs), Some((1.0, 20)));
        assert_eq!(best_of(&runs[3..]), None);
    }

    #[test]
    fn eps_max_fit_inverts_the_prediction() {
        let best: Vec<(usize, f64, usize)> = [16usize, 256, 4096]
            .iter()
            .map(|&b| (b, optimal_lr(2.0, 300.0, b as f64).unwrap(), 1))
            .collect();
        assert!((fit_eps_max(&best, 300.0) - 2.0).abs() < 1e-12);
    }

    #[test]
    fn bad_configs_are_rejected() {
        let mut c = Ch5Config::for_config(true);
        c.base_batch = 48;
        assert!(c.validate().unwrap_err().to_string().contains("B₀"));
        let mut c = Ch5Config::for_config(true);
        c.lrs = vec![1.0, 0.1];
        assert!(c.validate().is_err());
        let mut c = Ch5Config::for_config(true);
        c.est_small = c.est_big;
        assert!(c.validate().is_err());
        let mut c = Ch5Config::for_config(true);
        c.pool = c.train_examples + 1;
        assert!(c.validate().is_err());
    }
}
