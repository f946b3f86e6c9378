//! "Momentum on quadratics": the measured rates of gradient descent at its best step and of
//! heavy ball at Polyak's optimum, against `(κ−1)/(κ+1)` and `(√κ−1)/(√κ+1)`.
use tch::Device;

use super::{rotated_quadratic, EPS, KAPPAS};
use crate::quadratic::{self, closed_form, RunOptions, Trajectory};
use crate::report::{Cell, Table};
use crate::Result;

/// Part 3b: measured rates of gradient descent at `2/(λmax+λmin)` and of heavy ball at
/// Polyak's optimum, against `(κ−1)/(κ+1)` and `(√κ−1)/(√κ+1)`, for each κ in [`KAPPAS`].
pub fn rates_vs_kappa(device: Device) -> Result<(Table, (Trajectory, Trajectory))> {
    let mut table = crate::table!(
        "rates_vs_kappa",
        "Convergence rate per step on rotated 10-D quadratics: gradient descent at η* = 2/(λmax+λmin), heavy ball at Polyak's (η, β)",
        &["κ", "GD η*", "GD rate (κ−1)/(κ+1)", "GD measured", "GD steps to ε", "HB η", "HB β", "HB rate (√κ−1)/(√κ+1)", "HB measured", "HB steps to ε"],
    );
    let mut curves = None;
    for &kappa in &KAPPAS {
        let q = rotated_quadratic(kappa)?;
        let x0 = vec![0.0; q.dim()];
        let (lmin, lmax) = (q.lambda_min(), q.lambda_max());
        // Stop at 1e-9: below that, rounding rather than the rate sets the error.
        let opts = RunOptions {
            max_steps: 100_000,
            rel_tol: Some(1e-9),
            record_iterates: false,
            ..Default::default()
        };
        let eta = closed_form::best_step(lmin, lmax);
        let gd = quadratic::gradient_descent(&q, &x0, eta, opts, device)?;
        let (hb_eta, hb_beta, hb_rate) = closed_form::heavy_ball_optimal(lmin, lmax);
        let hb = quadratic::heavy_ball(&q, &x0, hb_eta, hb_beta, opts, device)?;
        table.push(vec![
            Cell::num(kappa, 4),
            Cell::num(eta, 3),
            Cell::num(closed_form::best_rate(kappa), 4),
            rate_cell(&gd),
            first_below(&gd, EPS),
            Cell::num(hb_eta, 3),
            Cell::num(hb_beta, 3),
            Cell::num(hb_rate, 4),
            rate_cell(&hb),
            first_below(&hb, EPS),
        ]);
        if kappa == 100.0 {
            curves = Some((gd, hb));
        }
    }
    Ok((table, curves.expect("κ = 100 is in KAPPAS")))
}

/// Measured rate over the last quarter of the run.
fn rate_cell(t: &Trajectory) -> Cell {
    let window = (t.steps() / 4).max(1);
    t.asymptotic_rate(window)
        .map_or("n/a".into(), |r| Cell::num(r, 4))
}

fn first_below(t: &Trajectory, eps: f64) -> Cell {
    let e0 = t.errors[0];
    t.errors
        .iter()
        .position(|&e| e <= eps * e0)
        .map_or("not reached".into(), Cell::from)
}
