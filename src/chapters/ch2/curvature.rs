//! "Three surfaces and their curvature": the Hessian's eigenvalues at each minimum and the
//! learning rates they predict.
use crate::report::{fmt_sig, Cell, Table};
use crate::surfaces::Surface;

/// The surfaces and their curvature facts.
pub fn surfaces_table() -> Table {
    let mut t = crate::table!(
        "surfaces",
        "The three surfaces: Hessian eigenvalues at the minimum and the learning rates they predict",
        &[
            "surface",
            "f(x, y)",
            "start",
            "λmin",
            "λmax",
            "κ = λmax/λmin",
            "edge 2/λmax",
            "2/(λmin+λmax)",
        ],
    );
    for s in Surface::all() {
        let c = s.curvature();
        t.push(vec![
            s.name.clone().into(),
            s.formula.clone().into(),
            format!("({}, {})", fmt_sig(s.start[0], 3), fmt_sig(s.start[1], 3)).into(),
            Cell::num(c.lambda_min, 4),
            Cell::num(c.lambda_max, 5),
            Cell::num(c.kappa(), 4),
            Cell::num(c.edge(), 4),
            Cell::num(c.balanced_step(), 4),
        ]);
    }
    t
}
