//! "A thousand learning rates at once": the batched sweep of every surface, the regime of
//! each learning rate (by its steps to ε), the measured stability edge, and their tables.
use tch::Device;

use crate::grid::log_spaced;
use crate::regimes::Regime;
use crate::report::{fmt_sig, Cell, Table};
use crate::surfaces::{self, Surface, SweepOptions, SweepPoint};
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

/// Steps of a sweep (and of the shown runs) on each surface: Rosenbrock's flat valley
/// needs about ten thousand steps even at the best η.
pub fn sweep_steps(surface: &Surface) -> usize {
    match surface.name.as_str() {
        "rosenbrock" => 20_000,
        _ => 2_000,
    }
}

/// One surface's sweep and what it says.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
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

pub(super) fn sweep_options(surface: &Surface) -> SweepOptions {
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
                "Give the sweep more steps or more learning rates (the examples' --steps, --points \
                 or --sweep-points).",
            )
        })?;
    let regimes = points.iter().map(|p| regime_of(p, best)).collect();
    Ok((regimes, best))
}

/// The regime of one swept η, given the sweep's fastest `(η, steps)`.
pub fn regime_of(p: &SweepPoint, best: (f64, usize)) -> Regime {
    match (p.diverged_at, p.steps_to_eps) {
        (Some(_), _) => Regime::Diverged,
        (None, Some(n)) if n as f64 <= JUST_RIGHT_FACTOR * best.1 as f64 => Regime::JustRight,
        _ if p.eta < best.0 => Regime::TooSmall,
        _ => Regime::Oscillating,
    }
}
// ANCHOR_END: classify_sweep

/// Sweeps `n` log-spaced learning rates on `surface` as one batch and summarises it.
pub fn sweep_surface(surface: &Surface, n: usize, device: Device) -> Result<SurfaceSweep> {
    sweep_surface_for(surface, n, sweep_steps(surface), device)
}

/// [`sweep_surface`] with a step budget of `max_steps` per η.
pub fn sweep_surface_for(
    surface: &Surface,
    n: usize,
    max_steps: usize,
    device: Device,
) -> Result<SurfaceSweep> {
    let etas = log_spaced(ETA_LO, ETA_HI, n)?;
    let options = SweepOptions {
        max_steps,
        ..sweep_options(surface)
    };
    summarise(surface, surfaces::sweep(surface, &etas, options, device)?)
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
    let mut t = crate::table!(
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
    let mut t = crate::table!(
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
