//! Chapter 6 — the LR finder, and how good its suggestions really are.
//!
//! One file per section of `book/src/ch6-lr-finder.md`:
//! [`procedure`] (the range test on a model), [`reading_curve`] (the three setups and their
//! curves), [`four_rules`] (the suggestions), [`grid_search`] (the suggestions against a
//! grid at the same budget), [`trained_model`] (the finder on a trained model) and
//! [`one_cycle`] (one-cycle's peak from the finder); [`figures`] draws them,
//! [`exercises`] solves the exercises and [`control`] runs the control experiment behind the
//! one-cycle comparison. This file holds the sizes and the run order.
use std::path::{Path, PathBuf};

use super::chapter::Chapter;
use super::Config;
use crate::data::fashion_mnist::{self, FashionMnist};
use crate::finder::RangeTest;
use crate::report::Report;
use crate::{grid, validate, Error, Result};

pub mod control;
pub mod exercises;
pub mod figures;
pub mod four_rules;
pub mod grid_search;
pub mod one_cycle;
pub mod procedure;
pub mod reading_curve;
pub mod trained_model;

pub use figures::draw_figures;
pub use four_rules::suggestions_table;
pub use grid_search::{
    final_loss, final_losses, grid_table, mean_final_loss, ratio_table, rule_summary,
    suggestion_spread_table, trusted_rule, Plan, SetupResult,
};
pub use one_cycle::{one_cycle_table, ONE_CYCLE_RULE};
pub use procedure::{endless_batches, run_finder};
pub use reading_curve::{build_model, Arch, Net, Opt, Setup};
pub use trained_model::{trained_table, TrainedModel};

/// Sizes of the chapter's experiments.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct FinderConfig {
    /// Training examples (the first n of Fashion-MNIST's training set).
    pub train_examples: usize,
    /// Held-out examples (the first n of the test set): the loss every run is judged by.
    pub test_examples: usize,
    /// Examples per step, for the range test and for training.
    pub batch_size: usize,
    /// Hidden width of the MLP.
    pub hidden: i64,
    /// Channels of the CNN's two convolutions.
    pub cnn_channels: (i64, i64),
    /// The range test's first LR.
    pub start_lr: f64,
    /// The range test's last LR.
    pub end_lr: f64,
    /// Steps of the range test.
    pub iterations: usize,
    /// Steps of every training run (grid, suggestions, one-cycle).
    pub budget: usize,
    /// The grid of constant learning rates.
    pub grid: Vec<f64>,
    /// Seeds of the training runs (initialisation and shuffling); the range test uses the first.
    pub seeds: Vec<u64>,
    /// The setups.
    pub setups: Vec<Setup>,
}

impl FinderConfig {
    /// The sizes for the quick or the full configuration.
    pub fn for_config(quick: bool) -> Self {
        let grid = |hi, step| grid::log_grid(-4.0, hi, step).expect("a valid constant grid");
        if quick {
            FinderConfig {
                train_examples: 2000,
                test_examples: 500,
                batch_size: 64,
                hidden: 64,
                cnn_channels: (4, 8),
                start_lr: 1e-6,
                end_lr: 10.0,
                iterations: 60,
                budget: 60,
                grid: grid(0.0, 1.0),
                seeds: vec![0],
                setups: Setup::ALL.to_vec(),
            }
        } else {
            FinderConfig {
                train_examples: 10_000,
                test_examples: 2000,
                batch_size: 64,
                hidden: 128,
                cnn_channels: (8, 16),
                start_lr: 1e-6,
                end_lr: 10.0,
                iterations: 100,
                budget: 300,
                grid: grid(0.5, 0.5),
                seeds: vec![0, 1, 2],
                setups: Setup::ALL.to_vec(),
            }
        }
    }

    /// The range test these sizes describe.
    pub fn range_test(&self) -> Result<RangeTest> {
        RangeTest::new(self.start_lr, self.end_lr, self.iterations)
    }

    /// The chapter's subsets of Fashion-MNIST, standardised, from `cfg`'s data folder to
    /// its device.
    pub fn load_data(&self, cfg: &Config) -> Result<FashionMnist> {
        fashion_mnist::load_standardized(
            cfg.data_dir.as_deref(),
            self.train_examples,
            self.test_examples,
            cfg.device,
        )
    }

    fn validate(&self) -> Result<()> {
        validate::at_least_one("training examples", self.train_examples)?;
        validate::at_least_one("test examples", self.test_examples)?;
        validate::at_least_one("batch size", self.batch_size)?;
        validate::count_in("--budget", self.budget, validate::MAX_STEPS)?;
        validate::count_in("--iterations", self.iterations, validate::MAX_STEPS)?;
        for (flag, n, least, why) in [
            (
                "--iterations",
                self.iterations,
                2,
                "a range test from one rate to another",
            ),
            (
                "--budget",
                self.budget,
                10,
                "the one-cycle runs' three phases",
            ),
        ] {
            if n < least {
                return Err(Error::invalid(
                    flag,
                    format!("got {n}, but {why} needs at least {least} steps"),
                    "Pass 100 or more.",
                ));
            }
        }
        validate::distinct_seeds("--seeds", &self.seeds, 1)?;
        validate::at_least_one("number of setups", self.setups.len())?;
        validate::at_least_one("grid size", self.grid.len())?;
        for &lr in &self.grid {
            validate::learning_rate("grid learning rate", lr)?;
        }
        self.range_test()?;
        Ok(())
    }
}

/// Everything chapter 6 computes.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Chapter6 {
    /// The tables the book shows and the tests pin.
    pub report: Report,
    /// Each setup's range test, grid and suggestion runs.
    pub setups: Vec<SetupResult>,
    /// The range test on a trained model.
    pub trained: TrainedModel,
    /// The rule with the smallest worst-case ratio.
    pub trusted: crate::finder::Rule,
}

/// Runs the chapter with the sizes of `cfg.quick`.
pub fn run(cfg: &Config) -> Result<Chapter6> {
    run_with(cfg, &FinderConfig::for_config(cfg.quick))
}

/// Runs the chapter with explicit sizes: per setup the range test, its suggestions, the grid
/// and a run at each suggestion; then the trained model and one-cycle.
pub fn run_with(cfg: &Config, fc: &FinderConfig) -> Result<Chapter6> {
    fc.validate()?;
    let fc = &FinderConfig {
        seeds: cfg.run_seeds("--seeds", &fc.seeds)?,
        ..fc.clone()
    };
    let data = fc.load_data(cfg)?;
    let mut setups = Vec::new();
    for &setup in &fc.setups {
        let finder = reading_curve::fresh_range_test(fc, &data, setup, cfg.device)?;
        setups.push(grid_search::run_setup(
            fc, &data, setup, finder, cfg.device,
        )?);
    }
    let trusted = trusted_rule(&setups).ok_or_else(|| {
        Error::invalid(
            "chapter 6 validation",
            "no rule made a suggestion for every setup",
            "Pass a larger --iterations (100 or more).",
        )
    })?;
    let trained = trained_model::trained_model(fc, &data, &setups[0], cfg.device)?;
    let mut report = Report::new("Chapter 6: the LR finder");
    report.tables.push(suggestions_table(&setups, fc));
    report.tables.push(grid_table(&setups, fc));
    report.tables.push(ratio_table(&setups, fc));
    report.tables.push(suggestion_spread_table(&setups, fc));
    report.tables.push(trained_table(&trained, fc));
    report.tables.push(one_cycle_table(
        fc,
        &data,
        &setups,
        ONE_CYCLE_RULE,
        cfg.device,
    )?);
    report.notes.push(format!(
        "Rule with the smallest worst-case ratio: {}",
        trusted.name()
    ));
    Ok(Chapter6 {
        report,
        setups,
        trained,
        trusted,
    })
}

/// The LR range test, its four suggestion rules, and their validation against a grid search.
/// Runs the range test for three setups on Fashion-MNIST, prints each rule's suggestion,
/// validates them against a grid search at the same budget, runs the finder on a trained
/// model and sets one-cycle's peak from it.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct Flags {
    /// Steps of the range test (default 60 with --quick, else 100).
    #[arg(long)]
    pub iterations: Option<usize>,
    /// Training steps of every grid and suggestion run (default 60 with --quick, else 300).
    #[arg(long)]
    pub budget: Option<usize>,
    /// Seeds of the training runs, comma-separated and distinct; each is added to --seed
    /// (default 0 with --quick, else 0,1,2).
    #[arg(long, value_delimiter = ',', value_name = "SEED,...", value_parser = crate::cli::parse_seed)]
    pub seeds: Option<Vec<u64>>,
}

impl Chapter for Flags {
    const NAME: &'static str = "ch6_lr_finder";
    type Output = Chapter6;

    fn run(&self, cfg: &Config) -> Result<Chapter6> {
        let mut fc = FinderConfig::for_config(cfg.quick);
        if let Some(n) = self.iterations {
            fc.iterations = n;
        }
        if let Some(b) = self.budget {
            fc.budget = b;
        }
        if let Some(seeds) = &self.seeds {
            fc.seeds = seeds.clone();
        }
        run_with(cfg, &fc)
    }

    fn report(chapter: &Chapter6) -> &Report {
        &chapter.report
    }

    fn write_figures(chapter: &Chapter6, figures: &Path, _: &Path) -> Result<Vec<PathBuf>> {
        draw_figures(chapter, figures)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_configs_are_rejected() {
        let mut fc = FinderConfig::for_config(true);
        fc.grid.push(-1.0);
        assert!(fc.validate().is_err());
        let mut fc = FinderConfig::for_config(true);
        fc.start_lr = fc.end_lr;
        assert!(fc.validate().unwrap_err().to_string().contains("go up"));
        let mut fc = FinderConfig::for_config(true);
        fc.seeds.clear();
        assert!(fc.validate().is_err());
    }

    #[test]
    fn grids_are_the_books() {
        let full = FinderConfig::for_config(false).grid;
        assert_eq!(full.len(), 10);
        assert_eq!(full[0], 1e-4);
        assert!((full[9] - 10f64.powf(0.5)).abs() < 1e-12);
        let quick = FinderConfig::for_config(true).grid;
        assert_eq!((quick.len(), quick[4]), (5, 1.0));
    }
}
