//! "How many steps?": iterations to a tolerance against `η` on the 1-D quadratic, all 240
//! step sizes at once, against `⌈ln ε / ln|1 − ηa|⌉`.
use tch::Device;

use super::{A, EPS, THETA_STAR};
use crate::quadratic::{self, closed_form, Quadratic, RunOptions, SweepPoint};
use crate::report::{Cell, Table};
use crate::Result;

/// Part 2: iterations to ε against η on the 1-D quadratic, every η at once.
pub fn iterations_vs_eta_1d(device: Device) -> Result<(Table, Vec<SweepPoint>)> {
    let q = Quadratic::one_d(A, THETA_STAR)?;
    let etas: Vec<f64> = (1..=240).map(|i| i as f64 * 0.01 / A).collect(); // ηa = 0.01 … 2.40
    let opts = RunOptions {
        max_steps: 5000,
        rel_tol: Some(EPS),
        record_iterates: false,
        ..Default::default()
    };
    let points = quadratic::sweep(&q, &[0.0], &etas, 0.0, opts, device)?;
    let mut table = crate::table!(
        "iterations_vs_eta_1d",
        "Iterations to ε = 1e-6 against η on ½·4·(θ−3)² (a sample of the 240-point sweep)",
        &["ηa", "measured", "closed form"],
    );
    let mut mismatches = 0;
    for p in &points {
        let predicted =
            closed_form::iterations_to_tolerance(closed_form::error_factor(p.eta, A), EPS)
                .map(|n| n as usize);
        let measured = p.converged_at;
        if measured != predicted && predicted.is_some_and(|n| n <= opts.max_steps) {
            mismatches += 1;
        }
        let ea = (p.eta * A * 100.0).round() as i64;
        if [10, 50, 100, 150, 190, 199, 200, 210].contains(&ea) {
            table.push(vec![
                Cell::num(p.eta * A, 3),
                measured.map_or_else(|| sweep_fate(p), Cell::from),
                predicted.map_or("never".into(), Cell::from),
            ]);
        }
    }
    table.push(vec![
        "all 240".into(),
        format!("{mismatches} mismatches").into(),
        "".into(),
    ]);
    Ok((table, points))
}

fn sweep_fate(p: &SweepPoint) -> Cell {
    match p.diverged_at {
        Some(n) => format!("diverged (step {n})").into(),
        None => "not converged".into(),
    }
}
