//! "AMSGrad and RAdam: two repairs to Adam". Section 1 (this file): Reddi, Kale & Kumar's
//! online problem, on which Adam provably ends at the worst point and AMSGrad does not,
//! measured with lrbook's [`Adam`] and checked against a scalar recursion written from the
//! paper. Section 2 ([`warmup`]): RAdam's rectification against an untuned linear warmup
//! (Ma & Yarats), in closed form and in training. Figures in [`figures`].
use std::path::Path;

use tch::{Kind, Tensor};

use crate::chapters::exercise::{drawn_solution, solve_section, Exercise, Section, Solution};
use crate::chapters::Config;
use crate::optim::{Adam, AdamConfig, Optimizer};
use crate::report::{fmt_sig, Cell, Table};
use crate::{validate, Error, Result};

pub mod figures;
pub mod warmup;

/// Reddi et al.'s C of the page's main run: `C > 2` makes `x = −1` the best fixed point.
pub const C: f64 = 3.0;
/// The base step size α of `α_t = α/√t`.
pub const ALPHA: f64 = 0.1;
/// Where every run starts.
pub const X1: f64 = 0.0;
/// The β₂ of the sweep (β₁ = 0 and β₁ = 0.9 rows).
pub const SWEEP_BETA2: [f64; 7] = [0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 0.999];

// ANCHOR: online_problem
/// Reddi, Kale & Kumar (2018), Theorem 1: on `x ∈ [−1, 1]`, `f_t(x) = C·x` when
/// `t mod 3 = 1` and `−x` otherwise. Over a period the sum is `(C − 2)·x`, so for `C > 2`
/// the best fixed point is `x = −1`.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OnlineProblem {
    /// The large, rare gradient C.
    pub c: f64,
}

impl OnlineProblem {
    /// `∇f_t`: C at `t = 1, 4, 7, …`, −1 at every other step.
    pub fn gradient(&self, t: usize) -> f64 {
        if t % 3 == 1 {
            self.c
        } else {
            -1.0
        }
    }

    /// `f_t(x_t) − f_t(−1) = g_t·(x_t + 1)`: the regret of one round.
    pub fn regret(&self, t: usize, x: f64) -> f64 {
        self.gradient(t) * (x + 1.0)
    }
}
// ANCHOR_END: online_problem

/// One online run's settings: `(β₁, β₂)`, AMSGrad or not, steps `α/√t`, from [`X1`].
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OnlineRun {
    /// The problem.
    pub problem: OnlineProblem,
    /// `(β₁, β₂)`.
    pub betas: (f64, f64),
    /// AMSGrad's running maximum of v.
    pub amsgrad: bool,
    /// α of `α_t = α/√t`.
    pub alpha: f64,
}

impl OnlineRun {
    /// Reddi's setting for `c`: β₁ = 0, β₂ = 1/(1+C²), α = [`ALPHA`].
    pub fn reddi(c: f64, amsgrad: bool) -> Self {
        OnlineRun {
            problem: OnlineProblem { c },
            betas: (0.0, 1.0 / (1.0 + c * c)),
            amsgrad,
            alpha: ALPHA,
        }
    }

    /// "Adam" or "AMSGrad".
    pub fn name(&self) -> &'static str {
        if self.amsgrad {
            "AMSGrad"
        } else {
            "Adam"
        }
    }
}

// ANCHOR: drive_adam
/// `x_1, …, x_{T+1}` of lrbook's [`Adam`] (with `amsgrad` as `run` says) on the online
/// problem: each round writes `g_t` into `x.grad` by a backward of `g_t·x`, steps with the
/// learning rate `α/√t`, and projects onto `[−1, 1]`.
pub fn lrbook_run(run: &OnlineRun, steps: usize) -> Result<Vec<f64>> {
    let x = Tensor::from_slice(&[X1]).set_requires_grad(true);
    let config = AdamConfig {
        betas: run.betas,
        amsgrad: run.amsgrad,
        ..AdamConfig::default()
    };
    let mut adam = Adam::new(vec![x.shallow_clone()], config)?;
    let mut xs = Vec::with_capacity(steps + 1);
    for t in 1..=steps {
        xs.push(x.double_value(&[0]));
        adam.zero_grad();
        (&x * run.problem.gradient(t)).sum(Kind::Double).backward();
        adam.step(run.alpha / (t as f64).sqrt())?;
        let _guard = tch::no_grad_guard();
        let _ = x.shallow_clone().clamp_(-1.0, 1.0); // the projection Π onto [−1, 1]
    }
    xs.push(x.double_value(&[0]));
    Ok(xs)
}
// ANCHOR_END: drive_adam

// ANCHOR: reference_run
/// The same run as a scalar recursion written from the paper's algorithm:
/// `m = β₁m + (1−β₁)g`, `v = β₂v + (1−β₂)g²`, `v̂ = max(v̂, v)` for AMSGrad, and
/// `x ← Π(x − α_t·m/√v)`. With `pytorch_corrections` the step is PyTorch's instead,
/// `α_t/(1−β₁ᵗ) · m/(√v/√(1−β₂ᵗ) + ε)` with ε = 1e-8, which lrbook's Adam must match.
pub fn reference_run(run: &OnlineRun, steps: usize, pytorch_corrections: bool) -> Vec<f64> {
    let (b1, b2) = run.betas;
    let (mut x, mut m, mut v, mut v_max) = (X1, 0.0f64, 0.0f64, 0.0f64);
    let mut xs = Vec::with_capacity(steps + 1);
    for t in 1..=steps {
        xs.push(x);
        let g = run.problem.gradient(t);
        m = b1 * m + (1.0 - b1) * g;
        v = b2 * v + (1.0 - b2) * g * g;
        v_max = v_max.max(v);
        let v_used = if run.amsgrad { v_max } else { v };
        let alpha_t = run.alpha / (t as f64).sqrt();
        let step = if pytorch_corrections {
            let (c1, c2) = (1.0 - b1.powi(t as i32), 1.0 - b2.powi(t as i32));
            alpha_t / c1 * m / (v_used.sqrt() / c2.sqrt() + 1e-8)
        } else {
            alpha_t * m / v_used.sqrt()
        };
        x = (x - step).clamp(-1.0, 1.0);
    }
    xs.push(x);
    xs
}
// ANCHOR_END: reference_run

/// `R_T/T = (1/T)·Σ_{t≤T} (f_t(x_t) − f_t(−1))` for the iterates `xs` (`xs[t−1] = x_t`).
pub fn average_regret(problem: &OnlineProblem, xs: &[f64], horizon: usize) -> f64 {
    let sum: f64 = (1..=horizon).map(|t| problem.regret(t, xs[t - 1])).sum();
    sum / horizon as f64
}

/// The limit of Adam's `R_T/T` once it sits at `x = +1`: `2(C − 2)/3` per round.
pub fn regret_at_worst_point(c: f64) -> f64 {
    2.0 * (c - 2.0) / 3.0
}

// ANCHOR: drift
/// The periodic steady state of `y ← βy + (1−β)u_k` over the period `u`: `y` after each
/// entry, once the start is forgotten.
fn periodic_average(beta: f64, u: &[f64]) -> Vec<f64> {
    let n = u.len() as i32;
    let once = u.iter().fold(0.0, |y, &uk| beta * y + (1.0 - beta) * uk);
    let mut y = once / (1.0 - beta.powi(n)); // the fixed point of one whole period
    u.iter()
        .map(|&uk| {
            y = beta * y + (1.0 - beta) * uk;
            y
        })
        .collect()
}

/// Adam's drift per period in units of the step size, in the periodic steady state (bias
/// corrections → 1, ε and the change of α_t within a period neglected):
/// `−Σ_k m_k/√v_k` over the three rounds. Positive: x climbs to +1, the worst point.
pub fn adam_drift(c: f64, beta1: f64, beta2: f64) -> f64 {
    let g = [c, -1.0, -1.0];
    let m = periodic_average(beta1, &g);
    let v = periodic_average(beta2, &g.map(|x| x * x));
    -m.iter().zip(&v).map(|(m, v)| m / v.sqrt()).sum::<f64>()
}
// ANCHOR_END: drift

/// Bisection for where `positive` turns false on `[lo, hi]` (true at `lo`, false at `hi`),
/// to `tol`.
pub fn bisect(mut lo: f64, mut hi: f64, tol: f64, positive: impl Fn(f64) -> bool) -> f64 {
    while hi - lo > tol {
        let mid = 0.5 * (lo + hi);
        if positive(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// The largest gap `max_t |a_t − b_t|` between two runs.
pub fn max_gap(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

/// The horizons T of the main table.
pub fn horizons(quick: bool) -> Vec<usize> {
    if quick {
        vec![30, 300, 3000]
    } else {
        vec![30, 300, 3000, 30_000]
    }
}

/// One method's iterates on Reddi's problem, three ways.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ReddiRun {
    /// The settings.
    pub run: OnlineRun,
    /// lrbook's iterates.
    pub lrbook: Vec<f64>,
    /// The recursion's, with PyTorch's bias corrections and ε.
    pub recursion: Vec<f64>,
    /// The paper's uncorrected algorithm's.
    pub paper: Vec<f64>,
}

/// Section 1's runs: Adam and AMSGrad at Reddi's setting, by lrbook and by the recursion.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ReddiRuns {
    /// The horizons of the table; the runs are as long as the last.
    pub horizons: Vec<usize>,
    /// Adam, then AMSGrad.
    pub runs: Vec<ReddiRun>,
}

/// Runs Adam and AMSGrad at Reddi's setting for `C` up to the last horizon.
pub fn reddi_runs(quick: bool) -> Result<ReddiRuns> {
    let horizons = horizons(quick);
    let steps = *horizons.last().unwrap_or(&1);
    let runs = [false, true]
        .iter()
        .map(|&amsgrad| {
            let run = OnlineRun::reddi(C, amsgrad);
            Ok(ReddiRun {
                run,
                lrbook: lrbook_run(&run, steps)?,
                recursion: reference_run(&run, steps, true),
                paper: reference_run(&run, steps, false),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(ReddiRuns { horizons, runs })
}

fn reddi_caption(c: f64, beta2: f64) -> String {
    format!(
        "Reddi et al.'s online problem, C = {}, x ∈ [−1, 1] from x₁ = {}, β₁ = 0, β₂ = \
         1/(1+C²) = {}, step α/√t with α = {}, ε = 1e-8, f64",
        fmt_sig(c, 3),
        fmt_sig(X1, 2),
        fmt_sig(beta2, 4),
        fmt_sig(ALPHA, 2)
    )
}

/// Adam and AMSGrad at each horizon: `x_T`, `R_T/T`, the gap to the recursion, and the
/// paper's uncorrected algorithm's `x_T`.
pub fn reddi_table(r: &ReddiRuns) -> Table {
    let (adam, ams) = (&r.runs[0], &r.runs[1]);
    let p = adam.run.problem;
    let mut t = crate::table!(
        "adam_fixes_reddi",
        &format!(
            "Adam against AMSGrad (lrbook's Adam, amsgrad false and true) at horizon T: the \
             iterate, the average regret against x = −1, Adam's limit 2(C−2)/3 at the worst \
             point, the largest gap to the scalar recursion over t ≤ T, and the paper's \
             algorithm without bias correction or ε; {}",
            reddi_caption(p.c, adam.run.betas.1)
        ),
        &[
            "T",
            "Adam x_T",
            "Adam R_T/T",
            "2(C−2)/3",
            "AMSGrad x_T",
            "AMSGrad R_T/T",
            "max |lrbook − recursion|",
            "paper's Adam x_T",
            "paper's AMSGrad x_T",
        ],
    );
    for &h in &r.horizons {
        let gap = max_gap(&adam.lrbook[..h], &adam.recursion[..h])
            .max(max_gap(&ams.lrbook[..h], &ams.recursion[..h]));
        t.push(vec![
            Cell::from(h),
            Cell::num(adam.lrbook[h], 4),
            Cell::num(average_regret(&p, &adam.lrbook, h), 4),
            Cell::num(regret_at_worst_point(p.c), 4),
            Cell::num(ams.lrbook[h], 4),
            Cell::num(average_regret(&p, &ams.lrbook, h), 4),
            Cell::num(gap, 2),
            Cell::num(adam.paper[h], 4),
            Cell::num(ams.paper[h], 4),
        ]);
    }
    t
}

/// The closed-form edge `β₂*` for `C` and β₁ = 0: Adam's drift changes sign there.
pub fn drift_edge_beta2(c: f64) -> f64 {
    bisect(1e-6, 0.999_999, 1e-10, |b2| adam_drift(c, 0.0, b2) > 0.0)
}

/// The sweep over β₂ at β₁ = 0 and 0.9: the closed-form drift and its predicted end
/// against lrbook's measured `x_T` and `R_T/T` for Adam and AMSGrad.
pub fn sweep_table(steps: usize) -> Result<Table> {
    let problem = OnlineProblem { c: C };
    let mut t = crate::table!(
        "adam_fixes_beta2_sweep",
        &format!(
            "Adam and AMSGrad (lrbook) over β₂ at β₁ = 0 and 0.9, T = {steps}: Adam's drift \
             per period in units of the step (closed form, periodic steady state; positive \
             means x climbs to +1) against the measured end; closed-form edge at β₁ = 0: \
             β₂* = {}; Reddi et al.'s online problem, C = {}, x₁ = {}, step α/√t with α = {}, \
             ε = 1e-8, f64",
            fmt_sig(drift_edge_beta2(C), 4),
            fmt_sig(C, 3),
            fmt_sig(X1, 2),
            fmt_sig(ALPHA, 2)
        ),
        &[
            "β₁",
            "β₂",
            "Adam drift / α (closed form)",
            "predicted end",
            "Adam x_T",
            "Adam R_T/T",
            "AMSGrad x_T",
            "AMSGrad R_T/T",
        ],
    );
    for beta1 in [0.0, 0.9] {
        for &beta2 in &SWEEP_BETA2 {
            let drift = adam_drift(C, beta1, beta2);
            let mut row = vec![
                Cell::num(beta1, 2),
                Cell::num(beta2, 4),
                Cell::num(drift, 3),
                Cell::from(if drift > 0.0 { "+1" } else { "−1" }),
            ];
            for amsgrad in [false, true] {
                let run = OnlineRun {
                    problem,
                    betas: (beta1, beta2),
                    amsgrad,
                    alpha: ALPHA,
                };
                let xs = lrbook_run(&run, steps)?;
                row.push(Cell::num(xs[steps], 4));
                row.push(Cell::num(average_regret(&problem, &xs, steps), 4));
            }
            t.push(row);
        }
    }
    Ok(t)
}

/// Everything the page computes.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct AdamFixes {
    /// Section 1's runs.
    pub reddi: ReddiRuns,
    /// Section 2's training runs.
    pub training: warmup::TrainingRuns,
    /// The tables, in page order.
    pub tables: Vec<Table>,
}

/// Runs the page under `cfg` (`--quick` shortens the online runs and the training).
pub fn adam_fixes(cfg: &Config) -> Result<AdamFixes> {
    let reddi = reddi_runs(cfg.quick)?;
    let sweep_steps = if cfg.quick { 3000 } else { 10_000 };
    let training = warmup::training_runs(&warmup::TrainingConfig::for_config(cfg.quick), cfg)?;
    let tables = vec![
        reddi_table(&reddi),
        sweep_table(sweep_steps)?,
        warmup::multiplier_table()?,
        warmup::loss_summary_table(&training)?,
        warmup::training_table(&training)?,
    ];
    Ok(AdamFixes {
        reddi,
        training,
        tables,
    })
}

/// "AMSGrad and RAdam: two repairs to Adam": Adam and AMSGrad on Reddi et al.'s online
/// problem, and RAdam against Adam with an untuned linear warmup.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct AdamFixesSection {}

impl Exercise for AdamFixesSection {
    const NAME: &'static str = "ch4_adam_fixes";

    fn title() -> String {
        "Chapter 4, section: AMSGrad and RAdam, two repairs to Adam".to_string()
    }

    fn solve(&self, cfg: &Config, figures: Option<&Path>) -> Result<Solution> {
        solve_section(self, cfg, figures)
    }
}

impl Section for AdamFixesSection {
    type Output = AdamFixes;

    fn compute(&self, cfg: &Config) -> Result<AdamFixes> {
        adam_fixes(cfg)
    }

    fn solution(s: &Self::Output, figures: Option<&Path>) -> Result<Solution> {
        drawn_solution(s.tables.clone(), figures, |dir| figures::draw(s, dir))
    }
}

/// Exercise 4: at a fixed β₂ (β₁ = 0), Adam fails on Reddi's problem for `2 < C < C*`. Find
/// the edge C* by bisection on the measured end `x_T > 0`, set it against the closed-form
/// edge where the drift changes sign, and run AMSGrad just inside the failure region.
#[derive(clap::Args, Clone, Debug)]
pub struct FailureEdge {
    /// Adam's β₂, in (0, 1) (β₁ = 0).
    #[arg(long, default_value_t = 0.1)]
    pub beta2: f64,
    /// Rounds per run, T (the quick run uses a tenth).
    #[arg(long, default_value_t = 30_000)]
    pub steps: usize,
}

/// The largest C tried by [`FailureEdge`]'s bisection.
pub const MAX_C: f64 = 1000.0;

impl Exercise for FailureEdge {
    const NAME: &'static str = "ch4_ex4_failure_edge";

    fn solve(&self, cfg: &Config, _figures: Option<&Path>) -> Result<Solution> {
        if !(self.beta2 > 0.0 && self.beta2 < 1.0) {
            return Err(Error::invalid(
                "--beta2",
                format!("got {}, but β₂ must lie in (0, 1)", self.beta2),
                "Pass a decay such as 0.1 or 0.5.",
            ));
        }
        validate::count_in("--steps", self.steps, 1_000_000)?;
        let steps = if cfg.quick {
            (self.steps / 10).max(1)
        } else {
            self.steps
        };
        let run = |c: f64, amsgrad: bool| OnlineRun {
            problem: OnlineProblem { c },
            betas: (0.0, self.beta2),
            amsgrad,
            alpha: ALPHA,
        };
        let fails = |c: f64| reference_run(&run(c, false), steps, true)[steps] > 0.0;
        if !fails(2.0 + 1e-9) || fails(MAX_C) {
            return Err(Error::invalid(
                "--beta2",
                format!(
                    "at β₂ = {} Adam does not switch from failing to converging for C in \
                     (2, {MAX_C}] within {steps} rounds",
                    self.beta2
                ),
                "Pass a β₂ further from 0 and from 1 (the failure region (2, C*) shrinks \
                 towards C = 2 as β₂ nears 1, and covers every C while β₂ is tiny), or more \
                 --steps.",
            ));
        }
        let measured = bisect(2.0 + 1e-9, MAX_C, 1e-4, fails);
        let closed = bisect(2.0 + 1e-9, MAX_C, 1e-8, |c| {
            adam_drift(c, 0.0, self.beta2) > 0.0
        });
        let mut t = crate::table!(
            "adam_fixes_ex4_edge",
            &format!(
                "Exercise 4: the largest C at which Adam (β₁ = 0, β₂ = {}) still ends on the \
                 wrong side, by bisection on the measured x_T > 0 (scalar recursion, T = \
                 {steps}) and in closed form (drift = 0); lrbook's Adam and AMSGrad run at \
                 C 1% below the measured edge; x₁ = {}, step α/√t with α = {}, ε = 1e-8",
                fmt_sig(self.beta2, 4),
                fmt_sig(X1, 2),
                fmt_sig(ALPHA, 2)
            ),
            &["", "C", "Adam x_T", "AMSGrad x_T", "AMSGrad R_T/T"],
        );
        t.push(vec![
            Cell::from("closed-form edge (drift = 0)"),
            Cell::num(closed, 5),
            Cell::from("—"),
            Cell::from("—"),
            Cell::from("—"),
        ]);
        let inside = 0.99 * measured;
        let adam = lrbook_run(&run(inside, false), steps)?;
        let ams = lrbook_run(&run(inside, true), steps)?;
        t.push(vec![
            Cell::from("measured edge"),
            Cell::num(measured, 5),
            Cell::from("—"),
            Cell::from("—"),
            Cell::from("—"),
        ]);
        t.push(vec![
            Cell::from("1% inside the measured edge"),
            Cell::num(inside, 5),
            Cell::num(adam[steps], 4),
            Cell::num(ams[steps], 4),
            Cell::num(average_regret(&OnlineProblem { c: inside }, &ams, steps), 4),
        ]);
        Ok(Solution::tables(vec![t]))
    }
}
