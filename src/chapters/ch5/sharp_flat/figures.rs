//! The figures of "Sharp and flat minima, measured": test accuracy against sharpness, one
//! point per seed and condition; and the sharpness of one network rescaled by α, against
//! the α² and 1/α² laws of the two layers' Hessian blocks.
use std::path::{Path, PathBuf};

use super::{Condition, SharpFlat};
use crate::plot::{self, LineChart, Series};
use crate::Result;

/// Draws the page's figures into `dir`; returns the files written.
pub fn draw(r: &SharpFlat, dir: &Path) -> Result<Vec<PathBuf>> {
    let _drawing = crate::drawing!();
    let mut written = accuracy_vs_sharpness(r, dir)?;
    written.extend(sharpness_vs_alpha(r, dir)?);
    Ok(written)
}

/// Test accuracy against sharpness, one point per seed, one colour per condition.
fn accuracy_vs_sharpness(r: &SharpFlat, dir: &Path) -> Result<Vec<PathBuf>> {
    let _drawing = crate::drawing!();
    let mut chart = LineChart::new(
        &format!(
            "Test accuracy against sharpness, {} seeds per condition",
            r.seeds.len()
        ),
        "sharpness λmax of the training loss (log scale)",
        "test accuracy",
    )
    .x_log()
    .size(900, 480);
    for (i, condition) in Condition::ALL.iter().enumerate() {
        let points: Vec<(f64, f64)> = r
            .of(*condition)
            .iter()
            .map(|m| (m.sharpness, m.test_accuracy))
            .collect();
        chart = chart.series(Series::points(condition.name(), points).with_color(i));
    }
    let (svg, csv) = plot::save_figure(&chart, dir, "sharp_flat_accuracy")?;
    Ok(vec![svg, csv])
}

/// The rescaled network's sharpness against α, with α² and 1/α² through the ends.
fn sharpness_vs_alpha(r: &SharpFlat, dir: &Path) -> Result<Vec<PathBuf>> {
    let _drawing = crate::drawing!();
    let points: Vec<(f64, f64)> = r.rescaled.iter().map(|x| (x.alpha, x.sharpness)).collect();
    let mut chart = LineChart::new(
        &format!(
            "Sharpness of one function under Dinh et al.'s rescaling, base network of seed {}",
            r.seeds[0]
        ),
        "α (log scale)",
        "sharpness λmax (log scale)",
    )
    .x_log()
    .y_log()
    .size(900, 480)
    .series(Series::line_with_points("measured", points.clone()).with_color(0));
    // Reference slopes through the last and the first point: the layer-2 block of the
    // Hessian scales like α², the layer-1 block like 1/α².
    if let (Some(&(a1, s1)), Some(&(a0, s0))) = (points.last(), points.first()) {
        let grid: Vec<f64> = points.iter().map(|p| p.0).collect();
        let up: Vec<(f64, f64)> = grid
            .iter()
            .filter(|&&a| a >= 1.0)
            .map(|&a| (a, s1 * (a / a1).powi(2)))
            .collect();
        let down: Vec<(f64, f64)> = grid
            .iter()
            .filter(|&&a| a <= 1.0)
            .map(|&a| (a, s0 * (a0 / a).powi(2)))
            .collect();
        chart = chart
            .series(Series::dashed("∝ α²", up).with_color(1))
            .series(Series::dotted("∝ 1/α²", down).with_color(2));
    }
    let (svg, csv) = plot::save_figure(&chart, dir, "sharp_flat_rescaled")?;
    Ok(vec![svg, csv])
}
