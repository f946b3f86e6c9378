//! The figures of "Tuned SGD against tuned Adam": validation accuracy against the rate, one
//! panel per network; and the paired test-accuracy differences with their intervals.
use std::path::{Path, PathBuf};

use super::{Arch, ArchResult, Method, SgdVsAdam, COMPARISONS};
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
    per_network(s, dir, "sgd_vs_adam_grid", |r| {
        let title = format!(
            "{}: validation accuracy after {} epochs, seed {}",
            r.arch.name(c),
            c.net.epochs,
            s.tune_seed
        );
        let mut chart =
            LineChart::new(&title, "learning rate η (log scale)", "validation accuracy")
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
}

/// One panel per network drawn by `panel`, stacked in `dir/stem.svg`, each panel's data in
/// `dir/stem_mlp.csv` and `dir/stem_cnn.csv`.
fn per_network(
    s: &SgdVsAdam,
    dir: &Path,
    stem: &str,
    panel: impl Fn(&ArchResult) -> LineChart,
) -> Result<Vec<PathBuf>> {
    let panels: Vec<LineChart> = s.archs.iter().map(panel).collect();
    let mut written = vec![plot::save_panels(&panels, 1, dir, stem)?];
    for (r, chart) in s.archs.iter().zip(&panels) {
        let csv = format!("{stem}_{}", arch_stem(r.arch));
        written.push(plot::save_csv(chart, dir, &csv)?);
    }
    Ok(written)
}

fn arch_stem(arch: Arch) -> &'static str {
    match arch {
        Arch::Mlp => "mlp",
        Arch::Cnn => "cnn",
    }
}

/// Each paired test-accuracy difference (the three tuned pairs, then AdamW − Adam + L2) as
/// a point at its mean with its 95% interval as a bar, against 0; one panel per network.
fn differences(s: &SgdVsAdam, dir: &Path) -> Result<Vec<PathBuf>> {
    let _drawing = crate::drawing!();
    let c = &s.config;
    let mut pairs = COMPARISONS.to_vec();
    pairs.push((Method::AdamW, Method::AdamL2));
    per_network(s, dir, "sgd_vs_adam_differences", |r| {
        let title = format!(
            "{}: test accuracy difference, mean and 95% CI over {} seeds",
            r.arch.name(c),
            s.seeds.len()
        );
        let mut chart = LineChart::new(&title, "comparison", "test accuracy difference")
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
}
