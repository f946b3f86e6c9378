//! "Momentum, mapped": the convergence rate of heavy ball and Nesterov over the (η, β) plane
//! of a quadratic, measured from iterates and set against the spectral radius of the
//! iteration; the stability edges and critical damping measured by bisection; the two
//! methods on Lessard, Recht & Packard's piecewise quadratic; and (in [`super::momentum_noise`])
//! the noise floor of heavy ball against plain SGD at `η/(1−β)`.
use std::path::Path;

use tch::{Device, Kind, Tensor};

use super::momentum_lessard::{lessard_runs, lessard_table, LessardRun};
use super::momentum_noise::{self, NoiseConfig};
use crate::chapters::exercise::{drawn_solution, solve_section, Exercise, Section, Solution};
use crate::chapters::Config;
use crate::quadratic::closed_form;
use crate::report::{fmt_sig, Cell, Table};
use crate::{validate, Error, Result};

/// Condition number of the mapped quadratic (λ from 1 to 100, as in "Momentum on quadratics").
pub const KAPPA: f64 = 100.0;
/// Eigenvalues of the mapped quadratic: this many, log-spaced over `[1, κ]`.
pub const DIM: usize = 8;
/// A grid point is "at an edge" when its predicted rate is at least this close to 1 ...
pub const EDGE_MARGIN: f64 = 0.01;
/// ... or when an eigenvalue whose rate is within [`EDGE_MARGIN`] of the worst has its two
/// roots closer than this (near a double root the error is `t·ρ^t`, not `ρ^t`).
pub const ROOT_GAP: f64 = 0.05;
/// The momentum coefficients of the edges table.
pub const EDGE_BETAS: [f64; 6] = [0.1, 0.3, 0.5, 0.7, 0.9, 0.95];

/// The two momentum methods, both as two-term recursions from `θ_{−1} = θ_0` (zero velocity).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Method {
    /// Heavy ball: `θ_{t+1} = θ_t − η∇L(θ_t) + β(θ_t − θ_{t−1})` (PyTorch's `momentum=β`).
    HeavyBall,
    /// Nesterov, classic form: `y = θ_t + β(θ_t − θ_{t−1})`, `θ_{t+1} = y − η∇L(y)`.
    Nesterov,
}

impl Method {
    /// Both, in table order.
    pub const BOTH: [Method; 2] = [Method::HeavyBall, Method::Nesterov];

    /// "heavy ball" or "Nesterov".
    pub fn name(self) -> &'static str {
        match self {
            Method::HeavyBall => "heavy ball",
            Method::Nesterov => "Nesterov",
        }
    }
}

// ANCHOR: characteristic
/// The characteristic polynomial `z² − b·z + c` of `method` along an eigenvalue `λ`:
/// heavy ball `b = 1+β−ηλ`, `c = β`; Nesterov `b = (1+β)(1−ηλ)`, `c = β(1−ηλ)`.
pub fn characteristic(method: Method, eta: f64, beta: f64, lambda: f64) -> (f64, f64) {
    let h = eta * lambda;
    match method {
        Method::HeavyBall => (1.0 + beta - h, beta),
        Method::Nesterov => ((1.0 + beta) * (1.0 - h), beta * (1.0 - h)),
    }
}

/// The larger root modulus of `z² − b·z + c` and the distance between the two roots.
pub fn root_radius_and_gap(b: f64, c: f64) -> (f64, f64) {
    let disc = b * b - 4.0 * c;
    let gap = disc.abs().sqrt();
    if disc < 0.0 {
        (c.sqrt(), gap) // complex pair: |z|² = c
    } else {
        (((b.abs() + gap) / 2.0), gap)
    }
}

/// Predicted rate: the spectral radius of the iteration, the worst over the eigenvalues.
pub fn predicted_rate(method: Method, eta: f64, beta: f64, eigs: &[f64]) -> f64 {
    eigs.iter()
        .map(|&l| {
            let (b, c) = characteristic(method, eta, beta, l);
            root_radius_and_gap(b, c).0
        })
        .fold(0.0, f64::max)
}
// ANCHOR_END: characteristic

/// Whether `(η, β)` is "at an edge" (see [`EDGE_MARGIN`], [`ROOT_GAP`]), where a finite run
/// cannot measure the rate to 1e-3: near ρ = 1, or near a double root of a dominant eigenvalue.
pub fn at_an_edge(method: Method, eta: f64, beta: f64, eigs: &[f64]) -> bool {
    let rho = predicted_rate(method, eta, beta, eigs);
    rho >= 1.0 - EDGE_MARGIN
        || eigs.iter().any(|&l| {
            let (b, c) = characteristic(method, eta, beta, l);
            let (r, gap) = root_radius_and_gap(b, c);
            r > rho - EDGE_MARGIN && gap < ROOT_GAP
        })
}

/// Closed forms of the edges, in units of `ηλ`.
pub mod edges {
    /// Heavy ball is stable iff `ηλ < 2(1+β)`.
    pub fn heavy_ball(beta: f64) -> f64 {
        2.0 * (1.0 + beta)
    }
    /// Nesterov is stable iff `ηλ < 2(1+β)/(1+2β)` (its root reaches −1 there).
    pub fn nesterov(beta: f64) -> f64 {
        2.0 * (1.0 + beta) / (1.0 + 2.0 * beta)
    }
    /// Heavy ball's roots are a complex pair iff `(1−√β)² < ηλ < (1+√β)²`.
    pub fn heavy_ball_critical(beta: f64) -> (f64, f64) {
        let s = beta.sqrt();
        ((1.0 - s).powi(2), (1.0 + s).powi(2))
    }
    /// Nesterov's roots are a complex pair iff `((1−β)/(1+β))² < ηλ < 1`.
    pub fn nesterov_critical(beta: f64) -> f64 {
        ((1.0 - beta) / (1.0 + beta)).powi(2)
    }
}

/// The best Nesterov tuning on a quadratic (Lessard, Recht & Packard 2016):
/// `η = 4/(3L+μ)`, `β = (√(3κ+1)−2)/(√(3κ+1)+2)`, rate `1 − 2/√(3κ+1)`.
pub fn nesterov_optimal(mu: f64, l: f64) -> (f64, f64, f64) {
    let s = (3.0 * l / mu + 1.0).sqrt();
    (4.0 / (3.0 * l + mu), (s - 2.0) / (s + 2.0), 1.0 - 2.0 / s)
}

/// The eigenvalues of the mapped quadratic: [`DIM`] values log-spaced over `[1, κ]`.
pub fn eigenvalues(kappa: f64) -> Result<Vec<f64>> {
    crate::grid::log_spaced(1.0, kappa, DIM)
}

// ANCHOR: measured_rate
/// Measured rates of `method` at every `(η, β)` of `points` on the diagonal quadratic with
/// eigenvalues `eigs`, all points as one `f64` batch. From `θ_0` with components 1 to 2
/// (every eigendirection present), `steps` iterates; the rate is
/// `(Σ_{W₂}‖θ_t‖² / Σ_{W₁}‖θ_t‖²)^{1/(2Δ)}` over two windows of `window` steps ending at
/// `steps/2` and `steps`, `Δ = steps/2` apart (summing a window averages out oscillation).
pub fn measured_rates(
    method: Method,
    points: &[(f64, f64)],
    eigs: &[f64],
    steps: usize,
    window: usize,
    device: Device,
) -> Result<Vec<f64>> {
    let opts = (Kind::Double, device);
    let col = |f: fn(&(f64, f64)) -> f64| {
        let v: Vec<f64> = points.iter().map(f).collect();
        Tensor::from_slice(&v).to_device(device).unsqueeze(1)
    };
    let (eta, beta) = (col(|p| p.0), col(|p| p.1));
    let lam = Tensor::from_slice(eigs).to_device(device).unsqueeze(0);
    let start = Tensor::linspace(1.0, 2.0, eigs.len() as i64, opts).unsqueeze(0);
    let mut theta = start.repeat([points.len() as i64, 1]);
    let mut prev = theta.copy();
    let mut log_scale = Tensor::zeros([points.len() as i64], opts);
    let (mut w1, mut w2) = (Vec::new(), Vec::new());
    for t in 1..=steps {
        let next = match method {
            Method::HeavyBall => &theta - &eta * (&lam * &theta) + &beta * (&theta - &prev),
            Method::Nesterov => {
                let y = &theta + &beta * (&theta - &prev);
                &y - &eta * (&lam * &y)
            }
        };
        prev = theta;
        theta = next;
        let norm2 = theta.square().sum_dim_intlist(1, false, Kind::Double);
        let log_energy = norm2.clamp_min(1e-300).log() + &log_scale * 2.0;
        if t > steps / 2 - window && t <= steps / 2 {
            w1.push(log_energy);
        } else if t > steps - window {
            w2.push(log_energy);
        }
        if t % 16 == 0 {
            // Rescale (θ_t, θ_{t−1}) together: the recursion is linear, the rate unchanged.
            let s = norm2.clamp_min(1e-300).sqrt();
            theta = &theta / s.unsqueeze(1);
            prev = &prev / s.unsqueeze(1);
            log_scale += s.log();
        }
    }
    let lse = |w: &[Tensor]| Tensor::stack(w, 0).logsumexp([0], false);
    let delta = (steps - steps / 2) as f64;
    let rate = ((lse(&w2) - lse(&w1)) / (2.0 * delta)).exp();
    Ok(Vec::<f64>::try_from(rate)?)
}
// ANCHOR_END: measured_rate

/// What a 1-D run at `h = ηλ` shows: its measured rate (as in [`measured_rates`]), and how
/// often the error changed or kept its sign over the second half.
fn scalar_run(method: Method, h: f64, beta: f64, steps: usize) -> (f64, usize, usize) {
    let (mut x, mut prev, mut log_scale) = (1.0f64, 1.0f64, 0.0f64);
    let window = steps / 8;
    let (mut w1, mut w2) = (Vec::new(), Vec::new());
    let (mut changes, mut keeps) = (0, 0);
    for t in 1..=steps {
        let next = match method {
            Method::HeavyBall => x - h * x + beta * (x - prev),
            Method::Nesterov => (x + beta * (x - prev)) * (1.0 - h),
        };
        if t > steps / 2 {
            if (next < 0.0) != (x < 0.0) {
                changes += 1;
            } else {
                keeps += 1;
            }
        }
        (prev, x) = (x, next);
        let e = x * x;
        let le = e.max(1e-300).ln() + 2.0 * log_scale;
        if t > steps / 2 - window && t <= steps / 2 {
            w1.push(le);
        } else if t > steps - window {
            w2.push(le);
        }
        let s = x.abs().max(prev.abs()).max(1e-300);
        (x, prev, log_scale) = (x / s, prev / s, log_scale + s.ln());
    }
    let lse = |w: &[f64]| {
        let m = w.iter().copied().fold(f64::MIN, f64::max);
        m + w.iter().map(|v| (v - m).exp()).sum::<f64>().ln()
    };
    let delta = (steps - steps / 2) as f64;
    (
        ((lse(&w2) - lse(&w1)) / (2.0 * delta)).exp(),
        changes,
        keeps,
    )
}

/// Bisection on `[lo, hi]` for where `inside(h)` (true at `lo`) turns false, to 1e-12.
fn bisect(mut lo: f64, mut hi: f64, inside: impl Fn(f64) -> bool) -> f64 {
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if inside(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-12 * hi {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// Measured edges at `β`, in units of `ηλ`: heavy ball's stability edge, its two critical
/// dampings, Nesterov's edge and lower critical damping (each a bisection on 1-D runs).
pub fn measured_edges(beta: f64, steps: usize) -> [f64; 5] {
    let stable = |m: Method| move |h: f64| scalar_run(m, h, beta, steps).0 < 1.0;
    let monotone = |m: Method| move |h: f64| scalar_run(m, h, beta, steps).1 < 2;
    let complex = |h: f64| {
        let (_, changes, keeps) = scalar_run(Method::HeavyBall, h, beta, steps);
        changes >= 2 && keeps >= 2
    };
    [
        bisect(1.0, 5.0, stable(Method::HeavyBall)),
        bisect(0.0, 1.0, monotone(Method::HeavyBall)),
        bisect(1.0, 2.0 * (1.0 + beta), complex),
        bisect(1.0, 3.0, stable(Method::Nesterov)),
        bisect(0.0, 0.9, monotone(Method::Nesterov)),
    ]
}

/// Sizes of the map.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct MapConfig {
    /// Condition number (λ from 1 to κ).
    pub kappa: f64,
    /// Learning rates of the grid, in order.
    pub etas: Vec<f64>,
    /// Momentum coefficients of the grid, in order.
    pub betas: Vec<f64>,
    /// Iterates per run.
    pub steps: usize,
    /// Steps per measurement window.
    pub window: usize,
}

impl MapConfig {
    /// The chapter's map of κ = 100: η over `(0, 0.045]`, β over `[0, 0.98]`.
    pub fn for_config(quick: bool) -> Self {
        let (n_eta, n_beta, steps, window) = if quick {
            (18, 15, 1000, 100)
        } else {
            (48, 40, 3000, 200)
        };
        MapConfig {
            kappa: KAPPA,
            etas: (1..=n_eta)
                .map(|i| 0.045 * i as f64 / n_eta as f64)
                .collect(),
            betas: (0..n_beta)
                .map(|i| 0.98 * i as f64 / (n_beta - 1) as f64)
                .collect(),
            steps,
            window,
        }
    }

    /// The grid's points `(η, β)`, η varying fastest.
    pub fn points(&self) -> Vec<(f64, f64)> {
        let mut p = Vec::with_capacity(self.etas.len() * self.betas.len());
        for &b in &self.betas {
            p.extend(self.etas.iter().map(|&e| (e, b)));
        }
        p
    }
}

/// One method's map: every grid point's measured and predicted rate.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct RateMap {
    /// Which method.
    pub method: Method,
    /// The grid points `(η, β)`.
    pub points: Vec<(f64, f64)>,
    /// Measured rate at each point.
    pub measured: Vec<f64>,
    /// Spectral radius at each point.
    pub predicted: Vec<f64>,
    /// Whether each point is at an edge (see [`at_an_edge`]).
    pub edge: Vec<bool>,
}

impl RateMap {
    /// Index of the grid point with the smallest measured rate.
    pub fn best(&self) -> usize {
        (0..self.points.len())
            .min_by(|&a, &b| self.measured[a].total_cmp(&self.measured[b]))
            .unwrap_or(0)
    }

    /// Largest `|measured − predicted|` over stable points away from (`false`) or at (`true`)
    /// the edges, with the number of such points.
    pub fn worst_error(&self, at_edges: bool) -> (f64, usize) {
        let errs: Vec<f64> = (0..self.points.len())
            .filter(|&i| self.predicted[i] < 1.0 && self.edge[i] == at_edges)
            .map(|i| (self.measured[i] - self.predicted[i]).abs())
            .collect();
        (errs.iter().copied().fold(0.0, f64::max), errs.len())
    }
}

/// Measures and predicts the rates of `method` over the grid of `c`.
pub fn rate_map(method: Method, c: &MapConfig, device: Device) -> Result<RateMap> {
    let eigs = eigenvalues(c.kappa)?;
    let points = c.points();
    let measured = measured_rates(method, &points, &eigs, c.steps, c.window, device)?;
    let predicted = points
        .iter()
        .map(|&(e, b)| predicted_rate(method, e, b, &eigs))
        .collect();
    let edge = points
        .iter()
        .map(|&(e, b)| at_an_edge(method, e, b, &eigs))
        .collect();
    Ok(RateMap {
        method,
        points,
        measured,
        predicted,
        edge,
    })
}

fn map_caption(c: &MapConfig) -> String {
    format!(
        "diagonal quadratic with {DIM} eigenvalues log-spaced over [1, {}], f64, θ₀ with \
         components 1 to 2, {} steps, rate from two {}-step windows {} steps apart; grid of \
         {} η in ({}, {}] by {} β in [{}, {}]",
        fmt_sig(c.kappa, 3),
        c.steps,
        c.window,
        c.steps - c.steps / 2,
        c.etas.len(),
        fmt_sig(c.etas[0], 3),
        fmt_sig(c.etas[c.etas.len() - 1], 3),
        c.betas.len(),
        fmt_sig(c.betas[0], 3),
        fmt_sig(c.betas[c.betas.len() - 1], 3),
    )
}

/// The maps' summary: per method, the worst `|measured − predicted|` away from and at the
/// edges, and the grid's best point.
pub fn map_table(maps: &[RateMap], c: &MapConfig) -> Table {
    let mut t = crate::table!(
        "momentum_map_rates",
        &format!(
            "Measured against predicted rate (spectral radius) at every stable grid point; \
             'at an edge': predicted rate ≥ {} or a dominant eigenvalue's roots closer than {}; {}",
            1.0 - EDGE_MARGIN,
            ROOT_GAP,
            map_caption(c)
        ),
        &[
            "method",
            "stable points",
            "away from the edges",
            "max |measured − predicted| there",
            "at an edge",
            "max |measured − predicted| there ",
            "best grid η",
            "best grid β",
            "its measured rate",
            "its predicted rate",
        ],
    );
    for m in maps {
        let (away, n_away) = m.worst_error(false);
        let (edge, n_edge) = m.worst_error(true);
        let b = m.best();
        t.push(vec![
            Cell::from(m.method.name()),
            Cell::from(n_away + n_edge),
            Cell::from(n_away),
            Cell::num(away, 2),
            Cell::from(n_edge),
            Cell::num(edge, 2),
            Cell::num(m.points[b].0, 3),
            Cell::num(m.points[b].1, 3),
            Cell::num(m.measured[b], 4),
            Cell::num(m.predicted[b], 4),
        ]);
    }
    t
}

/// The named tunings on the quadratic: closed-form rate, spectral radius and measured rate.
pub fn optimum_table(c: &MapConfig, device: Device) -> Result<Table> {
    let eigs = eigenvalues(c.kappa)?;
    let (lmin, lmax) = (1.0, c.kappa);
    let (hb_eta, hb_beta, hb_rate) = closed_form::heavy_ball_optimal(lmin, lmax);
    let (ng_eta, ng_beta, ng_rate) = nesterov_optimal(lmin, lmax);
    let sk = c.kappa.sqrt();
    let rows = [
        (
            Method::HeavyBall,
            "Polyak: 4/(√L+√μ)², ((√κ−1)/(√κ+1))²",
            hb_eta,
            hb_beta,
            hb_rate,
        ),
        (
            Method::Nesterov,
            "standard: 1/L, (√κ−1)/(√κ+1)",
            1.0 / lmax,
            (sk - 1.0) / (sk + 1.0),
            1.0 - 1.0 / sk,
        ),
        (
            Method::Nesterov,
            "best on quadratics: 4/(3L+μ), (√(3κ+1)−2)/(√(3κ+1)+2)",
            ng_eta,
            ng_beta,
            ng_rate,
        ),
        (
            Method::Nesterov,
            "Polyak's heavy-ball tuning",
            hb_eta,
            hb_beta,
            f64::NAN,
        ),
    ];
    let mut t = crate::table!(
        "momentum_map_optimum",
        &format!(
            "Named tunings on the quadratic: closed-form rate, spectral radius over the spectrum, \
             and measured rate; {}",
            map_caption(c)
        ),
        &[
            "method",
            "tuning",
            "η",
            "β",
            "closed-form rate",
            "spectral radius",
            "measured rate",
        ],
    );
    for (method, tuning, eta, beta, rate) in rows {
        let measured = measured_rates(method, &[(eta, beta)], &eigs, c.steps, c.window, device)?[0];
        t.push(vec![
            Cell::from(method.name()),
            Cell::from(tuning),
            Cell::num(eta, 4),
            Cell::num(beta, 4),
            if rate.is_nan() {
                Cell::from("—")
            } else {
                Cell::num(rate, 4)
            },
            Cell::num(predicted_rate(method, eta, beta, &eigs), 4),
            Cell::num(measured, 4),
        ]);
    }
    Ok(t)
}

/// The edges at each β of [`EDGE_BETAS`], closed form against measured, in units of `ηλ`.
pub fn edges_table(steps: usize) -> Table {
    let mut t = crate::table!(
        "momentum_map_edges",
        &format!(
            "Edges in units of ηλ, closed form against measured: stability (bisection on the \
             measured rate of a 1-D run crossing 1) and critical damping (bisection on whether \
             the error still changes sign at least twice in the second half of the run, or, \
             for the upper one, keeps it twice); {steps} steps per run, f64"
        ),
        &[
            "β",
            "HB edge 2(1+β)",
            "measured",
            "HB critical (1−√β)²",
            "measured ",
            "HB critical (1+√β)²",
            "measured  ",
            "NAG edge 2(1+β)/(1+2β)",
            "measured   ",
            "NAG critical ((1−β)/(1+β))²",
            "measured    ",
        ],
    );
    for &beta in &EDGE_BETAS {
        let m = measured_edges(beta, steps);
        let (lo, hi) = edges::heavy_ball_critical(beta);
        let predicted = [
            edges::heavy_ball(beta),
            lo,
            hi,
            edges::nesterov(beta),
            edges::nesterov_critical(beta),
        ];
        let mut row = vec![Cell::num(beta, 3)];
        for (p, m) in predicted.iter().zip(m) {
            row.push(Cell::num(*p, 5));
            row.push(Cell::num(m, 5));
        }
        t.push(row);
    }
    t
}

/// Everything the section computes.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct MomentumMap {
    /// The map's sizes.
    pub config: MapConfig,
    /// Heavy ball's and Nesterov's maps.
    pub maps: Vec<RateMap>,
    /// The section's tables, in page order.
    pub tables: Vec<Table>,
    /// The Lessard runs (see [`lessard_runs`]).
    pub lessard: Vec<LessardRun>,
    /// The noise-floor measurements.
    pub floor: momentum_noise::FloorSweep,
}

/// Runs the whole section under `cfg` (`--quick` shrinks the grid, the runs and the chains).
pub fn momentum_map(cfg: &Config) -> Result<MomentumMap> {
    let c = MapConfig::for_config(cfg.quick);
    let maps = Method::BOTH
        .iter()
        .map(|&m| rate_map(m, &c, cfg.device))
        .collect::<Result<Vec<_>>>()?;
    let edge_steps = if cfg.quick { 4000 } else { 20000 };
    let lessard = lessard_runs();
    let floor = momentum_noise::floor_sweep(&NoiseConfig::for_config(cfg.quick), cfg)?;
    let tables = vec![
        map_table(&maps, &c),
        optimum_table(&c, cfg.device)?,
        edges_table(edge_steps),
        lessard_table(&lessard),
        momentum_noise::floor_table(&floor),
    ];
    Ok(MomentumMap {
        config: c,
        maps,
        tables,
        lessard,
        floor,
    })
}

/// "Momentum, mapped": heavy ball's and Nesterov's rates over the (η, β) plane of a quadratic,
/// their edges, the Lessard function, and heavy ball's noise floor against SGD at η/(1−β).
#[derive(clap::Args, Clone, Debug, Default)]
pub struct MomentumMapSection {}

impl Exercise for MomentumMapSection {
    const NAME: &'static str = "ch1_momentum_map";

    fn title() -> String {
        "Chapter 1, section: momentum, mapped".to_string()
    }

    fn solve(&self, cfg: &Config, figures: Option<&Path>) -> Result<Solution> {
        solve_section(self, cfg, figures)
    }
}

impl Section for MomentumMapSection {
    type Output = MomentumMap;

    fn compute(&self, cfg: &Config) -> Result<MomentumMap> {
        momentum_map(cfg)
    }

    fn solution(s: &Self::Output, figures: Option<&Path>) -> Result<Solution> {
        drawn_solution(s.tables.clone(), figures, |dir| {
            super::momentum_figures::draw(s, dir)
        })
    }
}

/// Exercise 5: read the best (η, β) off a map of κ = 1000 and check it against Polyak's
/// formula `η* = 4/(√λmax+√λmin)²`, `β* = ((√κ−1)/(√κ+1))²`, rate `(√κ−1)/(√κ+1)`.
#[derive(clap::Args, Clone, Debug)]
pub struct BestMomentum {
    /// Condition number of the quadratic (eigenvalues log-spaced over [1, κ]).
    #[arg(long, default_value_t = 1000.0)]
    pub kappa: f64,
    /// Grid points along η (over (0, 2(1+β_max)/κ]) and along β (over [0.8, 0.98]).
    #[arg(long, default_value_t = 40)]
    pub grid: usize,
}

impl Exercise for BestMomentum {
    const NAME: &'static str = "ch1_ex5_best_momentum";

    fn solve(&self, cfg: &Config, _figures: Option<&Path>) -> Result<Solution> {
        validate::positive("--kappa", self.kappa)?;
        if !(self.kappa > 1.0 && self.kappa <= 1e6) {
            return Err(Error::invalid(
                "--kappa",
                format!("got {}, but κ must lie in (1, 1e6]", self.kappa),
                "Pass a condition number such as 1000.",
            ));
        }
        validate::count_in("--grid", self.grid, 200)?;
        if self.grid < 2 {
            return Err(Error::invalid(
                "--grid",
                format!(
                    "got {}, but a grid needs at least 2 points per axis",
                    self.grid
                ),
                "Pass a size such as 40.",
            ));
        }
        let n = self.grid;
        let eta_max = 2.0 * 1.98 / self.kappa;
        let steps = if cfg.quick { 2000 } else { 6000 };
        let c = MapConfig {
            kappa: self.kappa,
            etas: (1..=n).map(|i| eta_max * i as f64 / n as f64).collect(),
            betas: (0..n)
                .map(|i| 0.8 + 0.18 * i as f64 / (n - 1) as f64)
                .collect(),
            steps,
            window: steps / 10,
        };
        let map = rate_map(Method::HeavyBall, &c, cfg.device)?;
        let b = map.best();
        let (eta, beta, rate) = closed_form::heavy_ball_optimal(1.0, self.kappa);
        let eigs = eigenvalues(self.kappa)?;
        let at_formula = measured_rates(
            Method::HeavyBall,
            &[(eta, beta)],
            &eigs,
            steps,
            steps / 10,
            cfg.device,
        )?[0];
        let mut t = crate::table!(
            "momentum_map_ex5_best",
            &format!(
                "Exercise 5: heavy ball's best grid point against Polyak's formula; {}",
                map_caption(&c)
            ),
            &["", "η", "β", "predicted rate", "measured rate"],
        );
        t.push(vec![
            Cell::from("best grid point"),
            Cell::num(map.points[b].0, 4),
            Cell::num(map.points[b].1, 4),
            Cell::num(map.predicted[b], 4),
            Cell::num(map.measured[b], 4),
        ]);
        t.push(vec![
            Cell::from("Polyak's formula"),
            Cell::num(eta, 4),
            Cell::num(beta, 4),
            Cell::num(rate, 4),
            Cell::num(at_formula, 4),
        ]);
        Ok(Solution::tables(vec![t]))
    }
}
