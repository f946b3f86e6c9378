//! "Diagnosing a loss history": what [`crate::regimes::diagnose_with`] says about each
//! shown run from its loss alone, against the regime its steps to ε give it.
use super::four_runs::ShownRuns;
use super::sweep::sweep_steps;
use crate::regimes::Thresholds;
use crate::report::{Cell, Table};
use crate::surfaces::SweepPoint;

/// The diagnosis thresholds for the surfaces: the defaults, with the floor 0 known.
pub fn surface_thresholds() -> Thresholds {
    Thresholds {
        floor: Some(0.0),
        ..Thresholds::default()
    }
}

/// The shown runs: regime by the sweep's rule against the diagnosis of the loss alone.
pub fn shown_table(shown: &[ShownRuns]) -> Table {
    let mut t = crate::table!(
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
