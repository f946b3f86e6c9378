//! Chapter 2 — the Goldilocks regimes.
//!
//! 1. Three surfaces (bowl, ravine, Rosenbrock) and the curvature that sets their limits.
//! 2. A sweep of many learning rates, log-spaced from 1e-4 to 10, all advanced as one batch:
//!    steps to ε against η, the regime of every η, and the measured stability edge against
//!    the predicted `2/λmax`.
//! 3. Four runs per surface, one per regime, as trajectories and loss histories, each loss
//!    history diagnosed by [`crate::regimes::diagnose_with`].
//! 4. A real network: an MLP on Fashion-MNIST under plain SGD at four learning rates, with
//!    its curves, its log and the diagnosis of each run.
use std::path::{Path, PathBuf};

use tch::nn;
use tch::Device;

use super::Config;
use crate::data::fashion_mnist;
use crate::models::{Activation, Mlp};
use crate::optim::{Sgd, SgdConfig};
use crate::plot::{
    self, Band, BandChart, BandPanel, ContourFigure, ContourPanel, LineChart, Series, Trajectory,
};
use crate::regimes::{self, Diagnosis, Regime, Thresholds};
use crate::report::{fmt_sig, Cell, Report, Table};
use crate::surfaces::{self, Path2d, Surface, SweepOptions, SweepPoint};
use crate::train::{self, History, Loss, TrainConfig};
use crate::{Error, Result};

/// Lowest learning rate of the sweep.
pub const ETA_LO: f64 = 1e-4;
/// Highest learning rate of the sweep.
pub const ETA_HI: f64 = 10.0;
/// "Reached ε": `‖x_t − x*‖ ≤ ε·‖x_0 − x*‖`.
pub const EPS: f64 = 1e-4;
/// An η is *just right* when its steps to ε are within this factor of the fewest any η in
/// the sweep needs. Slower ones are *too small* below the fastest η and *oscillating* above.
pub const JUST_RIGHT_FACTOR: f64 = 3.0;
/// A run has blown up when its distance to the minimum exceeds this multiple of the start's.
pub const BLOWUP: f64 = 1e6;

/// The four learning rates shown on each surface, as multiples of its predicted edge
/// `2/λmax`, meant to be too small, just right, oscillating and diverging.
pub fn shown_multiples(surface: &Surface) -> [f64; 4] {
    match surface.name.as_str() {
        "bowl" => [0.02, 0.5, 0.9, 1.05],
        "ravine" => [0.02, 0.9, 0.99, 1.05],
        _ => [0.05, 0.9, 2.0, 4.0],
    }
}

/// Steps of a sweep (and of the shown runs) on each surface: Rosenbrock's flat valley
/// needs about ten thousand steps even at the best η.
pub fn sweep_steps(surface: &Surface) -> usize {
    match surface.name.as_str() {
        "rosenbrock" => 20_000,
        _ => 2_000,
    }
}

/// Steps recorded for the trajectory figures and the loss histories that get diagnosed.
pub fn path_steps(surface: &Surface) -> usize {
    match surface.name.as_str() {
        "bowl" => 60,
        "ravine" => 300,
        _ => 20_000,
    }
}

/// Sizes of the chapter.
#[derive(Clone, Debug)]
pub struct Ch2Config {
    /// Learning rates in the sweep (log-spaced from [`ETA_LO`] to [`ETA_HI`]).
    pub sweep_points: usize,
    /// The MLP runs.
    pub mlp: MlpConfig,
}

/// The real-network experiment's sizes.
#[derive(Clone, Debug)]
pub struct MlpConfig {
    /// Training examples (the first n of Fashion-MNIST's training set).
    pub train_examples: usize,
    /// Test examples.
    pub test_examples: usize,
    /// Hidden layer widths (ReLU).
    pub hidden: Vec<i64>,
    /// Epochs.
    pub epochs: usize,
    /// Minibatch size.
    pub batch_size: usize,
    /// The learning rates, meant to span the regimes.
    pub lrs: Vec<f64>,
    /// Evaluate on the test set every this many steps.
    pub eval_every: usize,
}

impl Ch2Config {
    /// The quick or the full configuration.
    pub fn for_config(quick: bool) -> Self {
        if quick {
            Ch2Config {
                sweep_points: 200,
                mlp: MlpConfig {
                    train_examples: 2000,
                    test_examples: 1000,
                    hidden: vec![64],
                    epochs: 3,
                    batch_size: 50,
                    lrs: MLP_LRS.to_vec(),
                    eval_every: 20,
                },
            }
        } else {
            Ch2Config {
                sweep_points: 1000,
                mlp: MlpConfig {
                    train_examples: 10_000,
                    test_examples: 5000,
                    hidden: vec![128],
                    epochs: 3,
                    batch_size: 100,
                    lrs: MLP_LRS.to_vec(),
                    eval_every: 50,
                },
            }
        }
    }
}

/// The MLP's learning rates, from too small to diverging.
pub const MLP_LRS: [f64; 4] = [0.0001, 0.05, 1.0, 8.0];

/// One surface's sweep and what it says.
#[derive(Debug, Clone)]
pub struct SurfaceSweep {
    /// The surface.
    pub surface: Surface,
    /// Every learning rate's outcome, in increasing η.
    pub points: Vec<SweepPoint>,
    /// Every learning rate's regime, from [`classify_sweep`].
    pub regimes: Vec<Regime>,
    /// The fastest learning rate and its steps to ε.
    pub best: (f64, usize),
    /// Measured stability edge: the largest η that reaches ε and the next η of the grid,
    /// which does not; the edge lies between.
    pub edge_bracket: (f64, f64),
    /// The smallest η that blew up, if any.
    pub first_blowup: Option<f64>,
}

impl SurfaceSweep {
    /// The measured edge, the geometric midpoint of the bracket (within half a grid step,
    /// 0.58% for 1000 points over five decades, of the true threshold).
    pub fn measured_edge(&self) -> f64 {
        (self.edge_bracket.0 * self.edge_bracket.1).sqrt()
    }
}

/// The four shown runs of one surface.
#[derive(Debug, Clone)]
pub struct ShownRuns {
    /// The surface.
    pub surface: Surface,
    /// The four recorded runs, in the order of [`shown_multiples`].
    pub paths: Vec<Path2d>,
    /// The sweep regime of each shown η (its own one-η sweep, same budget).
    pub sweep_regimes: Vec<Regime>,
    /// Steps to ε of each shown η.
    pub steps: Vec<SweepPoint>,
    /// The diagnosis of each recorded loss history (floor 0 known).
    pub diagnoses: Vec<Diagnosis>,
}

/// One MLP run.
#[derive(Debug, Clone)]
pub struct MlpRun {
    /// The learning rate.
    pub lr: f64,
    /// The training history.
    pub history: History,
    /// The diagnosis of its training-loss log (floor unknown).
    pub diagnosis: Diagnosis,
}

impl MlpRun {
    /// Test accuracy at the last evaluation.
    pub fn final_accuracy(&self) -> f64 {
        self.history
            .evals
            .last()
            .and_then(|e| e.accuracy)
            .unwrap_or(f64::NAN)
    }
}

/// Everything chapter 2 computes.
#[derive(Debug)]
pub struct Chapter2 {
    /// The tables the book shows and the tests pin.
    pub report: Report,
    /// One sweep per surface.
    pub sweeps: Vec<SurfaceSweep>,
    /// The four shown runs per surface.
    pub shown: Vec<ShownRuns>,
    /// The MLP runs.
    pub mlp: Vec<MlpRun>,
    /// The configuration.
    pub config: Ch2Config,
}

/// Runs the chapter with the sizes of `cfg.quick`.
pub fn run(cfg: &Config) -> Result<Chapter2> {
    run_with(cfg, &Ch2Config::for_config(cfg.quick))
}

/// Runs the chapter with explicit sizes.
pub fn run_with(cfg: &Config, cc: &Ch2Config) -> Result<Chapter2> {
    let mut report = Report::new("Chapter 2: the Goldilocks regimes");
    report.tables.push(surfaces_table());
    let mut sweeps = Vec::new();
    let mut shown = Vec::new();
    for s in Surface::all() {
        let sw = sweep_surface(&s, cc.sweep_points, cfg.device)?;
        shown.push(shown_runs(&s, &sw, cfg.device)?);
        sweeps.push(sw);
    }
    report.tables.push(edges_table(&sweeps));
    report.tables.push(bands_table(&sweeps));
    report.tables.push(shown_table(&shown));
    let mlp = mlp_runs(cfg, &cc.mlp)?;
    report.tables.push(mlp_table(&mlp, &cc.mlp));
    report.tables.push(mlp_log_table(&mlp));
    Ok(Chapter2 {
        report,
        sweeps,
        shown,
        mlp,
        config: cc.clone(),
    })
}

/// The surfaces and their curvature facts.
pub fn surfaces_table() -> Table {
    let mut t = Table::new(
        "surfaces",
        "The three surfaces: Hessian eigenvalues at the minimum and the learning rates they predict",
        &[
            "surface",
            "f(x, y)",
            "start",
            "λmin",
            "λmax",
            "κ = λmax/λmin",
            "edge 2/λmax",
            "2/(λmin+λmax)",
        ],
    );
    for s in Surface::all() {
        let c = s.curvature();
        t.push(vec![
            s.name.clone().into(),
            s.formula.clone().into(),
            format!("({}, {})", fmt_sig(s.start[0], 3), fmt_sig(s.start[1], 3)).into(),
            Cell::num(c.lambda_min, 4),
            Cell::num(c.lambda_max, 5),
            Cell::num(c.kappa(), 4),
            Cell::num(c.edge(), 4),
            Cell::num(c.balanced_step(), 4),
        ]);
    }
    t
}

fn sweep_options(surface: &Surface) -> SweepOptions {
    SweepOptions {
        max_steps: sweep_steps(surface),
        rel_tol: EPS,
        blowup: BLOWUP,
    }
}

// ANCHOR: classify_sweep
/// The regime of every η of a sweep (sorted by η), judged by its cost in steps:
/// blown up → diverged; within [`JUST_RIGHT_FACTOR`] of the fewest steps → just right;
/// otherwise (slower, or never settling within ε) too small below the fastest η and
/// oscillating above it.
pub fn classify_sweep(points: &[SweepPoint]) -> Result<(Vec<Regime>, (f64, usize))> {
    let best = points
        .iter()
        .filter_map(|p| p.steps_to_eps.map(|n| (p.eta, n)))
        .min_by(|a, b| a.1.cmp(&b.1).then(a.0.total_cmp(&b.0)))
        .ok_or_else(|| {
            Error::invalid(
                "sweep",
                "no learning rate reached ε within the budget",
                "Run more steps or widen the range of learning rates.",
            )
        })?;
    let limit = JUST_RIGHT_FACTOR * best.1 as f64;
    let regimes = points
        .iter()
        .map(|p| match (p.diverged_at, p.steps_to_eps) {
            (Some(_), _) => Regime::Diverged,
            (None, Some(n)) if n as f64 <= limit => Regime::JustRight,
            _ if p.eta < best.0 => Regime::TooSmall,
            _ => Regime::Oscillating,
        })
        .collect();
    Ok((regimes, best))
}
// ANCHOR_END: classify_sweep

/// Sweeps `n` log-spaced learning rates on `surface` as one batch and summarises it.
pub fn sweep_surface(surface: &Surface, n: usize, device: Device) -> Result<SurfaceSweep> {
    let etas = surfaces::log_spaced(ETA_LO, ETA_HI, n)?;
    let points = surfaces::sweep(surface, &etas, sweep_options(surface), device)?;
    summarise(surface, points)
}

/// The regimes, the fastest η and the measured edges of a finished sweep.
pub fn summarise(surface: &Surface, points: Vec<SweepPoint>) -> Result<SurfaceSweep> {
    let (regimes, best) = classify_sweep(&points)?;
    let i_best = points
        .iter()
        .position(|p| p.eta == best.0)
        .expect("best is a point");
    let fails = points[i_best..]
        .iter()
        .position(|p| p.steps_to_eps.is_none())
        .map(|k| k + i_best)
        .ok_or_else(|| {
            Error::invalid(
                "sweep",
                "every learning rate above the fastest one reached ε, so the edge is beyond the sweep",
                "Extend the sweep to larger learning rates.",
            )
        })?;
    let edge_bracket = (points[fails - 1].eta, points[fails].eta);
    let first_blowup = points
        .iter()
        .find(|p| p.diverged_at.is_some())
        .map(|p| p.eta);
    Ok(SurfaceSweep {
        surface: surface.clone(),
        points,
        regimes,
        best,
        edge_bracket,
        first_blowup,
    })
}

/// Predicted against measured stability edges.
pub fn edges_table(sweeps: &[SurfaceSweep]) -> Table {
    let n = sweeps.first().map_or(0, |s| s.points.len());
    let mut t = Table::new(
        "edges",
        &format!("Stability edge, predicted (2/λmax at the minimum) against measured by the sweep of {n} learning rates from {} to {} (ε = {}, budget per surface as shown)", fmt_sig(ETA_LO, 1), fmt_sig(ETA_HI, 2), fmt_sig(EPS, 1)),
        &[
            "surface",
            "steps budget",
            "predicted edge",
            "last η reaching ε",
            "first η not reaching ε",
            "measured edge",
            "measured / predicted",
            "first η that blows up",
            "fastest η",
            "its steps to ε",
        ],
    );
    for s in sweeps {
        let pred = s.surface.curvature().edge();
        t.push(vec![
            s.surface.name.clone().into(),
            sweep_steps(&s.surface).into(),
            Cell::num(pred, 4),
            Cell::num(s.edge_bracket.0, 4),
            Cell::num(s.edge_bracket.1, 4),
            Cell::num(s.measured_edge(), 4),
            Cell::num(s.measured_edge() / pred, 4),
            s.first_blowup.map_or("none".into(), |e| Cell::num(e, 4)),
            Cell::num(s.best.0, 4),
            s.best.1.into(),
        ]);
    }
    t
}

/// The η range of each regime on each surface.
pub fn bands_table(sweeps: &[SurfaceSweep]) -> Table {
    let mut t = Table::new(
        "regime_bands",
        &format!(
            "Regimes along the sweep: just right = within {}× the fewest steps to ε",
            fmt_sig(JUST_RIGHT_FACTOR, 2)
        ),
        &[
            "surface",
            "regime",
            "η from",
            "η to",
            "learning rates",
            "steps to ε",
        ],
    );
    for s in sweeps {
        for (regime, lo, hi) in bands(&s.regimes) {
            let pts = &s.points[lo..=hi];
            let steps: Vec<usize> = pts.iter().filter_map(|p| p.steps_to_eps).collect();
            let steps_cell: Cell = match (regime, steps.iter().min(), steps.iter().max()) {
                (Regime::Diverged, _, _) => "blows up".into(),
                (_, Some(a), Some(b)) if steps.len() == pts.len() => format!("{a} to {b}").into(),
                (_, Some(a), Some(b)) => {
                    format!("{a} to {b}, or not within {}", sweep_steps(&s.surface)).into()
                }
                _ => format!("not within {}", sweep_steps(&s.surface)).into(),
            };
            t.push(vec![
                s.surface.name.clone().into(),
                regime.name().into(),
                Cell::num(s.points[lo].eta, 4),
                Cell::num(s.points[hi].eta, 4),
                (hi - lo + 1).into(),
                steps_cell,
            ]);
        }
    }
    t
}

/// Runs of equal regime: `(regime, first index, last index)`.
pub fn bands(regimes: &[Regime]) -> Vec<(Regime, usize, usize)> {
    let mut out: Vec<(Regime, usize, usize)> = Vec::new();
    for (i, &r) in regimes.iter().enumerate() {
        match out.last_mut() {
            Some(last) if last.0 == r && last.2 + 1 == i => last.2 = i,
            _ => out.push((r, i, i)),
        }
    }
    out
}

/// The diagnosis thresholds for the surfaces: the defaults, with the floor 0 known.
pub fn surface_thresholds() -> Thresholds {
    Thresholds {
        floor: Some(0.0),
        ..Thresholds::default()
    }
}

/// The four shown runs of a surface: recorded paths, their regimes by the sweep's rule,
/// and the diagnosis of their loss histories.
pub fn shown_runs(surface: &Surface, sweep: &SurfaceSweep, device: Device) -> Result<ShownRuns> {
    let edge = surface.curvature().edge();
    let etas: Vec<f64> = shown_multiples(surface).iter().map(|m| m * edge).collect();
    let paths = surfaces::paths(surface, &etas, path_steps(surface), BLOWUP, device)?;
    let steps = surfaces::sweep(surface, &etas, sweep_options(surface), device)?;
    let limit = JUST_RIGHT_FACTOR * sweep.best.1 as f64;
    let sweep_regimes = steps
        .iter()
        .map(|p| match (p.diverged_at, p.steps_to_eps) {
            (Some(_), _) => Regime::Diverged,
            (None, Some(n)) if n as f64 <= limit => Regime::JustRight,
            _ if p.eta < sweep.best.0 => Regime::TooSmall,
            _ => Regime::Oscillating,
        })
        .collect();
    let diagnoses = paths
        .iter()
        .map(|p| regimes::diagnose_with(&p.losses, &surface_thresholds()))
        .collect::<Result<Vec<_>>>()?;
    Ok(ShownRuns {
        surface: surface.clone(),
        paths,
        sweep_regimes,
        steps,
        diagnoses,
    })
}

/// The shown runs: regime by the sweep's rule against the diagnosis of the loss alone.
pub fn shown_table(shown: &[ShownRuns]) -> Table {
    let mut t = Table::new(
        "shown_runs",
        "Four learning rates per surface: the regime by steps to ε, and the diagnosis of the loss history alone",
        &[
            "surface",
            "η",
            "η / edge",
            "steps to ε",
            "regime (sweep)",
            "steps logged",
            "diagnosis of the loss",
            "reason",
        ],
    );
    for s in shown {
        let edge = s.surface.curvature().edge();
        for k in 0..s.paths.len() {
            let p = &s.paths[k];
            t.push(vec![
                s.surface.name.clone().into(),
                Cell::num(p.eta, 4),
                Cell::num(p.eta / edge, 3),
                fate(&s.steps[k], sweep_steps(&s.surface)),
                s.sweep_regimes[k].name().into(),
                (p.losses.len() - 1).into(),
                s.diagnoses[k].regime.name().into(),
                s.diagnoses[k].reason.clone().into(),
            ]);
        }
    }
    t
}

fn fate(p: &SweepPoint, budget: usize) -> Cell {
    match (p.diverged_at, p.steps_to_eps) {
        (Some(n), _) => format!("blew up at step {n}").into(),
        (None, Some(n)) => n.into(),
        (None, None) => format!("not within {budget}").into(),
    }
}

/// Trains the MLP once per learning rate of `mc`, with the same seed and data order.
pub fn mlp_runs(cfg: &Config, mc: &MlpConfig) -> Result<Vec<MlpRun>> {
    let dir = match &cfg.data_dir {
        Some(d) => d.clone(),
        None => fashion_mnist::locate()?,
    };
    let raw = fashion_mnist::load_subset(&dir, mc.train_examples, mc.test_examples)?;
    let train_set = fashion_mnist::standardize(&raw.train).to_device(cfg.device);
    let test_set = fashion_mnist::standardize(&raw.test).to_device(cfg.device);
    let mut out = Vec::new();
    for &lr in &mc.lrs {
        crate::validate::learning_rate("MLP learning rate", lr)?;
        tch::manual_seed(cfg.seed as i64);
        let mut vs = nn::VarStore::new(Device::Cpu);
        let mut sizes = vec![784];
        sizes.extend(&mc.hidden);
        sizes.push(10);
        let model = Mlp::new(&vs.root(), &sizes, Activation::Relu)?;
        vs.set_device(cfg.device);
        let mut sgd = Sgd::new(vs.trainable_variables(), SgdConfig::default())?;
        // ANCHOR: mlp_train
        let mut constant = |_step: usize| lr;
        let history = train::train(
            &model,
            Loss::CrossEntropy,
            &mut sgd,
            &mut constant,
            &train_set,
            Some(&test_set),
            &TrainConfig {
                epochs: mc.epochs,
                batch_size: mc.batch_size,
                shuffle_seed: Some(cfg.seed),
                max_steps: None,
                blowup: Some(1e3),
                eval_every: Some(mc.eval_every),
                progress: false,
            },
        )?;
        let diagnosis = regimes::diagnose(&history.losses())?;
        // ANCHOR_END: mlp_train
        out.push(MlpRun {
            lr,
            history,
            diagnosis,
        });
    }
    Ok(out)
}

/// The MLP runs: outcome, diagnosis and reason.
pub fn mlp_table(runs: &[MlpRun], mc: &MlpConfig) -> Table {
    let mut t = Table::new(
        "mlp_runs",
        &format!(
            "MLP {} on {} Fashion-MNIST images, plain SGD, batch {}, {} epochs: the diagnosis of each training log",
            mlp_label(&mc.hidden),
            mc.train_examples,
            mc.batch_size,
            mc.epochs
        ),
        &[
            "η",
            "steps run",
            "outcome",
            "first loss",
            "last loss",
            "test accuracy",
            "diagnosis",
            "reason",
            "what to do",
        ],
    );
    for r in runs {
        let losses = r.history.losses();
        let outcome: Cell = match &r.history.outcome {
            train::Outcome::Completed => "completed".into(),
            train::Outcome::Diverged { step, loss } => {
                format!("stopped at step {step} (loss {})", fmt_sig(*loss, 3)).into()
            }
        };
        t.push(vec![
            Cell::num(r.lr, 3),
            losses.len().into(),
            outcome,
            Cell::num(losses[0], 4),
            Cell::num(*losses.last().expect("at least one step"), 4),
            Cell::num(r.final_accuracy(), 3),
            r.diagnosis.regime.name().into(),
            r.diagnosis.reason.clone().into(),
            r.diagnosis.regime.remedy().into(),
        ]);
    }
    t
}

/// What the logs look like: the training loss of each run at a few steps.
pub fn mlp_log_table(runs: &[MlpRun]) -> Table {
    let mut cols = vec!["step".to_string()];
    cols.extend(
        runs.iter()
            .map(|r| format!("loss at η = {}", fmt_sig(r.lr, 3))),
    );
    let col_refs: Vec<&str> = cols.iter().map(String::as_str).collect();
    let mut t = Table::new(
        "mlp_log",
        "The training log: minibatch loss at selected steps (— after a run stopped)",
        &col_refs,
    );
    let longest = runs
        .iter()
        .map(|r| r.history.steps.len())
        .max()
        .unwrap_or(0);
    let mut steps: Vec<usize> = vec![0, 1, 2, 3, 4, 5, 10, 20, 50];
    let mut k = 100;
    while k < longest {
        steps.push(k);
        k *= 2;
    }
    steps.push(longest.saturating_sub(1));
    steps.retain(|&s| s < longest);
    steps.dedup();
    for s in steps {
        let mut row: Vec<Cell> = vec![s.into()];
        for r in runs {
            row.push(
                r.history
                    .steps
                    .get(s)
                    .map_or("—".into(), |rec| Cell::num(rec.loss, 4)),
            );
        }
        t.push(row);
    }
    t
}

fn mlp_label(hidden: &[i64]) -> String {
    let mut sizes = vec!["784".to_string()];
    sizes.extend(hidden.iter().map(|h| h.to_string()));
    sizes.push("10".into());
    sizes.join("-")
}

/// The numbers the slider page needs, as JSON: each surface's formula coefficients, start,
/// window, predicted edge, the sweep's grid and budget, and Rust's measured results, so the
/// page can recompute them and the browser test can compare.
pub fn slider_json(sweeps: &[SurfaceSweep]) -> String {
    let mut out = String::from("{\"eta_lo\": ");
    out.push_str(&format!(
        "{:e}, \"eta_hi\": {:e}, \"points\": {}, \"eps\": {:e}, \"blowup\": {:e}, \"just_right_factor\": {}, \"surfaces\": [",
        ETA_LO,
        ETA_HI,
        sweeps.first().map_or(0, |s| s.points.len()),
        EPS,
        BLOWUP,
        JUST_RIGHT_FACTOR
    ));
    for (i, s) in sweeps.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let (kind, a, b, c) = match s.surface.kind {
            surfaces::SurfaceKind::Quadratic { a, b, c } => ("quadratic", a, b, c),
            surfaces::SurfaceKind::Rosenbrock => ("rosenbrock", 0.0, 0.0, 0.0),
        };
        let w = s.surface.window;
        let bands: Vec<String> = bands(&s.regimes)
            .iter()
            .map(|(r, lo, hi)| {
                format!(
                    "{{\"regime\": \"{}\", \"from\": {lo}, \"to\": {hi}}}",
                    r.name()
                )
            })
            .collect();
        let shown: Vec<String> = shown_multiples(&s.surface)
            .iter()
            .map(|m| format!("{:e}", m * s.surface.curvature().edge()))
            .collect();
        out.push_str(&format!(
            "{{\"name\": \"{}\", \"formula\": \"{}\", \"kind\": \"{kind}\", \"a\": {a:e}, \"b\": {b:e}, \"c\": {c:e}, \"start\": [{:e}, {:e}], \"minimizer\": [{:e}, {:e}], \"window\": [{:e}, {:e}, {:e}, {:e}], \"steps\": {}, \"predicted_edge\": {:e}, \"measured_edge\": {:e}, \"best_eta\": {:e}, \"best_steps\": {}, \"shown\": [{}], \"bands\": [{}]}}",
            s.surface.name,
            s.surface.formula,
            s.surface.start[0],
            s.surface.start[1],
            s.surface.minimizer()[0],
            s.surface.minimizer()[1],
            w.0, w.1, w.2, w.3,
            sweep_steps(&s.surface),
            s.surface.curvature().edge(),
            s.measured_edge(),
            s.best.0,
            s.best.1,
            shown.join(", "),
            bands.join(", "),
        ));
    }
    out.push_str("]}\n");
    out
}

// ---------------------------------------------------------------------------------------
// Figures

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

/// The four runs of a surface as a 2 x 2 contour figure, one run per panel.
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
    let mut written = Vec::new();
    for shown in &ch.shown {
        let path = dir.join(format!("paths_{}.svg", shown.surface.name));
        let height = |x: f64, y: f64| shown.surface.value(x, y);
        paths_figure(shown, &height).save_svg(&path)?;
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
        .size(520, 380);
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
    let path = dir.join("surface_losses.svg");
    plot::save_panels_svg(&panels, 3, &path)?;
    written.push(path);

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
    let path = dir.join("mlp_curves.svg");
    plot::save_panels_svg(&[loss.clone(), acc.clone()], 2, &path)?;
    written.push(path);
    written.push(plot::save_figure(&loss, dir, "mlp_loss")?.1);
    written.push(plot::save_figure(&acc, dir, "mlp_accuracy")?.1);
    Ok(written)
}
