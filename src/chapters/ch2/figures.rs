//! Chapter 2's figures: the runs over each surface's contours (and the ravine's as a GIF),
//! steps to ε against η over the regime bands, and the loss curves. Drawing is
//! [`crate::plot`]'s; this file only says what goes in each figure.
use std::path::{Path, PathBuf};

use super::four_runs::ShownRuns;
use super::sweep::{bands, sweep_steps, SurfaceSweep, EPS, ETA_HI, ETA_LO};
use super::Chapter2;
use crate::plot::{
    self, Band, BandChart, BandPanel, ContourFigure, ContourPanel, LineChart, Series, SvgFigure,
    Trajectory,
};
use crate::regimes::Regime;
use crate::report::fmt_sig;
use crate::Result;

/// A regime's colour in every figure, as an index into [`plot::PALETTE`]: sky blue, green,
/// orange, vermillion.
fn regime_color(r: Regime) -> usize {
    match r {
        Regime::TooSmall => 1,
        Regime::JustRight => 2,
        Regime::Oscillating => 0,
        Regime::Diverged => 4,
    }
}

/// Run `k` of four takes the colour of the regime it is meant to show.
fn run_color(k: usize) -> usize {
    regime_color(Regime::ALL[k % 4])
}

fn panel_title(shown: &ShownRuns, k: usize) -> String {
    let edge = shown.surface.curvature().edge();
    let p = &shown.paths[k];
    format!(
        "η = {} ({}× edge): {}",
        fmt_sig(p.eta, 3),
        fmt_sig(p.eta / edge, 3),
        shown.sweep_regimes[k].name()
    )
}

/// The four runs of a surface as a contour figure, one run per panel (2 x 2; the page's SVG
/// stacks them, see `draw_figures`).
fn paths_figure<'a>(shown: &ShownRuns, height: &'a dyn Fn(f64, f64) -> f64) -> ContourFigure<'a> {
    let s = &shown.surface;
    let mut fig = ContourFigure::new(format!(
        "Gradient descent on the {} {} from ({}, {})",
        s.name,
        s.formula,
        fmt_sig(s.start[0], 3),
        fmt_sig(s.start[1], 3)
    ));
    let m = s.minimizer();
    for (k, p) in shown.paths.iter().enumerate() {
        let points: Vec<(f64, f64)> = p.points.iter().map(|q| (q[0], q[1])).collect();
        fig = fig.panel(
            ContourPanel::new(panel_title(shown, k), height, s.window)
                .minimum((m[0], m[1]))
                .start((s.start[0], s.start[1]))
                .trajectory(Trajectory::new(points, run_color(k))),
        );
    }
    fig
}

/// Writes every figure of the chapter into `dir`; returns the files.
pub fn draw_figures(ch: &Chapter2, dir: &Path) -> Result<Vec<PathBuf>> {
    let _drawing = crate::drawing!();
    let mut written = Vec::new();
    for shown in &ch.shown {
        let path = dir.join(format!("paths_{}.svg", shown.surface.name));
        let height = |x: f64, y: f64| shown.surface.value(x, y);
        // One panel per row, as wide as the figure, so that its text keeps the house size.
        paths_figure(shown, &height)
            .cols(1)
            .size(800, 1860)
            .save_svg(&path)?;
        written.push(path);
    }
    written.push(draw_sweep_figure(
        &ch.sweeps,
        &dir.join("steps_vs_eta.svg"),
    )?);
    written.extend(draw_loss_figures(ch, dir)?);
    if let Some(ravine) = ch.shown.iter().find(|s| s.surface.name == "ravine") {
        let path = dir.join("descent_ravine.gif");
        let height = |x: f64, y: f64| ravine.surface.value(x, y);
        // Every step of the first 24, then faster.
        let frames: Vec<usize> = (0..=24)
            .chain([28, 32, 40, 50, 65, 80, 100, 130, 170, 220, 300])
            .collect();
        let title = |upto: usize| format!("Ravine {}: step {upto}", ravine.surface.formula);
        paths_figure(ravine, &height)
            .size(560, 420)
            .save_gif(&frames, title, 250, &path)?;
        written.push(path);
    }
    Ok(written)
}

/// Steps to ε against η on each surface, over the regime bands, with the predicted edge.
fn draw_sweep_figure(sweeps: &[SurfaceSweep], path: &Path) -> Result<PathBuf> {
    let _drawing = crate::drawing!();
    let mut chart = BandChart::new(
        &format!(
            "Steps to ε = {} against η, {} learning rates per surface, regimes shaded",
            fmt_sig(EPS, 1),
            sweeps.first().map_or(0, |s| s.points.len())
        ),
        "learning rate η",
        "steps to ε",
    );
    for s in sweeps {
        // Shade each regime band from half a grid step below to half a step above.
        let etas: Vec<f64> = s.points.iter().map(|p| p.eta).collect();
        let half = |i: usize, up: bool| -> f64 {
            if up {
                etas.get(i + 1).map_or(ETA_HI, |n| (etas[i] * n).sqrt())
            } else if i == 0 {
                ETA_LO
            } else {
                (etas[i] * etas[i - 1]).sqrt()
            }
        };
        chart = chart.panel(BandPanel {
            title: format!("{}: {}", s.surface.name, s.surface.formula),
            x_range: (ETA_LO, ETA_HI),
            y_range: (1.0, (sweep_steps(&s.surface) as f64) * 2.0),
            bands: bands(&s.regimes)
                .into_iter()
                .map(|(r, lo, hi)| Band {
                    from: half(lo, false),
                    to: half(hi, true),
                    color: regime_color(r),
                })
                .collect(),
            points: s
                .points
                .iter()
                .filter_map(|p| p.steps_to_eps.map(|n| (p.eta, (n.max(1)) as f64)))
                .collect(),
            reference: Some((s.surface.curvature().edge(), "2/λmax".to_string())),
        });
    }
    for r in Regime::ALL {
        chart = chart.legend(regime_color(r), r.name());
    }
    chart
        .points_label("steps to ε (runs that reach it)")
        .save_svg(path)?;
    Ok(path.to_path_buf())
}

fn draw_loss_figures(ch: &Chapter2, dir: &Path) -> Result<Vec<PathBuf>> {
    let _drawing = crate::drawing!();
    let mut written = Vec::new();
    // Loss histories of the shown runs, one panel per surface.
    let mut panels = Vec::new();
    for s in &ch.shown {
        let mut c = LineChart::new(
            &format!("{}: loss f(x_t)", s.surface.name),
            "step t",
            "f(x_t) (log scale)",
        )
        .y_log()
        .size(800, 360);
        if s.surface.name == "rosenbrock" {
            c = c.x_log();
        }
        for (k, p) in s.paths.iter().enumerate() {
            let pts: Vec<(f64, f64)> = p
                .losses
                .iter()
                .enumerate()
                // Long runs: every step of the first 200, then every 20th, to keep it small.
                .filter(|(t, _)| *t < 200 || t % 20 == 0 || t + 1 == p.losses.len())
                .map(|(t, l)| {
                    (
                        (t as f64).max(if s.surface.name == "rosenbrock" {
                            0.5
                        } else {
                            0.0
                        }),
                        *l,
                    )
                })
                .collect();
            c = c.series(
                Series::line(
                    format!("η = {} ({})", fmt_sig(p.eta, 3), s.sweep_regimes[k].name()),
                    pts,
                )
                .with_color(run_color(k)),
            );
        }
        panels.push(c);
    }
    // One panel per row, as wide as the figure, so that its text keeps the house size.
    written.push(plot::save_panels(&panels, 1, dir, "surface_losses")?);

    let mut loss = LineChart::new(
        "MLP training loss (minibatch)",
        "step",
        "cross-entropy (log scale)",
    )
    .y_log()
    .size(760, 480);
    let mut acc = LineChart::new("MLP test accuracy", "step", "accuracy")
        .y_range(0.0, 1.0)
        .size(760, 480);
    for (k, r) in ch.mlp.iter().enumerate() {
        let name = format!("η = {} ({})", fmt_sig(r.lr, 3), r.diagnosis.regime.name());
        let color = run_color(k);
        loss = loss.series(
            Series::line(
                &name,
                r.history
                    .steps
                    .iter()
                    .map(|s| (s.step as f64, s.loss))
                    .collect::<Vec<_>>(),
            )
            .with_color(color),
        );
        acc = acc.series(
            Series::line_with_points(
                &name,
                r.history
                    .evals
                    .iter()
                    .map(|e| (e.step as f64, e.accuracy.unwrap_or(f64::NAN)))
                    .collect::<Vec<_>>(),
            )
            .with_color(color),
        );
    }
    written.push(plot::save_panels(
        &[loss.clone(), acc.clone()],
        1,
        dir,
        "mlp_curves",
    )?);
    written.push(plot::save_figure(&loss, dir, "mlp_loss")?.1);
    written.push(plot::save_figure(&acc, dir, "mlp_accuracy")?.1);
    Ok(written)
}
