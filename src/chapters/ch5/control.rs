//! The control experiment behind "Does the scaling rule hold?": each rule tries one learning
//! rate per batch, so the rules table cannot say that *no* rate holds at a larger batch in
//! the same epochs. Here every batch size gets a whole grid of constant rates, for the same
//! epochs and seed as the rules; and the noise scale is measured exactly at the state the
//! base run ends in, the loss the rules are judged at (the chapter's critical batch was
//! measured much earlier in training).
use std::path::Path;

use super::noise_law::noise_at_fixed_state;
use super::rules::{rules_run, rules_run_with_model, RuleRun};
use super::Ch5Config;
use crate::batch::ScalingRule;
use crate::chapters::exercise::{solve_section, Exercise, Section, Solution};
use crate::chapters::Config;
use crate::grid::log_grid;
use crate::report::{fmt_sig, Cell, Table};
use crate::{validate, Error, Result};

/// The grid's result at one batch size.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct BatchSweep {
    /// The batch size.
    pub batch: usize,
    /// Final held-out loss at each rate of the grid (+∞ where the run diverged).
    pub losses: Vec<f64>,
}

impl BatchSweep {
    /// The best rate of the grid and its final loss.
    pub fn best(&self, lrs: &[f64]) -> (f64, f64) {
        lrs.iter()
            .zip(&self.losses)
            .fold(
                (f64::NAN, f64::INFINITY),
                |b, (&lr, &l)| {
                    if l < b.1 {
                        (lr, l)
                    } else {
                        b
                    }
                },
            )
    }
}

/// Everything the control measures.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct EpochSweep {
    /// The sizes (the chapter's).
    pub config: Ch5Config,
    /// The constant rates tried at every batch size.
    pub lrs: Vec<f64>,
    /// One sweep per batch size, in the order given.
    pub sweeps: Vec<BatchSweep>,
    /// The base run's final held-out loss (B₀, η₀), what the rules are divided by.
    pub base_loss: f64,
    /// `tr(Σ)` (per-example gradient covariance) at the base run's final state, on the pool.
    pub trace: f64,
    /// `|G|²` there.
    pub g2: f64,
}

impl EpochSweep {
    /// The simple noise scale `B_simple = tr(Σ)/|G|²` at the base run's final state.
    pub fn b_simple_at_end(&self) -> f64 {
        self.trace / self.g2
    }

    /// The sweep at `batch`.
    pub fn at(&self, batch: usize) -> Option<&BatchSweep> {
        self.sweeps.iter().find(|s| s.batch == batch)
    }
}

/// A grid of constant learning rates at each batch size, for the chapter's budget of epochs.
#[derive(clap::Args, Clone, Debug)]
pub struct EpochBudgetSweep {
    /// Batch sizes, comma-separated (default 32,128,512 with --quick, else 32,64,128,256,512).
    #[arg(long, value_delimiter = ',', value_name = "B,...")]
    pub batches: Option<Vec<usize>>,
}

impl EpochBudgetSweep {
    /// Runs the sweep and the noise measurement with the chapter's sizes.
    pub fn sweep(&self, cfg: &Config) -> Result<EpochSweep> {
        let c = Ch5Config::for_config(cfg.quick);
        let batches = self.batches.clone().unwrap_or_else(|| {
            if cfg.quick {
                vec![32, 128, 512]
            } else {
                vec![32, 64, 128, 256, 512]
            }
        });
        validate::list_len("--batches", &batches)?;
        for &b in &batches {
            if b == 0 || b > c.net.train_examples {
                return Err(Error::invalid(
                    "--batches",
                    format!(
                        "got {b}, but a batch must hold from 1 to {} examples",
                        c.net.train_examples
                    ),
                    "Pass batch sizes such as 32,128,512.",
                ));
            }
        }
        let lrs = if cfg.quick {
            log_grid(-2.0, 0.0, 0.5)?
        } else {
            log_grid(-2.0, 0.0, 0.25)?
        };
        let data = c.net.load_data(cfg.data_dir.as_deref(), cfg.device)?;
        let seed = cfg.seed;
        let fixed = RuleRun::Plain(ScalingRule::None); // "no scaling": η as given, any batch
        let (base, vs, model) =
            rules_run_with_model(&data, &c, fixed, c.base_batch(), c.base_lr, seed)?;
        let pool = data.train.subset(c.pool)?;
        let noise = noise_at_fixed_state(&model, &vs.trainable_variables(), &pool, &[], 1, seed)?;
        let mut sweeps = Vec::new();
        for &batch in &batches {
            let mut losses = Vec::new();
            for &lr in &lrs {
                losses.push(rules_run(&data, &c, fixed, batch, lr, seed)?.final_loss());
            }
            sweeps.push(BatchSweep { batch, losses });
        }
        Ok(EpochSweep {
            config: c,
            lrs,
            sweeps,
            base_loss: base.final_loss(),
            trace: noise.trace,
            g2: noise.g2,
        })
    }
}

/// The sweep (loss ÷ the base run's, per rate and batch, with each batch's best) and the
/// noise scale at the end of the base run.
pub fn control_tables(s: &EpochSweep) -> [Table; 2] {
    let c = &s.config;
    let heads: Vec<String> = s
        .sweeps
        .iter()
        .map(|b| format!("B = {}", b.batch))
        .collect();
    let mut cols = vec!["constant η"];
    cols.extend(heads.iter().map(String::as_str));
    let mut sweep = crate::table!(
        "control_epoch_sweep",
        &format!(
            "Control: final held-out loss ÷ the base run's ({}) after {} epochs of {} examples \
             at a constant η, plain SGD, MLP {}, one seed; the base run is B₀ = {}, η₀ = {}",
            fmt_sig(s.base_loss, 3),
            c.net.epochs,
            c.net.train_examples,
            c.net.label(),
            c.base_batch(),
            fmt_sig(c.base_lr, 2)
        ),
        &cols,
    );
    for (i, &lr) in s.lrs.iter().enumerate() {
        let mut row = vec![Cell::num(lr, 3)];
        for b in &s.sweeps {
            let l = b.losses[i];
            row.push(if l.is_finite() {
                Cell::num(l / s.base_loss, 3)
            } else {
                Cell::from("diverged")
            });
        }
        sweep.push(row);
    }
    let mut best_lr = vec![Cell::from("best η of the grid")];
    let mut best_ratio = vec![Cell::from("its loss ÷ base")];
    for b in &s.sweeps {
        let (lr, l) = b.best(&s.lrs);
        best_lr.push(Cell::num(lr, 3));
        best_ratio.push(Cell::num(l / s.base_loss, 3));
    }
    sweep.push(best_lr);
    sweep.push(best_ratio);

    let mut noise = crate::table!(
        "control_noise_at_end",
        &format!(
            "Control: the simple noise scale B_simple = tr(Σ)/|G|², exact from per-example \
             gradients on the first {} training examples, at the state the base run ends in \
             (held-out loss {})",
            c.pool,
            fmt_sig(s.base_loss, 3)
        ),
        &["tr(Σ)", "|G|²", "B_simple"],
    );
    noise.push(vec![
        Cell::num(s.trace, 3),
        Cell::num(s.g2, 3),
        Cell::num(s.b_simple_at_end(), 3),
    ]);
    [sweep, noise]
}

impl Exercise for EpochBudgetSweep {
    const NAME: &'static str = "ch5_control_epoch_sweep";

    fn title() -> String {
        "Chapter 5, control experiment: every rate at every batch, for the same epochs".to_string()
    }

    fn solve(&self, cfg: &Config, figures: Option<&Path>) -> Result<Solution> {
        solve_section(self, cfg, figures)
    }
}

impl Section for EpochBudgetSweep {
    type Output = EpochSweep;

    fn compute(&self, cfg: &Config) -> Result<EpochSweep> {
        self.sweep(cfg)
    }

    fn solution(s: &Self::Output, figures: Option<&Path>) -> Result<Solution> {
        let _ = figures;
        Ok(Solution::tables(control_tables(s).into()))
    }
}
