//! "The noise floor, and why annealing works", part 2: annealing reaches below the floor.
//! Step decay, cosine and `1/t` against the best constant η on the noisy quadratic of part 1,
//! at one budget, each tuned by the exact recursion and measured with chains; then growing
//! budgets for the Robbins–Monro conditions: the constant rate stays at its floor, `1/t`
//! keeps falling, exponential decay with a fixed per-step factor stalls. Exercise 5 (how
//! exponential decay stalls) is here too.
use std::path::{Path, PathBuf};

use super::noise_floor::{best_constant, eta_grid, problem, problem_caption, theta0, LEVEL};
use crate::chapters::exercise::{Exercise, Solution};
use crate::chapters::Config;
use crate::grid::log_spaced;
use crate::noisy_quadratic::{run_chains, ChainGroup, NoisyQuadratic};
use crate::plot::{self, LineChart, Marker, Series};
use crate::report::{fmt_sig, Cell, Table};
use crate::schedule::{
    Constant, CosineAnnealingLr, ExponentialLr, LrSchedule, MultiStepLr, TimeBasedDecay,
};
use crate::stats::mean_ci;
use crate::{validate, Result};

/// Sizes of part 2.
#[derive(Clone, Debug)]
pub struct AnnealConfig {
    /// Batch size.
    pub batch: usize,
    /// The equal budget of the schedule comparison.
    pub budget: usize,
    /// Chains per schedule.
    pub chains: usize,
    /// The growing budgets of the Robbins–Monro table (exact recursion).
    pub horizons: Vec<usize>,
}

impl AnnealConfig {
    /// The quick or the full sizes.
    pub fn for_config(quick: bool) -> Self {
        if quick {
            AnnealConfig {
                batch: 8,
                budget: 500,
                chains: 300,
                horizons: vec![500, 5_000, 50_000],
            }
        } else {
            AnnealConfig {
                batch: 8,
                budget: 2000,
                chains: 1000,
                horizons: vec![200, 2_000, 20_000, 200_000, 2_000_000],
            }
        }
    }
}

/// One tuned schedule of the comparison.
#[derive(Clone, Debug)]
pub struct Tuned {
    /// Its name in the tables.
    pub name: &'static str,
    /// Its parameters, as text.
    pub params: String,
    /// Its learning rate at every step of the budget.
    pub etas: Vec<f64>,
    /// `E f(θ_T)`, exact.
    pub exact: f64,
    /// Each chain's `f(θ_T)`.
    pub per_chain: Vec<f64>,
    /// The chain-mean loss at every step.
    pub curve: Vec<f64>,
}

/// Everything part 2 measures.
#[derive(Clone, Debug)]
pub struct AnnealStudy {
    /// The sizes.
    pub config: AnnealConfig,
    /// The problem.
    pub q: NoisyQuadratic,
    /// Best constant, step decay, cosine, `1/t`, and exponential with the fixed factor
    /// `γ = 1 − 1/t₀` of the `1/t` schedule, in this order.
    pub tuned: Vec<Tuned>,
    /// `1/t`'s `(η₀, t₀)`.
    pub inverse_t: (f64, f64),
    /// The Robbins–Monro curves: `(name, learning rates, E f(θ_t) for t = 0..=longest)`.
    pub horizon_curves: Vec<(&'static str, Vec<f64>, Vec<f64>)>,
}

fn rates(s: &dyn LrSchedule, steps: usize) -> Vec<f64> {
    (0..steps).map(|t| s.lr(t)).collect()
}

// ANCHOR: tune
/// The `η₀` of `grid` (and any other parameter the closure loops over) whose schedule has the
/// least exact `E f(θ_T)`: `make(η₀)` lists candidate `(parameters, rates)`.
fn tune(
    q: &NoisyQuadratic,
    batch: usize,
    grid: &[f64],
    make: impl Fn(f64) -> Result<Vec<(String, Vec<f64>)>>,
) -> Result<(String, Vec<f64>, f64)> {
    let th0 = theta0();
    let mut best = (String::new(), Vec::new(), f64::INFINITY);
    for &eta0 in grid {
        for (params, etas) in make(eta0)? {
            let l = q.final_expected_loss(&th0, batch, &etas)?;
            if l < best.2 {
                best = (params, etas, l);
            }
        }
    }
    Ok(best)
}
// ANCHOR_END: tune

/// Runs part 2.
pub fn anneal_study(cfg: &Config, c: &AnnealConfig) -> Result<AnnealStudy> {
    validate::list_len("horizons", &c.horizons)?;
    let q = problem()?;
    let th0 = theta0();
    let t = validate::count_in("budget", c.budget, validate::MAX_STEPS)?;
    let grid = eta_grid(&q)?;
    let coarse: Vec<f64> = grid.iter().step_by(4).copied().collect();
    let (eta_c, _) = best_constant(&q, &th0, c.batch, t, &grid)?;
    let constant = (
        format!("η = {}", fmt_sig(eta_c, 3)),
        rates(&Constant::new(eta_c)?, t),
    );
    let step = tune(&q, c.batch, &grid, |e| {
        let s = MultiStepLr::new(e, vec![t / 2, 3 * t / 4], 0.1)?;
        Ok(vec![(
            format!("η₀ = {}, ×0.1 at T/2 and 3T/4", fmt_sig(e, 3)),
            rates(&s, t),
        )])
    })?;
    let cosine = tune(&q, c.batch, &grid, |e| {
        let s = CosineAnnealingLr::new(e, t, 0.0)?;
        Ok(vec![(
            format!("η₀ = {}, to 0 at T", fmt_sig(e, 3)),
            rates(&s, t),
        )])
    })?;
    let t0s = log_spaced(1.0, t as f64, 16)?;
    let mut best_inv = (f64::NAN, f64::NAN);
    let inv = tune(&q, c.batch, &coarse, |e| {
        t0s.iter()
            .map(|&t0| {
                let s = TimeBasedDecay::new(e, 1.0 / t0)?;
                Ok((
                    format!("η₀ = {}, t₀ = {}", fmt_sig(e, 3), fmt_sig(t0, 3)),
                    rates(&s, t),
                ))
            })
            .collect()
    })?;
    // Recover (η₀, t₀) from the winning rates: η₀ = η_0 and η₀/η_1 = 1 + 1/t₀.
    if inv.1.len() > 1 {
        best_inv = (inv.1[0], 1.0 / (inv.1[0] / inv.1[1] - 1.0));
    }
    let gamma = 1.0 - 1.0 / best_inv.1;
    let expo = ExponentialLr::new(best_inv.0, gamma)?;
    let exponential = (
        format!(
            "η₀ = {}, γ = 1 − 1/t₀ = {}",
            fmt_sig(best_inv.0, 3),
            fmt_sig(gamma, 4)
        ),
        rates(&expo, t),
    );
    let named = [
        ("best constant", constant),
        ("step decay", (step.0, step.1)),
        ("cosine", (cosine.0, cosine.1)),
        ("1/t", (inv.0, inv.1)),
        ("exponential, fixed γ", exponential),
    ];
    let groups: Vec<ChainGroup> = named
        .iter()
        .map(|(_, (_, etas))| ChainGroup {
            batch: c.batch,
            etas: etas.clone(),
        })
        .collect();
    let run = run_chains(&q, &groups, c.chains, &th0, None, cfg.seed, cfg.device)?;
    let mut tuned = Vec::new();
    for (g, (name, (params, etas))) in named.into_iter().enumerate() {
        tuned.push(Tuned {
            name,
            params,
            exact: q.final_expected_loss(&th0, c.batch, &etas)?,
            etas,
            per_chain: run.final_loss[g].clone(),
            curve: run.mean_loss[g].clone(),
        });
    }

    // Robbins–Monro: the same three rates, run much longer (exact recursion only).
    let longest = *c.horizons.iter().max().expect("checked non-empty");
    let mut horizon_curves = Vec::new();
    for (name, s) in [
        (
            "constant",
            Box::new(Constant::new(eta_c)?) as Box<dyn LrSchedule>,
        ),
        (
            "1/t",
            Box::new(TimeBasedDecay::new(best_inv.0, 1.0 / best_inv.1)?),
        ),
        ("exponential, fixed γ", Box::new(expo)),
    ] {
        let etas = rates(s.as_ref(), longest);
        let losses = q.expected_loss(&th0, c.batch, &etas)?;
        horizon_curves.push((name, etas, losses));
    }
    Ok(AnnealStudy {
        config: c.clone(),
        q,
        tuned,
        inverse_t: best_inv,
        horizon_curves,
    })
}

/// The schedules at one budget, each tuned by the exact recursion, measured with chains.
pub fn budget_table(s: &AnnealStudy) -> Result<Table> {
    let c = &s.config;
    let best = &s.tuned[0];
    let floor = s.q.floor(best.etas[0], c.batch)?;
    let mut t = crate::table!(
        "annealing_budget",
        &format!(
            "Schedules at an equal budget of T = {} steps, B = {}, each tuned for least exact \
             E f(θ_T) (η₀ on a 400-point log grid from 0.001 to 1.998; 1/t on every 4th point \
             and 16 log-spaced t₀ from 1 to T); measured f(θ_T) over chains, mean ± {}% \
             interval; {}",
            c.budget,
            c.batch,
            fmt_sig(LEVEL * 100.0, 2),
            problem_caption(c.chains)
        ),
        &[
            "schedule",
            "parameters",
            "E f(θ_T) (exact)",
            "measured (mean ± interval)",
            "measured ÷ exact",
            "÷ best constant",
            "÷ floor of best constant η",
        ],
    );
    for r in &s.tuned {
        let ci = mean_ci(&r.per_chain, LEVEL)?;
        t.push(vec![
            r.name.into(),
            r.params.clone().into(),
            Cell::num(r.exact, 4),
            Cell::Text(format!(
                "{} ± {}",
                fmt_sig(ci.mean, 4),
                fmt_sig(ci.half_width, 2)
            )),
            Cell::num(ci.mean / r.exact, 3),
            Cell::num(r.exact / best.exact, 3),
            Cell::num(r.exact / floor, 3),
        ]);
    }
    Ok(t)
}

// ANCHOR: start_bound
/// What is left of the start however long the run: `½ Σ λᵢ θ₀ᵢ² Πₜ (1 − ηₜλᵢ)²`, the mean's
/// share of the loss. It tends to 0 iff `Σ ηₜ = ∞` (for `ηₜλ < 1`).
pub fn start_left(q: &NoisyQuadratic, theta0: &[f64], etas: &[f64]) -> f64 {
    q.lambdas()
        .iter()
        .zip(theta0)
        .map(|(&l, &th)| {
            let p: f64 = etas.iter().map(|e| (1.0 - e * l).powi(2)).product();
            0.5 * l * th * th * p
        })
        .sum()
}
// ANCHOR_END: start_bound

/// The Robbins–Monro table: `E f(θ_T)` at growing `T`, `Σηₜ`, `Σηₜ²` and what is left of the start.
pub fn robbins_monro_table(s: &AnnealStudy) -> Result<Table> {
    let c = &s.config;
    let longest = *c.horizons.iter().max().expect("non-empty");
    let heads: Vec<String> = c
        .horizons
        .iter()
        .map(|h| format!("E f(θ_T), T = {h}"))
        .collect();
    let sum_head = format!("Σηₜ to {longest}");
    let sq_head = format!("Σηₜ² to {longest}");
    let left_head = format!("start left at {longest}");
    let mut cols = vec!["schedule"];
    cols.extend(heads.iter().map(String::as_str));
    cols.extend([sum_head.as_str(), sq_head.as_str(), left_head.as_str()]);
    let (e0, t0) = s.inverse_t;
    let mut t = crate::table!(
        "annealing_robbins_monro",
        &format!(
            "Growing budgets, exact recursion, B = {}: the best constant η for T = {} ({}), 1/t \
             with η₀ = {}, t₀ = {} (tuned for T = {}), exponential with the same η₀ and the fixed \
             factor γ = 1 − 1/t₀; start left = ½Σλᵢθ₀ᵢ²Π(1−ηₜλᵢ)²; {}",
            c.batch,
            c.budget,
            fmt_sig(s.tuned[0].etas[0], 3),
            fmt_sig(e0, 3),
            fmt_sig(t0, 3),
            c.budget,
            problem_caption(0).replace(", 0 chains", "")
        ),
        &cols,
    );
    let th0 = theta0();
    for (name, etas, losses) in &s.horizon_curves {
        let mut row = vec![Cell::from(*name)];
        for &h in &c.horizons {
            row.push(Cell::num(losses[h], 3));
        }
        row.push(Cell::num(etas.iter().sum(), 4));
        row.push(Cell::num(etas.iter().map(|e| e * e).sum(), 4));
        row.push(Cell::num(start_left(&s.q, &th0, etas), 3));
        t.push(row);
    }
    Ok(t)
}

/// The chains' mean loss per step for every schedule, and the log-log Robbins–Monro curves.
pub fn draw_figures(s: &AnnealStudy, dir: &Path) -> Result<Vec<PathBuf>> {
    let _drawing = crate::drawing!();
    let floor = s.q.floor(s.tuned[0].etas[0], s.config.batch)?;
    let mut curves = LineChart::new(
        &format!(
            "Chain-mean loss at an equal budget of {} steps, B = {}",
            s.config.budget, s.config.batch
        ),
        "step t",
        "mean loss over chains (log scale)",
    )
    .y_log()
    .marker(Marker::HLine {
        y: floor,
        label: "floor of the best constant η".into(),
    });
    for (i, r) in s.tuned.iter().enumerate() {
        let pts: Vec<(f64, f64)> = r
            .curve
            .iter()
            .enumerate()
            .skip(1)
            .step_by(5)
            .map(|(k, &l)| (k as f64, l))
            .collect();
        curves = curves.series(Series::line(r.name, pts).with_color(i));
    }
    let (a, b) = plot::save_figure(&curves, dir, "annealing_curves")?;
    let mut rm = LineChart::new(
        "Robbins–Monro: E f(θ_T) against the budget T (exact recursion)",
        "budget T (log scale)",
        "E f(θ_T) (log scale)",
    )
    .x_log()
    .y_log();
    let longest = s.horizon_curves[0].2.len() - 1;
    let ts = log_spaced(1.0, longest as f64, 80)?;
    for (i, (name, _, losses)) in s.horizon_curves.iter().enumerate() {
        let pts: Vec<(f64, f64)> = ts
            .iter()
            .map(|&x| {
                let k = (x.round() as usize).min(longest);
                (k as f64, losses[k])
            })
            .collect();
        let color = [0, 3, 4][i % 3];
        rm = rm.series(Series::line(*name, pts).with_color(color));
    }
    let (c, d) = plot::save_figure(&rm, dir, "annealing_robbins_monro")?;
    Ok(vec![a, b, c, d])
}

/// Part 2 as its own example: schedules at one budget and the Robbins–Monro conditions.
#[derive(clap::Args, Clone, Debug)]
pub struct Annealing {}

impl Exercise for Annealing {
    const NAME: &'static str = "ch3_annealing";

    fn title() -> String {
        "Chapter 3: annealing reaches below the noise floor".to_string()
    }

    fn solve(&self, cfg: &Config, figures: Option<&Path>) -> Result<Solution> {
        let s = anneal_study(cfg, &AnnealConfig::for_config(cfg.quick))?;
        let tables = vec![budget_table(&s)?, robbins_monro_table(&s)?];
        let figures = figures
            .map(|dir| draw_figures(&s, dir))
            .transpose()?
            .unwrap_or_default();
        Ok(Solution { tables, figures })
    }
}

/// Exercise 5: exponential decay with a fixed per-step factor γ stalls. For each γ, predict
/// `Σηₜ = η₀/(1−γ)` and the start left, then check the stall against chains.
#[derive(clap::Args, Clone, Debug)]
pub struct ExponentialStall {
    /// The first learning rate (below the edge 2).
    #[arg(long, default_value_t = 0.5)]
    pub eta0: f64,
    /// The per-step factors γ, comma-separated, each in (0, 1).
    #[arg(long, value_delimiter = ',', default_values_t = vec![0.99, 0.995, 0.999])]
    pub gammas: Vec<f64>,
    /// Batch size.
    #[arg(long, default_value_t = 8)]
    pub batch: usize,
}

impl Exercise for ExponentialStall {
    const NAME: &'static str = "ch3_ex5_exponential_stall";

    fn solve(&self, cfg: &Config, _figures: Option<&Path>) -> Result<Solution> {
        let q = problem()?;
        validate::learning_rate("--eta0", self.eta0)?;
        validate::at_least_one("--batch", self.batch)?;
        q.floor(self.eta0, self.batch)?;
        validate::list_len("--gammas", &self.gammas)?;
        if self.gammas.len() > 10 {
            return Err(crate::Error::invalid(
                "--gammas",
                format!(
                    "got {} factors, but each costs a million-step recursion",
                    self.gammas.len()
                ),
                "Pass at most 10 factors.",
            ));
        }
        for &g in &self.gammas {
            if !(g > 0.0 && g < 1.0) {
                return Err(crate::Error::invalid(
                    "--gammas",
                    format!("got {g}, but each factor must lie in (0, 1)"),
                    "Pass factors such as 0.99,0.995,0.999.",
                ));
            }
        }
        let (steps, long, chains) = if cfg.quick {
            (2000, 100_000, 100)
        } else {
            (10_000, 1_000_000, 300)
        };
        let th0 = theta0();
        let mut groups = Vec::new();
        let mut rows = Vec::new();
        for &g in &self.gammas {
            let s = ExponentialLr::new(self.eta0, g)?;
            let etas = rates(&s, long);
            let exact = q.expected_loss(&th0, self.batch, &etas)?;
            rows.push((
                g,
                etas[..steps].iter().sum::<f64>(),
                exact[steps],
                exact[long],
                start_left(&q, &th0, &etas),
            ));
            groups.push(ChainGroup {
                batch: self.batch,
                etas: etas[..steps].to_vec(),
            });
        }
        let run = run_chains(&q, &groups, chains, &th0, None, cfg.seed, cfg.device)?;
        let mut t = crate::table!(
            "ex5_exponential_stall",
            &format!(
                "Exponential decay ηₜ = η₀γᵗ with η₀ = {} at B = {}: Σηₜ = η₀/(1−γ) (closed \
                 form), E f(θ_T) at T = {} exact and measured (mean ± {}% interval), the stall \
                 E f(θ_T) at T = {} (exact), and the start left ½Σλᵢθ₀ᵢ²Π(1−ηₜλᵢ)²; {}",
                fmt_sig(self.eta0, 3),
                self.batch,
                steps,
                fmt_sig(LEVEL * 100.0, 2),
                long,
                problem_caption(chains)
            ),
            &[
                "γ",
                "η₀/(1−γ)",
                &format!("Σηₜ to {steps}"),
                &format!("E f(θ_T), T = {steps}"),
                "measured",
                &format!("E f(θ_T), T = {long}"),
                "start left",
            ],
        );
        for (i, (g, sum, at_steps, at_long, left)) in rows.into_iter().enumerate() {
            let ci = mean_ci(&run.final_loss[i], LEVEL)?;
            t.push(vec![
                Cell::num(g, 4),
                Cell::num(self.eta0 / (1.0 - g), 4),
                Cell::num(sum, 4),
                Cell::num(at_steps, 4),
                Cell::Text(format!(
                    "{} ± {}",
                    fmt_sig(ci.mean, 4),
                    fmt_sig(ci.half_width, 2)
                )),
                Cell::num(at_long, 4),
                Cell::num(left, 3),
            ]);
        }
        Ok(Solution::tables(vec![t]))
    }
}
