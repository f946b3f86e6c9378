//! Chapter 6's exercises: one [`Exercise`] each, its defaults in its flags, shared by the
//! `ch6_ex*` examples, the tests and the book.
use std::path::{Path, PathBuf};

use tch::nn::Module;

use super::four_rules::{rule_table, suggestion_cells};
use super::procedure::{endless_batches, run_finder};
use super::reading_curve::{build_model, Setup};
use super::FinderConfig;
use crate::chapters::exercise::{Exercise, Solution};
use crate::chapters::Config;
use crate::data::fashion_mnist::FashionMnist;
use crate::finder::{RangeTestResult, Smoothing, Tracker};
use crate::optim::tch_nn::build_optimizer;
use crate::plot;
use crate::report::{fmt_sig, Cell, Table};
use crate::{validate, Error, Result};

/// The exercises' model: the chapter's MLP with SGD, its sizes (`--quick` or full), its data,
/// and `--seed` for the initialisation and the shuffling.
fn mlp_sgd(cfg: &Config) -> Result<(FinderConfig, FashionMnist, Setup, u64)> {
    let fc = FinderConfig::for_config(cfg.quick);
    let data = fc.load_data(cfg)?;
    Ok((fc, data, Setup::ALL[0], cfg.seed))
}

/// A table row: `first`, each rule's suggestion on `r`, and the η at which `r` diverged.
fn suggestion_row(first: Cell, r: &RangeTestResult) -> Vec<Cell> {
    let mut row = vec![first];
    row.extend(suggestion_cells(r));
    row.push(
        r.divergence_lr()
            .map_or(Cell::from("did not diverge"), |lr| Cell::num(lr, 2)),
    );
    row
}

/// Runs the range test on the chapter's MLP with SGD, on the training loss and on the
/// held-out loss (Smith's variant), and plots both curves.
#[derive(clap::Args, Clone, Debug)]
pub struct FashionMnistFinder {}

/// Exercise 1's two range tests and its table.
#[derive(Debug)]
pub struct Ex1 {
    /// The range test on the training loss.
    pub train: RangeTestResult,
    /// The range test on the held-out loss (Smith's variant).
    pub validated: RangeTestResult,
    /// Each rule's suggestion for both.
    pub table: Table,
}

impl FashionMnistFinder {
    /// Both range tests and the table of their suggestions (what `solve` prints).
    pub fn range_tests(&self, cfg: &Config) -> Result<Ex1> {
        ex1_range_tests(cfg)
    }
}

/// Exercise 1's range tests on `cfg`'s model (the listing in the instructor's guide is here).
fn ex1_range_tests(cfg: &Config) -> Result<Ex1> {
    let (fc, data, setup, seed) = mlp_sgd(cfg)?;
    let (vs, net) = build_model(&fc, setup, seed, cfg.device)?;
    let train = run_finder(&fc, setup, &vs, &net, &data.train, seed)?;
    // ANCHOR: validated
    let validated = fc.range_test()?.run_validated(
        &vs,
        || build_optimizer(setup.opt, &vs, fc.start_lr),
        endless_batches(&data.train, fc.batch_size, seed),
        |(x, y)| net.forward(x).cross_entropy_for_logits(y),
        || {
            net.forward(&data.test.inputs)
                .cross_entropy_for_logits(&data.test.targets)
        },
    )?;
    // ANCHOR_END: validated
    let mut table = rule_table(
        "ex1_fashion_mnist",
        &format!(
            "{}: the range test on the minibatch loss and on the loss of {} held-out images",
            setup.name(),
            fc.test_examples
        ),
        &["loss tracked"],
        &["diverged at η"],
    );
    table.push(suggestion_row("training (minibatch)".into(), &train));
    table.push(suggestion_row("held-out (Smith)".into(), &validated));
    Ok(Ex1 {
        train,
        validated,
        table,
    })
}

/// Exercise 1's figure: both curves, with their suggestions, one panel each.
fn ex1_figures(ex: &Ex1, dir: &Path) -> Result<Vec<PathBuf>> {
    let _drawing = crate::drawing!();
    let a = ex
        .train
        .chart("Range test on the training loss")
        .size(900, 420);
    let b = ex
        .validated
        .chart("Range test on the held-out loss (Smith)")
        .size(900, 420);
    let mut written = vec![plot::save_panels(
        &[a.clone(), b.clone()],
        1,
        dir,
        "ex1_fashion_mnist",
    )?];
    for (c, stem) in [(a, "ex1_train"), (b, "ex1_validated")] {
        written.push(plot::save_csv(&c, dir, stem)?);
    }
    Ok(written)
}

impl Exercise for FashionMnistFinder {
    const NAME: &'static str = "ch6_ex1_fashion_mnist";

    fn solve(&self, cfg: &Config, figures: Option<&Path>) -> Result<Solution> {
        let ex = self.range_tests(cfg)?;
        let figures = figures
            .map(|dir| ex1_figures(&ex, dir))
            .transpose()?
            .unwrap_or_default();
        Ok(Solution {
            tables: vec![ex.table],
            figures,
        })
    }
}

// ANCHOR: false_stop
/// The closed form of exercise 2: on a constant loss, the average without bias correction
/// is `L·(1 − β^(t+1))` and its best is the first value `L·(1 − β)`, so the `k ×` best test
/// fires at the first step `t` with `1 − β^(t+1) > k(1 − β)`. That step exists only when
/// `k(1 − β) < 1`.
pub fn false_stop_step(beta: f64, k: f64) -> Option<usize> {
    let bound = 1.0 - k * (1.0 - beta);
    if bound <= 0.0 {
        return None;
    }
    // β^(t+1) < bound  ⇔  t + 1 > ln(bound) / ln(β)
    Some((bound.ln() / beta.ln()).floor() as usize)
}
// ANCHOR_END: false_stop

/// Finds the step where the uncorrected average trips the divergence test on a constant
/// loss, by the closed form and by the library's `Tracker`; the corrected one never trips.
#[derive(clap::Args, Clone, Debug)]
pub struct BiasCorrection {
    /// Smoothing coefficients β, comma-separated, one per setting.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "0.98,0.99,0.9,0.95,0.8,0.7"
    )]
    pub beta: Vec<f64>,
    /// Divergence factors k (stop above k × the best), comma-separated, one per β.
    #[arg(long, value_delimiter = ',', default_value = "4,4,4,2,4,4")]
    pub k: Vec<f64>,
    /// Steps of constant loss fed to each tracker (at most 10000000).
    #[arg(long, default_value_t = 1000)]
    pub horizon: usize,
}

impl BiasCorrection {
    /// The table: each `(β, k)`'s stopping step, closed form against the trackers.
    pub fn table(&self) -> Result<Table> {
        let horizon = validate::count_in("--horizon", self.horizon, validate::MAX_STEPS)?;
        validate::list_len("--beta", &self.beta)?;
        for &beta in &self.beta {
            validate::unit_interval("--beta", beta)?;
        }
        for &k in &self.k {
            if !(k.is_finite() && k > 1.0) {
                return Err(Error::invalid(
                    "--k",
                    format!("got {k}, but a divergence factor must be a finite number > 1"),
                    "Pass factors such as 4,4,2.",
                ));
            }
        }
        let (betas, ks) = (self.beta.len(), self.k.len());
        if betas != ks {
            let got = format!("got {betas} values of β and {ks} of k");
            let fix = "Pass one k per β, e.g. --beta 0.98,0.9 --k 4,4.";
            return Err(Error::invalid("--beta and --k", got, fix));
        }
        let mut table = crate::table!(
            "ex2_bias_correction",
            &format!(
                "On a constant loss, the step at which the divergence test fires: uncorrected \
                 average, closed form against the library; corrected average (over {horizon} \
                 steps)"
            ),
            &[
                "β",
                "k",
                "k(1 − β)",
                "closed form: first t with 1 − β^(t+1) > k(1 − β)",
                "uncorrected Tracker stops at",
                "bias-corrected Tracker stops at",
            ],
        );
        let first_stop = |beta: f64, k: f64, corrected: bool| {
            let mut t = Tracker::new(
                Smoothing {
                    beta,
                    bias_correction: corrected,
                    seed_with_first: false,
                },
                Some(k),
            );
            (0..horizon).find(|_| t.push(1.0).1)
        };
        let cell = |s: Option<usize>| s.map_or(Cell::from("never"), Cell::from);
        for (&beta, &k) in self.beta.iter().zip(&self.k) {
            table.push(vec![
                Cell::num(beta, 2),
                Cell::num(k, 2),
                Cell::num(k * (1.0 - beta), 3),
                cell(false_stop_step(beta, k)),
                cell(first_stop(beta, k, false)),
                cell(first_stop(beta, k, true)),
            ]);
        }
        Ok(table)
    }
}

impl Exercise for BiasCorrection {
    const NAME: &'static str = "ch6_ex2_bias_correction";

    fn solve(&self, _cfg: &Config, _figures: Option<&Path>) -> Result<Solution> {
        Ok(Solution::tables(vec![self.table()?]))
    }
}

/// Range tests of several lengths over the same range, on the chapter's MLP with SGD: do the
/// suggestions depend on the length of the sweep?
#[derive(clap::Args, Clone, Debug)]
pub struct SweepLength {
    /// Sweep lengths, comma-separated (each from 2 to 100000 steps).
    #[arg(long, value_delimiter = ',', default_value = "25,50,100,200,400")]
    pub iterations: Vec<usize>,
}

impl Exercise for SweepLength {
    const NAME: &'static str = "ch6_ex3_sweep_length";

    fn solve(&self, cfg: &Config, _figures: Option<&Path>) -> Result<Solution> {
        validate::list_len("--iterations", &self.iterations)?;
        for &n in &self.iterations {
            if !(2..=100_000).contains(&n) {
                return Err(Error::invalid(
                    "--iterations",
                    format!("got {n}, but each sweep length must be from 2 to 100000 steps"),
                    "Pass lengths such as 25,50,100.",
                ));
            }
        }
        let (fc, data, setup, seed) = mlp_sgd(cfg)?;
        let mut table = rule_table(
            "ex3_sweep_length",
            &format!(
                "{}: suggestions of range tests from η = {} to {} over N steps",
                setup.name(),
                fmt_sig(fc.start_lr, 2),
                fmt_sig(fc.end_lr, 2)
            ),
            &["steps N"],
            &["diverged at η"],
        );
        for &n in &self.iterations {
            let sweep = FinderConfig {
                iterations: n,
                ..fc.clone()
            };
            let (vs, net) = build_model(&sweep, setup, seed, cfg.device)?;
            let r = run_finder(&sweep, setup, &vs, &net, &data.train, seed)?;
            table.push(suggestion_row(Cell::from(n), &r));
        }
        Ok(Solution::tables(vec![table]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn false_stop_closed_form_matches_the_tracker() {
        let t = BiasCorrection::defaults().unwrap().table().unwrap();
        for i in 0..t.rows.len() {
            let at = |col| t.cell(i, col).unwrap();
            assert_eq!(
                at("closed form: first t with 1 − β^(t+1) > k(1 − β)"),
                at("uncorrected Tracker stops at")
            );
            assert_eq!(at("bias-corrected Tracker stops at"), &Cell::from("never"));
        }
        assert_eq!(t.rows.len(), 6);
        assert_eq!(false_stop_step(0.98, 4.0), Some(4));
        assert_eq!(false_stop_step(0.7, 4.0), None);
    }

    #[test]
    fn mismatched_settings_are_rejected() {
        let mut ex = BiasCorrection::defaults().unwrap();
        ex.k.pop();
        assert!(ex.table().is_err());
    }
}
