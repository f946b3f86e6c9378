//! Figures of "AMSGrad and RAdam": the iterates and average regret of Adam and AMSGrad on
//! Reddi et al.'s problem, RAdam's multiplier against the untuned warmups, and the training
//! loss curves. Each writes its data as CSV beside the SVG.
use std::path::{Path, PathBuf};

use super::warmup::{self, TrainingRuns, METHODS, MULTIPLIER_BETA2};
use super::{average_regret, AdamFixes};
use crate::plot::{self, LineChart, Marker, Series};
use crate::report::fmt_sig;
use crate::Result;

/// Draws the page's three figures into `dir`; returns the files written.
pub fn draw(s: &AdamFixes, dir: &Path) -> Result<Vec<PathBuf>> {
    let _drawing = crate::drawing!();
    let mut written = reddi_figure(s, dir)?;
    written.extend(multiplier_figure(dir)?);
    written.extend(training_figure(&s.training, dir)?);
    Ok(written)
}

/// About 200 log-spaced rounds in `1..=last`, for curves on a log t axis.
fn log_rounds(last: usize) -> Vec<usize> {
    let mut t: Vec<usize> = (0..=200)
        .map(|i| (last as f64).powf(i as f64 / 200.0).round() as usize)
        .collect();
    t.dedup();
    t
}

/// x_t of Adam and AMSGrad against t, and R_t/t below it.
fn reddi_figure(s: &AdamFixes, dir: &Path) -> Result<Vec<PathBuf>> {
    let _drawing = crate::drawing!();
    let r = &s.reddi;
    let last = *r.horizons.last().unwrap_or(&1);
    let rounds = log_rounds(last);
    let mut x_chart = LineChart::new(
        "Reddi et al.'s problem: the iterate x_t (best point x = −1)",
        "round t (log scale)",
        "x_t",
    )
    .x_log()
    .y_range(-1.1, 1.1);
    let mut regret_chart = LineChart::new(
        "Average regret R_t/t against x = −1",
        "round t (log scale)",
        "R_t / t",
    )
    .x_log();
    for (i, rr) in r.runs.iter().enumerate() {
        let (run, xs) = (&rr.run, &rr.lrbook);
        let pts: Vec<(f64, f64)> = rounds.iter().map(|&t| (t as f64, xs[t - 1])).collect();
        x_chart = x_chart.series(Series::line(run.name(), pts).with_color(i));
        let reg: Vec<(f64, f64)> = rounds
            .iter()
            .map(|&t| (t as f64, average_regret(&run.problem, xs, t)))
            .collect();
        regret_chart = regret_chart.series(Series::line(run.name(), reg).with_color(i));
    }
    let c = r.runs[0].run.problem.c;
    regret_chart = regret_chart.marker(Marker::hline(
        super::regret_at_worst_point(c),
        format!("2(C−2)/3 = {}", fmt_sig(super::regret_at_worst_point(c), 3)),
    ));
    let charts = [x_chart, regret_chart];
    let svg = plot::save_panels(&charts, 1, dir, "adam_fixes_reddi")?;
    let csv_x = plot::save_csv(&charts[0], dir, "adam_fixes_reddi_x")?;
    let csv_r = plot::save_csv(&charts[1], dir, "adam_fixes_reddi_regret")?;
    Ok(vec![svg, csv_x, csv_r])
}

/// RAdam's r_t and the two untuned warmups against t, one panel per β₂.
fn multiplier_figure(dir: &Path) -> Result<Vec<PathBuf>> {
    let _drawing = crate::drawing!();
    let mut charts = Vec::new();
    for &beta2 in &MULTIPLIER_BETA2 {
        let last = (5.0 / (1.0 - beta2)).round() as usize;
        let ts = log_rounds(last);
        let pts = |f: &dyn Fn(usize) -> Option<f64>| -> Vec<(f64, f64)> {
            ts.iter()
                .filter_map(|&t| f(t).map(|y| (t as f64, y)))
                .collect()
        };
        let w = warmup::warmup_steps(beta2);
        charts.push(
            LineChart::new(
                &format!("Multiplier of Adam's step, β₂ = {}", fmt_sig(beta2, 4)),
                "step t (log scale)",
                "multiplier",
            )
            .x_log()
            .y_range(0.0, 1.05)
            .series(
                Series::line(
                    "RAdam r_t (from ρ_t > 5)",
                    pts(&|t| warmup::rectification(beta2, t)),
                )
                .with_color(0),
            )
            .series(
                Series::dashed(
                    "linear min(1, t(1−β₂)/2)",
                    pts(&|t| Some(warmup::linear_warmup(beta2, t))),
                )
                .with_color(1),
            )
            .series(
                Series::dotted(
                    "exponential 1 − e^(−(1−β₂)t)",
                    pts(&|t| Some(warmup::exponential_warmup(beta2, t))),
                )
                .with_color(2),
            )
            .marker(Marker::vline(w as f64, format!("2/(1−β₂) = {w}"))),
        );
    }
    let svg = plot::save_panels(&charts, 1, dir, "adam_fixes_multipliers")?;
    let mut written = vec![svg];
    for (chart, beta2) in charts.iter().zip(MULTIPLIER_BETA2) {
        let stem = format!(
            "adam_fixes_multipliers_{}",
            fmt_sig(beta2, 4).replace('.', "_")
        );
        written.push(plot::save_csv(chart, dir, &stem)?);
    }
    Ok(written)
}

/// The training loss of each method: the first seed step by step over the warmup window
/// (top), and the geometric mean over seeds, smoothed over 20 steps, over the run (bottom).
fn training_figure(r: &TrainingRuns, dir: &Path) -> Result<Vec<PathBuf>> {
    let _drawing = crate::drawing!();
    let steps = r.config.steps;
    let w = warmup::warmup_steps(r.config.beta2).min(steps);
    let window = 20;
    let mut first = LineChart::new(
        &format!("Training loss of seed {}, steps 1 to {w}", r.seeds[0]),
        "step",
        "training loss (log scale)",
    )
    .y_log();
    let mut mean = LineChart::new(
        &format!(
            "Training loss, {} seeds (geometric mean, {window}-step moving average)",
            r.seeds.len()
        ),
        "step",
        "training loss (log scale)",
    )
    .y_log();
    let styled = |m: usize, name: &str, pts: Vec<(f64, f64)>| {
        let series = match m {
            0 => Series::line(name, pts),
            1 => Series::dashed(name, pts),
            _ => Series::dotted(name, pts),
        };
        series.with_color(m)
    };
    for (m, name) in METHODS.iter().enumerate() {
        let seed0: Vec<(f64, f64)> = (0..w)
            .map(|t| ((t + 1) as f64, r.losses[m][0][t]))
            .collect();
        first = first.series(styled(m, name, seed0));
        let log_mean: Vec<f64> = (0..steps)
            .map(|t| r.losses[m].iter().map(|l| l[t].ln()).sum::<f64>() / r.seeds.len() as f64)
            .collect();
        let pts: Vec<(f64, f64)> = (0..steps)
            .step_by(2)
            .map(|t| {
                let from = t.saturating_sub(window - 1);
                let avg = log_mean[from..=t].iter().sum::<f64>() / (t - from + 1) as f64;
                ((t + 1) as f64, avg.exp())
            })
            .collect();
        mean = mean.series(styled(m, name, pts));
    }
    mean = mean.marker(Marker::vline(w as f64, "end of the warmup"));
    let charts = [first, mean];
    let svg = plot::save_panels(&charts, 1, dir, "adam_fixes_training")?;
    let csv_first = plot::save_csv(&charts[0], dir, "adam_fixes_training_first_seed")?;
    let csv_mean = plot::save_csv(&charts[1], dir, "adam_fixes_training_mean")?;
    Ok(vec![svg, csv_first, csv_mean])
}
