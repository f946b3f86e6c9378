//! Chapter 1's figures, each an SVG with a CSV of its data.
use std::path::{Path, PathBuf};

use super::{Chapter1, A, EPS, THETA_STAR};
use crate::plot::{self, LineChart, Marker, Series};
use crate::quadratic::{closed_form, Regime1d, Trajectory};
use crate::Result;

/// Draws the chapter's figures into `dir` (SVG plus a CSV of each figure's data).
pub fn draw_figures(ch: &Chapter1, dir: &Path) -> Result<Vec<PathBuf>> {
    let _drawing = crate::drawing!();
    let mut written = Vec::new();

    // Trajectories θ_t, one panel per regime.
    let panels: Vec<LineChart> = ch
        .one_d
        .iter()
        .map(|(eta, t)| {
            let pts: Vec<(f64, f64)> = t
                .iterates
                .iter()
                .enumerate()
                .take(16)
                .map(|(i, th)| (i as f64, th[0]))
                .collect();
            LineChart::new(
                &format!(
                    "η = {} ({})",
                    crate::report::fmt_sig(*eta, 3),
                    Regime1d::classify(*eta, A).name()
                ),
                "step t",
                "θ_t",
            )
            .series(Series::line_with_points("θ_t", pts).with_color(0))
            .marker(Marker::HLine {
                y: THETA_STAR,
                label: "θ* = 3".into(),
            })
            .x_range(0.0, 15.0)
            .y_range(-4.0, 10.0)
            .size(800, 330)
        })
        .collect();
    // One panel per row, as wide as the figure, so that its text keeps the house size.
    written.push(plot::save_panels(&panels, 1, dir, "trajectories")?);

    let mut errors = LineChart::new(
        "Error |θ_t − θ*| on ½·4·(θ−3)²",
        "step t",
        "|θ_t − θ*| (log scale)",
    )
    .y_log();
    for (i, (eta, t)) in ch.one_d.iter().enumerate() {
        let pts: Vec<(f64, f64)> = t
            .errors
            .iter()
            .enumerate()
            .map(|(k, e)| (k as f64, *e))
            .collect();
        errors = errors.series(
            Series::line(format!("η = {}", crate::report::fmt_sig(*eta, 3)), pts).with_color(i),
        );
    }
    written.extend(pair(plot::save_figure(&errors, dir, "error_log")?));

    let mut it1 = LineChart::new(
        "Iterations to ε = 1e-6 against η, ½·4·(θ−3)²",
        "learning rate η",
        "iterations (log scale)",
    )
    .y_log();
    let measured: Vec<(f64, f64)> = ch
        .sweep_1d
        .iter()
        .filter_map(|p| p.converged_at.map(|n| (p.eta, n as f64)))
        .collect();
    let predicted: Vec<(f64, f64)> = ch
        .sweep_1d
        .iter()
        .map(|p| {
            (
                p.eta,
                closed_form::iterations_to_tolerance(closed_form::error_factor(p.eta, A), EPS)
                    .map_or(f64::NAN, |n| n as f64),
            )
        })
        .collect();
    it1 = it1
        .series(Series::line("closed form ⌈ln ε / ln|1−ηa|⌉", predicted).with_color(1))
        .series(Series::points("measured", measured).with_color(0))
        .marker(Marker::VLine {
            x: 1.0 / A,
            label: "1/a".into(),
        })
        .marker(Marker::VLine {
            x: 2.0 / A,
            label: "2/a".into(),
        });
    written.extend(pair(plot::save_figure(&it1, dir, "iterations_vs_eta_1d")?));

    let eig = &ch.sweep_nd.eigenvalues;
    let (lmin, lmax) = (
        eig.iter().copied().fold(f64::INFINITY, f64::min),
        eig.iter().copied().fold(0.0, f64::max),
    );
    let measured: Vec<(f64, f64)> = ch
        .sweep_nd
        .points
        .iter()
        .filter_map(|p| p.converged_at.map(|n| (p.eta, n as f64)))
        .collect();
    let bound: Vec<(f64, f64)> = ch
        .sweep_nd
        .points
        .iter()
        .map(|p| {
            (
                p.eta,
                closed_form::iterations_to_tolerance(closed_form::gd_rate(p.eta, eig), EPS)
                    .map_or(f64::NAN, |n| n as f64),
            )
        })
        .collect();
    let nd = LineChart::new(
        "Iterations to ε = 1e-6 against η, rotated 10-D quadratic, κ = 10",
        "learning rate η",
        "iterations (log scale)",
    )
    .y_log()
    .series(Series::line("bound ⌈ln ε / ln max|1−ηλ|⌉", bound).with_color(1))
    .series(Series::points("measured", measured).with_color(0))
    .marker(Marker::VLine {
        x: closed_form::best_step(lmin, lmax),
        label: "η* = 2/(λmax+λmin)".into(),
    })
    .marker(Marker::VLine {
        x: 2.0 / lmax,
        label: "2/λmax".into(),
    });
    written.extend(pair(plot::save_figure(&nd, dir, "iterations_vs_eta_nd")?));

    let (gd, hb) = &ch.momentum_curves;
    let to_pts = |t: &Trajectory| {
        t.errors
            .iter()
            .enumerate()
            .map(|(k, e)| (k as f64, e / t.errors[0]))
            .collect::<Vec<_>>()
    };
    let mom = LineChart::new(
        "Gradient descent against heavy ball, rotated 10-D quadratic, κ = 100",
        "step t",
        "‖e_t‖/‖e_0‖ (log scale)",
    )
    .y_log()
    .series(Series::line("GD at η* = 2/(λmax+λmin)", to_pts(gd)).with_color(1))
    .series(Series::line("heavy ball at Polyak's (η, β)", to_pts(hb)).with_color(2));
    written.extend(pair(plot::save_figure(&mom, dir, "momentum_vs_gd")?));

    let mut sharp = LineChart::new(
        "Sharpness during full-batch gradient descent (tanh MLP, Fashion-MNIST)",
        "step",
        "top Hessian eigenvalue λmax",
    );
    let mut loss =
        LineChart::new("Training loss", "step", "½·mean ‖f(x) − y‖² (log scale)").y_log();
    for (i, r) in ch.sharpness.iter().enumerate() {
        let name = format!("η = {}", crate::report::fmt_sig(r.eta, 3));
        sharp = sharp
            .series(
                Series::line(
                    &name,
                    r.sharpness
                        .iter()
                        .map(|&(s, v)| (s as f64, v))
                        .collect::<Vec<_>>(),
                )
                .with_color(i),
            )
            .marker(Marker::HLine {
                y: 2.0 / r.eta,
                label: format!("2/η = {}", crate::report::fmt_sig(2.0 / r.eta, 3)),
            });
        loss = loss.series(
            Series::line(
                &name,
                r.losses
                    .iter()
                    .map(|&(s, v)| (s as f64, v))
                    .collect::<Vec<_>>(),
            )
            .with_color(i),
        );
    }
    written.push(plot::save_panels(
        &[sharp.clone().size(900, 420), loss.size(900, 420)],
        1,
        dir,
        "sharpness",
    )?);
    written.extend(pair(plot::save_figure(&sharp, dir, "sharpness_only")?));
    Ok(written)
}

fn pair((a, b): (PathBuf, PathBuf)) -> [PathBuf; 2] {
    [a, b]
}
