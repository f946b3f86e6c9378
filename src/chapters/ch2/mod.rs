//! Chapter 2 — the Goldilocks regimes. One file per section of `book/src/ch2-goldilocks.md`:
//!
//! 1. [`curvature`]: three surfaces (bowl, ravine, Rosenbrock) and the curvature that sets
//!    their limits.
//! 2. [`sweep`]: many learning rates, log-spaced from 1e-4 to 10, advanced as one batch:
//!    steps to ε against η, the regime of every η, the measured stability edge against the
//!    predicted `2/λmax`.
//! 3. [`four_runs`]: four runs per surface, one per regime, as trajectories and losses;
//!    [`diagnosis`]: what each loss history alone says, by [`crate::regimes::diagnose_with`].
//! 4. [`real_network`]: an MLP on Fashion-MNIST under plain SGD at four learning rates, its
//!    curves, its log and the diagnosis of each run.
//! 5. [`slider`]: the data of the page's slider.
//!
//! [`figures`] draws them; [`exercises`] holds the two exercises. This file holds the
//! configuration and the run order.
pub mod curvature;
pub mod diagnosis;
pub mod exercises;
pub mod figures;
pub mod four_runs;
pub mod real_network;
pub mod slider;
pub mod sweep;

pub use curvature::surfaces_table;
pub use diagnosis::{shown_table, surface_thresholds};
pub use figures::draw_figures;
pub use four_runs::{path_steps, shown_multiples, shown_runs, ShownRuns};
pub use real_network::{mlp_log_table, mlp_runs, mlp_table, MlpConfig, MlpRun, MLP_LRS};
pub use slider::slider_json;
pub use sweep::{
    bands, bands_table, classify_sweep, edges_table, summarise, sweep_steps, sweep_surface,
    SurfaceSweep, BLOWUP, EPS, ETA_HI, ETA_LO, JUST_RIGHT_FACTOR,
};

use std::path::{Path, PathBuf};

use super::chapter::Chapter;
use super::Config;
use crate::experiment::MlpSetup;
use crate::report::Report;
use crate::surfaces::Surface;
use crate::Result;

/// Sizes of the chapter.
#[derive(Clone, Debug)]
pub struct Ch2Config {
    /// Learning rates in the sweep (log-spaced from [`ETA_LO`] to [`ETA_HI`]).
    pub sweep_points: usize,
    /// The MLP runs.
    pub mlp: MlpConfig,
}

impl Ch2Config {
    /// The quick or the full configuration.
    pub fn for_config(quick: bool) -> Self {
        if quick {
            Ch2Config {
                sweep_points: 200,
                mlp: MlpConfig {
                    setup: MlpSetup::new(2000, 1000, &[64], 3, 50),
                    lrs: MLP_LRS.to_vec(),
                    eval_every: 20,
                },
            }
        } else {
            Ch2Config {
                sweep_points: 1000,
                mlp: MlpConfig {
                    setup: MlpSetup::new(10_000, 5000, &[128], 3, 100),
                    lrs: MLP_LRS.to_vec(),
                    eval_every: 50,
                },
            }
        }
    }
}

/// Everything chapter 2 computes.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Chapter2 {
    /// The tables the book shows and the tests pin.
    pub report: Report,
    /// One sweep per surface.
    pub sweeps: Vec<SurfaceSweep>,
    /// The four shown runs per surface.
    pub shown: Vec<ShownRuns>,
    /// The MLP runs.
    pub mlp: Vec<MlpRun>,
}

/// Runs the chapter with the sizes of `cfg.quick`.
pub fn run(cfg: &Config) -> Result<Chapter2> {
    run_with(cfg, &Ch2Config::for_config(cfg.quick))
}

/// Runs the chapter with explicit sizes, section by section, in the book's order.
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
    })
}

/// Too small, just right, oscillating, diverged: on toy surfaces and on a real network.
/// Sweeps a thousand learning rates on three surfaces (as one batch each), shows four runs
/// per surface, trains an MLP on Fashion-MNIST at four learning rates and diagnoses every
/// loss history; writes the tables, figures and the slider's data to the book.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct Flags {
    /// Learning rates in each surface's sweep, up to 10000 (default 200 with --quick, else
    /// 1000).
    #[arg(long, value_name = "N")]
    pub sweep_points: Option<usize>,
}

impl Chapter for Flags {
    const NAME: &'static str = "ch2_goldilocks";
    type Output = Chapter2;

    fn run(&self, cfg: &Config) -> Result<Chapter2> {
        let mut cc = Ch2Config::for_config(cfg.quick);
        if let Some(n) = self.sweep_points {
            cc.sweep_points =
                crate::validate::count_in("--sweep-points", n, crate::validate::MAX_GRID)?;
        }
        run_with(cfg, &cc)
    }

    fn report(chapter: &Chapter2) -> &Report {
        &chapter.report
    }

    /// The figures, and the slider's data as `slider.json` in the generated folder.
    fn write_figures(chapter: &Chapter2, figures: &Path, generated: &Path) -> Result<Vec<PathBuf>> {
        let written = draw_figures(chapter, figures)?;
        let json = slider_json(&chapter.sweeps);
        crate::plot::write_file(&generated.join("slider.json"), json.as_bytes())?;
        Ok(written)
    }
}
