//! "Are the suggestions any good? A grid search at the same budget": a grid of constant
//! learning rates and a run at each suggestion, all trained for the same budget and judged
//! by the held-out loss; the ratio of each suggestion's loss to the best grid point's.
use tch::{nn, Device};

use super::four_rules::{self, Suggested};
use super::reading_curve::{build_model, Net, Opt, Setup};
use super::FinderConfig;
use crate::data::fashion_mnist::FashionMnist;
use crate::data::Dataset;
use crate::finder::{RangeTestResult, Rule};
use crate::optim::tch_nn::build_optimizer;
use crate::report::{Cell, Table};
use crate::schedule::{FollowSchedule, LrPolicy, OneCycleConfig, OneCycleLr};
use crate::train::{self, History, Loss, TrainConfig};
use crate::Result;

/// How an LR is scheduled in a training run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Plan {
    /// The same LR every step.
    Constant(f64),
    /// PyTorch's one-cycle with this peak (momentum cycled for the momentum optimizers).
    OneCycle(f64),
}

/// A run of the budget's steps, shuffled from `seed`, stopped at a 1000× blow-up.
fn budget_run(cfg: &FinderConfig, seed: u64) -> TrainConfig {
    TrainConfig {
        epochs: cfg.budget, // the step budget ends every run; each epoch has >= 1 step
        batch_size: cfg.batch_size,
        shuffle_seed: Some(seed.wrapping_mul(1000).wrapping_add(500)),
        max_steps: Some(cfg.budget),
        blowup: Some(1e3),
        eval_every: None,
        progress: true,
        clip_grad_norm: None,
    }
}

/// Trains a fresh model of `setup` from `seed` for the budget under `plan` on `train`,
/// evaluated on `held_out` at the end; returns the trained model and its history.
pub fn train_for_budget(
    cfg: &FinderConfig,
    setup: Setup,
    plan: Plan,
    seed: u64,
    device: Device,
    train: &Dataset,
    held_out: Option<&Dataset>,
) -> Result<(nn::VarStore, Net, History)> {
    let (vs, net) = build_model(cfg, setup, seed, device)?;
    let (lr, one_cycle) = match plan {
        Plan::Constant(lr) => (lr, None),
        Plan::OneCycle(peak) => {
            let options = OneCycleConfig {
                cycle_momentum: setup.opt != Opt::Sgd,
                ..OneCycleConfig::default()
            };
            (peak, Some(OneCycleLr::new(peak, cfg.budget, options)?))
        }
    };
    let mut opt = build_optimizer(setup.opt, &vs, lr)?;
    let (mut constant, mut follow);
    let policy: &mut dyn LrPolicy = match &one_cycle {
        Some(schedule) => {
            follow = FollowSchedule(schedule);
            &mut follow
        }
        None => {
            constant = move |_: usize| lr;
            &mut constant
        }
    };
    let history = train::train(
        &net,
        Loss::CrossEntropy,
        &mut opt,
        policy,
        train,
        held_out,
        &budget_run(cfg, seed),
    )?;
    Ok((vs, net, history))
}

/// Trains a fresh model of `setup` from `seed` for the budget; returns the held-out loss at
/// the end, or +∞ when the run diverged.
pub fn final_loss(
    cfg: &FinderConfig,
    data: &FashionMnist,
    setup: Setup,
    plan: Plan,
    seed: u64,
    device: Device,
) -> Result<f64> {
    let (_, _, history) = train_for_budget(
        cfg,
        setup,
        plan,
        seed,
        device,
        &data.train,
        Some(&data.test),
    )?;
    let loss = history.final_eval_loss();
    Ok(if history.diverged() || !loss.is_finite() {
        f64::INFINITY
    } else {
        loss
    })
}

/// The final held-out loss of each seed, in the order of `cfg.seeds` (+∞ where it diverged).
pub fn final_losses(
    cfg: &FinderConfig,
    data: &FashionMnist,
    setup: Setup,
    plan: Plan,
    device: Device,
) -> Result<Vec<f64>> {
    cfg.seeds
        .iter()
        .map(|&seed| final_loss(cfg, data, setup, plan, seed, device))
        .collect()
}

/// The mean of `losses`, summed in order.
fn mean_of(losses: &[f64]) -> f64 {
    losses.iter().sum::<f64>() / losses.len() as f64
}

/// Mean of the final held-out loss over the seeds (+∞ if any seed diverged).
pub fn mean_final_loss(
    cfg: &FinderConfig,
    data: &FashionMnist,
    setup: Setup,
    plan: Plan,
    device: Device,
) -> Result<f64> {
    Ok(mean_of(&final_losses(cfg, data, setup, plan, device)?))
}

/// One setup's range test, grid and suggestion runs.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct SetupResult {
    /// The setup.
    pub setup: Setup,
    /// The range test on a fresh model (first seed).
    pub finder: RangeTestResult,
    /// Each rule's suggested LR, or the reason it has none.
    pub suggestions: Vec<(Rule, Suggested)>,
    /// `(lr, mean final held-out loss)` for every grid point.
    pub grid: Vec<(f64, f64)>,
    /// `(rule, mean final held-out loss)` of the runs at each suggestion.
    pub at_suggestion: Vec<(Rule, f64)>,
    /// The per-seed final losses behind `grid`, one vector per grid point.
    pub grid_seeds: Vec<Vec<f64>>,
    /// The per-seed final losses behind `at_suggestion`.
    pub at_suggestion_seeds: Vec<(Rule, Vec<f64>)>,
}

impl SetupResult {
    /// The best grid point `(lr, loss)`.
    pub fn best_grid(&self) -> (f64, f64) {
        self.grid.iter().copied().fold(
            (f64::NAN, f64::INFINITY),
            |b, g| if g.1 < b.1 { g } else { b },
        )
    }

    /// A rule's suggested LR, if it made one.
    pub fn suggested(&self, rule: Rule) -> Option<f64> {
        self.suggestions
            .iter()
            .find(|(r, _)| *r == rule)
            .and_then(|(_, s)| s.as_ref().ok().copied())
    }

    /// A rule's suggestion against the best grid point, paired over the seeds: the per-seed
    /// loss at the suggestion minus the best grid point's (negative: the suggestion ended
    /// lower). `None` where the rule made no suggestion; an error with one seed or where a
    /// run diverged.
    pub fn paired_vs_best(&self, rule: Rule) -> Option<Result<crate::stats::Paired>> {
        let best = self.grid.iter().position(|g| g.0 == self.best_grid().0)?;
        let at = &self.at_suggestion_seeds.iter().find(|(r, _)| *r == rule)?.1;
        Some(crate::stats::paired(
            at,
            &self.grid_seeds[best],
            crate::stats::LEVEL,
        ))
    }

    /// Final held-out loss at a rule's suggestion ÷ the best grid loss.
    pub fn ratio(&self, rule: Rule) -> Option<f64> {
        let best = self.best_grid().1;
        self.at_suggestion
            .iter()
            .find(|(r, _)| *r == rule)
            .map(|&(_, l)| l / best)
    }
}

/// Trains `setup` at every grid point, then at each of its suggestions.
pub fn run_setup(
    fc: &FinderConfig,
    data: &FashionMnist,
    setup: Setup,
    finder: RangeTestResult,
    device: Device,
) -> Result<SetupResult> {
    let suggestions = four_rules::suggestions(&finder);
    let (mut grid, mut grid_seeds) = (Vec::new(), Vec::new());
    for &lr in &fc.grid {
        let losses = final_losses(fc, data, setup, Plan::Constant(lr), device)?;
        grid.push((lr, mean_of(&losses)));
        grid_seeds.push(losses);
    }
    let (mut at_suggestion, mut at_suggestion_seeds) = (Vec::new(), Vec::new());
    for (rule, s) in &suggestions {
        if let Ok(lr) = s {
            let losses = final_losses(fc, data, setup, Plan::Constant(*lr), device)?;
            at_suggestion.push((*rule, mean_of(&losses)));
            at_suggestion_seeds.push((*rule, losses));
        }
    }
    Ok(SetupResult {
        setup,
        finder,
        suggestions,
        grid,
        at_suggestion,
        grid_seeds,
        at_suggestion_seeds,
    })
}

/// "mean over 3 seeds", "mean over 1 seed".
fn mean_over_seeds(fc: &FinderConfig) -> String {
    let n = fc.seeds.len();
    format!("mean over {n} seed{}", if n == 1 { "" } else { "s" })
}

/// The grid: mean final held-out loss of every constant LR, per setup.
pub fn grid_table(results: &[SetupResult], fc: &FinderConfig) -> Table {
    let mut cols = vec!["constant η"];
    cols.extend(results.iter().map(|r| r.setup.name()));
    let mut t = crate::table!(
        "grid",
        &format!(
            "Grid search: held-out loss after {} steps at each constant η ({}; ∞ = diverged)",
            fc.budget,
            mean_over_seeds(fc)
        ),
        &cols,
    );
    for (i, &lr) in fc.grid.iter().enumerate() {
        let mut row = vec![Cell::num(lr, 2)];
        row.extend(results.iter().map(|r| Cell::num(r.grid[i].1, 3)));
        t.push(row);
    }
    t
}

/// The validation: held-out loss at each suggestion ÷ the best grid loss, per setup, and
/// each rule's mean and worst ratio over the setups.
pub fn ratio_table(results: &[SetupResult], fc: &FinderConfig) -> Table {
    let mut cols = vec![
        "setup".to_string(),
        "best grid η".to_string(),
        "best grid loss".to_string(),
    ];
    cols.extend(Rule::ALL.iter().map(|r| format!("{} ÷ best", r.name())));
    let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
    let mut t = crate::table!(
        "ratios",
        &format!(
            "Held-out loss after {} steps at each rule's suggestion, divided by the best grid \
             point's (1 = as good as the grid; {})",
            fc.budget,
            mean_over_seeds(fc)
        ),
        &cols,
    );
    for r in results {
        let (lr, loss) = r.best_grid();
        let mut row = vec![
            Cell::from(r.setup.name()),
            Cell::num(lr, 2),
            Cell::num(loss, 3),
        ];
        row.extend(
            Rule::ALL
                .iter()
                .map(|&rule| r.ratio(rule).map_or(Cell::from("—"), |x| Cell::num(x, 3))),
        );
        t.push(row);
    }
    for (label, worst) in [("mean over setups", false), ("worst setup", true)] {
        let mut row = vec![Cell::from(label), Cell::from(""), Cell::from("")];
        for &rule in &Rule::ALL {
            row.push(match rule_summary(results, rule) {
                Some((mean, max)) => Cell::num(if worst { max } else { mean }, 3),
                None => Cell::from("—"),
            });
        }
        t.push(row);
    }
    t
}

/// Each rule's suggestion against the best grid point, paired over the shared seeds: the
/// spread behind the ratios table.
pub fn suggestion_spread_table(results: &[SetupResult], fc: &FinderConfig) -> Table {
    let n = fc.seeds.len();
    let t_col = crate::stats::paired_t_column(n);
    let mut t = crate::table!(
        "ratios_spread",
        &format!(
            "Each suggestion against the best grid point, per seed: held-out loss at the \
             suggestion minus the best grid point's, after {} steps (negative: the suggestion \
             ended lower); {}. The best grid point was chosen on these same seeds, which \
             favours it",
            fc.budget,
            crate::stats::seeds_caption(n)
        ),
        &[
            "setup",
            "rule",
            "mean difference",
            "95% interval",
            &t_col,
            "beyond seed noise",
        ],
    );
    for r in results {
        for &rule in &Rule::ALL {
            let mut row = vec![Cell::from(r.setup.name()), Cell::from(rule.name())];
            match r.paired_vs_best(rule) {
                Some(Ok(p)) => row.extend(crate::stats::paired_cells(&p)),
                Some(Err(_)) => {
                    // One seed has no spread (the caption says so); otherwise a run diverged.
                    let why = if n < 2 { "—" } else { "a run diverged" };
                    row.extend((0..4).map(|_| Cell::from(why)));
                }
                None => row.extend((0..4).map(|_| Cell::from("—"))),
            }
            t.push(row);
        }
    }
    t
}

/// A rule's mean and worst ratio over the setups; `None` if it failed to suggest anywhere.
pub fn rule_summary(results: &[SetupResult], rule: Rule) -> Option<(f64, f64)> {
    let ratios: Option<Vec<f64>> = results.iter().map(|r| r.ratio(rule)).collect();
    let ratios = ratios?;
    let mean = ratios.iter().sum::<f64>() / ratios.len() as f64;
    Some((
        mean,
        ratios.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    ))
}

/// The rule with the smallest worst-case ratio (ties: smallest mean): the one to trust.
pub fn trusted_rule(results: &[SetupResult]) -> Option<Rule> {
    Rule::ALL
        .iter()
        .filter_map(|&r| rule_summary(results, r).map(|s| (r, s)))
        .min_by(|a, b| a.1 .1.total_cmp(&b.1 .1).then(a.1 .0.total_cmp(&b.1 .0)))
        .map(|(r, _)| r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finder::Stop;

    /// A setup with a hand-made grid and suggestion losses (no training).
    fn result(grid: &[(f64, f64)], at: &[(Rule, f64)]) -> SetupResult {
        SetupResult {
            setup: Setup::ALL[0],
            finder: RangeTestResult {
                points: vec![],
                stop: Stop::Completed,
                iterations: 0,
            },
            suggestions: at.iter().map(|&(r, _)| (r, Ok(0.1))).collect(),
            grid: grid.to_vec(),
            at_suggestion: at.to_vec(),
            grid_seeds: grid.iter().map(|g| vec![g.1; 3]).collect(),
            at_suggestion_seeds: at.iter().map(|&(r, l)| (r, vec![l; 3])).collect(),
        }
    }

    /// The paired comparison takes the best grid point's per-seed losses, seed by seed:
    /// differences 0.05, 0.02, 0.07 have mean 0.0466… and df 2.
    #[test]
    fn suggestion_is_paired_with_the_best_grid_point_seed_by_seed() {
        let mut a = result(&[(0.01, 0.9), (0.03, 0.5)], &[(Rule::Steep, 0.547)]);
        a.grid_seeds[1] = vec![0.5, 0.6, 0.4];
        a.grid_seeds[0] = vec![9.0, 9.0, 9.0]; // not the best point: must not be used
        a.at_suggestion_seeds[0].1 = vec![0.55, 0.62, 0.47];
        let p = a.paired_vs_best(Rule::Steep).unwrap().unwrap();
        assert_eq!((p.n, p.df), (3, 2));
        assert!((p.mean_diff - 0.14 / 3.0).abs() < 1e-12, "{}", p.mean_diff);
        assert!(a.paired_vs_best(Rule::Valley).is_none());
        // One seed: no interval, an error rather than a number.
        a.grid_seeds[1] = vec![0.5];
        a.at_suggestion_seeds[0].1 = vec![0.55];
        assert!(a.paired_vs_best(Rule::Steep).unwrap().is_err());
    }

    /// The best grid point is the lowest finite loss (a diverged point is +∞), and a ratio
    /// is the suggestion's loss over it: 0.75 / 0.5 = 1.5, 1 / 0.5 = 2.
    #[test]
    fn ratio_divides_by_the_lowest_grid_loss() {
        let inf = f64::INFINITY;
        let a = result(
            &[(0.01, 0.9), (0.03, 0.5), (0.1, 0.6), (0.3, inf)],
            &[(Rule::Steep, 0.75), (Rule::Valley, 1.0)],
        );
        assert_eq!(a.best_grid(), (0.03, 0.5));
        assert_eq!(a.ratio(Rule::Steep), Some(1.5));
        assert_eq!(a.ratio(Rule::Valley), Some(2.0));
        assert_eq!(a.ratio(Rule::Minimum), None);
        // Over two setups: mean and worst ratio, and the rule with the best worst case.
        let b = result(
            &[(0.01, 0.4), (0.03, 0.8), (0.1, inf)],
            &[(Rule::Steep, 1.0), (Rule::Valley, 0.5)],
        );
        assert_eq!(b.best_grid(), (0.01, 0.4));
        let both = [a, b];
        assert_eq!(rule_summary(&both, Rule::Steep), Some((2.0, 2.5)));
        assert_eq!(rule_summary(&both, Rule::Valley), Some((1.625, 2.0)));
        assert_eq!(rule_summary(&both, Rule::Minimum), None);
        assert_eq!(trusted_rule(&both), Some(Rule::Valley));
    }
}
