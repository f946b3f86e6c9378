//! The tables of "Sharp and flat minima, measured".
use super::{Condition, Measured, SharpFlat};
use crate::chapters::ch5::large_batch::tables::paired_or_dashes;
use crate::report::{fmt_sig, Cell, Table};
use crate::stats;

/// A quantity measured at the end of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantity {
    /// The top Hessian eigenvalue of the training loss.
    Sharpness,
    /// The accuracy on the test images.
    TestAccuracy,
    /// The training loss on the sharpness images.
    TrainLoss,
}

impl Quantity {
    /// The name in tables.
    pub fn name(self) -> &'static str {
        match self {
            Quantity::Sharpness => "sharpness",
            Quantity::TestAccuracy => "test accuracy",
            Quantity::TrainLoss => "training loss",
        }
    }

    /// Its value in a measurement.
    pub fn of(self, m: &Measured) -> f64 {
        match self {
            Quantity::Sharpness => m.sharpness,
            Quantity::TestAccuracy => m.test_accuracy,
            Quantity::TrainLoss => m.train_loss,
        }
    }
}

/// The mean over the seeds with its interval, or how many seeds diverged.
fn spread_cell(values: &[f64]) -> Cell {
    match stats::spread(values) {
        Some(m) => Cell::Text(m.text()),
        None => Cell::from(format!(
            "{} of {} diverged",
            values.iter().filter(|v| !v.is_finite()).count(),
            values.len()
        )),
    }
}

/// Every condition: its setting and the mean of each measurement over the seeds.
pub fn runs_table(r: &SharpFlat) -> Table {
    let c = &r.config;
    let mut t = crate::table!(
        "sharp_flat_runs",
        &format!(
            "Each condition trained from the same initial network per seed, constant rate; \
             η₀ = {}, B₀ = {}; {}; {}",
            fmt_sig(c.ch5.base_lr, 3),
            c.base_batch(),
            c.caption(),
            stats::seeds_caption(r.seeds.len())
        ),
        &[
            "condition",
            "η",
            "B",
            "epochs",
            "steps",
            "training loss",
            "sharpness λmax",
            "test accuracy",
        ],
    );
    for condition in Condition::ALL {
        let (lr, batch, epochs) = c.setting(condition);
        let mut cells = vec![
            Cell::from(condition.name()),
            Cell::num(lr, 3),
            Cell::from(batch),
            Cell::from(epochs),
            Cell::from(c.steps(condition)),
        ];
        for q in [
            Quantity::TrainLoss,
            Quantity::Sharpness,
            Quantity::TestAccuracy,
        ] {
            cells.push(spread_cell(&r.values(condition, |m| q.of(m))));
        }
        t.push(cells);
    }
    t
}

/// The columns of a table of paired comparisons over `n` seeds.
fn comparison_columns(n: usize) -> Vec<String> {
    ["comparison", "quantity", "mean difference", "95% CI"]
        .iter()
        .map(|s| s.to_string())
        .chain([stats::paired_t_column(n), "beyond noise?".to_string()])
        .collect()
}

/// One row per `(a, b, quantity)`: the paired difference `a − b` over the seeds.
fn comparison_rows(t: &mut Table, r: &SharpFlat, rows: &[(Condition, Condition, Quantity)]) {
    for &(a, b, q) in rows {
        let mut cells = vec![
            Cell::from(format!("{} − {}", a.name(), b.name())),
            Cell::from(q.name()),
        ];
        cells.extend(paired_or_dashes(r.paired(a, b, |m| q.of(m))));
        t.push(cells);
    }
}

/// Experiment 1: the large rate and the large batch against the base, sharpness and test
/// accuracy, paired over the seeds.
pub fn paired_table(r: &SharpFlat) -> Table {
    let c = &r.config;
    let n = r.seeds.len();
    let columns = comparison_columns(n);
    let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
    let mut t = crate::table!(
        "sharp_flat_paired",
        &format!(
            "Large η (η = {} and {} at B₀) and large B (B = {} at η₀, the same {} epochs) \
             against the base, paired per seed; {}; {}",
            fmt_sig(c.large_lrs[0], 3),
            fmt_sig(c.large_lrs[1], 3),
            c.large_batch,
            c.ch5.net.epochs,
            c.caption(),
            stats::seeds_caption(n)
        ),
        &columns,
    );
    use Condition::{Base, LargeBatch, LargeLr, VeryLargeLr};
    use Quantity::{Sharpness, TestAccuracy};
    comparison_rows(
        &mut t,
        r,
        &[
            (LargeLr, Base, Sharpness),
            (LargeLr, Base, TestAccuracy),
            (VeryLargeLr, Base, Sharpness),
            (VeryLargeLr, Base, TestAccuracy),
            (LargeBatch, Base, Sharpness),
            (LargeBatch, Base, TestAccuracy),
        ],
    );
    t
}

/// Experiment 2: the first seed's base network rescaled by α.
pub fn rescaled_table(r: &SharpFlat) -> Table {
    let c = &r.config;
    let at_one = r.at_alpha(1.0).map_or(f64::NAN, |x| x.sharpness);
    let mut t = crate::table!(
        "sharp_flat_rescaled",
        &format!(
            "Dinh et al.'s rescaling of the base network of seed {}: layer 1's weights and \
             bias × α, layer 2's weights ÷ α; logits compared on the {} test images, the loss \
             and the sharpness on the first {} training images; {}",
            r.seeds[0],
            c.ch5.net.test_examples,
            c.probe,
            c.caption()
        ),
        &[
            "α",
            "every logit within 1e-12",
            "loss within 1e-12",
            "sharpness λmax",
            "λmax ÷ λmax at α = 1",
        ],
    );
    let yes_no = |ok: bool| Cell::from(if ok { "yes" } else { "no" });
    for x in &r.rescaled {
        t.push(vec![
            Cell::num(x.alpha, 3),
            yes_no(x.max_output_change < 1e-12),
            yes_no(x.loss_change < 1e-12),
            Cell::num(x.sharpness, 3),
            Cell::num(x.sharpness / at_one, 3),
        ]);
    }
    t
}

/// Experiment 3: the large batch at the same epochs and at the same steps, against the base
/// and against each other.
pub fn longer_table(r: &SharpFlat) -> Table {
    let c = &r.config;
    let n = r.seeds.len();
    let columns = comparison_columns(n);
    let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
    let mut t = crate::table!(
        "sharp_flat_longer",
        &format!(
            "Train longer (Hoffer et al.): B = {} at η₀ for the base's {} epochs ({} steps) and \
             for {} epochs, the base's {} steps, paired per seed; {}; {}",
            c.large_batch,
            c.ch5.net.epochs,
            c.steps(Condition::LargeBatch),
            c.setting(Condition::LargeBatchLonger).2,
            c.steps(Condition::Base),
            c.caption(),
            stats::seeds_caption(n)
        ),
        &columns,
    );
    use Condition::{Base, LargeBatch, LargeBatchLonger};
    use Quantity::{Sharpness, TestAccuracy, TrainLoss};
    comparison_rows(
        &mut t,
        r,
        &[
            (LargeBatch, Base, TestAccuracy),
            (LargeBatchLonger, Base, TestAccuracy),
            (LargeBatchLonger, LargeBatch, TestAccuracy),
            (LargeBatchLonger, Base, TrainLoss),
            (LargeBatchLonger, Base, Sharpness),
            (LargeBatchLonger, LargeBatch, Sharpness),
        ],
    );
    t
}
