//! "From the finder to one-cycle": one-cycle (chapter 3) with its peak set from the range
//! test, at a rule's suggestion and at the η of the loss minimum, against the best constant
//! η of the grid.
use tch::Device;

use super::grid_search::{mean_final_loss, Plan, SetupResult};
use super::FinderConfig;
use crate::data::fashion_mnist::FashionMnist;
use crate::finder::Rule;
use crate::report::{Cell, Table};
use crate::Result;

/// The rule whose suggestion sets one-cycle's peak (minimum/10, fastai's classic rule).
pub const ONE_CYCLE_RULE: Rule = Rule::Minimum;

/// One-cycle with its peak at `rule`'s suggestion and at the LR of the loss minimum (ten
/// times minimum/10's), against the best constant LR of the grid (chapter 3's one-cycle).
pub fn one_cycle_table(
    fc: &FinderConfig,
    data: &FashionMnist,
    results: &[SetupResult],
    rule: Rule,
    device: Device,
) -> Result<Table> {
    let mut t = crate::table!(
        "one_cycle",
        &format!(
            "One-cycle for {} steps with its peak set by the finder: held-out loss ÷ the best \
             constant η of the grid",
            fc.budget
        ),
        &[
            "setup",
            &format!("peak = {} suggestion", rule.name()),
            "its loss ÷ best constant",
            "peak = η at the loss minimum",
            "that loss ÷ best constant",
        ],
    );
    for r in results {
        let best = r.best_grid().1;
        let mut row = vec![Cell::from(r.setup.name())];
        let peaks = [
            r.suggested(rule),
            r.suggested(Rule::Minimum).map(|lr| lr * 10.0),
        ];
        for peak in peaks {
            match peak {
                Some(p) => {
                    let l = mean_final_loss(fc, data, r.setup, Plan::OneCycle(p), device)?;
                    row.push(Cell::num(p, 2));
                    row.push(Cell::num(l / best, 3));
                }
                None => {
                    row.push(Cell::from("—"));
                    row.push(Cell::from("—"));
                }
            }
        }
        t.push(row);
    }
    Ok(t)
}
