//! The fits behind "how far the quadratic carries": the exponents of η and of 1/B in the
//! excess, and the paired comparisons of grid points with equal η/B.
use super::{slopes_per_seed, FloorGrid};
use crate::report::{fmt_sig, Cell, Table};
use crate::stats;
use crate::Result;

/// Per seed, the exponents `(p, q)` of the fit `log excess = a + p·log η − q·log B` over
/// the grid (the noisy quadratic: p = q = 1); NaN for a seed with an excess that is not
/// positive and finite.
pub fn exponents_per_seed(g: &FloorGrid) -> Vec<(f64, f64)> {
    g.seeds
        .iter()
        .map(|&s| {
            let Some(runs) = g.seed_runs(s) else {
                return (f64::NAN, f64::NAN);
            };
            let x1: Vec<f64> = runs.iter().map(|r| r.lr.ln()).collect();
            let x2: Vec<f64> = runs.iter().map(|r| (r.batch as f64).ln()).collect();
            let y: Vec<f64> = runs.iter().map(|r| r.excess().ln()).collect();
            let (m1, m2, my) = (stats::mean(&x1), stats::mean(&x2), stats::mean(&y));
            let dot = |a: &[f64], ma: f64, b: &[f64], mb: f64| -> f64 {
                a.iter().zip(b).map(|(u, v)| (u - ma) * (v - mb)).sum()
            };
            let (s11, s22, s12) = (
                dot(&x1, m1, &x1, m1),
                dot(&x2, m2, &x2, m2),
                dot(&x1, m1, &x2, m2),
            );
            let (s1y, s2y) = (dot(&x1, m1, &y, my), dot(&x2, m2, &y, my));
            let det = s11 * s22 - s12 * s12;
            let p = (s22 * s1y - s12 * s2y) / det;
            let q = -(s11 * s2y - s12 * s1y) / det;
            (p, q)
        })
        .collect()
}

/// The law table: the exponents of η, of 1/B and of η/B in the excess, per seed and their
/// mean with its interval, against the noisy quadratic's 1.
pub fn law_table(g: &FloorGrid) -> Result<Table> {
    let pq = exponents_per_seed(g);
    let ps: Vec<f64> = pq.iter().map(|x| x.0).collect();
    let qs: Vec<f64> = pq.iter().map(|x| x.1).collect();
    let rs = slopes_per_seed(g);
    let mut t = crate::table!(
        "floor_network_law",
        &format!(
            "Exponents of the excess of the grid above, fitted per seed by least squares on \
             the logs of its {} grid points, against the noisy quadratic's law excess ∝ η/B; \
             {}",
            g.points().len(),
            stats::seeds_caption(g.seeds.len())
        ),
        &[
            "fit",
            "noisy quadratic",
            "measured (mean)",
            "95% CI",
            "per seed",
        ],
    );
    let per_seed = |xs: &[f64]| {
        Cell::Text(
            xs.iter()
                .map(|&x| fmt_sig(x, 3))
                .collect::<Vec<_>>()
                .join(", "),
        )
    };
    for (name, xs) in [
        ("exponent of η at fixed B (two-variable fit)", &ps),
        ("exponent of 1/B at fixed η (two-variable fit)", &qs),
        ("exponent of η/B (one-variable fit)", &rs),
    ] {
        let mut row = vec![Cell::from(name), Cell::num(1.0, 1)];
        match stats::spread(xs) {
            Some(m) => {
                let (lo, hi) = m.interval();
                row.push(Cell::num(m.mean, 3));
                row.push(Cell::Text(stats::interval_text(lo, hi, 2)));
            }
            None => row.extend([Cell::from("—"), Cell::from("—")]),
        }
        row.push(per_seed(xs));
        t.push(row);
    }
    let d: Vec<f64> = ps.iter().zip(&qs).map(|(p, q)| p - q).collect();
    let mut row = vec![
        Cell::from("η exponent − 1/B exponent (paired)"),
        Cell::num(0.0, 1),
    ];
    match stats::paired(&ps, &qs, stats::LEVEL) {
        Ok(p) if p.mean_diff.is_finite() => {
            row.push(Cell::num(p.mean_diff, 2));
            row.push(Cell::Text(stats::interval_text(p.ci.0, p.ci.1, 2)));
        }
        _ => row.extend([Cell::from("—"), Cell::from("—")]),
    }
    row.push(per_seed(&d));
    t.push(row);
    Ok(t)
}

/// The grid points with equal η/B, each next to the one with twice its η (and twice its B).
pub fn equal_ratio_pairs(g: &FloorGrid) -> Vec<((f64, usize), (f64, usize))> {
    let pts = g.points();
    let mut pairs = Vec::new();
    for &(lr, b) in &pts {
        if let Some(&hi) = pts.iter().find(|&&(l2, b2)| l2 == 2.0 * lr && b2 == 2 * b) {
            pairs.push(((lr, b), hi));
        }
    }
    pairs
}

/// Paired comparisons of the excess between grid points of equal η/B (the larger η minus
/// the smaller).
pub fn equal_ratio_table(g: &FloorGrid) -> Result<Table> {
    let n = g.seeds.len();
    let mut t = crate::table!(
        "floor_network_equal_ratio",
        &format!(
            "Grid points with equal η/B, from the grid above: the excess at twice the rate and \
             twice the batch minus the excess at (η, B), paired over the seeds; {}",
            stats::seeds_caption(n)
        ),
        &[
            "η/B",
            "(η, B)",
            "(2η, 2B)",
            "excess at (η, B)",
            "excess at (2η, 2B)",
            "mean difference",
            "95% CI of the difference",
            &stats::paired_t_column(n),
            "beyond seed noise?",
        ],
    );
    for ((l1, b1), (l2, b2)) in equal_ratio_pairs(g) {
        let (a, b) = (g.excess(l2, b2), g.excess(l1, b1));
        let p = stats::paired(&a, &b, stats::LEVEL)?;
        let mut row = vec![
            Cell::num(l1 / b1 as f64, 3),
            Cell::Text(format!("({}, {b1})", fmt_sig(l1, 2))),
            Cell::Text(format!("({}, {b2})", fmt_sig(l2, 2))),
            Cell::num(stats::mean(&b), 3),
            Cell::num(stats::mean(&a), 3),
        ];
        row.extend(stats::paired_cells(&p));
        t.push(row);
    }
    Ok(t)
}
