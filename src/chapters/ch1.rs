//! Chapter 1 — quadratic convergence.
//!
//! 1. One dimension: gradient descent on `½a(θ−θ*)²` multiplies the error by `1 − ηa`.
//! 2. Iterations to a tolerance against `η`, measured and in closed form.
//! 3. Many dimensions: the stability edge `2/λmax`, the best step `2/(λmax+λmin)` and the
//!    rate `(κ−1)/(κ+1)`; heavy-ball momentum's `(√κ−1)/(√κ+1)`.
//! 4. Beyond quadratics: the sharpness of a tanh MLP trained by full-batch gradient descent
//!    rises until it hovers near `2/η` (the edge of stability).
use std::path::{Path, PathBuf};

use tch::nn::{self, Module};
use tch::{Device, Kind};

use super::Config;
use crate::data::{fashion_mnist, Dataset};
use crate::hessian::{self, PowerIteration};
use crate::models::{Activation, Mlp};
use crate::plot::{self, LineChart, Marker, Series};
use crate::quadratic::{
    self, closed_form, Quadratic, Regime1d, RunOptions, SweepPoint, Trajectory,
};
use crate::report::{Cell, Report, Table};
use crate::train::Loss;
use crate::Result;

/// The 1-D quadratic of the chapter: `½·a·(θ−θ*)²` with `a = 4`, `θ* = 3`, from `θ_0 = 0`.
pub const A: f64 = 4.0;
/// Minimizer of the 1-D quadratic.
pub const THETA_STAR: f64 = 3.0;
/// Relative tolerance for "iterations to ε": `‖e_t‖ ≤ ε‖e_0‖`.
pub const EPS: f64 = 1e-6;
/// The five step sizes of the 1-D tour, as multiples of `1/a`: monotone, one step,
/// oscillating, the 2-cycle and divergence.
pub const ETA_TIMES_A: [f64; 5] = [0.2, 1.0, 1.6, 2.0, 2.2];
/// Condition numbers of the many-dimensional table.
pub const KAPPAS: [f64; 4] = [2.0, 10.0, 100.0, 1000.0];

/// Everything chapter 1 computes: the report and the data behind each figure.
#[derive(Debug)]
pub struct Chapter1 {
    /// The tables the book shows and the tests pin.
    pub report: Report,
    /// The five 1-D runs, one per entry of [`ETA_TIMES_A`].
    pub one_d: Vec<(f64, Trajectory)>,
    /// Iterations to ε against η on the 1-D quadratic.
    pub sweep_1d: Vec<SweepPoint>,
    /// Iterations to ε against η on the rotated quadratic with κ = 10.
    pub sweep_nd: NdSweep,
    /// Error curves of gradient descent and heavy ball at their best settings, κ = 100.
    pub momentum_curves: (Trajectory, Trajectory),
    /// Sharpness during training, one run per learning rate.
    pub sharpness: Vec<SharpnessRun>,
}

/// The many-dimensional sweep and its quadratic's key numbers.
#[derive(Debug)]
pub struct NdSweep {
    /// Eigenvalues of the quadratic.
    pub eigenvalues: Vec<f64>,
    /// The sweep.
    pub points: Vec<SweepPoint>,
}

/// One edge-of-stability run.
#[derive(Debug)]
pub struct SharpnessRun {
    /// The learning rate.
    pub eta: f64,
    /// `(step, training loss)` at every step.
    pub losses: Vec<(usize, f64)>,
    /// `(step, sharpness)` every few steps.
    pub sharpness: Vec<(usize, f64)>,
    /// Training accuracy at the end.
    pub final_accuracy: f64,
    /// Step at which the loss became non-finite, if it did.
    pub diverged_at: Option<usize>,
}

/// Sizes of the sharpness experiment.
#[derive(Clone, Debug)]
pub struct SharpnessConfig {
    /// Training examples (the first n of Fashion-MNIST's training set).
    pub examples: usize,
    /// Hidden layer widths of the tanh MLP.
    pub hidden: Vec<i64>,
    /// Full-batch gradient-descent steps.
    pub steps: usize,
    /// Measure the sharpness every this many steps.
    pub every: usize,
    /// Learning rates.
    pub etas: Vec<f64>,
}

impl SharpnessConfig {
    /// The sizes for the quick or the full configuration.
    pub fn for_config(quick: bool) -> Self {
        if quick {
            SharpnessConfig {
                examples: 256,
                hidden: vec![32, 32],
                steps: 300,
                every: 10,
                etas: vec![0.1, 0.2],
            }
        } else {
            SharpnessConfig {
                examples: 500,
                hidden: vec![64, 64],
                steps: 2000,
                every: 20,
                etas: vec![0.05, 0.1, 0.2],
            }
        }
    }
}

/// Runs the whole chapter with the sharpness sizes of `cfg.quick`.
pub fn run(cfg: &Config) -> Result<Chapter1> {
    run_with(cfg, &SharpnessConfig::for_config(cfg.quick))
}

/// Runs the whole chapter with explicit sharpness-experiment sizes.
pub fn run_with(cfg: &Config, sharpness: &SharpnessConfig) -> Result<Chapter1> {
    let mut report = Report::new("Chapter 1: quadratic convergence");
    let (table, one_d) = one_dimension(cfg.device)?;
    report.tables.push(table);
    let (table, sweep_1d) = iterations_vs_eta_1d(cfg.device)?;
    report.tables.push(table);
    let (table, sweep_nd) = stability_edge_nd(cfg.device)?;
    report.tables.push(table);
    let (table, momentum_curves) = rates_vs_kappa(cfg.device)?;
    report.tables.push(table);
    let (table, sharpness) = edge_of_stability(cfg, sharpness)?;
    report.tables.push(table);
    Ok(Chapter1 {
        report,
        one_d,
        sweep_1d,
        sweep_nd,
        momentum_curves,
        sharpness,
    })
}

/// Part 1: the five regimes of `1 − ηa`, measured against the closed forms.
pub fn one_dimension(device: Device) -> Result<(Table, Vec<(f64, Trajectory)>)> {
    let q = Quadratic::one_d(A, THETA_STAR)?;
    let mut table = Table::new(
        "one_d_regimes",
        "Gradient descent on ½·4·(θ−3)² from θ₀ = 0: measured against closed form",
        &[
            "η",
            "ηa",
            "1 − ηa",
            "regime",
            "\\|e₁₀\\|/\\|e₀\\| measured",
            "\\|1 − ηa\\|¹⁰",
            "steps to ε measured",
            "⌈ln ε / ln\\|1 − ηa\\|⌉",
        ],
    );
    let mut runs = Vec::new();
    for &ea in &ETA_TIMES_A {
        let eta = ea / A;
        let traj = quadratic::gradient_descent(
            &q,
            &[0.0],
            eta,
            RunOptions {
                max_steps: 30,
                ..Default::default()
            },
            device,
        )?;
        let to_tol = quadratic::gradient_descent(
            &q,
            &[0.0],
            eta,
            RunOptions {
                max_steps: 10_000,
                rel_tol: Some(EPS),
                record_iterates: false,
                ..Default::default()
            },
            device,
        )?;
        let factor = closed_form::error_factor(eta, A);
        let measured_ratio = traj.errors[10] / traj.errors[0];
        let predicted_steps = closed_form::iterations_to_tolerance(factor, EPS);
        table.push(vec![
            Cell::num(eta, 3),
            Cell::num(eta * A, 2),
            Cell::num(factor, 2),
            Regime1d::classify(eta, A).name().into(),
            Cell::num(measured_ratio, 4),
            Cell::num(factor.abs().powi(10), 4),
            steps_cell(&to_tol),
            predicted_steps.map_or("never".into(), |n| Cell::Int(n as i64)),
        ]);
        runs.push((eta, traj));
    }
    Ok((table, runs))
}

fn steps_cell(t: &Trajectory) -> Cell {
    match (t.converged_at, t.diverged_at) {
        (Some(n), _) => n.into(),
        (None, Some(n)) => format!("diverged (step {n})").into(),
        (None, None) => format!("not within {}", t.steps()).into(),
    }
}

/// Part 2: iterations to ε against η on the 1-D quadratic, every η at once.
pub fn iterations_vs_eta_1d(device: Device) -> Result<(Table, Vec<SweepPoint>)> {
    let q = Quadratic::one_d(A, THETA_STAR)?;
    let etas: Vec<f64> = (1..=240).map(|i| i as f64 * 0.01 / A).collect(); // ηa = 0.01 … 2.40
    let opts = RunOptions {
        max_steps: 5000,
        rel_tol: Some(EPS),
        record_iterates: false,
        ..Default::default()
    };
    let points = quadratic::sweep(&q, &[0.0], &etas, 0.0, opts, device)?;
    let mut table = Table::new(
        "iterations_vs_eta_1d",
        "Iterations to ε = 1e-6 against η on ½·4·(θ−3)² (a sample of the 240-point sweep)",
        &["ηa", "measured", "closed form"],
    );
    let mut mismatches = 0;
    for p in &points {
        let predicted =
            closed_form::iterations_to_tolerance(closed_form::error_factor(p.eta, A), EPS)
                .map(|n| n as usize);
        let measured = p.converged_at;
        if measured != predicted && predicted.is_some_and(|n| n <= opts.max_steps) {
            mismatches += 1;
        }
        let ea = (p.eta * A * 100.0).round() as i64;
        if [10, 50, 100, 150, 190, 199, 200, 210].contains(&ea) {
            table.push(vec![
                Cell::num(p.eta * A, 3),
                measured.map_or_else(|| sweep_fate(p), Cell::from),
                predicted.map_or("never".into(), Cell::from),
            ]);
        }
    }
    table.push(vec![
        "all 240".into(),
        format!("{mismatches} mismatches").into(),
        "".into(),
    ]);
    Ok((table, points))
}

fn sweep_fate(p: &SweepPoint) -> Cell {
    match p.diverged_at {
        Some(n) => format!("diverged (step {n})").into(),
        None => "not converged".into(),
    }
}

/// The quadratic of part 3: dimension 10, eigenvalues log-spaced from 1 to κ, a random
/// rotation (seed 1), minimizer (1, …, 1), start at the origin.
pub fn rotated_quadratic(kappa: f64) -> Result<Quadratic> {
    let d = 10;
    let eigenvalues: Vec<f64> = (0..d)
        .map(|i| kappa.powf(i as f64 / (d - 1) as f64))
        .collect();
    Quadratic::rotated(&eigenvalues, &vec![1.0; d], 1)
}

/// Part 3a: the stability edge and the best step on the rotated quadratic with κ = 10,
/// measured by a sweep of 400 step sizes.
pub fn stability_edge_nd(device: Device) -> Result<(Table, NdSweep)> {
    let q = rotated_quadratic(10.0)?;
    let (lmin, lmax) = (q.lambda_min(), q.lambda_max());
    let edge = closed_form::stability_limit(lmax);
    let etas: Vec<f64> = (1..=400).map(|i| i as f64 / 400.0 * 1.2 * edge).collect();
    let opts = RunOptions {
        max_steps: 20_000,
        rel_tol: Some(EPS),
        record_iterates: false,
        blowup: 1e6,
    };
    let points = quadratic::sweep(&q, &vec![0.0; q.dim()], &etas, 0.0, opts, device)?;
    let measured_edge = points
        .iter()
        .filter(|p| p.converged_at.is_some())
        .map(|p| p.eta)
        .fold(0.0, f64::max);
    let best = points
        .iter()
        .filter_map(|p| p.converged_at.map(|n| (n, p.eta)))
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)))
        .expect("some step sizes converge");
    let eta_star = closed_form::best_step(lmin, lmax);
    let mut table = Table::new("stability_edge_nd", "Rotated 10-D quadratic with κ = 10: stability edge and best step, predicted against a 400-point sweep", &["quantity", "predicted", "measured"]);
    table.push(vec![
        "largest stable η (2/λmax)".into(),
        Cell::num(edge, 4),
        Cell::num(measured_edge, 4),
    ]);
    table.push(vec![
        "fastest η (2/(λmax+λmin))".into(),
        Cell::num(eta_star, 4),
        Cell::num(best.1, 4),
    ]);
    let bound =
        closed_form::iterations_to_tolerance(closed_form::gd_rate(eta_star, q.eigenvalues()), EPS)
            .unwrap_or(0);
    table.push(vec![
        "steps to ε at the fastest η".into(),
        Cell::Int(bound as i64),
        Cell::Int(best.0 as i64),
    ]);
    table.push(vec![
        "sweep resolution Δη".into(),
        "".into(),
        Cell::num(etas[1] - etas[0], 2),
    ]);
    Ok((
        table,
        NdSweep {
            eigenvalues: q.eigenvalues().to_vec(),
            points,
        },
    ))
}

/// Part 3b: measured rates of gradient descent at `2/(λmax+λmin)` and of heavy ball at
/// Polyak's optimum, against `(κ−1)/(κ+1)` and `(√κ−1)/(√κ+1)`, for each κ in [`KAPPAS`].
pub fn rates_vs_kappa(device: Device) -> Result<(Table, (Trajectory, Trajectory))> {
    let mut table = Table::new(
        "rates_vs_kappa",
        "Convergence rate per step on rotated 10-D quadratics: gradient descent at η* = 2/(λmax+λmin), heavy ball at Polyak's (η, β)",
        &["κ", "GD η*", "GD rate (κ−1)/(κ+1)", "GD measured", "GD steps to ε", "HB η", "HB β", "HB rate (√κ−1)/(√κ+1)", "HB measured", "HB steps to ε"],
    );
    let mut curves = None;
    for &kappa in &KAPPAS {
        let q = rotated_quadratic(kappa)?;
        let x0 = vec![0.0; q.dim()];
        let (lmin, lmax) = (q.lambda_min(), q.lambda_max());
        // Stop at 1e-9: below that, rounding rather than the rate sets the error.
        let opts = RunOptions {
            max_steps: 100_000,
            rel_tol: Some(1e-9),
            record_iterates: false,
            ..Default::default()
        };
        let eta = closed_form::best_step(lmin, lmax);
        let gd = quadratic::gradient_descent(&q, &x0, eta, opts, device)?;
        let (hb_eta, hb_beta, hb_rate) = closed_form::heavy_ball_optimal(lmin, lmax);
        let hb = quadratic::heavy_ball(&q, &x0, hb_eta, hb_beta, opts, device)?;
        table.push(vec![
            Cell::num(kappa, 4),
            Cell::num(eta, 3),
            Cell::num(closed_form::best_rate(kappa), 4),
            rate_cell(&gd),
            first_below(&gd, EPS),
            Cell::num(hb_eta, 3),
            Cell::num(hb_beta, 3),
            Cell::num(hb_rate, 4),
            rate_cell(&hb),
            first_below(&hb, EPS),
        ]);
        if kappa == 100.0 {
            curves = Some((gd, hb));
        }
    }
    Ok((table, curves.expect("κ = 100 is in KAPPAS")))
}

/// Measured rate over the last quarter of the run.
fn rate_cell(t: &Trajectory) -> Cell {
    let window = (t.steps() / 4).max(1);
    t.asymptotic_rate(window)
        .map_or("n/a".into(), |r| Cell::num(r, 4))
}

fn first_below(t: &Trajectory, eps: f64) -> Cell {
    let e0 = t.errors[0];
    t.errors
        .iter()
        .position(|&e| e <= eps * e0)
        .map_or("not reached".into(), Cell::from)
}

/// Part 4: sharpness of a tanh MLP during full-batch gradient descent on a Fashion-MNIST
/// subset with the square loss. It rises (progressive sharpening) until it reaches about
/// `2/η`, then hovers there while the loss keeps falling, non-monotonically.
pub fn edge_of_stability(cfg: &Config, sc: &SharpnessConfig) -> Result<(Table, Vec<SharpnessRun>)> {
    let dir = match &cfg.data_dir {
        Some(d) => d.clone(),
        None => fashion_mnist::locate()?,
    };
    let data = fashion_mnist::load_subset(&dir, sc.examples, 1)?.train;
    let data = Dataset::new(standardize_pixels(&data.inputs), data.targets)?.to_device(cfg.device);
    let mut table = Table::new(
        "sharpness",
        &format!("Sharpness λmax of a tanh MLP ({}) under full-batch GD on {} Fashion-MNIST images, square loss, {} steps", mlp_label(&sc.hidden), sc.examples, sc.steps),
        &["η", "2/η", "λmax at start", "λmax max", "λmax at end", "end / (2/η)", "first step λmax ≥ 0.9·2/η", "final loss", "final accuracy"],
    );
    let mut runs = Vec::new();
    for &eta in &sc.etas {
        let run = sharpness_run(&data, eta, sc, cfg.seed, cfg.device)?;
        let two_over_eta = 2.0 / eta;
        let values: Vec<f64> = run.sharpness.iter().map(|s| s.1).collect();
        let end = values.last().copied().unwrap_or(f64::NAN);
        let first = run
            .sharpness
            .iter()
            .find(|s| s.1 >= 0.9 * two_over_eta)
            .map_or("never".into(), |s| Cell::from(s.0));
        let final_loss = run.losses.last().map_or(f64::NAN, |l| l.1);
        table.push(vec![
            Cell::num(eta, 3),
            Cell::num(two_over_eta, 3),
            Cell::num(values[0], 3),
            Cell::num(values.iter().copied().fold(f64::NAN, f64::max), 3),
            Cell::num(end, 3),
            Cell::num(end / two_over_eta, 3),
            first,
            Cell::num(final_loss, 3),
            Cell::num(run.final_accuracy, 3),
        ]);
        runs.push(run);
    }
    Ok((table, runs))
}

/// Pixels standardised over the subset (mean 0, standard deviation 1 each, constant pixels
/// left at 0), then scaled by 1/14 so that an image has norm about 2. At that scale the
/// network's initial sharpness (about 11 for the full configuration) lies below `2/η` for
/// the smaller learning rates, so the run shows sharpness *rising* to `2/η`.
pub fn standardize_pixels(pixels: &tch::Tensor) -> tch::Tensor {
    let x = pixels.to_kind(Kind::Double);
    let mean = x.mean_dim(0, true, Kind::Double);
    let std = x.std_dim(0, true, true);
    (x - mean) / (std + 1e-3) / 14.0
}

fn mlp_label(hidden: &[i64]) -> String {
    let mut sizes = vec!["784".to_string()];
    sizes.extend(hidden.iter().map(|h| h.to_string()));
    sizes.push("10".into());
    sizes.join("-")
}

/// One full-batch GD run with the sharpness measured every `sc.every` steps. The network
/// is initialised on the CPU from `seed` and moved to `device`, so devices start equal.
pub fn sharpness_run(
    data: &Dataset,
    eta: f64,
    sc: &SharpnessConfig,
    seed: u64,
    device: Device,
) -> Result<SharpnessRun> {
    crate::validate::learning_rate("learning rate η", eta)?;
    crate::validate::at_least_one("steps", sc.steps)?;
    crate::validate::at_least_one("sharpness interval", sc.every)?;
    tch::manual_seed(seed as i64);
    let mut vs = nn::VarStore::new(Device::Cpu);
    let mut sizes = vec![784];
    sizes.extend(&sc.hidden);
    sizes.push(10);
    let model = Mlp::new(&vs.root(), &sizes, Activation::Tanh)?;
    vs.set_kind(Kind::Double);
    vs.set_device(device);
    let params = vs.trainable_variables();
    let power = PowerIteration {
        max_iters: 20,
        rel_tol: 1e-4,
        seed,
    };
    let mut run = SharpnessRun {
        eta,
        losses: vec![],
        sharpness: vec![],
        final_accuracy: f64::NAN,
        diverged_at: None,
    };
    let mut direction: Option<Vec<tch::Tensor>> = None;
    for step in 0..=sc.steps {
        let output = model.forward(&data.inputs);
        let loss = Loss::HalfSquaredOneHot.compute(&output, &data.targets);
        let loss_value = f64::try_from(&loss)?;
        run.losses.push((step, loss_value));
        if !loss_value.is_finite() {
            run.diverged_at = Some(step);
            break;
        }
        if step % sc.every == 0 || step == sc.steps {
            let top = hessian::top_eigenvalue(&loss, &params, direction.as_deref(), power)?;
            run.sharpness.push((step, top.value));
            direction = Some(top.vector);
        }
        if step == sc.steps {
            run.final_accuracy = Loss::HalfSquaredOneHot
                .accuracy(&output, &data.targets)
                .unwrap_or(f64::NAN);
            break;
        }
        gradient_descent_step(&loss, &params, eta)?;
    }
    Ok(run)
}

// ANCHOR: full_batch_gd
/// One full-batch gradient-descent step on every parameter: `θ ← θ − η∇L(θ)`.
fn gradient_descent_step(loss: &tch::Tensor, params: &[tch::Tensor], eta: f64) -> Result<()> {
    let grads = tch::Tensor::f_run_backward(&[loss], params, false, false)?;
    let _guard = tch::no_grad_guard();
    for (p, g) in params.iter().zip(&grads) {
        let _ = p.shallow_clone().f_sub_(&(g * eta))?;
    }
    Ok(())
}
// ANCHOR_END: full_batch_gd

/// Draws the chapter's figures into `dir` (SVG plus a CSV of each figure's data).
pub fn draw_figures(ch: &Chapter1, dir: &Path) -> Result<Vec<PathBuf>> {
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
            .size(520, 340)
        })
        .collect();
    let path = dir.join("trajectories.svg");
    plot::save_panels_svg(&panels, 3, &path)?;
    written.push(path);

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
    let path = dir.join("sharpness.svg");
    plot::save_panels_svg(
        &[sharp.clone().size(760, 480), loss.size(760, 480)],
        2,
        &path,
    )?;
    written.push(path);
    written.extend(pair(plot::save_figure(&sharp, dir, "sharpness_only")?));
    Ok(written)
}

fn pair((a, b): (PathBuf, PathBuf)) -> [PathBuf; 2] {
    [a, b]
}
