//! "The whole gallery on one budget": every schedule family configured for one budget of
//! steps, as a table of its values at landmark steps and its mean over the budget.
use crate::report::{fmt_sig, Cell, Table};
use crate::schedule::{
    cosine_with_warmup, Chained, Constant, CosineAnnealingLr, CosineAnnealingWarmRestarts,
    CyclicConfig, CyclicLr, CyclicMode, ExponentialLr, InverseSqrt, LinearLr, LinearOneCycle,
    LrSchedule, MultiStepLr, OneCycleConfig, OneCycleLr, PolynomialLr, Sequential, StepLr,
    TimeBasedDecay, Warmup,
};
use crate::{validate, Error, Result};

/// Steps of the gallery's budget.
pub const GALLERY_STEPS: usize = 100;
/// Peak (or starting) learning rate of the gallery.
pub const GALLERY_LR: f64 = 0.1;

/// One schedule of the gallery: its name, its PyTorch counterpart and the group (panel) it
/// is drawn in.
pub struct GalleryEntry {
    /// Short name used in tables and legends.
    pub name: &'static str,
    /// The `torch.optim.lr_scheduler` class it matches, or "—".
    pub torch: &'static str,
    /// Which panel of the overlay figure: decays, warmups and one-cycle, or cycles.
    pub group: usize,
    /// The schedule itself.
    pub schedule: Box<dyn LrSchedule>,
}

/// Every schedule family, configured for a budget of `total` steps at peak LR `lr`.
pub fn gallery(lr: f64, total: usize) -> Result<Vec<GalleryEntry>> {
    validate::learning_rate("gallery learning rate", lr)?;
    if total < 20 {
        return Err(Error::invalid(
            "gallery steps",
            format!("got {total}, but the gallery needs at least 20 steps"),
            "Pass a budget of 20 steps or more.",
        ));
    }
    let t = total as f64;
    let tenth = total / 10;
    let entry = |name, torch, group, schedule: Box<dyn LrSchedule>| GalleryEntry {
        name,
        torch,
        group,
        schedule,
    };
    let cosine_warmup_then_cosine = Sequential::new(
        vec![
            Box::new(Warmup::cosine(lr, tenth)?),
            Box::new(CosineAnnealingLr::new(lr, total - tenth, 0.0)?),
        ],
        vec![tenth],
    )?;
    let warmup_times_exponential = Chained::new(vec![
        Box::new(LinearLr::new(lr, 0.1, 1.0, tenth)?),
        Box::new(ExponentialLr::new(lr, 0.01f64.powf(1.0 / t))?),
    ])?;
    let cyclic = |mode, gamma| {
        CyclicLr::new(
            lr / 10.0,
            lr,
            tenth,
            CyclicConfig {
                mode,
                gamma,
                ..CyclicConfig::default()
            },
        )
    };
    Ok(vec![
        entry(
            "constant",
            "ConstantLR(factor=1)",
            0,
            Box::new(Constant::new(lr)?),
        ),
        entry(
            "step",
            "StepLR",
            0,
            Box::new(StepLr::new(lr, total / 4, 0.5)?),
        ),
        entry(
            "multistep",
            "MultiStepLR",
            0,
            Box::new(MultiStepLr::new(lr, vec![total / 2, 3 * total / 4], 0.1)?),
        ),
        entry(
            "exponential",
            "ExponentialLR",
            0,
            Box::new(ExponentialLr::new(lr, 0.01f64.powf(1.0 / t))?),
        ),
        entry(
            "time-based",
            "—",
            0,
            Box::new(TimeBasedDecay::new(lr, 9.0 / t)?),
        ),
        entry(
            "inverse sqrt",
            "—",
            0,
            Box::new(InverseSqrt::new(lr, tenth)?),
        ),
        entry(
            "polynomial (p=2)",
            "PolynomialLR",
            0,
            Box::new(PolynomialLr::new(lr, total, 2.0)?),
        ),
        entry(
            "linear decay",
            "LinearLR",
            1,
            Box::new(LinearLr::new(lr, 1.0, 0.01, total)?),
        ),
        entry(
            "cosine",
            "CosineAnnealingLR",
            1,
            Box::new(CosineAnnealingLr::new(lr, total, 0.0)?),
        ),
        entry(
            "linear warmup + cosine",
            "SequentialLR",
            1,
            Box::new(cosine_with_warmup(lr, tenth, total, 0.0)?),
        ),
        entry(
            "cosine warmup + cosine",
            "SequentialLR",
            1,
            Box::new(cosine_warmup_then_cosine),
        ),
        entry(
            "warmup × exponential",
            "ChainedScheduler",
            1,
            Box::new(warmup_times_exponential),
        ),
        entry(
            "one-cycle (PyTorch)",
            "OneCycleLR",
            1,
            Box::new(OneCycleLr::new(lr, total, OneCycleConfig::default())?),
        ),
        entry(
            "one-cycle (linear)",
            "—",
            2,
            Box::new(LinearOneCycle::new(lr / 25.0, lr, total)?),
        ),
        entry(
            "warm restarts (T₀=T/10, ×2)",
            "CosineAnnealingWarmRestarts",
            2,
            Box::new(CosineAnnealingWarmRestarts::new(lr, tenth, 2, 0.0)?),
        ),
        entry(
            "cyclic triangular",
            "CyclicLR",
            2,
            Box::new(cyclic(CyclicMode::Triangular, 1.0)?),
        ),
        entry(
            "cyclic triangular2",
            "CyclicLR",
            2,
            Box::new(cyclic(CyclicMode::Triangular2, 1.0)?),
        ),
        entry(
            "cyclic exp_range",
            "CyclicLR",
            2,
            Box::new(cyclic(CyclicMode::ExpRange, 0.98)?),
        ),
    ])
}

/// The landmark steps of the gallery table for a budget of `total` steps.
pub fn landmark_steps(total: usize) -> [usize; 7] {
    [
        0,
        1,
        total / 10,
        total / 4,
        total / 2,
        3 * total / 4,
        total - 1,
    ]
}

/// The gallery table: each schedule's LR at the landmark steps, and its mean LR over the
/// budget (the total "distance budget" it spends, relative to a constant schedule).
pub fn gallery_table(entries: &[GalleryEntry], total: usize) -> Table {
    let marks = landmark_steps(total);
    let mut columns: Vec<String> = vec!["schedule".into(), "PyTorch".into()];
    columns.extend(marks.iter().map(|m| format!("η at {m}")));
    columns.push(format!("mean η over {total}"));
    let cols: Vec<&str> = columns.iter().map(String::as_str).collect();
    let mut table = crate::table!(
        "gallery",
        &format!(
            "Every schedule on a budget of {total} steps at peak η = {} (4 significant digits)",
            fmt_sig(entries[0].schedule.base_lr(), 3)
        ),
        &cols,
    );
    for e in entries {
        let mut row = vec![Cell::from(e.name), Cell::from(e.torch)];
        row.extend(marks.iter().map(|&m| Cell::num(e.schedule.lr(m), 4)));
        let mean = (0..total).map(|k| e.schedule.lr(k)).sum::<f64>() / total as f64;
        row.push(Cell::num(mean, 4));
        table.push(row);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gallery_schedules_start_where_documented() {
        let g = gallery(0.1, 100).unwrap();
        assert_eq!(g.len(), 18);
        for e in &g {
            let lr0 = e.schedule.lr(0);
            assert!(
                lr0 > 0.0 && lr0 <= 0.1 + 1e-15,
                "{} starts at {lr0}",
                e.name
            );
        }
        assert!(gallery(0.1, 10).is_err());
        assert!(gallery(-0.1, 100).is_err());
    }
}
