//! "Momentum, mapped", beyond the quadratic: heavy ball and Nesterov on Lessard, Recht &
//! Packard's (2016) piecewise quadratic, where Polyak's tuning of heavy ball can cycle while
//! Nesterov keeps its guarantee.
use super::momentum_map::Method;
use crate::quadratic::closed_form;
use crate::report::{Cell, Table};

/// Lessard, Recht & Packard's function (L = 25, μ = 1, minimum 0 at θ = 0): gradient `25θ`
/// below 1, `θ + 24` on `[1, 2)`, `25θ − 24` from 2.
pub fn lessard_grad(x: f64) -> f64 {
    if x < 1.0 {
        25.0 * x
    } else if x < 2.0 {
        x + 24.0
    } else {
        25.0 * x - 24.0
    }
}

/// The Lessard function itself, the integral of [`lessard_grad`] from 0.
pub fn lessard_f(x: f64) -> f64 {
    if x < 1.0 {
        12.5 * x * x
    } else if x < 2.0 {
        12.5 + 0.5 * (x * x - 1.0) + 24.0 * (x - 1.0)
    } else {
        38.0 + 12.5 * (x * x - 4.0) - 24.0 * (x - 2.0)
    }
}

/// Steps of each Lessard run.
pub const LESSARD_STEPS: usize = 200;

/// One run on the Lessard function.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct LessardRun {
    /// Which method.
    pub method: Method,
    /// The tuning's name.
    #[serde(deserialize_with = "crate::run_cache::leak_str")]
    pub tuning: crate::run_cache::StaticName,
    /// Its step and momentum.
    pub eta: f64,
    /// Its momentum.
    pub beta: f64,
    /// `θ_0, θ_1, …, θ_T`.
    pub iterates: Vec<f64>,
    /// Nesterov's guarantee `(1−1/√κ)^t (f(θ_0) + μθ_0²/2)` on `f(θ_t)`, for Nesterov only.
    pub guarantee: Option<Vec<f64>>,
}

impl LessardRun {
    /// `θ_T`.
    pub fn last(&self) -> f64 {
        self.iterates[self.iterates.len() - 1]
    }

    /// Whether the run ends on a 3-cycle away from the minimum: `θ_T = θ_{T−3}` to 1e-9, `|θ_T| > 0.1`.
    pub fn three_cycle(&self) -> bool {
        let n = self.iterates.len();
        (self.iterates[n - 1] - self.iterates[n - 4]).abs() < 1e-9 && self.last().abs() > 0.1
    }

    /// The largest `f(θ_t) / guarantee_t` over the run (at most 1 when the guarantee holds).
    pub fn worst_guarantee_ratio(&self) -> Option<f64> {
        let g = self.guarantee.as_ref()?;
        Some(
            self.iterates
                .iter()
                .zip(g)
                .map(|(&x, &b)| lessard_f(x) / b)
                .fold(0.0, f64::max),
        )
    }
}

// ANCHOR: lessard_run
/// `steps` iterates of `method` on the Lessard function from `θ_{−1} = θ_0 = x0`.
pub fn lessard_iterates(method: Method, eta: f64, beta: f64, x0: f64, steps: usize) -> Vec<f64> {
    let (mut x, mut prev) = (x0, x0);
    let mut out = vec![x0];
    for _ in 0..steps {
        let next = match method {
            Method::HeavyBall => x - eta * lessard_grad(x) + beta * (x - prev),
            Method::Nesterov => {
                let y = x + beta * (x - prev);
                y - eta * lessard_grad(y)
            }
        };
        (prev, x) = (x, next);
        out.push(x);
    }
    out
}
// ANCHOR_END: lessard_run

/// Heavy ball at Polyak's tuning for μ = 1, L = 25 from θ₀ = 3.3 (a 3-cycle) and 3 (converges),
/// and Nesterov at its standard tuning from 3.3 with its guarantee.
pub fn lessard_runs() -> Vec<LessardRun> {
    let (mu, l) = (1.0, 25.0);
    let (eta, beta, _) = closed_form::heavy_ball_optimal(mu, l);
    let sk = (l / mu).sqrt();
    let (n_eta, n_beta) = (1.0 / l, (sk - 1.0) / (sk + 1.0));
    let mut runs = Vec::new();
    for x0 in [3.3, 3.0] {
        runs.push(LessardRun {
            method: Method::HeavyBall,
            tuning: "Polyak: 4/(√L+√μ)², ((√κ−1)/(√κ+1))²",
            eta,
            beta,
            iterates: lessard_iterates(Method::HeavyBall, eta, beta, x0, LESSARD_STEPS),
            guarantee: None,
        });
    }
    let x0 = 3.3;
    let start = lessard_f(x0) + 0.5 * mu * x0 * x0;
    runs.push(LessardRun {
        method: Method::Nesterov,
        tuning: "standard: 1/L, (√κ−1)/(√κ+1)",
        eta: n_eta,
        beta: n_beta,
        iterates: lessard_iterates(Method::Nesterov, n_eta, n_beta, x0, LESSARD_STEPS),
        guarantee: Some(
            (0..=LESSARD_STEPS)
                .map(|t| (1.0 - 1.0 / sk).powi(t as i32) * start)
                .collect(),
        ),
    });
    runs
}

/// The Lessard runs: where each ends, and Nesterov's guarantee.
pub fn lessard_table(runs: &[LessardRun]) -> Table {
    let mut t = crate::table!(
        "momentum_map_lessard",
        &format!(
            "Heavy ball and Nesterov on Lessard, Recht & Packard's piecewise quadratic (L = 25, μ = 1, minimum at 0), {LESSARD_STEPS} steps from θ₋₁ = θ₀, f64; the guarantee is Nesterov's f(θ_t) ≤ (1−1/√κ)^t (f(θ₀) + μθ₀²/2)"
        ),
        &[
            "method",
            "tuning",
            "η",
            "β",
            "θ₀",
            "θ_T−2",
            "θ_T−1",
            "θ_T",
            "verdict",
            "max f(θ_t) ÷ guarantee",
        ],
    );
    for r in runs {
        let n = r.iterates.len();
        let verdict = if r.three_cycle() {
            "3-cycle"
        } else if r.last().abs() < 1e-12 {
            "converges"
        } else {
            "neither"
        };
        t.push(vec![
            Cell::from(r.method.name()),
            Cell::from(r.tuning),
            Cell::num(r.eta, 4),
            Cell::num(r.beta, 4),
            Cell::num(r.iterates[0], 3),
            Cell::num(r.iterates[n - 3], 4),
            Cell::num(r.iterates[n - 2], 4),
            Cell::num(r.last(), 4),
            Cell::from(verdict),
            r.worst_guarantee_ratio()
                .map_or(Cell::from("no guarantee"), |x| Cell::num(x, 3)),
        ]);
    }
    t
}
