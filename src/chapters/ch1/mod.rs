//! Chapter 1 — quadratic convergence. One file per section of `book/src/ch1-quadratic.md`:
//!
//! - [`mod@one_dimension`]: gradient descent on `½a(θ−θ*)²` multiplies the error by `1 − ηa`;
//! - [`how_many_steps`]: iterations to a tolerance against `η`, measured and in closed form;
//! - [`many_dimensions`]: the stability edge `2/λmax` and the best step `2/(λmax+λmin)`;
//! - [`momentum`]: the rates `(κ−1)/(κ+1)` of gradient descent and `(√κ−1)/(√κ+1)` of heavy ball;
//! - [`sharpness`]: the sharpness of a tanh MLP trained by full-batch gradient descent rises
//!   until it hovers near `2/η` (the edge of stability).
//!
//! The sub-page `book/src/ch1-momentum-map.md` is its own example, `ch1_momentum_map`:
//! [`momentum_map`] (the rate over the (η, β) plane, its edges and the named tunings),
//! [`momentum_lessard`] (heavy ball against Nesterov on Lessard et al.'s function),
//! [`momentum_noise`] (momentum's noise floor against SGD at η/(1−β)) and
//! [`momentum_figures`].
//!
//! [`figures`] draws the chapter's figures and [`exercises`] solves its exercises.
use std::path::{Path, PathBuf};

use crate::quadratic::{SweepPoint, Trajectory};
use crate::report::Report;
use crate::Result;

use super::chapter::Chapter;
use super::Config;

pub mod exercises;
pub mod figures;
pub mod how_many_steps;
pub mod many_dimensions;
pub mod momentum;
pub mod momentum_figures;
pub mod momentum_lessard;
pub mod momentum_map;
pub mod momentum_noise;
pub mod one_dimension;
pub mod sharpness;

pub use figures::draw_figures;
pub use how_many_steps::iterations_vs_eta_1d;
pub use many_dimensions::{rotated_quadratic, stability_edge_nd, NdSweep};
pub use momentum::rates_vs_kappa;
pub use one_dimension::one_dimension;
pub use sharpness::{
    edge_of_stability, sharpness_run, standardize_pixels, SharpnessConfig, SharpnessRun,
};

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
#[derive(Debug, serde::Serialize, serde::Deserialize)]
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

/// Gradient descent on quadratics: the factor 1 − ηa, the stability edge 2/λmax, the best
/// step 2/(λmax+λmin), momentum, and the sharpness of a real network against 2/η.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct Flags {
    /// Learning rates of the sharpness experiment, comma-separated (default: 0.1,0.2 with
    /// --quick, else 0.05,0.1,0.2).
    #[arg(long, value_delimiter = ',', value_name = "ETA,...")]
    pub etas: Option<Vec<f64>>,
}

impl Chapter for Flags {
    const NAME: &'static str = "ch1_quadratic";
    type Output = Chapter1;

    fn run(&self, cfg: &Config) -> Result<Chapter1> {
        let mut sharpness = SharpnessConfig::for_config(cfg.quick);
        if let Some(etas) = &self.etas {
            crate::validate::list_len("--etas", etas)?;
            for &eta in etas {
                crate::validate::learning_rate("--etas", eta)?;
            }
            sharpness.etas = etas.clone();
        }
        run_with(cfg, &sharpness)
    }

    fn report(chapter: &Chapter1) -> &Report {
        &chapter.report
    }

    fn write_figures(chapter: &Chapter1, figures: &Path, _: &Path) -> Result<Vec<PathBuf>> {
        draw_figures(chapter, figures)
    }
}
