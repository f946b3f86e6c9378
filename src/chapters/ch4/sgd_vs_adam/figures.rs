//! The figures of "Tuned SGD against tuned Adam": validation accuracy against the rate, one
//! panel per network; and the paired test-accuracy differences with their intervals.
use std::path::{Path, PathBuf};

use super::{Method, SgdVsAdam, COMPARISONS};
use crate::plot::{self, LineChart, Marker, Series};
use crate::Result;

/// Draws the page's figures into `dir`; returns the files written.
pub fn draw(s: &SgdVsAdam, dir: &Path) -> Result<Vec<PathBuf>> {
    let _drawing = crate::drawing!();
    let mut written = grids(s, dir)?;
    written.extend(differences(s, dir)?);
    Ok(written)
}

/// Validation accuracy against η for every rule, one panel per network (diverged points
/// left out), with each panel's data as its own CSV.
fn grids(s: &SgdVsAdam, dir: &Path) -> Result<Vec<PathBuf>> {
    let _drawing = crate::drawing!();
    let c = &s.config;
    let panels: Vec<LineChart> = s
        .archs
        .iter()
        .map(|r| {
            let mut chart = LineChart::new(
                &format!(
                    "{}: validation accuracy after {} epochs, seed {}",
                    r.arch.name(c),
                    c.net.epochs,
                    s.tune_seed
                ),
                "learning rate η (log scale)",
                "validation accuracy",
            )
            .x_log()
            .y_range(0.0, 1.0)
            .size(900, 420);
            for (i, method) in Method::TUNED.iter().enumerate() {
                let points: Vec<(f64, f64)> = r
                    .grid_of(*method)
                    .iter()
                    .filter(|(_, o)| !o.diverged())
                    .map(|(lr, o)| (*lr, o.val_accuracy))
                    .collect();
                chart = chart.series(Series::line_with_points(method.name(), points).with_color(i));
            }
            chart
        })
        .collect();
    let mut written = vec![plot::save_panels(&panels, 1, dir, "sgd_vs_adam_grid")?];
    for (r, chart) in s.archs.iter().zip(&panels) {
        let stem = format!("sgd_vs_adam_grid_{}", arch_stem(r.arch));
        written.push(plot::save_csv(chart, dir, &stem)?);
    }
    Ok(written)
}

fn arch_stem(arch: super::Arch) -> &'static str {
    match arch {
        super::Arch::Mlp => "mlp",
        super::Arch::Cnn => "cnn",
    }
}

/// Each paired test-accuracy difference (the three tuned pairs, then AdamW − Adam + L2) as
/// a point at its mean with its 95% interval as a bar, against 0; one panel per network.
fn differences(s: &SgdVsAdam, dir: &Path) -> Result<Vec<PathBuf>> {
    let _drawing = crate::drawing!();
    let c = &s.config;
    let mut pairs = COMPARISONS.to_vec();
    pairs.push((Method::AdamW, Method::AdamL2));
    let panels: Vec<LineChart> = s
        .archs
        .iter()
        .map(|r| {
            let mut chart = LineChart::new(
                &format!(
                    "{}: test accuracy difference, mean and 95% CI over {} seeds",
                    r.arch.name(c),
                    s.seeds.len()
                ),
                "comparison",
                "test accuracy difference",
            )
            // One unit of room right of the last bar for the zero line's label.
            .x_range(0.5, pairs.len() as f64 + 1.5)
            .size(900, 420)
            .marker(Marker::hline(0.0, "no difference"));
            for (i, (a, b)) in pairs.iter().enumerate() {
                let x = i as f64 + 1.0;
                if let Some(p) = r.paired_test(*a, *b) {
                    let name = format!("{}: {} − {}", i + 1, a.name(), b.name());
                    chart = chart
                        .series(Series::points(name, vec![(x, p.mean_diff)]).with_color(i))
                        .series(Series::line("", vec![(x, p.ci.0), (x, p.ci.1)]).with_color(i));
                }
            }
            chart
        })
        .collect();
    let mut written = vec![plot::save_panels(
        &panels,
        1,
        dir,
        "sgd_vs_adam_differences",
    )?];
    for (r, chart) in s.archs.iter().zip(&panels) {
        let stem = format!("sgd_vs_adam_differences_{}", arch_stem(r.arch));
        written.push(plot::save_csv(chart, dir, &stem)?);
    }
    Ok(written)
}
