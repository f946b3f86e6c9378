//! Chapter 6's exercise solutions, shared by the `ch6_ex*` examples, the tests and the book.
use std::path::{Path, PathBuf};

use tch::nn::Module;

use super::ch6::{self, build_model, build_optimizer, endless_batches, FinderConfig, Setup};
use super::Config;
use crate::finder::{RangeTest, RangeTestResult, Rule, Smoothing, Stop, Tracker};
use crate::plot;
use crate::report::{fmt_sig, Cell, Table};
use crate::{validate, Result};

fn lr_cell(r: &RangeTestResult, rule: Rule) -> Cell {
    match r.suggest(rule) {
        Ok(s) => Cell::num(s.lr, 2),
        Err(e) if e.to_string().contains("no descent") => Cell::from("none: no descent"),
        Err(_) => Cell::from("none: too few points"),
    }
}

fn stop_cell(r: &RangeTestResult) -> Cell {
    match r.stop {
        Stop::Diverged { step, .. } => Cell::num(r.points[step].lr, 2),
        _ => Cell::from("did not diverge"),
    }
}

/// Exercise 1: the range test on Fashion-MNIST (the source texts' "LR finder on MNIST"),
/// with the training loss and with Smith's held-out loss, on the chapter's MLP with SGD.
#[derive(Debug)]
pub struct Ex1 {
    /// The range test on the training loss.
    pub train: RangeTestResult,
    /// The range test on the held-out loss (Smith's variant).
    pub validated: RangeTestResult,
    /// Each rule's suggestion for both.
    pub table: Table,
}

/// Runs exercise 1 with the chapter's full sizes.
pub fn ex1_fashion_mnist(cfg: &Config) -> Result<Ex1> {
    let fc = FinderConfig::for_config(false);
    let data = ch6::load_data(cfg, &fc)?;
    let setup = Setup::ALL[0];
    let seed = fc.seeds[0];
    let (vs, net) = build_model(&fc, setup, seed, cfg.device)?;
    let train = ch6::run_finder(&fc, setup, &vs, &net, &data.train, seed)?;
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
    let mut cols = vec!["loss tracked".to_string()];
    cols.extend(Rule::ALL.iter().map(|r| r.name().to_string()));
    cols.push("diverged at η".into());
    let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
    let mut table = Table::new(
        "ex1_fashion_mnist",
        &format!(
            "{}: the range test on the minibatch loss and on the loss of {} held-out images",
            setup.name(),
            fc.test_examples
        ),
        &cols,
    );
    for (name, r) in [
        ("training (minibatch)", &train),
        ("held-out (Smith)", &validated),
    ] {
        let mut row = vec![Cell::from(name)];
        row.extend(Rule::ALL.iter().map(|&rule| lr_cell(r, rule)));
        row.push(stop_cell(r));
        table.push(row);
    }
    Ok(Ex1 {
        train,
        validated,
        table,
    })
}

/// Exercise 1's figure: both curves, with their suggestions, one panel each.
pub fn ex1_figures(ex: &Ex1, dir: &Path) -> Result<Vec<PathBuf>> {
    let a = ex
        .train
        .chart("Range test on the training loss")
        .size(900, 420);
    let b = ex
        .validated
        .chart("Range test on the held-out loss (Smith)")
        .size(900, 420);
    let path = dir.join("ex1_fashion_mnist.svg");
    plot::save_panels_svg(&[a.clone(), b.clone()], 1, &path)?;
    let mut written = vec![path];
    for (c, stem) in [(a, "ex1_train"), (b, "ex1_validated")] {
        let csv = dir.join(format!("{stem}.csv"));
        c.write_csv(&csv)?;
        written.push(csv);
    }
    Ok(written)
}

/// Exercise 2's `(β, k)` pairs.
pub const EX2_SETTINGS: [(f64, f64); 6] = [
    (0.98, 4.0),
    (0.99, 4.0),
    (0.9, 4.0),
    (0.95, 2.0),
    (0.8, 4.0),
    (0.7, 4.0),
];

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

/// Exercise 2: why bias correction matters. On a constant loss, the step at which the
/// uncorrected average trips the divergence test, by the closed form and by the library's
/// [`Tracker`]; the corrected average never trips it.
pub fn ex2_bias_correction(settings: &[(f64, f64)], horizon: usize) -> Result<Table> {
    validate::at_least_one("horizon", horizon)?;
    let mut table = Table::new(
        "ex2_bias_correction",
        &format!(
            "On a constant loss, the step at which the divergence test fires: uncorrected \
             average, closed form against the library; corrected average (over {horizon} steps)"
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
            },
            Some(k),
        );
        (0..horizon).find(|_| t.push(1.0).1)
    };
    let cell = |s: Option<usize>| s.map_or(Cell::from("never"), Cell::from);
    for &(beta, k) in settings {
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

/// Exercise 3's sweep lengths.
pub const EX3_ITERATIONS: [usize; 5] = [25, 50, 100, 200, 400];

/// Exercise 3: does the suggestion depend on how long the sweep is? The chapter's MLP with
/// SGD, the same range, sweeps of different lengths.
pub fn ex3_sweep_length(cfg: &Config, lengths: &[usize]) -> Result<Table> {
    let fc = FinderConfig::for_config(false);
    let data = ch6::load_data(cfg, &fc)?;
    let setup = Setup::ALL[0];
    let seed = fc.seeds[0];
    let mut cols = vec!["steps N".to_string()];
    cols.extend(Rule::ALL.iter().map(|r| r.name().to_string()));
    cols.push("diverged at η".into());
    let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
    let mut table = Table::new(
        "ex3_sweep_length",
        &format!(
            "{}: suggestions of range tests from η = {} to {} over N steps",
            setup.name(),
            fmt_sig(fc.start_lr, 2),
            fmt_sig(fc.end_lr, 2)
        ),
        &cols,
    );
    for &n in lengths {
        let (vs, net) = build_model(&fc, setup, seed, cfg.device)?;
        let r = RangeTest::new(fc.start_lr, fc.end_lr, n)?.run(
            &vs,
            || build_optimizer(setup.opt, &vs, fc.start_lr),
            endless_batches(&data.train, fc.batch_size, seed),
            |(x, y)| net.forward(x).cross_entropy_for_logits(y),
        )?;
        let mut row = vec![Cell::from(n)];
        row.extend(Rule::ALL.iter().map(|&rule| lr_cell(&r, rule)));
        row.push(stop_cell(&r));
        table.push(row);
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn false_stop_closed_form_matches_the_tracker() {
        let t = ex2_bias_correction(&EX2_SETTINGS, 1000).unwrap();
        for row in &t.rows {
            assert_eq!(row[3], row[4], "{row:?}");
            assert_eq!(row[5], Cell::from("never"));
        }
        assert_eq!(false_stop_step(0.98, 4.0), Some(4));
        assert_eq!(false_stop_step(0.7, 4.0), None);
    }
}
