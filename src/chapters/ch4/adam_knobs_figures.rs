//! Figures of "NAdam, AdaMax, ε and β₂": steps to the target against η on the ravine, the
//! Lᵖ-to-∞ ratio against p with its bounds, the step against the gradient scale per ε, and
//! the step around a gradient jump and drop per β₂. Each writes its data as CSV.
use std::path::{Path, PathBuf};

use super::adam_knobs::{ratio_bounds, AdamKnobs, Method, ADAMAX_BETA2, POWERS};
use super::adam_knobs_steps::{constant_step, EPSILONS};
use crate::plot::{self, LineChart, Marker, Series};
use crate::report::fmt_sig;
use crate::Result;

/// Draws the section's four figures into `dir`; returns the files written.
pub fn draw(s: &AdamKnobs, dir: &Path) -> Result<Vec<PathBuf>> {
    let _drawing = crate::drawing!();
    let mut written = Vec::new();
    for (chart, stem) in [
        (nadam_chart(s), "adam_knobs_nadam"),
        (adamax_chart(s), "adam_knobs_adamax"),
        (eps_chart(s), "adam_knobs_eps"),
    ] {
        let (svg, csv) = plot::save_figure(&chart, dir, stem)?;
        written.extend([svg, csv]);
    }
    let panels = beta2_panels(s);
    written.push(plot::save_panels(&panels, 1, dir, "adam_knobs_beta2")?);
    for (chart, stem) in panels
        .iter()
        .zip(["adam_knobs_beta2_jump", "adam_knobs_beta2_drop"])
    {
        written.push(plot::save_csv(chart, dir, stem)?);
    }
    Ok(written)
}

/// Steps to the target against η, one line per method; runs that miss it are left out.
fn nadam_chart(s: &AdamKnobs) -> LineChart {
    let mut chart = LineChart::new(
        "Adam against NAdam on the ravine ½(θ₁² + 100θ₂²)",
        "learning rate η (log scale)",
        "steps to ‖θ‖ ≤ 1e-3·‖θ₀‖ (log scale)",
    )
    .x_log()
    .y_log()
    .size(900, 480);
    for (j, m) in Method::ALL.iter().enumerate() {
        let pts: Vec<(f64, f64)> = s
            .sweep
            .config
            .etas
            .iter()
            .zip(&s.sweep.runs)
            .filter_map(|(&eta, runs)| runs[j].steps_to_target().map(|n| (eta, n as f64)))
            .collect();
        chart = chart.series(Series::line_with_points(m.name(), pts).with_color(j));
    }
    chart
}

/// `u⁽ᵖ⁾/u⁽∞⁾` at the last step against p, with the two bounds dashed.
fn adamax_chart(s: &AdamKnobs) -> LineChart {
    let a = &s.adamax;
    let n = a.grads.len();
    let measured: Vec<(f64, f64)> = POWERS
        .iter()
        .enumerate()
        .map(|(k, &p)| (p, a.lp[k][n - 1] / a.infinity[n - 1]))
        .collect();
    let fine: Vec<f64> = (0..=70).map(|i| 2f64.powf(i as f64 / 10.0)).collect();
    let bound = |upper: bool| -> Vec<(f64, f64)> {
        fine.iter()
            .map(|&p| {
                let (lo, hi) = ratio_bounds(ADAMAX_BETA2, p, n);
                (p, if upper { hi } else { lo })
            })
            .collect()
    };
    LineChart::new(
        &format!(
            "Adam with an Lᵖ norm tends to AdaMax: u⁽ᵖ⁾/u⁽∞⁾ at t = {n}, β₂ = {}",
            fmt_sig(ADAMAX_BETA2, 3)
        ),
        "p (log scale)",
        "u⁽ᵖ⁾/u⁽∞⁾ (log scale)",
    )
    .x_log()
    .y_log()
    .size(900, 480)
    .series(Series::line_with_points("measured", measured).with_color(0))
    .series(Series::dashed("upper bound ((1−β₂ᵖ)t)^(1/p)", bound(true)).with_color(1))
    .series(Series::dashed("lower bound (1−β₂ᵖ)^(1/p)", bound(false)).with_color(2))
    .marker(Marker::hline(1.0, "AdaMax"))
}

/// Step/η against the gradient scale, measured (points) and `s/(s+ε)` (lines), per ε.
fn eps_chart(s: &AdamKnobs) -> LineChart {
    let mut chart = LineChart::new(
        "Adam's step under a constant gradient of scale s",
        "gradient scale s (log scale)",
        "step/η (log scale)",
    )
    .x_log()
    .y_log()
    .size(900, 480);
    let fine: Vec<f64> = (0..=140)
        .map(|i| 10f64.powf(-12.0 + i as f64 / 10.0))
        .collect();
    for (j, &e) in EPSILONS.iter().enumerate() {
        let line: Vec<(f64, f64)> = fine.iter().map(|&x| (x, constant_step(x, e))).collect();
        let pts: Vec<(f64, f64)> = s
            .eps
            .scales
            .iter()
            .zip(&s.eps.steps[j])
            .map(|(&x, &y)| (x, y))
            .collect();
        let name = fmt_sig(e, 1);
        chart = chart
            .series(Series::line(format!("s/(s+ε), ε = {name}"), line).with_color(j))
            .series(Series::points(format!("measured, ε = {name}"), pts).with_color(j));
    }
    chart
}

/// Step/η against the steps since the change (log scale), β₁ = 0, one line per β₂: after a
/// jump by k (top) and after a drop by k (bottom).
fn beta2_panels(s: &AdamKnobs) -> Vec<LineChart> {
    let picked = |v: &[f64]| -> Vec<(f64, f64)> {
        // About 40 points per decade of steps.
        let mut last = 0usize;
        (0..=280)
            .filter_map(|i| {
                let n = 10f64.powf(i as f64 / 40.0).round() as usize;
                (n > last && n <= v.len()).then(|| {
                    last = n;
                    (n as f64, v[n - 1])
                })
            })
            .collect()
    };
    let mut jump = LineChart::new(
        "After the gradient jumps from s to 100s (β₁ = 0)",
        "steps since the jump (log scale)",
        "step/η (log scale)",
    )
    .x_log()
    .y_log()
    .size(900, 420);
    let mut drop = LineChart::new(
        "After the gradient drops from s to s/100 (β₁ = 0)",
        "steps since the drop (log scale)",
        "step/η (log scale)",
    )
    .x_log()
    .y_log()
    .size(900, 420)
    .marker(Marker::hline(0.5, "η/2"));
    for (i, r) in s.beta2.iter().filter(|r| r.beta1 == 0.0).enumerate() {
        let name = format!("β₂ = {}", fmt_sig(r.beta2, 5));
        jump = jump.series(Series::line(name.clone(), picked(&r.jump)).with_color(i));
        drop = drop.series(Series::line(name, picked(&r.drop)).with_color(i));
    }
    vec![jump, drop]
}
