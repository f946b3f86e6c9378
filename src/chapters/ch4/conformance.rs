//! "The optimizers, and proof that they are PyTorch's": every update rule of
//! [`crate::optim`] replayed against `torch.optim` ([`crate::optim::fixture`]), summarised
//! per rule.
use std::path::Path;

use crate::optim::fixture::{max_or_nan, replay_fixture, Replay, FIXTURE};
use crate::optim::Variant;
use crate::report::{Cell, Table};
use crate::Result;

/// Replays the fixture and tabulates it.
pub fn conformance() -> Result<Table> {
    Ok(conformance_table(&replay_fixture(Path::new(FIXTURE))?))
}

/// A deviation shown as a bound at decade resolution ("≤ 1e-14"), since its exact digits
/// are rounding noise.
fn deviation_cell(x: f64) -> Cell {
    if x == 0.0 {
        return Cell::from("0 (bit for bit)");
    }
    if !x.is_finite() {
        return Cell::Text(format!("{x} (diverged from PyTorch)"));
    }
    let decade = x.log10().ceil() as i32;
    Cell::Text(format!("≤ 1e-{}", -decade))
}

/// The conformance summary: per update rule, the cases and the worst deviation.
pub fn conformance_table(replays: &[Replay]) -> Table {
    let mut table = crate::table!(
        "conformance",
        "Every update rule against torch.optim 2.13: 50 steps per case on a small f64 model; deviation = max over steps of max |θ − θ_torch| / max |θ_torch|",
        &[
            "update rule",
            "cases",
            "steps",
            "worst relative deviation",
            "within 1e-10?",
        ],
    );
    let mut variants: Vec<Variant> = Vec::new();
    for r in replays {
        if !variants.contains(&r.variant()) {
            variants.push(r.variant());
        }
    }
    for v in variants {
        let rs: Vec<&Replay> = replays.iter().filter(|r| r.variant() == v).collect();
        let worst = rs.iter().map(|r| r.worst_relative).fold(0.0, max_or_nan);
        table.push(vec![
            Cell::from(v.name()),
            Cell::from(rs.len()),
            Cell::from(rs.iter().map(|r| r.steps).sum::<usize>()),
            deviation_cell(worst),
            Cell::from(if worst <= 1e-10 { "yes" } else { "NO" }),
        ]);
    }
    table
}
