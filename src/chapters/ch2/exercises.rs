//! Chapter 2's exercises, each with its flags and defaults, solved by the `ch2_ex*`
//! examples, pinned by the tests and shown in the book.
use std::path::Path;

use super::real_network::{mlp_log_table, mlp_runs, MlpConfig};
use super::sweep::sweep_surface_for;
use crate::chapters::exercise::{Exercise, Solution};
use crate::chapters::Config;
use crate::experiment::MlpSetup;
use crate::report::{fmt_sig, Cell};
use crate::surfaces::Surface;
use crate::{validate, Error, Result};

/// Predicted against measured stability edge of a tilted quadratic.
///
/// Exercise 1: the stability edge of `1.5·x² + y² + 1.2·x·y`, predicted from its Hessian's
/// largest eigenvalue, then measured by a batched sweep of learning rates.
#[derive(clap::Args, Clone, Debug)]
pub struct PredictEdge {
    /// Learning rates in the sweep, log-spaced from 1e-4 to 10 (at most 10000).
    #[arg(long, default_value_t = 1000)]
    pub points: usize,
    /// Steps each learning rate gets to reach ε (at most 10000000).
    #[arg(long, default_value_t = 2000)]
    pub steps: usize,
}

impl PredictEdge {
    /// The exercise's quadratic, a tilted ravine. Its Hessian is `[[3, 1.2], [1.2, 2]]`,
    /// with eigenvalues `2.5 ± √(0.25 + 1.44)` = 3.8 and 1.2.
    pub fn surface() -> Result<Surface> {
        Surface::quadratic("tilted", 1.5, 1.0, 1.2, [-3.0, 2.0], (-4.0, 4.0, -3.0, 3.0))
    }
}

impl Exercise for PredictEdge {
    const NAME: &'static str = "ch2_ex1_predict_edge";

    fn solve(&self, cfg: &Config, _figures: Option<&Path>) -> Result<Solution> {
        let points = validate::count_in("--points", self.points, validate::MAX_GRID)?;
        validate::count_in("--steps", self.steps, validate::MAX_STEPS)?;
        let s = Self::surface()?;
        let c = s.curvature();
        let sweep = sweep_surface_for(&s, points, self.steps, cfg.device)?;
        let mut t = crate::table!(
            "ex1_predict_edge",
            &format!(
                "Exercise 1: {} — Hessian [[3, 1.2], [1.2, 2]]; the edge predicted from λmax against a {points}-point sweep",
                s.formula
            ),
            &["quantity", "value"],
        );
        let rows: Vec<(&str, Cell)> = vec![
            (
                "λmin, λmax",
                format!("{}, {}", fmt_sig(c.lambda_min, 4), fmt_sig(c.lambda_max, 4)).into(),
            ),
            ("predicted edge 2/λmax", Cell::num(c.edge(), 4)),
            ("measured edge (sweep)", Cell::num(sweep.measured_edge(), 4)),
            (
                "measured / predicted",
                Cell::num(sweep.measured_edge() / c.edge(), 4),
            ),
            (
                "predicted fastest η 2/(λmin+λmax)",
                Cell::num(c.balanced_step(), 4),
            ),
            ("fastest η in the sweep", Cell::num(sweep.best.0, 4)),
            ("its steps to ε", sweep.best.1.into()),
        ];
        for (k, v) in rows {
            t.push(vec![k.into(), v]);
        }
        Ok(Solution::tables(vec![t]))
    }
}

/// Four training logs, their learning rates and their diagnoses.
///
/// Exercise 2: the chapter's MLP on a small subset at several learning rates, shown to the
/// reader in a scrambled order as logs A, B, C, …: first the logs (the exercise), then the
/// learning rate and diagnosis behind each (the solution).
#[derive(clap::Args, Clone, Debug)]
pub struct DiagnoseLogs {
    /// The learning rates behind logs A, B, C, …, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1.0,0.00003,10.0,0.1")]
    pub lrs: Vec<f64>,
    /// Training examples (the first n of Fashion-MNIST's training set, at most 60000).
    #[arg(long, default_value_t = 3000)]
    pub train_examples: usize,
    /// Test examples (at most 10000).
    #[arg(long, default_value_t = 1000)]
    pub test_examples: usize,
    /// Hidden layer widths of the ReLU MLP, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "64")]
    pub hidden: Vec<i64>,
    /// Passes over the training set (at most 10000).
    #[arg(long, default_value_t = 2)]
    pub epochs: usize,
    /// Examples per step (at most --train-examples).
    #[arg(long, default_value_t = 50)]
    pub batch_size: usize,
    /// Evaluate on the test set every this many steps.
    #[arg(long, default_value_t = 30)]
    pub eval_every: usize,
}

impl DiagnoseLogs {
    /// The runs' sizes and learning rates.
    pub fn config(&self) -> MlpConfig {
        MlpConfig {
            setup: MlpSetup::new(
                self.train_examples,
                self.test_examples,
                &self.hidden,
                self.epochs,
                self.batch_size,
            ),
            lrs: self.lrs.clone(),
            eval_every: self.eval_every,
        }
    }

    /// The label of the `k`-th log: A, B, C, …
    pub fn label(k: usize) -> String {
        char::from(b'A' + k as u8).to_string()
    }
}

impl Exercise for DiagnoseLogs {
    const NAME: &'static str = "ch2_ex2_diagnose_logs";

    fn solve(&self, cfg: &Config, _figures: Option<&Path>) -> Result<Solution> {
        if self.lrs.is_empty() || self.lrs.len() > 26 {
            return Err(Error::invalid(
                "--lrs",
                format!("got {} learning rates", self.lrs.len()),
                "Pass 1 to 26 learning rates, one per log A to Z.",
            ));
        }
        for &lr in &self.lrs {
            validate::learning_rate("--lrs", lr)?;
        }
        validate::count_in("--train-examples", self.train_examples, 60_000)?;
        validate::count_in("--test-examples", self.test_examples, 10_000)?;
        validate::list_len("--hidden", &self.hidden)?;
        for &h in &self.hidden {
            validate::count_in("--hidden", usize::try_from(h).unwrap_or(0), 65_536)?;
        }
        validate::count_in("--epochs", self.epochs, validate::MAX_EPOCHS)?;
        validate::count_in("--batch-size", self.batch_size, self.train_examples)?;
        validate::count_in("--eval-every", self.eval_every, validate::MAX_STEPS)?;
        let runs = mlp_runs(cfg, &self.config())?;
        let mut logs = mlp_log_table(&runs);
        logs.id = "ex2_logs".into();
        let count = match runs.len() {
            4 => "four".to_string(),
            n => n.to_string(),
        };
        logs.title =
            format!("Exercise 2: {count} training logs (minibatch loss) — which regime is each?");
        for (k, col) in logs.columns.iter_mut().skip(1).enumerate() {
            *col = format!("log {}", Self::label(k));
        }
        let mut sol = crate::table!(
            "ex2_solution",
            "Exercise 2, solution: the learning rate behind each log and its diagnosis",
            &["log", "η", "diagnosis", "reason"],
        );
        for (k, r) in runs.iter().enumerate() {
            sol.push(vec![
                Self::label(k).into(),
                Cell::num(r.lr, 3),
                r.diagnosis.regime.name().into(),
                r.diagnosis.reason.clone().into(),
            ]);
        }
        Ok(Solution::tables(vec![logs, sol]))
    }
}
