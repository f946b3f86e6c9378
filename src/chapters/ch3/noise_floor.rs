//! "The noise floor, and why annealing works", part 1: constant-step SGD on a noisy
//! quadratic. Many chains per (η, B), all in one batched tensor, measure the stationary loss
//! against the closed form `Σ ησᵢ²/(2B(2−ηλᵢ))`, the time to shed the start against
//! `1/(ηλ_min)`, and the best constant η for a budget of steps against the exact recursion.
//! Exercise 4 (halve η or double B) is here too.
use std::path::{Path, PathBuf};

use crate::chapters::exercise::{Exercise, Solution};
use crate::chapters::Config;
use crate::grid::log_spaced;
use crate::noisy_quadratic::{first_below, run_chains, ChainGroup, NoisyQuadratic};
use crate::plot::{self, LineChart, Series};
use crate::report::{fmt_sig, Cell, Table};
use crate::stats::mean_ci;
use crate::{validate, Result};

/// Directions of the quadratic.
pub const DIMS: usize = 8;
/// Smallest curvature.
pub const LAMBDA_MIN: f64 = 0.05;
/// Largest curvature: the stability edge is `2/λ_max = 2`.
pub const LAMBDA_MAX: f64 = 1.0;
/// Every chain starts at `θ₀ = (1, …, 1)`.
pub const THETA0: f64 = 1.0;
/// Level of the intervals over chains: 99%, as several rows are checked at once.
pub const LEVEL: f64 = 0.99;
/// "Shed the start": the transient `E f(θ_t) − floor` falls below this share of its start.
pub const SHED: f64 = 0.01;

/// The book's noisy quadratic: 8 curvatures log-spaced in `[0.05, 1]`, noise `σᵢ² = λᵢ`.
pub fn problem() -> Result<NoisyQuadratic> {
    NoisyQuadratic::log_spectrum(DIMS, LAMBDA_MIN, LAMBDA_MAX)
}

/// `θ₀ = (1, …, 1)`.
pub fn theta0() -> Vec<f64> {
    vec![THETA0; DIMS]
}

/// The caption fragment every table shares: the problem and the chains.
pub fn problem_caption(chains: usize) -> String {
    format!(
        "½Σλᵢθᵢ², {DIMS} curvatures log-spaced from {} to {}, gradient noise σᵢ² = λᵢ per \
         example (÷ B), θ₀ = (1, …, 1), {chains} chains, f64",
        fmt_sig(LAMBDA_MIN, 2),
        fmt_sig(LAMBDA_MAX, 2)
    )
}

/// Sizes of part 1.
#[derive(Clone, Debug)]
pub struct FloorConfig {
    /// Constant learning rates of the floor sweep.
    pub etas: Vec<f64>,
    /// Batch sizes of the floor sweep.
    pub batches: Vec<usize>,
    /// Chains per (η, B).
    pub chains: usize,
    /// Steps before the window: long enough for the slowest start to be forgotten.
    pub burn_in: usize,
    /// Steps the stationary loss is averaged over.
    pub window: usize,
    /// The batch of the budget table.
    pub batch: usize,
    /// The batch of the transient table (one of `batches`): a large one, so that the chain
    /// mean's noise is small next to the 1% margin the transient is read at.
    pub transient_batch: usize,
    /// Step budgets of the best-constant table.
    pub budgets: Vec<usize>,
    /// Chains of the budget check.
    pub budget_chains: usize,
}

impl FloorConfig {
    /// The quick or the full sizes.
    pub fn for_config(quick: bool) -> Self {
        if quick {
            FloorConfig {
                etas: vec![0.1, 0.5, 1.5],
                batches: vec![1, 64],
                chains: 100,
                burn_in: 1000,
                window: 1000,
                batch: 8,
                transient_batch: 64,
                budgets: vec![100, 1000],
                budget_chains: 300,
            }
        } else {
            FloorConfig {
                etas: vec![0.05, 0.1, 0.2, 0.5, 1.0, 1.5],
                batches: vec![1, 8, 64],
                chains: 200,
                burn_in: 2000,
                window: 4000,
                batch: 8,
                transient_batch: 64,
                budgets: vec![50, 100, 200, 500, 1000, 2000],
                budget_chains: 1000,
            }
        }
    }
}

/// One (η, B) of the floor sweep.
#[derive(Clone, Debug)]
pub struct FloorPoint {
    /// Learning rate.
    pub eta: f64,
    /// Batch size.
    pub batch: usize,
    /// `Σ ησᵢ²/(2B(2−ηλᵢ))`.
    pub formula: f64,
    /// Each chain's loss averaged over the window.
    pub per_chain: Vec<f64>,
    /// Chain-mean loss at every step `t = 0..=steps`.
    pub curve: Vec<f64>,
}

/// One budget of the best-constant table.
#[derive(Clone, Debug)]
pub struct BudgetPoint {
    /// Steps.
    pub steps: usize,
    /// The best constant η of the grid, by the exact recursion.
    pub eta: f64,
    /// `E f(θ_T)` at that η, exact.
    pub exact: f64,
    /// Each chain's `f(θ_T)`.
    pub per_chain: Vec<f64>,
}

/// Everything part 1 measures.
#[derive(Clone, Debug)]
pub struct FloorStudy {
    /// The sizes.
    pub config: FloorConfig,
    /// The problem.
    pub q: NoisyQuadratic,
    /// The floor sweep, η-major.
    pub points: Vec<FloorPoint>,
    /// The best constant η per budget.
    pub budgets: Vec<BudgetPoint>,
    /// The η grid the budgets were tuned on.
    pub grid: Vec<f64>,
}

/// The η grid of the budget scan: 400 log-spaced rates from 10⁻³ to just below the edge.
pub fn eta_grid(q: &NoisyQuadratic) -> Result<Vec<f64>> {
    log_spaced(1e-3, 0.999 * 2.0 / q.lambda_max(), 400)
}

// ANCHOR: best_constant
/// The constant η of `grid` with the least exact `E f(θ_T)` after `steps` steps, and that loss.
pub fn best_constant(
    q: &NoisyQuadratic,
    theta0: &[f64],
    batch: usize,
    steps: usize,
    grid: &[f64],
) -> Result<(f64, f64)> {
    let mut best = (f64::NAN, f64::INFINITY);
    for &eta in grid {
        let l = q.final_expected_loss(theta0, batch, &vec![eta; steps])?;
        if l < best.1 {
            best = (eta, l);
        }
    }
    Ok(best)
}
// ANCHOR_END: best_constant

/// Runs part 1.
pub fn floor_study(cfg: &Config, c: &FloorConfig) -> Result<FloorStudy> {
    validate::list_len("--etas", &c.etas)?;
    validate::list_len("--batches", &c.batches)?;
    let q = problem()?;
    let th0 = theta0();
    let steps = c.burn_in + c.window;
    let mut groups = Vec::new();
    let mut formulas = Vec::new();
    for &eta in &c.etas {
        for &b in &c.batches {
            formulas.push(q.floor(eta, b)?);
            groups.push(ChainGroup::constant(b, eta, steps));
        }
    }
    let run = run_chains(
        &q,
        &groups,
        c.chains,
        &th0,
        Some(c.burn_in + 1..=steps),
        cfg.seed,
        cfg.device,
    )?;
    let points = groups
        .iter()
        .enumerate()
        .map(|(g, grp)| FloorPoint {
            eta: grp.etas[0],
            batch: grp.batch,
            formula: formulas[g],
            per_chain: run.window_loss[g].clone(),
            curve: run.mean_loss[g].clone(),
        })
        .collect();

    // The best constant η per budget, then chains at it: a group runs its η for its budget
    // and η = 0 (standing still) after, so that every chain's last loss is its f(θ_T).
    let grid = eta_grid(&q)?;
    let longest = *c.budgets.iter().max().expect("checked non-empty");
    let mut tuned = Vec::new();
    let mut groups = Vec::new();
    for &t in &c.budgets {
        let (eta, exact) = best_constant(&q, &th0, c.batch, t, &grid)?;
        let mut etas = vec![eta; t];
        etas.resize(longest, 0.0);
        groups.push(ChainGroup {
            batch: c.batch,
            etas,
        });
        tuned.push((t, eta, exact));
    }
    let run = run_chains(
        &q,
        &groups,
        c.budget_chains,
        &th0,
        None,
        cfg.seed.wrapping_add(1),
        cfg.device,
    )?;
    let budgets = tuned
        .into_iter()
        .enumerate()
        .map(|(g, (steps, eta, exact))| BudgetPoint {
            steps,
            eta,
            exact,
            per_chain: run.final_loss[g].clone(),
        })
        .collect();
    Ok(FloorStudy {
        config: c.clone(),
        q,
        points,
        budgets,
        grid,
    })
}

/// The floor sweep: formula against the chains' window average.
pub fn floor_table(s: &FloorStudy) -> Result<Table> {
    let c = &s.config;
    let mut t = crate::table!(
        "noise_floor_sweep",
        &format!(
            "The noise floor of constant-step SGD, closed form Σ ησᵢ²/(2B(2−ηλᵢ)) against the \
             loss measured on {}: each chain's loss averaged over steps {} to {}, then the mean \
             over chains with its {}% Student-t interval",
            problem_caption(c.chains),
            c.burn_in + 1,
            c.burn_in + c.window,
            fmt_sig(LEVEL * 100.0, 2)
        ),
        &[
            "η",
            "B",
            "floor (formula)",
            "measured (mean ± interval)",
            "measured ÷ formula",
            "floor · B/η",
        ],
    );
    for p in &s.points {
        let ci = mean_ci(&p.per_chain, LEVEL)?;
        t.push(vec![
            Cell::num(p.eta, 3),
            p.batch.into(),
            Cell::num(p.formula, 4),
            Cell::Text(format!(
                "{} ± {}",
                fmt_sig(ci.mean, 4),
                fmt_sig(ci.half_width, 2)
            )),
            Cell::num(ci.mean / p.formula, 3),
            Cell::num(p.formula * p.batch as f64 / p.eta, 4),
        ]);
    }
    Ok(t)
}

/// Steps until the transient `E f(θ_t) − floor` falls below [`SHED`] of its start, for the
/// exact curve and for a measured one.
pub fn shed_time(curve: &[f64], floor: f64) -> Option<usize> {
    let start = curve.first()? - floor;
    first_below(curve, floor + SHED * start)
}

/// The time to shed the start at every η, batch `config.batch`.
pub fn transient_table(s: &FloorStudy) -> Result<Table> {
    let c = &s.config;
    let mut t = crate::table!(
        "noise_floor_transient",
        &format!(
            "Steps until the transient E f(θ_t) − floor falls below {}% of its start, at B = {}: \
             exact (second-moment recursion) and measured (chain-mean loss, formula floor \
             subtracted), against 1/(ηλ_min); {}",
            fmt_sig(SHED * 100.0, 1),
            c.transient_batch,
            problem_caption(c.chains)
        ),
        &[
            "η",
            "steps (exact)",
            "steps (measured)",
            "1/(ηλ_min)",
            "steps · ηλ_min",
        ],
    );
    let th0 = theta0();
    for p in s.points.iter().filter(|p| p.batch == c.transient_batch) {
        let steps = p.curve.len() - 1;
        let exact = s.q.expected_loss(&th0, p.batch, &vec![p.eta; steps])?;
        let te = shed_time(&exact, p.formula);
        let tm = shed_time(&p.curve, p.formula);
        let lm = s.q.lambda_min();
        t.push(vec![
            Cell::num(p.eta, 3),
            te.map_or("not within the run".into(), Cell::from),
            tm.map_or("not within the run".into(), Cell::from),
            Cell::num(1.0 / (p.eta * lm), 3),
            te.map_or("—".into(), |n| Cell::num(n as f64 * p.eta * lm, 3)),
        ]);
    }
    Ok(t)
}

/// The best constant η for each budget: smaller budgets want larger η.
pub fn budget_table(s: &FloorStudy) -> Result<Table> {
    let c = &s.config;
    let mut t = crate::table!(
        "noise_floor_budget",
        &format!(
            "The best constant η for a budget of T steps at B = {}, by the exact recursion over \
             {} log-spaced η from {} to {}; measured f(θ_T) at that η over {} chains (mean ± {}% \
             interval); {}",
            c.batch,
            s.grid.len(),
            fmt_sig(s.grid[0], 2),
            fmt_sig(*s.grid.last().expect("grid"), 4),
            c.budget_chains,
            fmt_sig(LEVEL * 100.0, 2),
            problem_caption(c.budget_chains)
        ),
        &[
            "budget T",
            "best η",
            "E f(θ_T) (exact)",
            "measured (mean ± interval)",
            "measured ÷ exact",
            "floor at best η",
            "floor share of E f(θ_T)",
            "T · ηλ_min",
        ],
    );
    for b in &s.budgets {
        let ci = mean_ci(&b.per_chain, LEVEL)?;
        let floor = s.q.floor(b.eta, c.batch)?;
        t.push(vec![
            b.steps.into(),
            Cell::num(b.eta, 3),
            Cell::num(b.exact, 4),
            Cell::Text(format!(
                "{} ± {}",
                fmt_sig(ci.mean, 4),
                fmt_sig(ci.half_width, 2)
            )),
            Cell::num(ci.mean / b.exact, 3),
            Cell::num(floor, 4),
            Cell::num(floor / b.exact, 3),
            Cell::num(b.steps as f64 * b.eta * s.q.lambda_min(), 3),
        ]);
    }
    Ok(t)
}

/// The floor against η on log-log axes: formula lines and measured points per B.
pub fn draw_floor_figure(s: &FloorStudy, dir: &Path) -> Result<Vec<PathBuf>> {
    let _drawing = crate::drawing!();
    let mut chart = LineChart::new(
        "Noise floor of constant-step SGD: formula (lines) and chains (points)",
        "learning rate η (log scale)",
        "stationary loss (log scale)",
    )
    .x_log()
    .y_log();
    let dense = log_spaced(0.03, 1.95, 80)?;
    for (i, &b) in s.config.batches.iter().enumerate() {
        let line: Vec<(f64, f64)> = dense
            .iter()
            .map(|&e| (e, s.q.floor(e, b).unwrap_or(f64::NAN)))
            .collect();
        let pts: Vec<(f64, f64)> = s
            .points
            .iter()
            .filter(|p| p.batch == b)
            .map(|p| (p.eta, crate::stats::mean(&p.per_chain)))
            .collect();
        chart = chart
            .series(Series::dashed(format!("formula, B = {b}"), line).with_color(i))
            .series(Series::points(format!("measured, B = {b}"), pts).with_color(i));
    }
    let (svg, csv) = plot::save_figure(&chart, dir, "noise_floor_vs_eta")?;
    Ok(vec![svg, csv])
}

/// Part 1 as its own example: the floor sweep, the transient and the best constant η.
#[derive(clap::Args, Clone, Debug)]
pub struct NoiseFloor {}

impl Exercise for NoiseFloor {
    const NAME: &'static str = "ch3_noise_floor";

    fn title() -> String {
        "Chapter 3: the noise floor of constant-step SGD on a noisy quadratic".to_string()
    }

    fn solve(&self, cfg: &Config, figures: Option<&Path>) -> Result<Solution> {
        let s = floor_study(cfg, &FloorConfig::for_config(cfg.quick))?;
        let tables = vec![floor_table(&s)?, transient_table(&s)?, budget_table(&s)?];
        let figures = figures
            .map(|dir| draw_floor_figure(&s, dir))
            .transpose()?
            .unwrap_or_default();
        Ok(Solution { tables, figures })
    }
}

/// The longest run exercise 4 makes (it sets the smallest `--eta` it accepts).
pub const MAX_EX4_STEPS: usize = 100_000;

/// Exercise 4: halve η or double B? Both halve the floor (nearly); compare what each costs
/// in steps and in examples to shed the start.
#[derive(clap::Args, Clone, Debug)]
pub struct HalveOrDouble {
    /// The starting learning rate (below the edge 2).
    #[arg(long, default_value_t = 0.4)]
    pub eta: f64,
    /// The starting batch size.
    #[arg(long, default_value_t = 4)]
    pub batch: usize,
}

impl Exercise for HalveOrDouble {
    const NAME: &'static str = "ch3_ex4_halve_or_double";

    fn solve(&self, cfg: &Config, _figures: Option<&Path>) -> Result<Solution> {
        let q = problem()?;
        let eta = validate::learning_rate("--eta", self.eta)?;
        let b = validate::at_least_one("--batch", self.batch)?;
        if eta >= 2.0 / q.lambda_max() {
            return Err(crate::Error::invalid(
                "--eta",
                format!(
                    "got {eta}, at or above the stability edge 2/λ_max = {}: constant-step SGD \
                     diverges there and has no floor",
                    fmt_sig(2.0 / q.lambda_max(), 3)
                ),
                "Pass η below 2.",
            ));
        }
        validate::count_in("--batch", b, validate::MAX_STEPS / 2)?;
        let configs = [
            ("as given", eta, b),
            ("η halved", eta / 2.0, b),
            ("B doubled", eta, 2 * b),
        ];
        let chains = if cfg.quick { 100 } else { 400 };
        // Twelve time constants of the slowest direction at the halved rate: the start is
        // shed by the middle of the run, and the second half is the floor's window.
        let steps = (12.0 / (eta / 2.0 * q.lambda_min())).ceil();
        if steps > MAX_EX4_STEPS as f64 {
            return Err(crate::Error::invalid(
                "--eta",
                format!("got {eta}, which would need {steps} steps to reach the floor"),
                format!(
                    "Pass a larger η (at least {}).",
                    fmt_sig(24.0 / (q.lambda_min() * MAX_EX4_STEPS as f64), 2)
                ),
            ));
        }
        let steps = steps as usize;
        let (burn, th0) = (steps / 2, theta0());
        let groups: Vec<ChainGroup> = configs
            .iter()
            .map(|&(_, e, bb)| ChainGroup::constant(bb, e, steps))
            .collect();
        let run = run_chains(
            &q,
            &groups,
            chains,
            &th0,
            Some(burn + 1..=steps),
            cfg.seed,
            cfg.device,
        )?;
        let mut t = crate::table!(
            "ex4_halve_or_double",
            &format!(
                "Halve η or double B: floor (formula and measured over steps {} to {}), and the \
                 steps and examples until the transient is below {}% of its start (exact \
                 recursion); {}",
                burn + 1,
                steps,
                fmt_sig(SHED * 100.0, 1),
                problem_caption(chains)
            ),
            &[
                "change",
                "η",
                "B",
                "floor (formula)",
                "floor (measured)",
                "steps to shed the start",
                "examples (steps · B)",
            ],
        );
        for (g, &(name, e, bb)) in configs.iter().enumerate() {
            let floor = q.floor(e, bb)?;
            let exact = q.expected_loss(&th0, bb, &vec![e; steps])?;
            let shed = shed_time(&exact, floor);
            t.push(vec![
                name.into(),
                Cell::num(e, 3),
                bb.into(),
                Cell::num(floor, 4),
                Cell::num(crate::stats::mean(&run.window_loss[g]), 4),
                shed.map_or("—".into(), Cell::from),
                shed.map_or("—".into(), |n| Cell::from(n * bb)),
            ]);
        }
        Ok(Solution::tables(vec![t]))
    }
}
