//! Chapter 3's exercises, with runnable solutions (`examples/ch3_ex*`).
use std::path::Path;

use super::comparison::{compare, comparison_table, per_seed_table, Contender};
use super::ComparisonConfig;
use crate::chapters::exercise::{Exercise, Solution};
use crate::chapters::Config;
use crate::experiment::MlpSetup;
use crate::report::{fmt_sig, Cell, Table};
use crate::schedule::{CosineAnnealingWarmRestarts, LrSchedule};
use crate::stats::{paired_cells, paired_t_column, seeds_caption};
use crate::{stats, validate, Result};

/// The training budget exercises 1 and 3 share: a smaller subset and MLP than the
/// chapter's comparison, run once per seed.
#[derive(clap::Args, Clone, Debug)]
pub struct Budget {
    /// Seeds, comma-separated, at least two and distinct; each is added to --seed.
    #[arg(long, value_delimiter = ',', default_value = "0,1,2", value_parser = crate::cli::parse_seed)]
    pub seeds: Vec<u64>,
}

impl Budget {
    /// The comparison of `contenders` on this budget.
    pub fn config(&self, contenders: Vec<Contender>) -> ComparisonConfig {
        ComparisonConfig {
            setup: MlpSetup::new(4000, 2000, &[64], 6, 100),
            peak_lr: 0.05,
            momentum: 0.9,
            seeds: self.seeds.clone(),
            target_loss: 0.4,
            contenders,
        }
    }
}

/// Exercise 1: constant, StepLR, cosine and plateau on the same MLP and budget, compared
/// on final test accuracy (with the seed noise) and steps to a target training loss.
#[derive(clap::Args, Clone, Debug)]
pub struct FourSchedules {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub budget: Budget,
}

impl Exercise for FourSchedules {
    const NAME: &'static str = "ch3_ex1_four_schedules";

    fn solve(&self, cfg: &Config, _figures: Option<&Path>) -> Result<Solution> {
        let four = vec![
            Contender::Constant,
            Contender::Step,
            Contender::Cosine,
            Contender::Plateau,
        ];
        let cc = self.budget.config(four);
        cc.validate()?;
        let cmp = compare(cfg, &cc)?;
        Ok(Solution::tables(vec![
            comparison_table(&cmp, "ex1_four_schedules")?,
            per_seed_table(&cmp, "ex1_per_seed"),
        ]))
    }
}

/// Exercise 2: where SGDR restarts and its mean learning rate over each period, closed
/// forms against a scan of the schedule itself.
#[derive(clap::Args, Clone, Debug)]
pub struct WarmRestarts {
    /// Restarts to list for each setting.
    #[arg(long, default_value_t = 4)]
    pub restarts: u32,
}

impl Exercise for WarmRestarts {
    const NAME: &'static str = "ch3_ex2_warm_restarts";

    fn solve(&self, _cfg: &Config, _figures: Option<&Path>) -> Result<Solution> {
        let (steps, means) = ex2_warm_restarts(&EX2_SETTINGS, self.restarts)?;
        Ok(Solution::tables(vec![steps, means]))
    }
}

/// Exercise 3: one-cycle with its peak at multiples of η, against constant η, on exercise
/// 1's budget: should one-cycle's peak sit above the best constant learning rate?
#[derive(clap::Args, Clone, Debug)]
pub struct OneCyclePeak {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub budget: Budget,
    /// Peaks as multiples of η, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "0.5,1,2,4")]
    pub multiples: Vec<f64>,
}

impl Exercise for OneCyclePeak {
    const NAME: &'static str = "ch3_ex3_one_cycle_peak";

    fn solve(&self, cfg: &Config, _figures: Option<&Path>) -> Result<Solution> {
        let base = self.budget.config(vec![Contender::OneCycle]);
        validate::list_len("--multiples", &self.multiples)?;
        for &m in &self.multiples {
            validate::positive("--multiples", m)?;
            validate::learning_rate(
                &format!("--multiples {m} (one-cycle peak)"),
                m * base.peak_lr,
            )?;
        }
        base.validate()?;
        let table = ex3_one_cycle_peak(cfg, &base, &self.multiples)?;
        Ok(Solution::tables(vec![table]))
    }
}

/// Exercise 2's warm-restart settings `(T₀, T_mult)`.
pub const EX2_SETTINGS: [(usize, usize); 3] = [(10, 1), (10, 2), (5, 3)];

/// The closed form of exercise 2: the `k`-th restart (k = 1, 2, …) of SGDR happens at step
/// `T₀·(T_multᵏ − 1)/(T_mult − 1)`, or `k·T₀` when `T_mult = 1`. `None` when the step does
/// not fit in a `usize`.
pub fn restart_step(t_0: usize, t_mult: usize, k: u32) -> Option<usize> {
    if t_mult == 1 {
        t_0.checked_mul(k as usize)
    } else {
        let grown = t_mult.checked_pow(k)? - 1;
        // T₀·(T_multᵏ − 1) may overflow where the quotient does not: divide first when exact.
        match t_0.checked_mul(grown) {
            Some(p) => Some(p / (t_mult - 1)),
            None => (grown / (t_mult - 1)).checked_mul(t_0),
        }
    }
}

/// The most restarts exercise 2 lists: its scan then stays within [`validate::MAX_STEPS`]
/// schedule steps for every setting.
fn check_restart_scan(settings: &[(usize, usize)], restarts: u32) -> Result<()> {
    validate::at_least_one("--restarts", restarts as usize)?;
    for &(t_0, t_mult) in settings {
        let last = restart_step(t_0, t_mult, restarts);
        if last.map_or(true, |l| l > validate::MAX_STEPS) {
            let steps = last.map_or("more than 2^64".to_string(), |l| l.to_string());
            return Err(crate::Error::invalid(
                "--restarts",
                format!(
                    "got {restarts}: scanning the schedule with T₀ = {t_0}, T_mult = {t_mult} \
                     up to its restart {restarts} would take {steps} steps, above the limit \
                     of {}",
                    validate::MAX_STEPS
                ),
                "Pass fewer restarts, such as the default 4.",
            ));
        }
    }
    Ok(())
}

/// Exercise 2: where SGDR restarts, predicted and found by scanning the schedule for the
/// steps where the LR jumps back up; and the mean LR over each period, measured against
/// the exact discrete mean `η_min + (η_max − η_min)·(T + 1)/(2T)` of a `T`-step period.
pub fn ex2_warm_restarts(settings: &[(usize, usize)], restarts: u32) -> Result<(Table, Table)> {
    check_restart_scan(settings, restarts)?;
    let (eta_max, eta_min) = (0.1, 0.001);
    let mut steps = crate::table!(
        "ex2_restart_steps",
        &format!("Steps at which SGDR restarts: closed form against a scan of the schedule (η from {} to {})", fmt_sig(eta_max, 3), fmt_sig(eta_min, 3)),
        &["T₀", "T_mult", "restart k", "T₀(T_multᵏ−1)/(T_mult−1)", "found by scan"],
    );
    let mut means = crate::table!(
        "ex2_period_means",
        "Mean η over each period of T steps, measured against η_min + (η_max − η_min)(T+1)/(2T)",
        &[
            "T₀",
            "T_mult",
            "period",
            "T",
            "mean η measured",
            "closed form",
            "relative gap",
        ],
    );
    for &(t_0, t_mult) in settings {
        let s = CosineAnnealingWarmRestarts::new(eta_max, t_0, t_mult, eta_min)?;
        let last = restart_step(t_0, t_mult, restarts).unwrap_or(0);
        let found: Vec<usize> = (1..=last).filter(|&k| s.lr(k) > s.lr(k - 1)).collect();
        let mut start = 0;
        for k in 1..=restarts {
            let predicted = restart_step(t_0, t_mult, k).unwrap_or(0);
            let scanned = found
                .get(k as usize - 1)
                .map_or(Cell::from("none"), |&f| Cell::from(f));
            steps.push(vec![
                Cell::from(t_0),
                Cell::from(t_mult),
                Cell::from(k as usize),
                Cell::from(predicted),
                scanned,
            ]);
            let period = predicted - start;
            let measured = (start..predicted).map(|j| s.lr(j)).sum::<f64>() / period as f64;
            let t = period as f64;
            let closed = eta_min + (eta_max - eta_min) * (t + 1.0) / (2.0 * t);
            means.push(vec![
                Cell::from(t_0),
                Cell::from(t_mult),
                Cell::from(k as usize),
                Cell::from(period),
                Cell::num(measured, 7),
                Cell::num(closed, 7),
                gap_cell(((measured - closed) / closed).abs()),
            ]);
            start = predicted;
        }
    }
    Ok((steps, means))
}

/// A relative gap, shown as "< 1e-12" when it is rounding noise (whose exact digits depend
/// on the platform's `cos`).
fn gap_cell(gap: f64) -> Cell {
    if gap < 1e-12 {
        Cell::from("< 1e-12")
    } else {
        Cell::num(gap, 2)
    }
}

/// Exercise 3: is one-cycle's best peak above the constant schedule's η? One-cycle at
/// several multiples of η against constant at η, on the budget `base`.
pub fn ex3_one_cycle_peak(
    cfg: &Config,
    base: &ComparisonConfig,
    multiples: &[f64],
) -> Result<Table> {
    let constant_cfg = ComparisonConfig {
        contenders: vec![Contender::Constant],
        ..base.clone()
    };
    let constant = compare(cfg, &constant_cfg)?.accuracies(Contender::Constant);
    let constant_ci = stats::mean_ci(&constant, stats::LEVEL)?;
    let n = base.seeds.len();
    let t_column = paired_t_column(n);
    let mut table = crate::table!(
        "ex3_one_cycle_peak",
        &format!(
            "One-cycle with its peak at multiples of η = {}, against constant η; {}",
            fmt_sig(base.peak_lr, 3),
            seeds_caption(n)
        ),
        &[
            "schedule",
            "peak η",
            "test accuracy (mean)",
            "± 95% CI",
            "Δ vs constant (paired mean)",
            "95% CI of Δ",
            &t_column,
            "beyond seed noise?",
            "diverged runs",
        ],
    );
    let mut row = vec![
        Cell::from("constant"),
        Cell::num(base.peak_lr, 3),
        Cell::num(constant_ci.mean, 4),
        Cell::num(constant_ci.half_width, 2),
    ];
    row.extend((0..4).map(|_| Cell::from("—")));
    row.push(Cell::from(0usize));
    table.push(row);
    for &m in multiples {
        let peak = validate::learning_rate("one-cycle peak", base.peak_lr * m)?;
        let cc = ComparisonConfig {
            peak_lr: peak,
            contenders: vec![Contender::OneCycle],
            ..base.clone()
        };
        let cmp = compare(cfg, &cc)?;
        let acc = cmp.accuracies(Contender::OneCycle);
        let ci = stats::mean_ci(&acc, stats::LEVEL)?;
        let diverged = cmp.runs.iter().filter(|r| r.history.diverged()).count();
        let mut row = vec![
            Cell::Text(format!("one-cycle, {}×η", fmt_sig(m, 2))),
            Cell::num(peak, 3),
            Cell::num(ci.mean, 4),
            Cell::num(ci.half_width, 2),
        ];
        row.extend(paired_cells(&stats::paired(&acc, &constant, stats::LEVEL)?));
        row.push(Cell::from(diverged));
        table.push(row);
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restart_steps_follow_the_geometric_sum() {
        assert_eq!(restart_step(10, 1, 3), Some(30));
        assert_eq!(restart_step(10, 2, 3), Some(70));
        assert_eq!(restart_step(5, 3, 2), Some(20));
        assert_eq!(restart_step(5, 3, 64), None);
        // The scan is bounded: (5, 3) reaches 10⁷ steps between restarts 13 and 14.
        assert!(ex2_warm_restarts(&EX2_SETTINGS, 13).is_ok());
        for too_many in [14, 25, 64, u32::MAX] {
            let msg = ex2_warm_restarts(&EX2_SETTINGS, too_many)
                .unwrap_err()
                .to_string();
            assert!(
                msg.contains("above the limit") && msg.contains("--restarts"),
                "{msg}"
            );
        }
        let (steps, means) = ex2_warm_restarts(&EX2_SETTINGS, 4).unwrap();
        for row in &steps.rows {
            assert_eq!(row[3], row[4], "{row:?}");
        }
        for row in &means.rows {
            assert_eq!(row[6], Cell::from("< 1e-12"), "{row:?}");
        }
    }
}
