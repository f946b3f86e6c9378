//! # lrbook — *The Learning Rate: a tested Rust companion*
//!
//! The library behind the book. Every chapter's experiment lives in [`chapters`], so the
//! runnable example, the snapshot test and the book page all use the same code. The other
//! modules are useful on their own to any [`tch`] user:
//!
//! | module | what it gives you | chapter |
//! |---|---|---|
//! | [`device`] | `--device auto\|cpu\|cuda`, seeding, thread count | all |
//! | [`report`] | tables rounded to significant digits, rendered as markdown | all |
//! | [`plot`] | one house style and one font for SVG figures, contour plots with trajectories, band charts and GIF animations; skips non-finite points | all |
//! | [`data`] | Fashion-MNIST (IDX `.gz`) and small synthetic sets | 1, 2, 5, 6 |
//! | [`models`] | linear models, MLPs and a small CNN on `tch::nn` | 1, 2, 5, 6 |
//! | [`optim`] | SGD, AdaGrad, RMSProp, Adam/AdamW/AMSGrad, Adamax, NAdam, RAdam on tch tensors, PyTorch-exact; LARS and LAMB, timm-exact; the [`optim::Optimizer`] trait takes each step's LR; a typed registry built from PyTorch-style arguments | 1–6 |
//! | [`schedule`] | every PyTorch LR scheduler (exact), warmup, composition, plateau; `apply` to a tch optimizer | 3 |
//! | [`checkpoint`] | save a run (model, optimizer state, schedule position, plateau scheduler) and resume it bit for bit | — |
//! | [`train`] | a training loop with history and a divergence guard | 1, 2, 5, 6 |
//! | [`batch`] | LR scaling rules, gradient noise, McCandlish's noise scale and critical batch, the steps/examples trade-off | 5 |
//! | [`grid`] | log-spaced learning-rate grids, by count or by step in decades | 2, 4, 5, 6 |
//! | [`experiment`] | the Fashion-MNIST MLP set-up (subset sizes, seeded network) chapters 2–6 share | 2–6 |
//! | [`finder`] | the LR range test, restoring the model, and fastai's four suggestion rules | 6 |
//! | [`quadratic`] | closed forms and gradient descent on quadratics, with momentum | 1 |
//! | [`surfaces`] | bowl, ravine and Rosenbrock with autograd; many learning rates as one batch | 2 |
//! | [`regimes`] | diagnose a loss history: too small, just right, oscillating or diverged | 2 |
//! | [`hessian`] | Hessian-vector products and sharpness by power iteration | 1 |
//! | [`cli`] | the flags every chapter example shares | all |
//! | [`output`] | atomic output: staged files renamed into place, a manifest per run | all |
#![warn(missing_docs)]
#![allow(clippy::needless_range_loop)]

pub mod batch;
pub mod chapters;
pub mod checkpoint;
pub mod cli;
pub mod data;
pub mod device;
mod error;
pub mod experiment;
pub mod finder;
pub mod grid;
pub mod hessian;
pub mod models;
pub mod noisy_quadratic;
pub mod optim;
pub mod output;
pub mod plot;
pub mod provenance;
pub mod quadratic;
pub mod regimes;
pub mod report;
pub mod run_cache;
pub mod schedule;
pub mod stats;
pub mod surfaces;
pub mod train;
pub mod validate;

pub use error::{Error, Result};

/// Records a check that a test skipped, with why, in `target/test-skips.txt`: `make test`
/// prints that file at its end, so that no skip is silent (the test harness hides a passing
/// test's output). For this crate's own tests, unit and integration; not part of the API.
#[doc(hidden)]
pub fn record_skip(test: &str, why: &str) {
    use std::io::Write;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-skips.txt");
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = writeln!(f, "{test}: {why}");
    }
}

/// The README's code blocks, compiled and run as doc tests so that they stay true.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
