//! Chapter 1's exercises, with runnable solutions (`examples/ch1_ex*`).
use std::path::Path;

use tch::Device;

use crate::chapters::exercise::{Exercise, Solution};
use crate::chapters::Config;
use crate::quadratic::{self, closed_form, Quadratic, RunOptions};
use crate::report::{Cell, Table};
use crate::{Error, Result};

/// Exercise 1: every iterate of gradient descent on `(w−5)²` from `w₀ = 0` for each learning
/// rate, and which ones converge. The learning rates are the source text's.
#[derive(clap::Args, Clone, Debug)]
pub struct Iterates {
    /// Learning rates, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "0.1,0.5,1.0,1.5")]
    pub eta: Vec<f64>,
    /// Steps per run, 1 to 10000 (the table has a row per step).
    #[arg(long, default_value_t = 10)]
    pub steps: usize,
}

impl Exercise for Iterates {
    const NAME: &'static str = "ch1_ex1_iterates";

    fn solve(&self, cfg: &Config, _figures: Option<&Path>) -> Result<Solution> {
        crate::validate::count_in("--steps", self.steps, crate::validate::MAX_GRID)?;
        crate::validate::list_len("--eta", &self.eta)?;
        for &eta in &self.eta {
            crate::validate::learning_rate("--eta", eta)?;
        }
        let (iterates, verdicts) = ex1_iterates(&self.eta, self.steps, cfg.device)?;
        Ok(Solution::tables(vec![iterates, verdicts]))
    }
}

/// Exercise 2: how much the best fixed step `2/(λmax+λmin)` saves over `1/λmax` on
/// `diag(1, κ)`: steps to ε = 1e-6 at each, closed form and measured.
#[derive(clap::Args, Clone, Debug)]
pub struct BestFixedStep {
    /// Condition numbers, comma-separated (each ≥ 1).
    #[arg(long, value_delimiter = ',', default_value = "2,10,100,1000")]
    pub kappa: Vec<f64>,
}

impl Exercise for BestFixedStep {
    const NAME: &'static str = "ch1_ex2_best_fixed_step";

    fn solve(&self, cfg: &Config, _figures: Option<&Path>) -> Result<Solution> {
        crate::validate::list_len("--kappa", &self.kappa)?;
        for &k in &self.kappa {
            if !(k.is_finite() && k >= 1.0) {
                return Err(Error::invalid(
                    "--kappa",
                    format!("got {k}, but a condition number must be a finite number >= 1"),
                    "Pass condition numbers such as 2,10,100.",
                ));
            }
        }
        let table = ex2_best_fixed_step(&self.kappa, 1e-6, cfg.device)?;
        Ok(Solution::tables(vec![table]))
    }
}

/// Exercise 3: the stability edge of heavy-ball momentum on `½θ²`, found by sweeping η for
/// each β, against the closed form `2(1+β)`.
#[derive(clap::Args, Clone, Debug)]
pub struct MomentumEdge {
    /// Momentum coefficients, comma-separated (each in [0, 1)).
    #[arg(long, value_delimiter = ',', default_value = "0,0.5,0.9,0.99")]
    pub beta: Vec<f64>,
}

impl Exercise for MomentumEdge {
    const NAME: &'static str = "ch1_ex3_momentum_edge";

    fn solve(&self, cfg: &Config, _figures: Option<&Path>) -> Result<Solution> {
        crate::validate::list_len("--beta", &self.beta)?;
        for &b in &self.beta {
            if !(0.0..1.0).contains(&b) {
                return Err(Error::invalid(
                    "--beta",
                    format!("got {b}, but a momentum coefficient must lie in [0, 1)"),
                    "Pass coefficients such as 0,0.5,0.9.",
                ));
            }
        }
        let table = ex3_momentum_edge(&self.beta, cfg.device)?;
        Ok(Solution::tables(vec![table]))
    }
}

/// Exercise 1: `L(w) = (w−5)²` from `w₀ = 0`, ten steps at each η. Since
/// `(w−5)² = ½·2·(w−5)²`, the curvature is `a = 2` and the error factor is `1 − 2η`.
pub fn ex1_iterates(etas: &[f64], steps: usize, device: Device) -> Result<(Table, Table)> {
    let q = Quadratic::one_d(2.0, 5.0)?;
    let mut columns = vec!["t".to_string()];
    columns.extend(etas.iter().map(|e| format!("w_t (η = {e})")));
    let cols: Vec<&str> = columns.iter().map(String::as_str).collect();
    let mut iterates = crate::table!(
        "ex1_iterates",
        "Exercise 1: iterates of gradient descent on (w−5)² from w₀ = 0",
        &cols,
    );
    let mut verdicts = crate::table!(
        "ex1_verdicts",
        "Exercise 1: which learning rates converge",
        &[
            "η",
            "factor 1 − 2η",
            &format!("w{}", subscript(steps)),
            "verdict",
        ],
    );
    let mut runs = Vec::new();
    for &eta in etas {
        runs.push(quadratic::gradient_descent(
            &q,
            &[0.0],
            eta,
            RunOptions {
                max_steps: steps,
                blowup: f64::INFINITY,
                ..Default::default()
            },
            device,
        )?);
    }
    for t in 0..=steps {
        let mut row = vec![Cell::from(t)];
        row.extend(runs.iter().map(|r| iterate_cell(r, t)));
        iterates.push(row);
    }
    for (&eta, r) in etas.iter().zip(&runs) {
        let factor = closed_form::error_factor(eta, 2.0);
        let verdict = if factor == 0.0 {
            "converges in one step"
        } else if factor.abs() < 1.0 {
            "converges"
        } else if factor.abs() == 1.0 {
            "does not converge: 2-cycle"
        } else {
            "diverges"
        };
        verdicts.push(vec![
            Cell::num(eta, 2),
            Cell::num(factor, 2),
            iterate_cell(r, steps),
            verdict.into(),
        ]);
    }
    Ok((iterates, verdicts))
}

/// The iterate `w_t` of `run`, or "diverged" past the step where it overflowed to ±∞ and
/// the run stopped.
fn iterate_cell(run: &quadratic::Trajectory, t: usize) -> Cell {
    run.iterates
        .get(t)
        .map_or(Cell::from("diverged"), |w| Cell::num(w[0], 6))
}

/// `n` in subscript digits: 10 → "₁₀".
fn subscript(n: usize) -> String {
    n.to_string()
        .chars()
        .map(|c| char::from_u32('₀' as u32 + c.to_digit(10).unwrap_or(0)).unwrap_or(c))
        .collect()
}

/// Exercise 2 (analytic): steps to reach ε at `η = 1/λmax` against the best fixed step
/// `η* = 2/(λmax+λmin)`, in closed form and measured, for each κ. The ratio tends to 2.
pub fn ex2_best_fixed_step(kappas: &[f64], eps: f64, device: Device) -> Result<Table> {
    let mut table = crate::table!(
        "ex2_best_fixed_step",
        "Exercise 2: steps to ε = 1e-6 on H = diag(1, κ), from θ₀ = 0 to θ* = (1, 1), at η = 1/λmax and at η* = 2/(λmax+λmin)",
        &["κ", "1/λmax: rate", "1/λmax: steps (bound)", "1/λmax: steps (measured)", "η*: rate", "η*: steps (bound)", "η*: steps (measured)", "ratio of the bounds"],
    );
    for &kappa in kappas {
        let q = Quadratic::diagonal(&[1.0, kappa], &[1.0, 1.0])?;
        let opts = RunOptions {
            max_steps: 1_000_000,
            rel_tol: Some(eps),
            record_iterates: false,
            ..Default::default()
        };
        let (naive, best) = (1.0 / kappa, closed_form::best_step(1.0, kappa));
        let (r_naive, r_best) = (
            closed_form::gd_rate(naive, q.eigenvalues()),
            closed_form::gd_rate(best, q.eigenvalues()),
        );
        let n_naive = closed_form::iterations_to_tolerance(r_naive, eps).unwrap_or(0);
        let n_best = closed_form::iterations_to_tolerance(r_best, eps).unwrap_or(0);
        let m_naive =
            quadratic::gradient_descent(&q, &[0.0, 0.0], naive, opts, device)?.converged_at;
        let m_best = quadratic::gradient_descent(&q, &[0.0, 0.0], best, opts, device)?.converged_at;
        table.push(vec![
            Cell::num(kappa, 4),
            Cell::num(r_naive, 4),
            Cell::Int(n_naive as i64),
            m_naive.map_or("not reached".into(), Cell::from),
            Cell::num(r_best, 4),
            Cell::Int(n_best as i64),
            m_best.map_or("not reached".into(), Cell::from),
            Cell::num(n_naive as f64 / n_best as f64, 3),
        ]);
    }
    Ok(table)
}

/// Exercise 3 (experimental): the stability edge of heavy ball on `½a θ²` with `a = 1`,
/// found by a sweep of 2000 step sizes, against the closed form `2(1+β)/a`.
pub fn ex3_momentum_edge(betas: &[f64], device: Device) -> Result<Table> {
    let mut table = crate::table!(
        "ex3_momentum_edge",
        "Exercise 3: largest stable η for heavy ball on ½θ², measured by a 2000-point sweep against 2(1+β)",
        &["β", "predicted edge 2(1+β)", "measured edge", "sweep resolution"],
    );
    let q = Quadratic::one_d(1.0, 0.0)?;
    for &beta in betas {
        let predicted = closed_form::heavy_ball_stability_limit(1.0, beta);
        let etas: Vec<f64> = (1..=2000)
            .map(|i| predicted * (0.9 + 0.2 * i as f64 / 2000.0))
            .collect();
        // Near the edge the error neither grows nor shrinks fast: "stable" means the error
        // after 20 000 steps is below its start.
        let opts = RunOptions {
            max_steps: 20_000,
            rel_tol: None,
            record_iterates: false,
            blowup: 1e6,
        };
        let points = quadratic::sweep(&q, &[1.0], &etas, beta, opts, device)?;
        let edge = points
            .iter()
            .filter(|p| p.diverged_at.is_none() && p.final_ratio < 1.0)
            .map(|p| p.eta)
            .fold(f64::NAN, f64::max);
        table.push(vec![
            Cell::num(beta, 2),
            Cell::num(predicted, 5),
            Cell::num(edge, 5),
            Cell::num(etas[1] - etas[0], 2),
        ]);
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A learning rate so large that the iterate overflows to ∞ within the steps: the run
    /// stops there, and the tables say "diverged" instead of reading past its end.
    #[test]
    fn an_overflowing_run_is_shown_as_diverged() {
        let (iterates, verdicts) = ex1_iterates(&[0.5, 3.4e38], 12, Device::Cpu).unwrap();
        assert_eq!(iterates.rows.len(), 13);
        assert_eq!(verdicts.columns[2], "w₁₂");
        assert_eq!(verdicts.rows[1][3], Cell::from("diverges"));
        assert_eq!(verdicts.rows[1][2], Cell::from("diverged"));
        // |w_t − 5| = 5·|1 − 2η|^t overflows between t = 7 and t = 8 at this η.
        assert!(iterates.rows[7][2].value().is_some_and(f64::is_finite));
        assert_eq!(iterates.rows[12][2], Cell::from("diverged"));
        assert_eq!(verdicts.rows[0][2], Cell::num(5.0, 6));
        assert_eq!(subscript(10), "₁₀");
    }
}
