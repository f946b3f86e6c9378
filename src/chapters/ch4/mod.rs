//! Chapter 4 — momentum and adaptive methods. One file per section of
//! `book/src/ch4-adaptive.md`:
//!
//! 1. [`conformance`]: every update rule of [`crate::optim`] replayed against `torch.optim`.
//! 2. [`ravine`]: gradient descent, heavy ball and Nesterov at their tuned settings,
//!    measured against chapter 1's rates.
//! 3. [`adagrad_to_adam`]: the per-parameter effective learning rate of AdaGrad, RMSProp
//!    and Adam for a parameter with large and one with small gradients; Adam's bias
//!    correction.
//! 4. [`sparse_features`]: where AdaGrad's per-parameter rates beat SGD, measured.
//! 5. [`sensitivity`]: final loss against the base LR for SGD, momentum and Adam on the
//!    Fashion-MNIST MLP, and the width of each one's good band.
//! 6. [`optimizer_state`]: state memory per parameter, measured.
//! 7. [`adamw`]: AdamW against Adam with L2.
use crate::experiment::MlpSetup;
use crate::report::Report;
use crate::Result;

use std::path::{Path, PathBuf};

use super::chapter::Chapter;
use super::Config;

pub mod adagrad_to_adam;
pub mod adam_fixes;
pub mod adam_knobs;
mod adam_knobs_figures;
pub mod adam_knobs_steps;
pub mod adamw;
pub mod conformance;
pub mod exercises;
mod figures;
pub mod optimizer_state;
pub mod ravine;
pub mod sensitivity;
pub mod sgd_vs_adam;
pub mod sparse_features;

pub use adagrad_to_adam::EffectiveLrRun;
pub use figures::draw_figures;
pub use ravine::RavineRun;
pub use sensitivity::Sensitivity;

/// The Fashion-MNIST experiment of the sensitivity sweep and of the AdamW experiment.
#[derive(Clone, Debug)]
pub struct NetConfig {
    /// Subset, network, epochs and batch size.
    pub mlp: MlpSetup,
    /// Base learning rates swept.
    pub lrs: Vec<f64>,
    /// Weight decays of the AdamW experiment.
    pub decays: Vec<f64>,
    /// Seeds of the sensitivity sweep; each point is the mean final loss over them.
    pub seeds: Vec<u64>,
}

impl NetConfig {
    /// The quick or the full sizes.
    pub fn for_config(quick: bool) -> Self {
        let lrs = (0..=8).map(|i| 10f64.powf(-4.0 + 0.5 * i as f64)).collect();
        if quick {
            NetConfig {
                mlp: MlpSetup::new(2000, 1000, &[64], 2, 100),
                lrs,
                decays: vec![1e-3, 1e-1],
                seeds: vec![0],
            }
        } else {
            NetConfig {
                mlp: MlpSetup::new(20_000, 5000, &[128], 3, 100),
                lrs,
                decays: vec![1e-4, 1e-3, 1e-2, 1e-1],
                seeds: vec![0, 1, 2],
            }
        }
    }
}

/// Everything chapter 4 computes.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Chapter4 {
    /// The tables.
    pub report: Report,
    /// The ravine runs at κ = 100.
    pub ravine: Vec<RavineRun>,
    /// Effective learning rates over time.
    pub effective: Vec<EffectiveLrRun>,
    /// The sensitivity sweeps.
    pub sensitivity: Vec<Sensitivity>,
}

/// Runs the chapter with the sizes of `cfg.quick`, section by section.
pub fn run(cfg: &Config) -> Result<Chapter4> {
    let nc = NetConfig::for_config(cfg.quick);
    let mut report = Report::new("Chapter 4: momentum and adaptive methods");
    report.tables.push(conformance::conformance()?);
    let (ravine_t, ravine) = ravine::ravine_table(&ravine::RAVINE_KAPPAS)?;
    report.tables.push(ravine_t);
    let steps = if cfg.quick { 200 } else { 1000 };
    let effective = adagrad_to_adam::effective_lr_runs(steps, cfg.seed)?;
    report
        .tables
        .push(adagrad_to_adam::effective_lr_table(&effective));
    report
        .tables
        .push(adagrad_to_adam::bias_correction_demo(0.9, 0.999, 8)?);
    let problem = sparse_features::SparseProblem::default();
    report
        .tables
        .push(sparse_features::sparse_table(&problem, cfg.seed, "sparse")?);
    let data = nc.mlp.load_data(cfg.data_dir.as_deref(), cfg.device)?;
    let sensitivity = sensitivity::sensitivity(cfg, &nc, &data)?;
    report
        .tables
        .push(sensitivity::sensitivity_table(&sensitivity, &nc));
    report
        .tables
        .push(sensitivity::sensitivity_spread_table(&sensitivity, &nc)?);
    report.tables.push(optimizer_state::memory_table()?);
    report.tables.push(adamw::adamw_table(cfg, &nc, &data)?);
    Ok(Chapter4 {
        report,
        ravine,
        effective,
        sensitivity,
    })
}

/// Every optimizer written on tch tensors, checked against PyTorch, and what each one does
/// to the learning rate: the conformance summary against torch.optim, the ravine, the
/// effective learning rates, bias correction, the sparse problem, the sensitivity bands, the
/// state memory and AdamW against Adam + L2.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct Flags {}

impl Chapter for Flags {
    const NAME: &'static str = "ch4_adaptive";
    type Output = Chapter4;

    fn run(&self, cfg: &Config) -> Result<Chapter4> {
        run(cfg)
    }

    fn report(chapter: &Chapter4) -> &Report {
        &chapter.report
    }

    fn write_figures(chapter: &Chapter4, figures: &Path, _: &Path) -> Result<Vec<PathBuf>> {
        draw_figures(chapter, figures)
    }
}
