//! Chapter 5's exercise solutions, shared by the `ch5_ex*` examples, the tests and the book.
use super::{chapter_data, rules_run, Ch5Config, RuleRun};
use crate::chapters::Config;
use crate::batch::{optimal_lr, two_batch_estimate, ScalingRule, TradeOff};
use crate::data::rng::SplitMix64;
use crate::report::{fmt_sig, Cell, Table};
use crate::{validate, Result};

/// Exercise 1's batch sizes: the seeds' exercise.
pub const EX1_BATCHES: [usize; 4] = [32, 64, 128, 256];
/// Exercise 1's base learning rate at B = 32 (plain SGD).
pub const EX1_BASE_LR: f64 = 0.1;

/// Exercise 1 (the seeds' exercise): train at B = 32, 64, 128, 256 with the linear rule from
/// (32, η₀), for the same number of epochs; does the final held-out loss stay within 10% of
/// the B = 32 run? No scaling is shown beside it.
pub fn ex1_seed_batches(cfg: &Config, base_lr: f64) -> Result<Table> {
    validate::learning_rate("base learning rate", base_lr)?;
    let c = Ch5Config {
        train_examples: 10_000,
        test_examples: 2000,
        hidden: 64,
        epochs: 3,
        base_batch: EX1_BATCHES[0],
        rule_batches: EX1_BATCHES[1..].to_vec(),
        ..Ch5Config::for_config(true)
    };
    let data = chapter_data(cfg, &c)?;
    let mut table = Table::new(
        "ex1_seed_batches",
        &format!(
            "The seeds' exercise: B = 32 … 256 from (32, η₀ = {}), plain SGD, {} epochs of {} \
             images; held-out loss on {} images",
            fmt_sig(base_lr, 3),
            c.epochs,
            c.train_examples,
            c.test_examples
        ),
        &[
            "B",
            "steps",
            "linear: η",
            "linear: loss",
            "linear: loss / B=32",
            "no scaling: loss",
            "no scaling: loss / B=32",
        ],
    );
    let base = rules_run(
        &data,
        &c,
        RuleRun::Plain(ScalingRule::None),
        32,
        base_lr,
        cfg.seed,
    )?;
    let b0 = base.final_loss();
    for &b in &EX1_BATCHES {
        let lin = rules_run(
            &data,
            &c,
            RuleRun::Plain(ScalingRule::Linear),
            b,
            base_lr,
            cfg.seed,
        )?;
        let none = rules_run(
            &data,
            &c,
            RuleRun::Plain(ScalingRule::None),
            b,
            base_lr,
            cfg.seed,
        )?;
        let loss = |r: &super::RulesRun| {
            if r.history.diverged() {
                (Cell::from("diverged"), Cell::from("—"))
            } else {
                (
                    Cell::num(r.final_loss(), 3),
                    Cell::num(r.final_loss() / b0, 3),
                )
            }
        };
        let (ll, lr) = loss(&lin);
        let (nl, nr) = loss(&none);
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

/// Exercise 2's batch sizes, as multiples of the critical batch.
pub const EX2_RATIOS: [f64; 7] = [0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0];

/// Exercise 2 (analytic): on the trade-off curve, what a batch of r·B_crit costs in steps and
/// examples, their product, and the predicted best LR relative to ε_max when B_noise = B_crit.
pub fn ex2_tradeoff(ratios: &[f64]) -> Result<Table> {
    let t = TradeOff::new(1.0, 1.0)?; // B_crit = 1: the table is in units of the minima
    let mut table = Table::new(
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
    for &r in ratios {
        validate::positive("batch ratio", r)?;
        let (s, e) = (t.steps(r) / t.s_min, t.examples(r) / t.e_min);
        table.push(vec![
            Cell::num(r, 3),
            Cell::num(s, 4),
            Cell::num(e, 4),
            Cell::num((s - 1.0) * (e - 1.0), 4),
            Cell::num(optimal_lr(1.0, 1.0, r)?, 4),
        ]);
    }
    Ok(table)
}

/// Exercise 3's big batch sizes (the small one is 4).
pub const EX3_BIG: [usize; 4] = [8, 32, 128, 512];

/// Exercise 3 (synthetic): per-example "gradients" `G + noise` with known `|G|² = 1` and
/// `tr Σ = 50` (B_noise = 50). The naive `|g_B|²` overestimates `|G|²` by `tr Σ/B`; the
/// two-batch estimator (B_small = 4) does not. Averages over `trials` draws.
pub fn ex3_estimator_bias(big: &[usize], trials: usize, seed: u64) -> Result<Table> {
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
    let mut table = Table::new(
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
