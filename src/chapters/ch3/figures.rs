//! The chapter's figures: the schedule gallery in three panels, and the training curves
//! (loss, test accuracy, learning rate) of the comparison's first seed.
use std::path::{Path, PathBuf};

use super::gallery::{gallery, GALLERY_LR, GALLERY_STEPS};
use super::Chapter3;
use crate::plot::{self, LineChart, Series};
use crate::Result;

/// Draws the chapter's figures into `dir`: the schedule gallery and the training curves.
pub fn draw_figures(ch: &Chapter3, dir: &Path) -> Result<Vec<PathBuf>> {
    let _drawing = crate::drawing!();
    let mut written = Vec::new();
    let entries = gallery(GALLERY_LR, GALLERY_STEPS)?;
    let titles = [
        "Decays",
        "Annealing to zero, warmup, one-cycle",
        "Cycles and restarts",
    ];
    let panels: Vec<LineChart> = titles
        .iter()
        .enumerate()
        .map(|(g, title)| {
            let mut chart = LineChart::new(title, "step", "learning rate η (log scale)")
                .y_log()
                .y_range(1e-4, 0.2)
                .size(900, 540);
            for (i, e) in entries.iter().filter(|e| e.group == g).enumerate() {
                let pts: Vec<(f64, f64)> = (0..GALLERY_STEPS)
                    .map(|k| (k as f64, e.schedule.lr(k)))
                    .collect();
                chart = chart.series(Series::line(e.name, pts).with_color(i));
            }
            chart
        })
        .collect();
    written.push(plot::save_panels(&panels, 1, dir, "gallery")?);
    for (panel, stem) in panels
        .iter()
        .zip(["gallery_decays", "gallery_anneal", "gallery_cycles"])
    {
        written.push(plot::save_csv(panel, dir, stem)?);
    }

    let cmp = &ch.comparison;
    let seed = cmp.config.seeds[0];
    let window = cmp.loss_window();
    let spe = cmp.config.steps_per_epoch() as f64;
    let mut loss = LineChart::new(
        &format!("Training loss (mean of {window} steps), seed {seed}"),
        "epoch",
        "cross-entropy (log scale)",
    )
    .y_log();
    let mut acc = LineChart::new(&format!("Test accuracy, seed {seed}"), "epoch", "accuracy");
    let mut lr = LineChart::new(
        &format!("Learning rate, seed {seed}"),
        "epoch",
        "η (log scale)",
    )
    .y_log();
    for (i, run) in cmp.runs.iter().filter(|r| r.seed == seed).enumerate() {
        let name = run.contender.name();
        let losses = run.history.losses();
        let smoothed: Vec<(f64, f64)> = losses
            .windows(window)
            .enumerate()
            .map(|(k, w)| {
                (
                    (k + window) as f64 / spe,
                    w.iter().sum::<f64>() / window as f64,
                )
            })
            .collect();
        loss = loss.series(Series::line(name, smoothed).with_color(i));
        let accs: Vec<(f64, f64)> = run
            .history
            .evals
            .iter()
            .filter_map(|e| e.accuracy.map(|a| (e.step as f64 / spe, a)))
            .collect();
        acc = acc.series(Series::line_with_points(name, accs).with_color(i));
        let lrs: Vec<(f64, f64)> = run
            .history
            .steps
            .iter()
            .map(|s| (s.step as f64 / spe, s.lr))
            .collect();
        lr = lr.series(Series::line(name, lrs).with_color(i));
    }
    written.push(plot::save_panels(
        &[
            loss.clone().size(900, 460),
            acc.clone().size(900, 460),
            lr.clone().size(900, 460),
        ],
        1,
        dir,
        "training",
    )?);
    for (chart, stem) in [
        (&loss, "training_loss"),
        (&acc, "test_accuracy"),
        (&lr, "training_lr"),
    ] {
        let (svg, csv) = plot::save_figure(chart, dir, stem)?;
        written.push(svg);
        written.push(csv);
    }
    Ok(written)
}
