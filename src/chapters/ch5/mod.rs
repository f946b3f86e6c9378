//! Chapter 5 — batch size and the learning rate, one file per section of the page:
//!
//! 1. [`noise_law`]: gradient noise at a fixed model state, the variance of the minibatch
//!    gradient against the batch size B, against the exact `tr(Σ)/B`.
//! 2. [`noise_scale`]: McCandlish's two-batch estimator against the exact noise scale, and
//!    `B_noise` estimated during training with moving averages.
//! 3. [`best_lr`]: the sweep, for each B a grid of learning rates and the steps to a target
//!    loss; the best LR per B against `ε_opt(B) = ε_max/(1 + B_noise/B)`, and the
//!    steps/examples trade-off fitted and checked.
//! 4. [`rules`]: the scaling rules head to head from a base `(B₀, η₀)` for a fixed number
//!    of epochs.
//! 5. [`data_parallel`]: K workers' averaged gradients equal one batch of K·b, in f64; what
//!    the measured critical batch means for the number of useful workers.
//!
//! Everything trains plain SGD (no momentum) on one MLP and one in-memory Fashion-MNIST
//! subset, loaded and standardised once. This file holds the sizes and the run order.
use tch::nn;

use std::path::{Path, PathBuf};

use super::chapter::Chapter;
use super::Config;
use crate::batch::two_batch_estimate;
use crate::experiment::MlpSetup;
use crate::grid::log_grid;
use crate::optim::{Sgd, SgdConfig};
use crate::report::Report;
use crate::{validate, Error, Result};

pub mod best_lr;
pub mod control;
pub mod data_parallel;
pub mod exercises;
pub mod figures;
pub mod large_batch;
pub mod noise_law;
pub mod noise_scale;
pub mod rules;
pub mod sharp_flat;

pub use best_lr::{Sweep, SweepOutcome, SweepRun};
pub use figures::draw_figures;
pub use noise_law::FixedStateNoise;
pub use noise_scale::NoiseScaleRun;
pub use rules::{rules_run, RuleRun, Rules, RulesRun};

/// The sizes of every part of the chapter.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Ch5Config {
    /// The data and the network every part uses: the first `net.train_examples` training
    /// images, held in memory, and `net.test_examples` held-out ones for the rules; the
    /// ReLU MLP 784-h-10. It is also part 4's base run: B₀ = `net.batch_size` (see
    /// [`Ch5Config::base_batch`]), and every rule trains `net.epochs` epochs.
    pub net: MlpSetup,
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
    /// Part 4: the base learning rate η₀ at B₀.
    pub base_lr: f64,
    /// Part 4: the batch sizes scaled to.
    pub rule_batches: Vec<usize>,
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
        if quick {
            Ch5Config {
                net: MlpSetup::new(4000, 1000, &[32], 2, 32),
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
                lrs: log_grid(-1.5, 0.5, 0.5).expect("a valid grid"),
                target_loss: 0.8,
                probe: 500,
                max_steps: 300,
                prune_factor: 3.0,
                base_lr: 0.03,
                rule_batches: vec![128, 512],
                warmup_epochs: 1,
                tolerance: 0.1,
                worker_batch: 32,
                workers: vec![1, 2, 4, 8],
            }
        } else {
            Ch5Config {
                net: MlpSetup::new(20_000, 2000, &[64], 4, 32),
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
                lrs: log_grid(-2.0, 0.5, 0.25).expect("a valid grid"),
                target_loss: 0.55,
                probe: 1000,
                max_steps: 2000,
                prune_factor: 3.0,
                base_lr: 0.03,
                rule_batches: vec![64, 128, 256, 512, 1024, 2048, 4096],
                warmup_epochs: 1,
                tolerance: 0.1,
                worker_batch: 32,
                workers: vec![1, 2, 4, 8, 16, 32, 64, 128],
            }
        }
    }

    /// Part 4's base batch B₀: the batch of `net`.
    pub fn base_batch(&self) -> usize {
        self.net.batch_size
    }

    fn validate(&self) -> Result<()> {
        validate::at_least_one("training examples", self.net.train_examples)?;
        validate::at_least_one("test examples", self.net.test_examples)?;
        validate::learning_rate("warm-up learning rate", self.warm_lr)?;
        for (what, n) in [
            ("pool", self.pool),
            ("probe", self.probe),
            ("est_big", self.est_big),
        ] {
            if n > self.net.train_examples {
                return Err(Error::invalid(
                    what,
                    format!(
                        "{n} exceeds the {} training examples",
                        self.net.train_examples
                    ),
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
        if !self.sweep_batches.contains(&self.base_batch()) {
            return Err(Error::invalid(
                "base batch",
                format!(
                    "B₀ = {} is not among the swept batch sizes",
                    self.base_batch()
                ),
                "Sweep the base batch too, to compare η₀ with the best LR there.",
            ));
        }
        validate::learning_rate("base learning rate η₀", self.base_lr)?;
        validate::at_least_one("epochs", self.net.epochs)?;
        validate::positive("tolerance", self.tolerance)?;
        Ok(())
    }
}

/// The optimizer of every run in the chapter: plain SGD, no momentum (what the theory of
/// the noise scale assumes).
fn plain_sgd(vs: &nn::VarStore) -> Result<Sgd> {
    Sgd::new(vs.trainable_variables(), SgdConfig::default())
}

/// Everything chapter 5 computes.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
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
    let data = c.net.load_data(cfg.data_dir.as_deref(), cfg.device)?;
    let seed = cfg.seed;
    let mut report = Report::new("Chapter 5: batch size and the learning rate");

    // 1. Noise at a fixed state.
    let noise = noise_law::measure(&data.train, c, seed)?;
    let noise_slope = noise.slope()?;
    report
        .tables
        .push(noise_law::noise_law_table(&noise, c.pool, c.draws));
    report
        .tables
        .push(noise_scale::fixed_state_scale_table(&noise)?);

    // 3. The sweep (run before part 2, whose LR is the sweep's best at est_big).
    let probe = data.train.subset(c.probe)?;
    let runs = best_lr::sweep_all(&data.train, &probe, c, seed)?;
    let best = best_lr::best_per_batch(&runs, &c.sweep_batches)?;

    // 2. B_noise during training, at the best LR for est_big (nearest swept batch).
    let noise_run = noise_scale::at_sweeps_best(&data.train, &probe, c, &best, seed)?;
    report
        .tables
        .push(noise_scale::noise_scale_table(&noise_run, c));

    let sweep = Sweep::fit(runs, best, noise_run.at_target)?;
    report.tables.push(best_lr::best_lr_table(&sweep, c));
    report.tables.push(best_lr::sweep_table(&sweep, c));
    report.tables.push(best_lr::tradeoff_table(&sweep));

    // 4. The rules.
    let rules = rules::compare(&data, c, seed)?;
    report.tables.push(rules::rules_table(&rules, c));
    report.tables.push(rules::rules_summary_table(&rules, c));

    // 5. Data parallel.
    let data_parallel =
        data_parallel::data_parallel_check(&data.train, &c.net, c.worker_batch, &c.workers, seed)?;
    report.tables.push(data_parallel::data_parallel_table(
        &data_parallel,
        c,
        &sweep.tradeoff,
    ));

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

/// Batch size and the learning rate: the gradient-noise 1/B law, the noise scale B_noise
/// (exact at a fixed state, estimated during training), the predicted and measured best
/// learning rate per batch, the steps/examples trade-off, the scaling rules head to head and
/// the data-parallel check.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct Flags {}

impl Chapter for Flags {
    const NAME: &'static str = "ch5_batch_scaling";
    type Output = Chapter5;

    fn run(&self, cfg: &Config) -> Result<Chapter5> {
        run(cfg)
    }

    fn report(chapter: &Chapter5) -> &Report {
        &chapter.report
    }

    fn write_figures(chapter: &Chapter5, figures: &Path, _: &Path) -> Result<Vec<PathBuf>> {
        draw_figures(chapter, figures)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_configs_are_rejected() {
        let mut c = Ch5Config::for_config(true);
        c.net.batch_size = 48;
        assert!(c.validate().unwrap_err().to_string().contains("B₀"));
        let mut c = Ch5Config::for_config(true);
        c.lrs = vec![1.0, 0.1];
        assert!(c.validate().is_err());
        let mut c = Ch5Config::for_config(true);
        c.est_small = c.est_big;
        assert!(c.validate().is_err());
        let mut c = Ch5Config::for_config(true);
        c.pool = c.net.train_examples + 1;
        assert!(c.validate().is_err());
    }

    #[test]
    fn the_lr_grids_are_the_books_half_and_quarter_decades() {
        let quick = Ch5Config::for_config(true).lrs;
        let half: Vec<f64> = (-3..=1).map(|i| 10f64.powf(0.5 * i as f64)).collect();
        assert_eq!(quick, half);
        let full = Ch5Config::for_config(false).lrs;
        let quarter: Vec<f64> = (-8..=2).map(|i| 10f64.powf(0.25 * i as f64)).collect();
        assert_eq!(full, quarter);
    }
}
