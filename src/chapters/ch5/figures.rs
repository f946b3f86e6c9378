//! The chapter's figures: the 1/B law, the best LR per batch, the trade-off, the noise
//! scale during training, and the rules at one large batch.
use std::path::{Path, PathBuf};

use super::rules::{RuleRun, RulesRun};
use super::Chapter5;
use crate::batch::ScalingRule;
use crate::plot::{self, LineChart, Series};
use crate::Result;

/// Draws the chapter's figures into `dir`.
pub fn draw_figures(ch: &Chapter5, dir: &Path) -> Result<Vec<PathBuf>> {
    let _drawing = crate::drawing!();
    let grid = batch_grid(&ch.config.sweep_batches);
    let mut written = noise_law(ch, dir)?;
    written.extend(best_lr(ch, &grid, dir)?);
    written.extend(tradeoff(ch, &grid, dir)?);
    written.extend(noise_scale_training(ch, dir)?);
    written.extend(rules(ch, dir)?);
    Ok(written)
}

/// 61 batch sizes log-spaced from the smallest swept batch to the largest.
fn batch_grid(batches: &[usize]) -> Vec<f64> {
    let bs: Vec<f64> = batches.iter().map(|&b| b as f64).collect();
    let (lo, hi) = (bs[0], *bs.last().unwrap_or(&bs[0]));
    (0..=60)
        .map(|i| lo * (hi / lo).powf(i as f64 / 60.0))
        .collect()
}

/// The measured variance per batch against `tr(Σ)/B`.
fn noise_law(ch: &Chapter5, dir: &Path) -> Result<Vec<PathBuf>> {
    let _drawing = crate::drawing!();
    let c = &ch.config;
    let n = &ch.noise;
    let measured: Vec<(f64, f64)> = n
        .points
        .iter()
        .map(|p| (p.batch as f64, p.variance))
        .collect();
    let bmax = c.noise_batches.iter().max().copied().unwrap_or(1) as f64;
    let law: Vec<(f64, f64)> = (0..=40)
        .map(|i| {
            let b = bmax.powf(i as f64 / 40.0);
            (b, n.trace / b)
        })
        .collect();
    let chart = LineChart::new(
        "Variance of the minibatch gradient at a fixed state",
        "batch size B (log scale)",
        "E‖g_B − G‖² (log scale)",
    )
    .x_log()
    .y_log()
    .size(900, 450)
    .series(Series::points("measured", measured).with_color(0))
    .series(Series::dashed("tr(Σ)/B from per-example gradients", law).with_color(1));
    let (a, b) = plot::save_figure(&chart, dir, "noise_law")?;
    Ok(vec![a, b])
}

/// The measured best LR per batch, the prediction, and the linear and square-root rules.
fn best_lr(ch: &Chapter5, grid: &[f64], dir: &Path) -> Result<Vec<PathBuf>> {
    let _drawing = crate::drawing!();
    let c = &ch.config;
    let s = &ch.sweep;
    let base_lr = ch.rules.base_lr;
    let b0 = c.base_batch() as f64;
    let mut lr_chart = LineChart::new(
        "Best learning rate per batch size",
        "batch size B (log scale)",
        "η (log scale)",
    )
    .x_log()
    .y_log()
    .size(900, 480)
    .series(
        Series::points(
            "measured best η (grid)",
            s.best
                .iter()
                .map(|&(b, lr, _)| (b as f64, lr))
                .collect::<Vec<_>>(),
        )
        .with_color(0),
    )
    .series(
        Series::line(
            "predicted ε_max/(1 + B_noise/B)",
            grid.iter()
                .map(|&b| (b, s.predicted_lr(b)))
                .collect::<Vec<_>>(),
        )
        .with_color(1),
    );
    for (i, rule) in [ScalingRule::Linear, ScalingRule::Sqrt].iter().enumerate() {
        let pts: Vec<(f64, f64)> = grid
            .iter()
            .map(|&b| (b, base_lr * (b / b0).powf(if i == 0 { 1.0 } else { 0.5 })))
            .filter(|p| p.1 <= 10.0 * c.lrs.last().copied().unwrap_or(1.0))
            .collect();
        lr_chart = lr_chart.series(
            Series::dashed(
                format!("{} rule from B₀ = {}", rule.name(), c.base_batch()),
                pts,
            )
            .with_color(2 + i),
        );
    }
    let (a, b) = plot::save_figure(&lr_chart, dir, "best_lr")?;
    Ok(vec![a, b])
}

/// Steps against examples at each batch's best LR, and the fitted hyperbola.
fn tradeoff(ch: &Chapter5, grid: &[f64], dir: &Path) -> Result<Vec<PathBuf>> {
    let _drawing = crate::drawing!();
    let s = &ch.sweep;
    let f = &s.tradeoff;
    let curve: Vec<(f64, f64)> = grid.iter().map(|&b| (f.examples(b), f.steps(b))).collect();
    let to = LineChart::new(
        "Steps against examples to the target",
        "examples E (log scale)",
        "steps S (log scale)",
    )
    .x_log()
    .y_log()
    .size(900, 450)
    .series(
        Series::points(
            "measured, best η per B",
            s.best
                .iter()
                .map(|&(b, _, st)| ((st * b) as f64, st as f64))
                .collect::<Vec<_>>(),
        )
        .with_color(0),
    )
    .series(Series::line("fit (S/S_min − 1)(E/E_min − 1) = 1", curve).with_color(1));
    let (a, b) = plot::save_figure(&to, dir, "tradeoff")?;
    Ok(vec![a, b])
}

/// The noise-scale estimate along training.
fn noise_scale_training(ch: &Chapter5, dir: &Path) -> Result<Vec<PathBuf>> {
    let _drawing = crate::drawing!();
    let nr = &ch.noise_run;
    let ns = LineChart::new(
        &format!("B_noise estimated during training at B = {}", nr.batch),
        "step",
        "B_noise (log scale)",
    )
    .y_log()
    .size(900, 400)
    .series(
        Series::line_with_points(
            "EMA of the two-batch estimates",
            nr.trace
                .iter()
                .map(|p| (p.0 as f64, p.4))
                .collect::<Vec<_>>(),
        )
        .with_color(0),
    );
    let (a, b) = plot::save_figure(&ns, dir, "noise_scale_training")?;
    Ok(vec![a, b])
}

/// Held-out loss against epochs and against steps, at the smallest rule batch where the
/// linear rule diverged (where warmup mattered most; else the largest), as one SVG of two
/// panels and a CSV per panel.
fn rules(ch: &Chapter5, dir: &Path) -> Result<Vec<PathBuf>> {
    let _drawing = crate::drawing!();
    let c = &ch.config;
    let mut written = Vec::new();
    let r = &ch.rules;
    let show = c
        .rule_batches
        .iter()
        .copied()
        .filter(|&b| {
            let lin = r
                .runs
                .iter()
                .find(|x| x.batch == b && x.rule == RuleRun::Plain(ScalingRule::Linear));
            lin.is_some_and(|x| x.history.diverged())
        })
        .min()
        .unwrap_or(c.rule_batches.last().copied().unwrap_or(c.base_batch()));
    let spe = |b: usize| c.net.train_examples.div_ceil(b) as f64;
    let mut by_epoch = LineChart::new(
        &format!("Held-out loss at B = {show} against epochs"),
        "epoch",
        "held-out cross-entropy (log scale)",
    )
    .y_log()
    .size(900, 400);
    let mut by_step = LineChart::new(
        &format!(
            "The same runs against optimizer steps (base B₀ = {})",
            c.base_batch()
        ),
        "step (log scale)",
        "held-out cross-entropy (log scale)",
    )
    .x_log()
    .y_log()
    .size(900, 400);
    let mut runs: Vec<(&RulesRun, String)> =
        vec![(&r.base, format!("base B₀ = {}", c.base_batch()))];
    for run in r.runs.iter().filter(|x| x.batch == show) {
        let label = if run.history.diverged() {
            format!("{} (diverged)", run.rule.name())
        } else {
            run.rule.name().to_string()
        };
        runs.push((run, label));
    }
    for (i, (run, label)) in runs.iter().enumerate() {
        let e: Vec<(f64, f64)> = run
            .history
            .evals
            .iter()
            .map(|e| (e.step as f64 / spe(run.batch), e.loss))
            .collect();
        let st: Vec<(f64, f64)> = run
            .history
            .evals
            .iter()
            .filter(|e| e.step > 0)
            .map(|e| (e.step as f64, e.loss))
            .collect();
        by_epoch = by_epoch.series(Series::line_with_points(label.clone(), e).with_color(i));
        by_step = by_step.series(Series::line_with_points(label.clone(), st).with_color(i));
    }
    written.push(plot::save_panels(
        &[by_epoch.clone(), by_step.clone()],
        1,
        dir,
        "rules",
    )?);
    for (chart, stem) in [(&by_epoch, "rules_by_epoch"), (&by_step, "rules_by_step")] {
        written.push(plot::save_csv(chart, dir, stem)?);
    }
    Ok(written)
}
