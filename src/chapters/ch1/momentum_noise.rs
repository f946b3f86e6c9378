//! "Momentum, mapped", the stochastic part: heavy ball's noise floor on a noisy 1-D quadratic
//! against its closed form (a 2×2 Lyapunov equation) and against plain SGD at `η/(1−β)`.
use tch::{Kind, Tensor};

use crate::chapters::Config;
use crate::report::{fmt_sig, Cell, Table};
use crate::stats::{self, MeanCi};
use crate::Result;

// ANCHOR: floors
/// Heavy ball's stationary variance of `θ − θ*` on `½λθ²` with gradient noise of variance
/// `s2 = σ²/B`: the AR(2) recursion `e' = (1+β−ηλ)e − βe₋ − ηξ` has
/// `Var = ηs²(1+β) / ((1−β)·λ·(2(1+β) − ηλ))`; infinite outside `0 < ηλ < 2(1+β)`.
pub fn heavy_ball_floor(eta: f64, beta: f64, lambda: f64, s2: f64) -> f64 {
    let h = eta * lambda;
    if h <= 0.0 || h >= 2.0 * (1.0 + beta) {
        return f64::INFINITY;
    }
    eta * s2 * (1.0 + beta) / ((1.0 - beta) * lambda * (2.0 * (1.0 + beta) - h))
}

/// Plain SGD's stationary variance `ηs²/(λ(2 − ηλ))`: heavy ball's with `β = 0`.
pub fn sgd_floor(eta: f64, lambda: f64, s2: f64) -> f64 {
    heavy_ball_floor(eta, 0.0, lambda, s2)
}

/// Heavy ball's floor over SGD's at `η/(1−β)`: `(2 − ηλ/(1−β)) / (2 − ηλ/(1+β))`, which is 1
/// as `ηλ → 0` (the effective-learning-rate equivalence) and 0 at SGD's edge `ηλ = 2(1−β)`.
pub fn floor_ratio(eta: f64, beta: f64, lambda: f64) -> f64 {
    let h = eta * lambda;
    (2.0 - h / (1.0 - beta)) / (2.0 - h / (1.0 + beta))
}
// ANCHOR_END: floors

/// Sizes of the noise-floor sweep.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct NoiseConfig {
    /// Momentum coefficient.
    pub beta: f64,
    /// Curvature of the 1-D quadratic `½λθ²`.
    pub lambda: f64,
    /// Gradient-noise variance `σ²/B`.
    pub s2: f64,
    /// The effective steps `u = ηλ/(1−β)` swept.
    pub us: Vec<f64>,
    /// Independent chains per setting.
    pub chains: usize,
    /// Steps discarded before averaging.
    pub burn_in: usize,
    /// Steps averaged.
    pub average: usize,
}

impl NoiseConfig {
    /// β = 0.9, λ = 1, σ²/B = 1, `u` from 0.02 to 3.5.
    pub fn for_config(quick: bool) -> Self {
        let (chains, burn_in, average) = if quick {
            (200, 600, 1200)
        } else {
            (1000, 2000, 4000)
        };
        NoiseConfig {
            beta: 0.9,
            lambda: 1.0,
            s2: 1.0,
            us: vec![0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 1.5, 1.9, 2.5, 3.5],
            chains,
            burn_in,
            average,
        }
    }
}

/// One setting's floors: heavy ball at `(η, β)` and plain SGD at `η/(1−β)`.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct FloorPoint {
    /// `u = ηλ/(1−β)`.
    pub u: f64,
    /// Heavy ball's step `η`.
    pub eta: f64,
    /// Heavy ball: the mean over chains of each chain's time-averaged `(θ−θ*)²`.
    pub heavy_ball: MeanCi,
    /// Plain SGD at `η/(1−β)`, `None` where it diverged.
    pub sgd: Option<MeanCi>,
}

/// The sweep and its sizes.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct FloorSweep {
    /// Sizes.
    pub config: NoiseConfig,
    /// One point per `u`.
    pub points: Vec<FloorPoint>,
}

/// Runs every setting as one batch: rows are heavy ball at each `u`, then SGD at each `u`;
/// columns are chains. Seeded by `cfg.seed`.
pub fn floor_sweep(c: &NoiseConfig, cfg: &Config) -> Result<FloorSweep> {
    let opts = (Kind::Double, cfg.device);
    crate::device::seed(cfg.seed);
    let n = c.us.len();
    let etas: Vec<f64> = c.us.iter().map(|u| u * (1.0 - c.beta) / c.lambda).collect();
    let mut row_eta: Vec<f64> = etas.clone();
    row_eta.extend(etas.iter().map(|e| e / (1.0 - c.beta)));
    let mut row_beta = vec![c.beta; n];
    row_beta.extend(vec![0.0; n]);
    let col = |v: &[f64]| Tensor::from_slice(v).to_device(cfg.device).unsqueeze(1);
    let (eta, beta) = (col(&row_eta), col(&row_beta));
    let shape = [2 * n as i64, c.chains as i64];
    let mut x = Tensor::zeros(shape, opts);
    let mut prev = x.copy();
    let mut sum = Tensor::zeros(shape, opts);
    let noise_sd = c.s2.sqrt();
    for t in 0..c.burn_in + c.average {
        // ANCHOR: noisy_step
        let grad = &x * c.lambda + Tensor::randn(shape, opts) * noise_sd;
        let next = &x - &eta * grad + &beta * (&x - &prev);
        // ANCHOR_END: noisy_step
        prev = x;
        x = next;
        if t >= c.burn_in {
            sum += x.square();
        }
    }
    let means = Vec::<Vec<f64>>::try_from(sum / c.average as f64)?;
    let mut points = Vec::new();
    for i in 0..n {
        let sgd = &means[n + i];
        points.push(FloorPoint {
            u: c.us[i],
            eta: etas[i],
            heavy_ball: stats::mean_ci(&means[i], stats::LEVEL)?,
            sgd: if sgd.iter().all(|v| v.is_finite() && *v < 1e100) {
                Some(stats::mean_ci(sgd, stats::LEVEL)?)
            } else {
                None
            },
        });
    }
    Ok(FloorSweep {
        config: c.clone(),
        points,
    })
}

/// The floors: heavy ball measured against its closed form, and against SGD at `η/(1−β)`.
pub fn floor_table(s: &FloorSweep) -> Table {
    let c = &s.config;
    let mut t = crate::table!(
        "momentum_map_noise_floor",
        &format!(
            "Noise floor E(θ−θ*)² on ½λθ² with λ = {}, gradient noise of variance σ²/B = {}: \
             heavy ball at (η, β = {}) against plain SGD at η/(1−β); mean over {} chains of \
             each chain's average over {} steps after {} burn-in steps, with its 95% interval \
             over the chains; f64, seed 0",
            fmt_sig(c.lambda, 3),
            fmt_sig(c.s2, 3),
            fmt_sig(c.beta, 3),
            c.chains,
            c.average,
            c.burn_in
        ),
        &[
            "ηλ/(1−β)",
            "η",
            "HB measured",
            "± (95%)",
            "HB closed form",
            "measured ÷ closed form",
            "SGD at η/(1−β) measured",
            "SGD closed form",
            "HB ÷ SGD measured",
            "HB ÷ SGD closed form",
        ],
    );
    for p in &s.points {
        let hb = heavy_ball_floor(p.eta, c.beta, c.lambda, c.s2);
        let sgd = sgd_floor(p.eta / (1.0 - c.beta), c.lambda, c.s2);
        let num_or = |x: f64, digits: usize| {
            if x.is_finite() {
                Cell::num(x, digits)
            } else {
                Cell::from("diverges")
            }
        };
        t.push(vec![
            Cell::num(p.u, 3),
            Cell::num(p.eta, 3),
            Cell::num(p.heavy_ball.mean, 4),
            Cell::num(p.heavy_ball.half_width, 2),
            Cell::num(hb, 4),
            Cell::num(p.heavy_ball.mean / hb, 4),
            p.sgd
                .as_ref()
                .map_or(Cell::from("diverged"), |m| Cell::num(m.mean, 4)),
            num_or(sgd, 4),
            p.sgd.as_ref().map_or(Cell::from("—"), |m| {
                Cell::num(p.heavy_ball.mean / m.mean, 4)
            }),
            if sgd.is_finite() {
                Cell::num(floor_ratio(p.eta, c.beta, c.lambda), 4)
            } else {
                Cell::from("—")
            },
        ]);
    }
    t
}
