//! Chapter 3 — learning-rate schedules. One file per section of `book/src/ch3-schedules.md`
//! that computes something:
//!
//! - [`warmup`]: the warmup off-by-one, where step 0 of a linear warmup starts;
//! - [`mod@gallery`]: every schedule family on one budget of steps, as a table of values at
//!   landmark steps;
//! - [`comparison`]: seven schedules (constant, step, exponential, cosine, warmup + cosine,
//!   one-cycle, plateau) on one MLP, one budget and one peak LR, with several seeds on
//!   Fashion-MNIST; a difference is called real only when a paired t-test over the shared
//!   seeds puts it beyond the seed noise;
//! - [`guidance`]: which schedule when, its evidence column filled from the comparison.
//!
//! The sub-pages that bridge chapters 1 and 2 to stochastic training are their own examples
//! (section experiments implementing [`super::exercise::Exercise`]), each with its own page:
//!
//! - [`noise_floor`] (`book/src/ch3-noise-floor.md`, example `ch3_noise_floor`): the
//!   stationary loss of constant-step SGD on a noisy quadratic, its η/B law, the time to
//!   reach it and the best constant rate for a budget;
//! - [`annealing`] (same page, example `ch3_annealing`): schedules at equal budget against
//!   the best constant rate, and the Robbins–Monro conditions over growing budgets;
//! - [`floor_real_network`] (`book/src/ch3-floor-real-network.md`, example
//!   `ch3_floor_real_network`): the same floor in the Fashion-MNIST MLP.
//!
//! [`figures`] draws the chapter's figures and [`exercises`] solves its exercises.
use std::path::{Path, PathBuf};

use super::chapter::Chapter;
use super::Config;
use crate::experiment::MlpSetup;
use crate::report::Report;
use crate::{validate, Error, Result};

pub mod annealing;
pub mod comparison;
pub mod exercises;
pub mod figures;
pub mod floor_real_network;
pub mod gallery;
pub mod guidance;
pub mod noise_floor;
pub mod warmup;

pub use comparison::{
    best_vs_rest_table, compare, comparison_run, comparison_table, contender_policy, mean_sd,
    per_seed_table, trailing_mean_hits, Comparison, ComparisonRun, Contender,
};
pub use figures::draw_figures;
pub use gallery::{
    gallery, gallery_table, landmark_steps, GalleryEntry, GALLERY_LR, GALLERY_STEPS,
};
pub use guidance::guidance_table;
pub use warmup::warmup_table;

/// Sizes of the training comparison.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ComparisonConfig {
    /// The Fashion-MNIST subsets, the ReLU MLP, the epochs and the batch size.
    pub setup: MlpSetup,
    /// The peak learning rate every schedule shares.
    pub peak_lr: f64,
    /// SGD momentum (one-cycle cycles its own).
    pub momentum: f64,
    /// One run per seed: initialisation and shuffling.
    pub seeds: Vec<u64>,
    /// "Steps to target": the first step at which the trailing mean training loss is below this.
    pub target_loss: f64,
    /// The schedules to compare.
    pub contenders: Vec<Contender>,
}

impl ComparisonConfig {
    /// The sizes for the quick or the full configuration.
    pub fn for_config(quick: bool) -> Self {
        if quick {
            ComparisonConfig {
                setup: MlpSetup::new(2000, 1000, &[64], 4, 64),
                peak_lr: 0.05,
                momentum: 0.9,
                seeds: vec![0, 1],
                target_loss: 0.6,
                contenders: Contender::ALL.to_vec(),
            }
        } else {
            ComparisonConfig {
                setup: MlpSetup::new(20_000, 10_000, &[128], 10, 100),
                peak_lr: 0.05,
                momentum: 0.9,
                seeds: vec![0, 1, 2, 3, 4],
                target_loss: 0.4,
                contenders: Contender::ALL.to_vec(),
            }
        }
    }

    /// Optimizer steps per epoch.
    pub fn steps_per_epoch(&self) -> usize {
        let s = &self.setup;
        s.train_examples
            .div_ceil(s.batch_size.min(s.train_examples))
    }

    /// Optimizer steps in the whole budget (saturating; `validate` bounds it).
    pub fn total_steps(&self) -> usize {
        self.steps_per_epoch().saturating_mul(self.setup.epochs)
    }

    /// Checks every size and rate before anything is loaded or trained.
    pub fn validate(&self) -> Result<()> {
        let s = &self.setup;
        validate::at_least_one("training examples", s.train_examples)?;
        validate::at_least_one("test examples", s.test_examples)?;
        validate::count_in("--epochs", s.epochs, validate::MAX_EPOCHS)?;
        validate::at_least_one("batch size", s.batch_size)?;
        validate::product(
            "training budget (steps per epoch x --epochs)",
            self.steps_per_epoch(),
            s.epochs,
            validate::MAX_STEPS,
        )?;
        validate::learning_rate("--peak-lr", self.peak_lr)?;
        // The seed noise is a spread over seeds: two distinct seeds at least.
        validate::distinct_seeds("--seeds", &self.seeds, 2)?;
        validate::at_least_one("number of schedules", self.contenders.len())?;
        if !(0.0..1.0).contains(&self.momentum) {
            return Err(Error::invalid(
                "momentum",
                format!("got {}, but it must lie in [0, 1)", self.momentum),
                "Pass a momentum such as 0.9.",
            ));
        }
        if self.total_steps() < 10 {
            return Err(Error::invalid(
                "training budget",
                format!(
                    "got {} steps, but the schedules need at least 10",
                    self.total_steps()
                ),
                "Pass a larger --epochs.",
            ));
        }
        Ok(())
    }
}

/// Every schedule family on one budget, then seven schedules trained on the same MLP with
/// the same budget and several seeds. Each size flag left out keeps the quick or full
/// configuration's value.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct Flags {
    /// Peak learning rate shared by every schedule (default 0.05).
    #[arg(long, value_name = "ETA")]
    pub peak_lr: Option<f64>,
    /// Epochs of the comparison (default 4 with --quick, else 10).
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Seeds, comma-separated, at least two and distinct; each is added to --seed (default
    /// 0,1 with --quick, else 0,1,2,3,4).
    #[arg(long, value_delimiter = ',', value_name = "SEED,...", value_parser = crate::cli::parse_seed)]
    pub seeds: Option<Vec<u64>>,
}

impl Flags {
    /// `cc` with each given flag in place of its value.
    pub fn apply(&self, mut cc: ComparisonConfig) -> Result<ComparisonConfig> {
        if let Some(lr) = self.peak_lr {
            cc.peak_lr = validate::learning_rate("--peak-lr", lr)?;
        }
        if let Some(epochs) = self.epochs {
            cc.setup.epochs = validate::count_in("--epochs", epochs, validate::MAX_EPOCHS)?;
        }
        if let Some(seeds) = &self.seeds {
            cc.seeds = seeds.clone();
        }
        // Every flag is checked here, before the chapter does any work.
        cc.validate()?;
        Ok(cc)
    }
}

/// Everything chapter 3 computes.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Chapter3 {
    /// The tables the book shows and the tests pin.
    pub report: Report,
    /// The training comparison behind the tables and figures.
    pub comparison: Comparison,
}

/// Runs the chapter with the sizes of `cfg.quick`.
pub fn run(cfg: &Config) -> Result<Chapter3> {
    run_with(cfg, &ComparisonConfig::for_config(cfg.quick))
}

/// Runs the chapter with explicit comparison sizes.
pub fn run_with(cfg: &Config, cc: &ComparisonConfig) -> Result<Chapter3> {
    let mut report = Report::new("Chapter 3: learning-rate schedules");
    let entries = gallery(GALLERY_LR, GALLERY_STEPS)?;
    report.tables.push(gallery_table(&entries, GALLERY_STEPS));
    report.tables.push(warmup_table(GALLERY_LR, 4)?);
    let comparison = compare(cfg, cc)?;
    report
        .tables
        .push(comparison_table(&comparison, "comparison")?);
    report
        .tables
        .push(best_vs_rest_table(&comparison, "best_vs_rest")?);
    report.tables.push(per_seed_table(&comparison, "per_seed"));
    report.tables.push(guidance_table(&comparison)?);
    Ok(Chapter3 { report, comparison })
}

impl Chapter for Flags {
    const NAME: &'static str = "ch3_schedules";
    type Output = Chapter3;

    fn run(&self, cfg: &Config) -> Result<Chapter3> {
        run_with(cfg, &self.apply(ComparisonConfig::for_config(cfg.quick))?)
    }

    fn report(chapter: &Chapter3) -> &Report {
        &chapter.report
    }

    fn write_figures(chapter: &Chapter3, figures: &Path, _: &Path) -> Result<Vec<PathBuf>> {
        draw_figures(chapter, figures)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_comparison_configs_are_rejected() {
        let mut cc = ComparisonConfig::for_config(true);
        cc.peak_lr = f64::NAN;
        assert!(cc.validate().is_err());
        let mut cc = ComparisonConfig::for_config(true);
        cc.seeds.clear();
        assert!(cc.validate().unwrap_err().to_string().contains("seeds"));
        for seeds in [vec![0], vec![0, 0], vec![1, 2, 1]] {
            cc.seeds = seeds;
            assert!(cc.validate().unwrap_err().to_string().contains("--seeds"));
        }
        let mut cc = ComparisonConfig::for_config(true);
        cc.momentum = 1.0;
        assert!(cc.validate().is_err());
    }
}
