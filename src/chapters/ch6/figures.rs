//! The chapter's figures: each setup's range test, the grid against the suggestions, and
//! the fresh and the trained model's curves.
use std::path::{Path, PathBuf};

use super::grid_search::SetupResult;
use super::trained_model::TrainedModel;
use super::Chapter6;
use crate::finder::RangeTestResult;
use crate::plot::{self, LineChart, Marker, Series};
use crate::Result;

/// Draws the chapter's figures into `dir`: each setup's range test, the grid against the
/// suggestions, and the fresh and trained model's curves.
pub fn draw_figures(ch: &Chapter6, dir: &Path) -> Result<Vec<PathBuf>> {
    let _drawing = crate::drawing!();
    let mut written = Vec::new();
    let mut finder_panels = Vec::new();
    let mut grid_panels = Vec::new();
    for (i, r) in ch.setups.iter().enumerate() {
        let chart = r
            .finder
            .chart(&format!("Range test: {}", r.setup.name()))
            .size(900, 420);
        let (svg, csv) = plot::save_figure(&chart, dir, &format!("finder_{i}"))?;
        written.extend([svg, csv]);
        finder_panels.push(chart);
        let g = grid_chart(r);
        let (svg, csv) = plot::save_figure(&g, dir, &format!("grid_{i}"))?;
        written.extend([svg, csv]);
        grid_panels.push(g);
    }
    written.push(plot::save_panels(&finder_panels, 1, dir, "finder_setups")?);
    written.push(plot::save_panels(
        &grid_panels,
        1,
        dir,
        "grid_vs_suggestions",
    )?);

    let (svg, csv) = plot::save_figure(&trained_chart(&ch.trained), dir, "trained_model")?;
    written.extend([svg, csv]);
    Ok(written)
}

/// One setup's grid as a line, each suggestion's run as a labelled dot; the y range cut to
/// the finite losses (at most 3× the best).
fn grid_chart(r: &SetupResult) -> LineChart {
    let mut g = LineChart::new(
        &format!("Grid against suggestions: {}", r.setup.name()),
        "constant learning rate (log scale)",
        "held-out loss after the budget",
    )
    .x_log()
    .size(900, 420)
    .series(Series::line_with_points("grid", r.grid.clone()).with_color(3));
    let pts: Vec<(f64, f64)> = r
        .at_suggestion
        .iter()
        .filter_map(|&(rule, l)| r.suggested(rule).map(|lr| (lr, l)))
        .collect();
    g = g.series(Series::points("trained at a suggestion", pts).with_color(4));
    for &(rule, l) in &r.at_suggestion {
        if let Some(lr) = r.suggested(rule) {
            if l.is_finite() {
                g = g.marker(Marker::point(lr, l, rule.name()));
            }
        }
    }
    let finite: Vec<f64> = r
        .grid
        .iter()
        .map(|g| g.1)
        .chain(r.at_suggestion.iter().map(|a| a.1))
        .filter(|v| v.is_finite())
        .collect();
    let lo = finite.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (mut bottom, mut top) = (f64::NEG_INFINITY, f64::INFINITY);
    if lo.is_finite() && hi > lo {
        top = hi.min(3.0 * lo).max(lo * 1.2);
        bottom = lo - 0.05 * (top - lo);
        g = g.y_range(bottom, top);
    }
    // Each run's 95% interval over the seeds as a vertical bar (no legend entry), cut to the
    // shown range; none where the mean is off the chart, a seed diverged or there is one
    // seed.
    let grid_runs = r.grid.iter().map(|g| g.0).zip(&r.grid_seeds);
    let suggestion_runs = r
        .at_suggestion_seeds
        .iter()
        .filter_map(|(rule, losses)| r.suggested(*rule).map(|lr| (lr, losses)));
    for (color, runs) in [
        (3, grid_runs.collect::<Vec<_>>()),
        (4, suggestion_runs.collect::<Vec<_>>()),
    ] {
        for (lr, losses) in runs {
            if let Some(m) = crate::stats::spread(losses).filter(|m| m.mean <= top) {
                let (a, b) = m.interval();
                let bar = vec![(lr, a.max(bottom)), (lr, b.min(top))];
                g = g.series(Series::line("", bar).with_color(color));
            }
        }
    }
    g
}

/// The smoothed curves of the fresh and the trained model, cut at 4× the best loss.
fn trained_chart(tm: &TrainedModel) -> LineChart {
    let curve = |r: &RangeTestResult| -> Vec<(f64, f64)> {
        r.points.iter().map(|p| (p.lr, p.smoothed)).collect()
    };
    let best = tm
        .trained
        .smoothed()
        .into_iter()
        .chain(tm.fresh.smoothed())
        .filter(|v| v.is_finite())
        .fold(f64::INFINITY, f64::min);
    let first = tm.fresh.points.first().map_or(3.0, |p| p.smoothed);
    LineChart::new(
        &format!(
            "{}: range test on a fresh and on a trained model",
            tm.setup.name()
        ),
        "learning rate (log scale)",
        "smoothed training loss",
    )
    .x_log()
    .size(900, 450)
    .y_range(0.0, first.max(4.0 * best) * 1.05)
    .series(Series::line("fresh model", curve(&tm.fresh)).with_color(0))
    .series(Series::line("trained model", curve(&tm.trained)).with_color(3))
}
