//! Chapter 5's exercises, with runnable solutions (`examples/ch5_ex*`): one struct per
//! exercise, its flags' defaults the exercise's.
use std::path::Path;

use super::{rules_run, Ch5Config, RuleRun, RulesRun};
use crate::batch::{optimal_lr, two_batch_estimate, ScalingRule, TradeOff};
use crate::chapters::exercise::{Exercise, Solution};
use crate::chapters::Config;
use crate::data::rng::SplitMix64;
use crate::experiment::MlpSetup;
use crate::report::{fmt_sig, Cell, Table};
use crate::{validate, Error, Result};

/// Exercise 1 (the seeds' exercise): train at B = 32, 64, 128, 256 with the linear rule
/// from (32, η₀), for the same number of epochs; does the final held-out loss stay within
/// 10% of the B = 32 run? No scaling is shown beside it.
#[derive(clap::Args, Clone, Debug)]
pub struct SeedBatches {
    /// Base learning rate η₀ at the first batch size (plain SGD).
    #[arg(long, default_value_t = 0.1, value_name = "ETA")]
    pub base_lr: f64,
    /// Batch sizes, comma-separated; the first is the base B₀.
    #[arg(long, value_delimiter = ',', default_value = "32,64,128,256")]
    pub batches: Vec<usize>,
}

impl Exercise for SeedBatches {
    const NAME: &'static str = "ch5_ex1_seed_batches";

    fn solve(&self, cfg: &Config, _figures: Option<&Path>) -> Result<Solution> {
        Ok(Solution::tables(vec![self.table(cfg)?]))
    }
}

impl SeedBatches {
    fn table(&self, cfg: &Config) -> Result<Table> {
        validate::learning_rate("--base-lr", self.base_lr)?;
        validate::list_len("--batches", &self.batches)?;
        for &b in &self.batches {
            validate::count_in("--batches", b, 10_000)?;
        }
        let (&b0, rest) = self.batches.split_first().ok_or_else(|| {
            Error::invalid(
                "--batches",
                "got none",
                "Pass batch sizes such as 32,64,128,256.",
            )
        })?;
        let last = *rest.last().unwrap_or(&b0);
        let c = Ch5Config {
            net: MlpSetup::new(10_000, 2000, &[64], 3, b0),
            rule_batches: rest.to_vec(),
            ..Ch5Config::for_config(true)
        };
        let data = c.net.load_data(cfg.data_dir.as_deref(), cfg.device)?;
        let mut table = crate::table!(
            "ex1_seed_batches",
            &format!(
                "The seeds' exercise: B = {b0} … {last} from ({b0}, η₀ = {}), plain SGD, {} \
                 epochs of {} images; held-out loss on {} images",
                fmt_sig(self.base_lr, 3),
                c.net.epochs,
                c.net.train_examples,
                c.net.test_examples
            ),
            &[
                "B",
                "steps",
                "linear: η",
                "linear: loss",
                &format!("linear: loss / B={b0}"),
                "no scaling: loss",
                &format!("no scaling: loss / B={b0}"),
            ],
        );
        let run = |rule, b| rules_run(&data, &c, RuleRun::Plain(rule), b, self.base_lr, cfg.seed);
        let base_run = run(ScalingRule::None, b0)?;
        let base = base_run.final_loss();
        let loss = |r: &RulesRun| {
            if r.history.diverged() {
                (Cell::from("diverged"), Cell::from("—"))
            } else {
                (
                    Cell::num(r.final_loss(), 3),
                    Cell::num(r.final_loss() / base, 3),
                )
            }
        };
        for &b in &self.batches {
            // At B₀ both rules give η₀, so the base run serves for both.
            let fresh;
            let (lin, none) = if b == b0 {
                (&base_run, &base_run)
            } else {
                fresh = (run(ScalingRule::Linear, b)?, run(ScalingRule::None, b)?);
                (&fresh.0, &fresh.1)
            };
            let (ll, lr) = loss(lin);
            let (nl, nr) = loss(none);
            table.push(vec![
                Cell::from(b),
                Cell::from(lin.steps),
                Cell::num(lin.lr, 3),
                ll,
                lr,
                nl,
                nr,
            ]);
        }
        Ok(table)
    }
}

/// Exercise 2 (analytic): on the trade-off curve, what a batch of r·B_crit costs in steps
/// and examples, their product, and the predicted best LR relative to ε_max when
/// B_noise = B_crit.
#[derive(clap::Args, Clone, Debug)]
pub struct ClosedFormTradeoff {
    /// Batch sizes as multiples of the critical batch, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "0.125,0.25,0.5,1,2,4,8")]
    pub ratios: Vec<f64>,
}

impl Exercise for ClosedFormTradeoff {
    const NAME: &'static str = "ch5_ex2_tradeoff";

    fn solve(&self, _cfg: &Config, _figures: Option<&Path>) -> Result<Solution> {
        let t = TradeOff::new(1.0, 1.0)?; // B_crit = 1: the table is in units of the minima
        let mut table = crate::table!(
            "ex2_tradeoff",
            "The steps/examples trade-off in closed form, B in units of B_crit",
            &[
                "B / B_crit",
                "S / S_min",
                "E / E_min",
                "(S/S_min − 1)(E/E_min − 1)",
                "ε_opt / ε_max (B_noise = B_crit)",
            ],
        );
        validate::list_len("--ratios", &self.ratios)?;
        for &r in &self.ratios {
            validate::positive("--ratios", r)?;
            let (s, e) = (t.steps(r) / t.s_min, t.examples(r) / t.e_min);
            table.push(vec![
                Cell::num(r, 3),
                Cell::num(s, 4),
                Cell::num(e, 4),
                Cell::num((s - 1.0) * (e - 1.0), 4),
                Cell::num(optimal_lr(1.0, 1.0, r)?, 4),
            ]);
        }
        Ok(Solution::tables(vec![table]))
    }
}

/// Exercise 3 (synthetic): per-example "gradients" `G + noise` in 50 dimensions with known
/// `|G|² = 1` and `tr Σ = 50` (B_noise = 50). The naive `|g_B|²` overestimates `|G|²` by
/// `tr Σ/B`; the two-batch estimator (B_small = 4) does not. Draws from `--seed`.
#[derive(clap::Args, Clone, Debug)]
pub struct EstimatorBias {
    /// The big batch sizes, comma-separated (the small one is 4).
    #[arg(long, value_delimiter = ',', default_value = "8,32,128,512")]
    pub big: Vec<usize>,
    /// Draws averaged per big batch size.
    #[arg(long, default_value_t = 2000)]
    pub trials: usize,
}

impl Exercise for EstimatorBias {
    const NAME: &'static str = "ch5_ex3_estimator_bias";

    fn solve(&self, cfg: &Config, _figures: Option<&Path>) -> Result<Solution> {
        validate::list_len("--big", &self.big)?;
        validate::count_in("--trials", self.trials, 1_000_000)?;
        for &b in &self.big {
            validate::at_least_one("--big", b)?;
            validate::product("--trials x --big", self.trials, b, 100_000_000)?;
        }
        Ok(Solution::tables(vec![estimator_bias(
            &self.big,
            self.trials,
            cfg.seed,
        )?]))
    }
}

/// Exercise 3's table: `trials` draws per big batch size from `seed`.
fn estimator_bias(big: &[usize], trials: usize, seed: u64) -> Result<Table> {
    validate::at_least_one("trials", trials)?;
    let dim = 50;
    let g = 1.0 / (dim as f64).sqrt(); // |G|² = 1
    let mut rng = SplitMix64::new(seed);
    let mut batch_sq = |b: usize| -> f64 {
        (0..dim)
            .map(|_| {
                let s: f64 = (0..b).map(|_| g + rng.normal()).sum();
                (s / b as f64).powi(2)
            })
            .sum()
    };
    let mut table = crate::table!(
        "ex3_estimator_bias",
        &format!(
            "Estimating ‖G‖² = 1 and B_noise = 50 on a synthetic gradient distribution, mean of \
             {trials} draws, B_small = 4"
        ),
        &[
            "B_big",
            "naive ‖g_B_big‖²",
            "two-batch ‖G‖²",
            "two-batch tr Σ",
            "B_noise (ratio of means)",
        ],
    );
    for &b in big {
        let (mut naive, mut g2, mut tr) = (0.0, 0.0, 0.0);
        for _ in 0..trials {
            let (s, l) = (batch_sq(4), batch_sq(b));
            let e = two_batch_estimate(4, s, b, l)?;
            naive += l / trials as f64;
            g2 += e.g2 / trials as f64;
            tr += e.trace / trials as f64;
        }
        table.push(vec![
            Cell::from(b),
            Cell::num(naive, 3),
            Cell::num(g2, 3),
            Cell::num(tr, 3),
            Cell::num(tr / g2, 3),
        ]);
    }
    Ok(table)
}
