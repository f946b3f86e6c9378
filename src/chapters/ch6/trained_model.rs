//! "The finder on a trained model": the range test on the first setup after it has trained
//! for the budget at its best grid rate, next to the fresh model's. The curve is flat, and
//! every rule refuses to read it.
use tch::Device;

use super::four_rules::{rule_table, suggestion_cells};
use super::grid_search::{train_for_budget, Plan, SetupResult};
use super::procedure::run_finder;
use super::reading_curve::Setup;
use super::FinderConfig;
use crate::data::fashion_mnist::FashionMnist;
use crate::finder::{RangeTestResult, SuggestOptions};
use crate::report::{fmt_sig, Cell, Table};
use crate::Result;

/// The range test on a model already trained for the budget at its best grid LR, next to
/// the fresh model's.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct TrainedModel {
    /// The setup (the first one).
    pub setup: Setup,
    /// The LR it was trained at.
    pub trained_at: f64,
    /// The range test on the fresh model.
    pub fresh: RangeTestResult,
    /// The range test on the trained model.
    pub trained: RangeTestResult,
}

/// Trains the first setup at its best grid LR for the budget, then runs the range test.
pub fn trained_model(
    fc: &FinderConfig,
    data: &FashionMnist,
    first: &SetupResult,
    device: Device,
) -> Result<TrainedModel> {
    let setup = first.setup;
    let seed = fc.seeds[0];
    let lr = first.best_grid().0;
    let (vs, net, _) = train_for_budget(
        fc,
        setup,
        Plan::Constant(lr),
        seed,
        device,
        &data.train,
        None,
    )?;
    let trained = run_finder(fc, setup, &vs, &net, &data.train, seed)?;
    Ok(TrainedModel {
        setup,
        trained_at: lr,
        fresh: first.finder.clone(),
        trained,
    })
}

/// The loss at the start of the usable curve, its minimum, and each rule's verdict, for the
/// fresh and the trained model.
pub fn trained_table(tm: &TrainedModel, fc: &FinderConfig) -> Table {
    let mut t = rule_table(
        "trained_model",
        &format!(
            "{}: the range test on a fresh model and on one trained for {} steps at η = {}",
            tm.setup.name(),
            fc.budget,
            fmt_sig(tm.trained_at, 2)
        ),
        &[
            "model",
            "smoothed loss where the rules start reading",
            "lowest smoothed loss the rules read",
            "relative drop",
        ],
        &[],
    );
    for (name, r) in [("fresh", &tm.fresh), ("trained", &tm.trained)] {
        // The part of the curve the rules read (see `finder::SuggestOptions`).
        let s = r.smoothed();
        let window = r.window(&SuggestOptions::default());
        let (start, end) = (window.start, window.end.max(window.start + 1));
        let first = s[start];
        let min = s[start..end].iter().copied().fold(f64::INFINITY, f64::min);
        let mut row = vec![
            Cell::from(name),
            Cell::num(first, 3),
            Cell::num(min, 3),
            Cell::num((first - min) / first.abs(), 2),
        ];
        row.extend(suggestion_cells(r));
        t.push(row);
    }
    t
}
