//! The figures of "The large-batch recipe": final held-out loss against the batch for every
//! contender, with the base's target; the final loss against the warmup length; and the
//! gradient norm before clipping, step by step, against the threshold.
use std::path::{Path, PathBuf};

use super::{Contender, Recipe};
use crate::plot::{self, LineChart, Marker, Series};
use crate::report::fmt_sig;
use crate::stats;
use crate::Result;

/// Draws the section's figures into `dir`; returns the files written.
pub fn draw(r: &Recipe, dir: &Path) -> Result<Vec<PathBuf>> {
    let _drawing = crate::drawing!();
    let mut written = by_batch(r, dir)?;
    written.extend(by_warmup(r, dir)?);
    written.extend(clip_norms(r, dir)?);
    Ok(written)
}

/// Mean final loss over the seeds against B, one line per contender (a diverged seed
/// leaves its point out), with the base's loss and the target.
fn by_batch(r: &Recipe, dir: &Path) -> Result<Vec<PathBuf>> {
    let _drawing = crate::drawing!();
    let c = &r.config;
    let base = stats::mean(&r.base.losses);
    let target = stats::mean(&r.targets());
    let mut chart = LineChart::new(
        &format!(
            "Final held-out loss against the batch, mean of {} seeds",
            r.seeds.len()
        ),
        "batch size B (log scale)",
        "held-out cross-entropy (log scale)",
    )
    .x_log()
    .y_log()
    .size(900, 480)
    .marker(Marker::hline(
        target,
        format!("target: {}× the base", fmt_sig(1.0 + c.ch5.tolerance, 3)),
    ))
    .series(
        Series::points(
            format!("base, SGD at B₀ = {}", c.base_batch()),
            vec![(c.base_batch() as f64, base)],
        )
        .with_color(0),
    );
    for (i, contender) in Contender::ALL.iter().enumerate() {
        let points: Vec<(f64, f64)> = r
            .runs
            .iter()
            .filter(|x| x.contender == *contender && x.result.diverged() == 0)
            .map(|x| (x.batch as f64, stats::mean(&x.result.losses)))
            .collect();
        chart = chart.series(Series::line_with_points(contender.name(), points).with_color(i + 1));
    }
    let (svg, csv) = plot::save_figure(&chart, dir, "large_batch_by_batch")?;
    Ok(vec![svg, csv])
}

/// Mean final loss over the seeds against the warmup length, at the warmup study's batch.
fn by_warmup(r: &Recipe, dir: &Path) -> Result<Vec<PathBuf>> {
    let _drawing = crate::drawing!();
    let c = &r.config;
    let points: Vec<(f64, f64)> = r
        .warmup
        .iter()
        .filter(|(_, res)| res.diverged() == 0)
        .map(|(epochs, res)| (*epochs, stats::mean(&res.losses)))
        .collect();
    let chart = LineChart::new(
        &format!(
            "Final held-out loss against warmup length, SGD with the linear rule at B = {}",
            c.warmup_batch
        ),
        "warmup (epochs)",
        "held-out cross-entropy",
    )
    .size(900, 420)
    .marker(Marker::hline(
        stats::mean(&r.targets()),
        format!("target: {}× the base", fmt_sig(1.0 + c.ch5.tolerance, 3)),
    ))
    .series(
        Series::line_with_points(format!("mean of {} seeds", r.seeds.len()), points).with_color(1),
    );
    let (svg, csv) = plot::save_figure(&chart, dir, "large_batch_by_warmup")?;
    Ok(vec![svg, csv])
}

/// The clipped run's global gradient norm before clipping, step by step (first seed),
/// against the threshold.
fn clip_norms(r: &Recipe, dir: &Path) -> Result<Vec<PathBuf>> {
    let _drawing = crate::drawing!();
    let c = &r.config;
    let clipped = &r.clipping[1];
    let points: Vec<(f64, f64)> = clipped
        .first_seed_norms
        .iter()
        .enumerate()
        .map(|(step, &norm)| (step as f64, norm))
        .collect();
    let chart = LineChart::new(
        &format!(
            "Gradient norm before clipping, SGD with the linear rule at B = {}, seed {}",
            c.clip_batch, r.seeds[0]
        ),
        "step",
        "global gradient norm (log scale)",
    )
    .y_log()
    .size(900, 420)
    .marker(Marker::hline(
        c.clip_norm,
        format!("clipping threshold {}", fmt_sig(c.clip_norm, 3)),
    ))
    .series(Series::line_with_points("before clipping", points).with_color(1));
    let (svg, csv) = plot::save_figure(&chart, dir, "large_batch_clip_norms")?;
    Ok(vec![svg, csv])
}
