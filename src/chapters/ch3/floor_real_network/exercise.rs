//! Exercise 6: predict the excess at a new (η, B) from the grid points of equal η/B, and
//! run it to check.
use std::path::Path;

use super::{ci_cells, floor_run, FloorConfig};
use crate::chapters::exercise::{Exercise, Solution};
use crate::chapters::Config;
use crate::report::{fmt_sig, Cell, Table};
use crate::stats;
use crate::{validate, Error, Result};

/// Exercise 6: the η/B law predicts the same excess at every (η, B) with the same ratio.
/// Pick a new (η, B) whose η/B equals that of grid points, predict its excess from them, and
/// run it to check (the grid's sizes and seeds).
#[derive(clap::Args, Clone, Debug)]
pub struct EqualRatio {
    /// The new rate.
    #[arg(long, default_value_t = 0.15)]
    pub lr: f64,
    /// The new batch size.
    #[arg(long, default_value_t = 48)]
    pub batch: usize,
    /// Seeds, comma-separated, at least two and distinct; each is added to --seed (default
    /// the grid's: 0,1 with --quick, else 0,1,2).
    #[arg(long, value_delimiter = ',', value_name = "SEED,...", value_parser = crate::cli::parse_seed)]
    pub seeds: Option<Vec<u64>>,
}

/// What exercise 6 measures: the grid points of equal η/B and the new point, each with its
/// excess per seed.
#[derive(Clone, Debug)]
pub struct EqualRatioRuns {
    /// The grid's sizes.
    pub config: FloorConfig,
    /// (η, B, excess per seed) of the grid points with the new point's η/B, by η.
    pub grid: Vec<(f64, usize, Vec<f64>)>,
    /// The new point's excess per seed.
    pub new: Vec<f64>,
}

impl EqualRatioRuns {
    /// The η/B law's prediction: the mean excess of the grid points.
    pub fn law_prediction(&self) -> f64 {
        stats::mean(
            &self
                .grid
                .iter()
                .map(|g| stats::mean(&g.2))
                .collect::<Vec<_>>(),
        )
    }
}

// ANCHOR: ex6_interpolate
impl EqualRatioRuns {
    /// The excess interpolated linearly in log η (and log excess) between the two grid points
    /// of the same η/B on either side of the new η; the nearest one's outside them.
    pub fn interpolated(&self, lr: f64) -> f64 {
        let pts: Vec<(f64, f64)> = self
            .grid
            .iter()
            .map(|g| (g.0.ln(), stats::mean(&g.2).ln()))
            .collect();
        let x = lr.ln();
        let i = pts.iter().position(|p| p.0 >= x).unwrap_or(pts.len() - 1);
        if i == 0 || pts[i].0 == x {
            return pts[i].1.exp();
        }
        let (a, b) = (pts[i - 1], pts[i]);
        (a.1 + (b.1 - a.1) * (x - a.0) / (b.0 - a.0)).exp()
    }
}
// ANCHOR_END: ex6_interpolate

impl EqualRatio {
    /// Runs the grid points of equal η/B and the new point.
    pub fn runs(&self, cfg: &Config) -> Result<EqualRatioRuns> {
        let lr = validate::learning_rate("--lr", self.lr)?;
        let mut c = FloorConfig::for_config(cfg.quick);
        if self.batch == 0 || self.batch > c.train_examples {
            return Err(Error::invalid(
                "--batch",
                format!(
                    "got {}, but a batch must hold from 1 to {} examples",
                    self.batch, c.train_examples
                ),
                "Pass a batch size such as 48.",
            ));
        }
        let ratio = lr / self.batch as f64;
        let on_line: Vec<(f64, usize)> = c
            .points()
            .into_iter()
            .filter(|&(l, b)| ((l / b as f64) / ratio - 1.0).abs() < 1e-9 && l != lr)
            .collect();
        if on_line.is_empty() {
            return Err(Error::invalid(
                "--lr and --batch",
                format!("η/B = {} is the ratio of no grid point", fmt_sig(ratio, 3)),
                "Pick a ratio of the grid, such as --lr 0.15 --batch 48 (η/B = 0.003125).",
            ));
        }
        if let Some(s) = &self.seeds {
            c.seeds = s.clone();
        }
        c.lrs = vec![lr];
        c.batches = vec![self.batch];
        let (seeds, data) = c.seeds_and_data(cfg)?;
        let excess = |l: f64, b: usize| -> Result<Vec<f64>> {
            seeds
                .iter()
                .map(|&s| Ok(floor_run(&c, &data, l, b, s)?.excess()))
                .collect()
        };
        let mut grid = Vec::new();
        for (l, b) in on_line {
            grid.push((l, b, excess(l, b)?));
        }
        Ok(EqualRatioRuns {
            new: excess(lr, self.batch)?,
            config: c,
            grid,
        })
    }
}

/// Exercise 6's table: the grid points, the new point, and the two predictions.
pub fn equal_ratio_exercise_table(r: &EqualRatioRuns, lr: f64, batch: usize) -> Table {
    let c = &r.config;
    let mut t = crate::table!(
        "ex6_equal_ratio",
        &format!(
            "Exercise 6: the excess at the new point (η, B) = ({}, {batch}) against the grid \
             points of the same η/B = {}, with the grid's sizes (MLP {}, {} training images, \
             η·T = {}); {}",
            fmt_sig(lr, 3),
            fmt_sig(lr / batch as f64, 4),
            c.setup().label(),
            c.train_examples,
            fmt_sig(c.flow_time, 3),
            stats::seeds_caption(c.seeds.len())
        ),
        &["row", "η", "B", "excess (mean)", "± 95% CI"],
    );
    let measured = |name: &str, l: f64, b: usize, xs: &[f64]| {
        let mut row = vec![Cell::from(name), Cell::num(l, 3), Cell::from(b)];
        row.extend(ci_cells(xs, 3));
        row
    };
    for (l, b, xs) in &r.grid {
        t.push(measured("grid point", *l, *b, xs));
    }
    t.push(measured("new point, measured", lr, batch, &r.new));
    for (name, v) in [
        (
            "prediction: η/B law (mean of the grid points)",
            r.law_prediction(),
        ),
        ("prediction: interpolated in log η", r.interpolated(lr)),
    ] {
        t.push(vec![
            Cell::from(name),
            Cell::num(lr, 3),
            Cell::from(batch),
            Cell::num(v, 3),
            Cell::from("—"),
        ]);
    }
    t
}

impl Exercise for EqualRatio {
    const NAME: &'static str = "ch3_ex6_equal_ratio";

    fn solve(&self, cfg: &Config, _figures: Option<&Path>) -> Result<Solution> {
        let r = self.runs(cfg)?;
        Ok(Solution::tables(vec![equal_ratio_exercise_table(
            &r, self.lr, self.batch,
        )]))
    }
}
