//! "Four runs per surface": a too-small, a just-right, an oscillating and a diverging
//! learning rate on each surface, recorded step by step from the same start.
use tch::Device;

use super::diagnosis::surface_thresholds;
use super::sweep::{regime_of, sweep_options, SurfaceSweep, BLOWUP};
use crate::regimes::{self, Diagnosis, Regime};
use crate::surfaces::{self, Path2d, Surface, SweepPoint};
use crate::Result;

/// The four learning rates shown on each surface, as multiples of its predicted edge
/// `2/λmax`, meant to be too small, just right, oscillating and diverging.
pub fn shown_multiples(surface: &Surface) -> [f64; 4] {
    match surface.name.as_str() {
        "bowl" => [0.02, 0.5, 0.9, 1.05],
        "ravine" => [0.02, 0.9, 0.99, 1.05],
        _ => [0.05, 0.9, 2.0, 4.0],
    }
}

/// The four shown learning rates of `surface`: [`shown_multiples`] times its edge `2/λmax`.
pub fn shown_etas(surface: &Surface) -> Vec<f64> {
    let edge = surface.curvature().edge();
    shown_multiples(surface).iter().map(|m| m * edge).collect()
}

/// Steps recorded for the trajectory figures and the loss histories that get diagnosed.
pub fn path_steps(surface: &Surface) -> usize {
    match surface.name.as_str() {
        "bowl" => 60,
        "ravine" => 300,
        _ => 20_000,
    }
}

/// The four shown runs of one surface.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
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

/// The four shown runs of a surface: recorded paths, their regimes by the sweep's rule,
/// and the diagnosis of their loss histories.
pub fn shown_runs(surface: &Surface, sweep: &SurfaceSweep, device: Device) -> Result<ShownRuns> {
    let etas = shown_etas(surface);
    let paths = surfaces::paths(surface, &etas, path_steps(surface), BLOWUP, device)?;
    let steps = surfaces::sweep(surface, &etas, sweep_options(surface), device)?;
    let sweep_regimes = steps.iter().map(|p| regime_of(p, sweep.best)).collect();
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
