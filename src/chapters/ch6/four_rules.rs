//! "Four rules for reading a learning rate off the curve": each rule's suggestion on each
//! setup's curve (the rules themselves are in [`crate::finder`]), and where the test stopped.
use super::grid_search::SetupResult;
use super::FinderConfig;
use crate::finder::{RangeTestResult, Rule, Stop};
use crate::report::{fmt_sig, Cell, Table};

/// A rule's suggested learning rate, or why it has none (the error's text).
pub type Suggested = std::result::Result<f64, String>;

/// Each rule's suggestion on `finder`'s curve, in [`Rule::ALL`]'s order.
pub fn suggestions(finder: &RangeTestResult) -> Vec<(Rule, Suggested)> {
    finder
        .suggestions()
        .into_iter()
        .map(|(r, s)| (r, s.map(|s| s.lr).map_err(|e| e.to_string())))
        .collect()
}

/// A suggestion as a table cell: the learning rate, or why there is none.
pub fn lr_cell(s: &Suggested) -> Cell {
    match s {
        Ok(lr) => Cell::num(*lr, 2),
        Err(e) if e.contains("no descent") => Cell::from("none: no descent"),
        Err(e) if e.contains("too few points") => Cell::from("none: too few points"),
        Err(_) => Cell::from("none"),
    }
}

/// Each rule's suggestion on `finder`'s curve as cells, one per rule.
pub fn suggestion_cells(finder: &RangeTestResult) -> Vec<Cell> {
    suggestions(finder)
        .iter()
        .map(|(_, s)| lr_cell(s))
        .collect()
}

/// A table whose columns are `before`, one per rule (named after it), then `after`.
pub fn rule_table(id: &str, caption: &str, before: &[&str], after: &[&str]) -> Table {
    let mut cols: Vec<&str> = before.to_vec();
    cols.extend(Rule::ALL.iter().map(|r| r.name()));
    cols.extend(after);
    crate::table!(id, caption, &cols)
}

fn stop_cell(r: &RangeTestResult) -> Cell {
    match r.stop {
        Stop::Diverged { step, .. } => Cell::Text(format!(
            "η = {} (step {step})",
            fmt_sig(r.points[step].lr, 2)
        )),
        Stop::Completed => Cell::from("did not diverge"),
        Stop::DataExhausted { step } => Cell::Text(format!("data ran out at step {step}")),
    }
}

/// Each setup's suggestions, and where its range test stopped.
pub fn suggestions_table(results: &[SetupResult], fc: &FinderConfig) -> Table {
    let mut t = rule_table(
        "suggestions",
        &format!(
            "Suggested learning rates: range test from η = {} to {} over {} steps of {} examples, \
             smoothed with β = 0.98 (bias-corrected), stopped at 4× the best smoothed loss",
            fmt_sig(fc.start_lr, 2),
            fmt_sig(fc.end_lr, 2),
            fc.iterations,
            fc.batch_size
        ),
        &["setup"],
        &["stopped (diverged) at"],
    );
    for r in results {
        let mut row = vec![Cell::from(r.setup.name())];
        row.extend(r.suggestions.iter().map(|(_, s)| lr_cell(s)));
        row.push(stop_cell(&r.finder));
        t.push(row);
    }
    t
}
