//! "The slider": the numbers the page's slider (`book/src/slider/slider.js`) recomputes in
//! the browser, and Rust's results it is checked against.
use super::four_runs::shown_etas;
use super::sweep::{
    bands, sweep_steps, SurfaceSweep, BLOWUP, EPS, ETA_HI, ETA_LO, JUST_RIGHT_FACTOR,
};
use crate::surfaces;

/// The numbers the slider page needs, as JSON: each surface's formula coefficients, start,
/// window, predicted edge, the sweep's grid and budget, and Rust's measured results, so the
/// page can recompute them and the browser test can compare.
pub fn slider_json(sweeps: &[SurfaceSweep]) -> String {
    let mut out = String::from("{\"eta_lo\": ");
    out.push_str(&format!(
        "{:e}, \"eta_hi\": {:e}, \"points\": {}, \"eps\": {:e}, \"blowup\": {:e}, \"just_right_factor\": {}, \"surfaces\": [",
        ETA_LO,
        ETA_HI,
        sweeps.first().map_or(0, |s| s.points.len()),
        EPS,
        BLOWUP,
        JUST_RIGHT_FACTOR
    ));
    for (i, s) in sweeps.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let (kind, a, b, c) = match s.surface.kind {
            surfaces::SurfaceKind::Quadratic { a, b, c } => ("quadratic", a, b, c),
            surfaces::SurfaceKind::Rosenbrock => ("rosenbrock", 0.0, 0.0, 0.0),
        };
        let w = s.surface.window;
        let bands: Vec<String> = bands(&s.regimes)
            .iter()
            .map(|(r, lo, hi)| {
                format!(
                    "{{\"regime\": \"{}\", \"from\": {lo}, \"to\": {hi}}}",
                    r.name()
                )
            })
            .collect();
        let shown: Vec<String> = shown_etas(&s.surface)
            .iter()
            .map(|eta| format!("{eta:e}"))
            .collect();
        out.push_str(&format!(
            "{{\"name\": \"{}\", \"formula\": \"{}\", \"kind\": \"{kind}\", \"a\": {a:e}, \"b\": {b:e}, \"c\": {c:e}, \"start\": [{:e}, {:e}], \"minimizer\": [{:e}, {:e}], \"window\": [{:e}, {:e}, {:e}, {:e}], \"steps\": {}, \"predicted_edge\": {:e}, \"measured_edge\": {:e}, \"best_eta\": {:e}, \"best_steps\": {}, \"shown\": [{}], \"bands\": [{}]}}",
            s.surface.name,
            s.surface.formula,
            s.surface.start[0],
            s.surface.start[1],
            s.surface.minimizer()[0],
            s.surface.minimizer()[1],
            w.0, w.1, w.2, w.3,
            sweep_steps(&s.surface),
            s.surface.curvature().edge(),
            s.measured_edge(),
            s.best.0,
            s.best.1,
            shown.join(", "),
            bands.join(", "),
        ));
    }
    out.push_str("]}\n");
    out
}
