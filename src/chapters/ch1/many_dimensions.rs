//! "Many dimensions: the sharpest direction sets the limit": on a rotated 10-D quadratic the
//! stability edge is `2/λmax` and the fastest fixed step `2/(λmax+λmin)`.
use tch::Device;

use super::EPS;
use crate::quadratic::{self, closed_form, Quadratic, RunOptions, SweepPoint};
use crate::report::{Cell, Table};
use crate::Result;

/// The many-dimensional sweep and its quadratic's key numbers.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct NdSweep {
    /// Eigenvalues of the quadratic.
    pub eigenvalues: Vec<f64>,
    /// The sweep.
    pub points: Vec<SweepPoint>,
}

/// The quadratic of part 3: dimension 10, eigenvalues log-spaced from 1 to κ, a random
/// rotation (seed 1), minimizer (1, …, 1), start at the origin.
pub fn rotated_quadratic(kappa: f64) -> Result<Quadratic> {
    let d = 10;
    let eigenvalues: Vec<f64> = (0..d)
        .map(|i| kappa.powf(i as f64 / (d - 1) as f64))
        .collect();
    Quadratic::rotated(&eigenvalues, &vec![1.0; d], 1)
}

/// Part 3a: the stability edge and the best step on the rotated quadratic with κ = 10,
/// measured by a sweep of 400 step sizes.
pub fn stability_edge_nd(device: Device) -> Result<(Table, NdSweep)> {
    let q = rotated_quadratic(10.0)?;
    let (lmin, lmax) = (q.lambda_min(), q.lambda_max());
    let edge = closed_form::stability_limit(lmax);
    let etas: Vec<f64> = (1..=400).map(|i| i as f64 / 400.0 * 1.2 * edge).collect();
    let opts = RunOptions {
        max_steps: 20_000,
        rel_tol: Some(EPS),
        record_iterates: false,
        blowup: 1e6,
    };
    let points = quadratic::sweep(&q, &vec![0.0; q.dim()], &etas, 0.0, opts, device)?;
    let measured_edge = points
        .iter()
        .filter(|p| p.converged_at.is_some())
        .map(|p| p.eta)
        .fold(0.0, f64::max);
    let best = points
        .iter()
        .filter_map(|p| p.converged_at.map(|n| (n, p.eta)))
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)))
        .expect("some step sizes converge");
    let eta_star = closed_form::best_step(lmin, lmax);
    let mut table = crate::table!("stability_edge_nd", "Rotated 10-D quadratic with κ = 10: stability edge and best step, predicted against a 400-point sweep", &["quantity", "predicted", "measured"]);
    table.push(vec![
        "largest stable η (2/λmax)".into(),
        Cell::num(edge, 4),
        Cell::num(measured_edge, 4),
    ]);
    table.push(vec![
        "fastest η (2/(λmax+λmin))".into(),
        Cell::num(eta_star, 4),
        Cell::num(best.1, 4),
    ]);
    let bound =
        closed_form::iterations_to_tolerance(closed_form::gd_rate(eta_star, q.eigenvalues()), EPS)
            .unwrap_or(0);
    table.push(vec![
        "steps to ε at the fastest η".into(),
        Cell::Int(bound as i64),
        Cell::Int(best.0 as i64),
    ]);
    table.push(vec![
        "sweep resolution Δη".into(),
        "".into(),
        Cell::num(etas[1] - etas[0], 2),
    ]);
    Ok((
        table,
        NdSweep {
            eigenvalues: q.eigenvalues().to_vec(),
            points,
        },
    ))
}
