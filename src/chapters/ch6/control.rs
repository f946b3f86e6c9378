//! The control experiment behind "From the finder to one-cycle": the chapter's one-cycle
//! table sets the peak from the finder and divides by the best *constant* η, so its ratio
//! mixes two things, the choice of peak and annealing. Here they are taken apart, on seeds
//! that did not choose anything:
//! - the peak η\* is the grid's best constant η on the chapter's seeds (the selection);
//! - on fresh evaluation seeds, constant η\*, one-cycle with peak η\*, and one-cycle with
//!   peak at the minimum/10 suggestion are trained for the same budget;
//! - paired over those seeds: one-cycle(η\*) − constant(η\*) is what annealing adds at a
//!   fixed peak, and one-cycle(minimum/10) − one-cycle(η\*) is what the finder's peak costs
//!   against the grid's.
use std::path::Path;

use tch::Device;

use super::grid_search::{final_loss, mean_final_loss, Plan};
use super::reading_curve::{fresh_range_test, Setup};
use super::{four_rules, FinderConfig};
use crate::chapters::exercise::{solve_section, Exercise, Section, Solution};
use crate::chapters::Config;
use crate::data::fashion_mnist::FashionMnist;
use crate::finder::Rule;
use crate::report::{Cell, Table};
use crate::stats::{self, paired_cells, paired_t_column, Paired};
use crate::{validate, Error, Result};

/// One setup's control runs.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ControlRuns {
    /// The setup.
    pub setup: Setup,
    /// The grid's best constant η on the selection seeds.
    pub grid_best: f64,
    /// The minimum/10 suggestion of the range test (the chapter's one-cycle peak).
    pub finder_peak: f64,
    /// Final held-out loss per evaluation seed: constant at `grid_best`.
    pub constant: Vec<f64>,
    /// The same for one-cycle with peak `grid_best`.
    pub one_cycle_grid_peak: Vec<f64>,
    /// The same for one-cycle with peak `finder_peak`.
    pub one_cycle_finder_peak: Vec<f64>,
}

impl ControlRuns {
    /// Annealing at a fixed peak: one-cycle(η\*) − constant(η\*), paired over the seeds.
    pub fn annealing(&self) -> Result<Paired> {
        stats::paired(&self.one_cycle_grid_peak, &self.constant, stats::LEVEL)
    }

    /// The finder's peak against the grid's, both annealed: one-cycle(minimum/10) −
    /// one-cycle(η\*).
    pub fn peak_choice(&self) -> Result<Paired> {
        stats::paired(
            &self.one_cycle_finder_peak,
            &self.one_cycle_grid_peak,
            stats::LEVEL,
        )
    }

    /// The chapter's comparison on fresh seeds: one-cycle(minimum/10) − constant(η\*).
    pub fn finder_one_cycle_vs_constant(&self) -> Result<Paired> {
        stats::paired(&self.one_cycle_finder_peak, &self.constant, stats::LEVEL)
    }
}

/// Takes apart the peak choice and annealing in the chapter's one-cycle comparison: the peak
/// is chosen by the grid on the chapter's seeds, and every comparison is paired over fresh
/// seeds.
#[derive(clap::Args, Clone, Debug)]
pub struct OneCycleControl {
    /// Evaluation seeds, comma-separated and distinct, none of them a selection seed; each is
    /// added to --seed (default 10,11,12 with --quick, else 10,11,12,13,14).
    #[arg(long, value_delimiter = ',', value_name = "SEED,...", value_parser = crate::cli::parse_seed)]
    pub eval_seeds: Option<Vec<u64>>,
}

impl OneCycleControl {
    /// The evaluation seeds (before `--seed` is added).
    fn listed_eval_seeds(&self, quick: bool) -> Vec<u64> {
        self.eval_seeds.clone().unwrap_or_else(|| {
            let n = if quick { 3 } else { 5 };
            (10..10 + n).collect()
        })
    }

    /// Runs the control for every setup of the chapter's configuration.
    pub fn runs(&self, cfg: &Config) -> Result<(FinderConfig, Vec<u64>, Vec<ControlRuns>)> {
        let fc = FinderConfig::for_config(cfg.quick);
        let fc = FinderConfig {
            seeds: cfg.run_seeds("--seeds", &fc.seeds)?,
            ..fc
        };
        let listed = self.listed_eval_seeds(cfg.quick);
        validate::distinct_seeds("--eval-seeds", &listed, 2)?;
        let eval = cfg.run_seeds("--eval-seeds", &listed)?;
        if let Some(s) = eval.iter().find(|s| fc.seeds.contains(s)) {
            return Err(Error::invalid(
                "--eval-seeds",
                format!("seed {s} is also a selection seed of the grid"),
                "Pass evaluation seeds the grid did not use (the default starts at 10).",
            ));
        }
        let data = fc.load_data(cfg)?;
        let mut runs = Vec::new();
        for &setup in &fc.setups {
            runs.push(control_runs(&fc, &data, setup, &eval, cfg.device)?);
        }
        Ok((fc, eval, runs))
    }
}

/// The selection (range test and grid on the chapter's seeds) and the evaluation runs of
/// one setup.
fn control_runs(
    fc: &FinderConfig,
    data: &FashionMnist,
    setup: Setup,
    eval_seeds: &[u64],
    device: Device,
) -> Result<ControlRuns> {
    let finder = fresh_range_test(fc, data, setup, device)?;
    let finder_peak = four_rules::suggestions(&finder)
        .into_iter()
        .find(|(rule, _)| *rule == Rule::Minimum)
        .and_then(|(_, s)| s.ok())
        .ok_or_else(|| {
            Error::invalid(
                "one-cycle control",
                format!(
                    "the range test of {} has no minimum/10 suggestion",
                    setup.name()
                ),
                "Pass a larger --iterations (100 or more).",
            )
        })?;
    let mut grid_best = (f64::NAN, f64::INFINITY);
    for &lr in &fc.grid {
        let loss = mean_final_loss(fc, data, setup, Plan::Constant(lr), device)?;
        if loss < grid_best.1 {
            grid_best = (lr, loss);
        }
    }
    if !grid_best.1.is_finite() {
        return Err(Error::invalid(
            "one-cycle control",
            format!("every grid run of {} diverged", setup.name()),
            "Pass a grid with smaller learning rates.",
        ));
    }
    let mut runs = ControlRuns {
        setup,
        grid_best: grid_best.0,
        finder_peak,
        constant: Vec::new(),
        one_cycle_grid_peak: Vec::new(),
        one_cycle_finder_peak: Vec::new(),
    };
    for &seed in eval_seeds {
        let loss = |plan| final_loss(fc, data, setup, plan, seed, device);
        runs.constant.push(loss(Plan::Constant(grid_best.0))?);
        runs.one_cycle_grid_peak
            .push(loss(Plan::OneCycle(grid_best.0))?);
        runs.one_cycle_finder_peak
            .push(loss(Plan::OneCycle(finder_peak))?);
    }
    Ok(runs)
}

/// "mean ± half-width" of `xs` (see [`stats::spread`]), or "diverged" when a run did.
fn mean_ci_cell(xs: &[f64]) -> Result<Cell> {
    if xs.iter().any(|x| !x.is_finite()) {
        return Ok(Cell::from("diverged"));
    }
    Ok(Cell::Text(stats::mean_ci(xs, stats::LEVEL)?.text()))
}

/// The two tables: the losses of the three plans, and the three paired comparisons.
pub fn control_tables(fc: &FinderConfig, eval: &[u64], runs: &[ControlRuns]) -> Result<[Table; 2]> {
    let seeds = eval
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let mut losses = crate::table!(
        "control_losses",
        &format!(
            "Control: final held-out loss after {} steps on the evaluation seeds {seeds} (mean ± \
             95% Student-t interval, n = {}, df {}); η* is the grid's best constant η on the \
             selection seeds {}",
            fc.budget,
            eval.len(),
            eval.len().saturating_sub(1),
            fc.seeds
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        &[
            "setup",
            "η*",
            "minimum/10 peak",
            "constant η*",
            "one-cycle, peak η*",
            "one-cycle, peak minimum/10",
        ],
    );
    let t_col = paired_t_column(eval.len());
    let mut comparisons = crate::table!(
        "control_comparisons",
        &format!(
            "Control: paired differences of final held-out loss over the {} evaluation seeds \
             (negative: the first plan ends lower); beyond the seed noise when the 95% \
             interval excludes 0",
            eval.len()
        ),
        &[
            "setup",
            "comparison",
            "mean difference",
            "95% interval",
            &t_col,
            "beyond seed noise",
        ],
    );
    for r in runs {
        losses.push(vec![
            Cell::from(r.setup.name()),
            Cell::num(r.grid_best, 2),
            Cell::num(r.finder_peak, 2),
            mean_ci_cell(&r.constant)?,
            mean_ci_cell(&r.one_cycle_grid_peak)?,
            mean_ci_cell(&r.one_cycle_finder_peak)?,
        ]);
        for (what, p) in [
            (
                "annealing at a fixed peak: one-cycle(η*) − constant(η*)",
                r.annealing(),
            ),
            (
                "the finder's peak: one-cycle(minimum/10) − one-cycle(η*)",
                r.peak_choice(),
            ),
            (
                "the chapter's comparison: one-cycle(minimum/10) − constant(η*)",
                r.finder_one_cycle_vs_constant(),
            ),
        ] {
            let mut row = vec![Cell::from(r.setup.name()), Cell::from(what)];
            match p {
                Ok(p) => row.extend(paired_cells(&p)),
                Err(_) => row.extend((0..4).map(|_| Cell::from("a run diverged"))),
            }
            comparisons.push(row);
        }
    }
    Ok([losses, comparisons])
}

impl Exercise for OneCycleControl {
    const NAME: &'static str = "ch6_control_one_cycle";

    fn title() -> String {
        "Chapter 6, control experiment: one-cycle's peak and annealing taken apart".to_string()
    }

    fn solve(&self, cfg: &Config, figures: Option<&Path>) -> Result<Solution> {
        solve_section(self, cfg, figures)
    }
}

impl Section for OneCycleControl {
    type Output = (FinderConfig, Vec<u64>, Vec<ControlRuns>);

    fn compute(&self, cfg: &Config) -> Result<(FinderConfig, Vec<u64>, Vec<ControlRuns>)> {
        self.runs(cfg)
    }

    fn solution((fc, eval, runs): &Self::Output, figures: Option<&Path>) -> Result<Solution> {
        let _ = figures;
        Ok(Solution::tables(control_tables(fc, eval, runs)?.into()))
    }
}
