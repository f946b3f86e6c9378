//! "One dimension: the factor 1 − ηa": the five regimes of gradient descent on
//! `½·4·(θ−3)²`, each measured against its closed form.
use tch::Device;

use super::{A, EPS, ETA_TIMES_A, THETA_STAR};
use crate::quadratic::{self, closed_form, Quadratic, Regime1d, RunOptions, Trajectory};
use crate::report::{Cell, Table};
use crate::Result;

/// Part 1: the five regimes of `1 − ηa`, measured against the closed forms.
pub fn one_dimension(device: Device) -> Result<(Table, Vec<(f64, Trajectory)>)> {
    let q = Quadratic::one_d(A, THETA_STAR)?;
    let mut table = crate::table!(
        "one_d_regimes",
        "Gradient descent on ½·4·(θ−3)² from θ₀ = 0: measured against closed form",
        &[
            "η",
            "ηa",
            "1 − ηa",
            "regime",
            "|e₁₀|/|e₀| measured",
            "|1 − ηa|¹⁰",
            "steps to ε measured",
            "⌈ln ε / ln|1 − ηa|⌉",
        ],
    );
    let mut runs = Vec::new();
    for &ea in &ETA_TIMES_A {
        let eta = ea / A;
        let traj = quadratic::gradient_descent(
            &q,
            &[0.0],
            eta,
            RunOptions {
                max_steps: 30,
                ..Default::default()
            },
            device,
        )?;
        let to_tol = quadratic::gradient_descent(
            &q,
            &[0.0],
            eta,
            RunOptions {
                max_steps: 10_000,
                rel_tol: Some(EPS),
                record_iterates: false,
                ..Default::default()
            },
            device,
        )?;
        let factor = closed_form::error_factor(eta, A);
        let measured_ratio = traj.errors[10] / traj.errors[0];
        let predicted_steps = closed_form::iterations_to_tolerance(factor, EPS);
        table.push(vec![
            Cell::num(eta, 3),
            Cell::num(eta * A, 2),
            Cell::num(factor, 2),
            Regime1d::classify(eta, A).name().into(),
            Cell::num(measured_ratio, 4),
            Cell::num(factor.abs().powi(10), 4),
            steps_cell(&to_tol),
            predicted_steps.map_or("never".into(), |n| Cell::Int(n as i64)),
        ]);
        runs.push((eta, traj));
    }
    Ok((table, runs))
}

fn steps_cell(t: &Trajectory) -> Cell {
    match (t.converged_at, t.diverged_at) {
        (Some(n), _) => n.into(),
        (None, Some(n)) => format!("diverged (step {n})").into(),
        (None, None) => format!("not within {}", t.steps()).into(),
    }
}
