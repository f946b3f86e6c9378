//! Chapter 4's figures: the ravine paths, the effective learning rates and the
//! sensitivity curves.
use std::path::{Path, PathBuf};

use super::Chapter4;
use crate::plot::{self, LineChart, Series};
use crate::report::fmt_sig;
use crate::Result;

/// Draws the chapter's figures into `dir`.
pub fn draw_figures(ch: &Chapter4, dir: &Path) -> Result<Vec<PathBuf>> {
    let _drawing = crate::drawing!();
    let mut written = Vec::new();
    let mut path_chart =
        LineChart::new("Paths on ½(θ₁² + 100θ₂²) from (1, 1)", "θ₁", "θ₂").size(900, 420);
    let mut error_chart = LineChart::new("Distance to the minimum", "step", "‖θ_t‖ (log scale)")
        .y_log()
        .size(900, 420);
    for (i, r) in ch.ravine.iter().enumerate() {
        let pts: Vec<(f64, f64)> = r.path.iter().take(60).copied().collect();
        path_chart = path_chart.series(Series::line_with_points(r.name, pts).with_color(i));
        let errs: Vec<(f64, f64)> = r
            .path
            .iter()
            .enumerate()
            .map(|(k, p)| (k as f64, p.0.hypot(p.1)))
            .collect();
        error_chart = error_chart.series(Series::line(r.name, errs).with_color(i));
    }
    written.push(plot::save_panels(
        &[path_chart.clone(), error_chart.clone()],
        1,
        dir,
        "ravine",
    )?);
    for (c, stem) in [
        (&path_chart, "ravine_paths"),
        (&error_chart, "ravine_error"),
    ] {
        let (a, b) = plot::save_figure(c, dir, stem)?;
        written.extend([a, b]);
    }

    let panels: Vec<LineChart> = ch
        .effective
        .iter()
        .map(|r| {
            let big: Vec<(f64, f64)> = r.rates.iter().map(|&(s, e, _)| (s as f64, e)).collect();
            let small: Vec<(f64, f64)> = r.rates.iter().map(|&(s, _, e)| (s as f64, e)).collect();
            LineChart::new(
                &format!("{} (base η = {})", r.name, fmt_sig(r.lr, 2)),
                "step (log scale)",
                "effective η (log scale)",
            )
            .x_log()
            .y_log()
            .size(900, 320)
            .series(Series::line("θ₁, large gradients", big).with_color(0))
            .series(Series::line("θ₂, small gradients", small).with_color(1))
        })
        .collect();
    written.push(plot::save_panels(&panels, 1, dir, "effective_lr")?);

    let mut sens = LineChart::new(
        "Final held-out loss against base learning rate",
        "base η (log scale)",
        "held-out cross-entropy (log scale)",
    )
    .x_log()
    .y_log()
    .size(900, 480);
    for (i, s) in ch.sensitivity.iter().enumerate() {
        sens = sens.series(Series::line_with_points(s.name, s.points.clone()).with_color(i));
        // Each point's 95% interval over the seeds, as a vertical bar (no legend entry);
        // points where a seed diverged have none.
        for (&(lr, _), losses) in s.points.iter().zip(&s.seed_losses) {
            if let Some(m) = crate::stats::spread(losses) {
                let (lo, hi) = m.interval();
                sens = sens.series(Series::line("", vec![(lr, lo), (lr, hi)]).with_color(i));
            }
        }
    }
    let (a, b) = plot::save_figure(&sens, dir, "sensitivity")?;
    written.extend([a, b]);
    Ok(written)
}
