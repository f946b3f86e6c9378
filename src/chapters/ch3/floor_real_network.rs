//! "The same floor in a real network": on the Fashion-MNIST MLP, the training loss a
//! constant rate plateaus at, for a grid of rates η and batches B, and how much of it is
//! noise. From the plateau every run continues twice on the same minibatches: once with its
//! rate decayed linearly to zero, once at the constant rate (the control). The constant
//! continuation's level minus the annealed one is the noise-induced excess that the noisy
//! quadratic predicts ∝ η/B; the plateau minus the constant continuation is the descent that
//! the extra steps make anyway.
use std::path::{Path, PathBuf};

use super::Config;
use crate::chapters::exercise::{drawn_solution, solve_section, Exercise, Section, Solution};
use crate::experiment::MlpSetup;
use crate::models::Mlp;
use crate::optim::{Sgd, SgdConfig};
use crate::plot::{self, LineChart, Series};
use crate::report::{fmt_sig, Cell, Table};
use crate::schedule::LrPolicy;
use crate::stats;
use crate::train::{self, Loss, TrainConfig};
use crate::{validate, Error, Result};

mod exercise;
mod law;

pub use exercise::{equal_ratio_exercise_table, EqualRatio, EqualRatioRuns};
pub use law::{equal_ratio_pairs, equal_ratio_table, exponents_per_seed, law_table};

/// The sizes of the experiment.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct FloorConfig {
    /// Training images (the first n of Fashion-MNIST's training set); the loss is measured
    /// on all of them.
    pub train_examples: usize,
    /// Hidden widths of the ReLU MLP.
    pub hidden: Vec<i64>,
    /// The constant rates of the grid.
    pub lrs: Vec<f64>,
    /// The batch sizes of the grid.
    pub batches: Vec<usize>,
    /// Seeds, shared by every grid point (initialisation and shuffling).
    pub seeds: Vec<u64>,
    /// The constant phase lasts `flow_time / η` steps: the same gradient-flow time η·T at
    /// every rate, so the deterministic part of the descent has come equally far.
    pub flow_time: f64,
    /// Full-training-set evaluations during the constant phase.
    pub evals: usize,
    /// The plateau (and the continued level) is the mean of the last `window` evaluations.
    pub window: usize,
    /// The two continuations last this fraction of the constant phase's steps: the annealed
    /// one with its rate falling linearly from η to 0, the control at the constant η.
    pub anneal_fraction: f64,
}

impl FloorConfig {
    /// The sizes for the quick or the full configuration.
    pub fn for_config(quick: bool) -> Self {
        if quick {
            FloorConfig {
                train_examples: 500,
                hidden: vec![32],
                lrs: vec![0.05, 0.1, 0.2],
                batches: vec![16, 32, 64],
                seeds: vec![0, 1],
                flow_time: 10.0,
                evals: 8,
                window: 2,
                anneal_fraction: 0.25,
            }
        } else {
            FloorConfig {
                train_examples: 2000,
                hidden: vec![32],
                lrs: vec![0.05, 0.1, 0.2],
                batches: vec![16, 32, 64],
                seeds: vec![0, 1, 2],
                flow_time: 100.0,
                evals: 32,
                window: 8,
                anneal_fraction: 0.25,
            }
        }
    }

    /// The network and data sizes as an [`MlpSetup`] (one held-out image: the loss measured
    /// is the training loss).
    pub fn setup(&self) -> MlpSetup {
        MlpSetup::new(self.train_examples, 1, &self.hidden, 1, 1)
    }

    /// Steps of the constant phase at rate `lr`.
    pub fn constant_steps(&self, lr: f64) -> usize {
        (self.flow_time / lr).round().max(1.0) as usize
    }

    /// Steps between full-training-set evaluations at rate `lr` (both constant-rate phases).
    pub fn eval_spacing(&self, lr: f64) -> usize {
        (self.constant_steps(lr) / self.evals).max(1)
    }

    /// Steps of each continuation (annealed and constant) at rate `lr`.
    pub fn anneal_steps(&self, lr: f64) -> usize {
        ((self.constant_steps(lr) as f64 * self.anneal_fraction).round() as usize).max(1)
    }

    /// The grid points (η, B) in table order: every rate with every batch size.
    pub fn points(&self) -> Vec<(f64, usize)> {
        self.lrs
            .iter()
            .flat_map(|&lr| self.batches.iter().map(move |&b| (lr, b)))
            .collect()
    }

    /// Validates the sizes, then gives the run seeds (`--seed` added) and the training
    /// images: what every run of this section starts from.
    pub fn seeds_and_data(&self, cfg: &Config) -> Result<(Vec<u64>, crate::data::Dataset)> {
        self.validate()?;
        let seeds = cfg.run_seeds("--seeds", &self.seeds)?;
        let data = self
            .setup()
            .load_data(cfg.data_dir.as_deref(), cfg.device)?
            .train;
        Ok((seeds, data))
    }

    /// Checks every size and rate before anything is loaded or trained.
    pub fn validate(&self) -> Result<()> {
        validate::at_least_one("training examples", self.train_examples)?;
        validate::list_len("--lrs", &self.lrs)?;
        validate::list_len("--batches", &self.batches)?;
        for &lr in &self.lrs {
            validate::learning_rate("--lrs", lr)?;
        }
        for &b in &self.batches {
            if b == 0 || b > self.train_examples {
                return Err(Error::invalid(
                    "--batches",
                    format!(
                        "got {b}, but a batch must hold from 1 to {} examples",
                        self.train_examples
                    ),
                    "Pass batch sizes such as 16,32,64.",
                ));
            }
        }
        validate::distinct_seeds("--seeds", &self.seeds, 2)?;
        validate::positive("--flow-time", self.flow_time)?;
        for &lr in &self.lrs {
            validate::count_in(
                "constant phase (--flow-time / η steps)",
                self.constant_steps(lr),
                validate::MAX_STEPS,
            )?;
        }
        validate::at_least_one("evaluations", self.evals)?;
        if self.window == 0 || self.window > self.evals {
            return Err(Error::invalid(
                "plateau window",
                format!("got {}, but it must be 1 to {}", self.window, self.evals),
                "Average over fewer evaluations.",
            ));
        }
        if !(self.anneal_fraction > 0.0 && self.anneal_fraction <= 10.0) {
            return Err(Error::invalid(
                "anneal fraction",
                format!("got {}, but it must lie in (0, 10]", self.anneal_fraction),
                "Pass a fraction such as 0.25.",
            ));
        }
        // The constant continuation must hold a whole plateau window of evaluations.
        if (self.anneal_fraction * self.evals as f64).floor() < self.window as f64 {
            return Err(Error::invalid(
                "anneal fraction",
                format!(
                    "{} of {} evaluations is fewer than the window of {}",
                    self.anneal_fraction, self.evals, self.window
                ),
                "Continue for longer, or average over fewer evaluations.",
            ));
        }
        Ok(())
    }
}

/// One run: a constant phase at (η, B), then from its last state two continuations on the
/// same minibatches, one annealed and one at the constant η.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct FloorRun {
    /// The rate of the constant phase.
    pub lr: f64,
    /// The batch size.
    pub batch: usize,
    /// The seed.
    pub seed: u64,
    /// (step, full-training-set loss) during the constant phase.
    pub curve: Vec<(usize, f64)>,
    /// The plateau: the mean of the last `window` evaluations (+∞ if diverged).
    pub plateau: f64,
    /// The constant continuation's level, measured as the plateau is (+∞ if diverged).
    pub continued: f64,
    /// The full-training-set loss after the annealed continuation (+∞ if diverged).
    pub annealed: f64,
}

impl FloorRun {
    /// `continued − annealed`: the noise-induced excess, the part of the loss that annealing
    /// removes and that as many further steps at the constant η do not.
    pub fn excess(&self) -> f64 {
        self.continued - self.annealed
    }

    /// `plateau − continued`: the descent the continuation's steps make at the constant η.
    pub fn descent(&self) -> f64 {
        self.plateau - self.continued
    }

    /// η/B.
    pub fn ratio(&self) -> f64 {
        self.lr / self.batch as f64
    }
}

/// The mean of the last `window` losses of a run's evaluations; ∞ for a diverged run or
/// none.
fn level(h: &train::History, window: usize) -> f64 {
    let tail = &h.evals[h.evals.len().saturating_sub(window)..];
    if h.diverged() || tail.is_empty() {
        return f64::INFINITY;
    }
    stats::mean(&tail.iter().map(|e| e.loss).collect::<Vec<_>>())
}

// ANCHOR: floor_run
/// Trains at the constant rate `lr` with batch `batch` for the gradient-flow time of `c`,
/// measuring the full-training-set loss as it goes; then, from that state, continues twice
/// on the same minibatches: with the rate decayed linearly to zero, and (the control) at the
/// constant rate, measured as the plateau is.
pub fn floor_run(
    c: &FloorConfig,
    data: &crate::data::Dataset,
    lr: f64,
    batch: usize,
    seed: u64,
) -> Result<FloorRun> {
    let device = data.inputs.device();
    let (vs, model) = c.setup().model(seed, device)?;
    let mut sgd = Sgd::new(vs.trainable_variables(), SgdConfig::default())?;
    let steps = c.constant_steps(lr);
    let per_epoch = data.len().div_ceil(batch);
    // A continuation's first minibatch loss is small, so a blow-up factor would fire on
    // noise there; NaN or ∞ still stops every phase.
    let phase = |steps: usize, shuffle: u64, eval_every: Option<usize>| TrainConfig {
        epochs: steps.div_ceil(per_epoch),
        batch_size: batch,
        shuffle_seed: Some(shuffle),
        max_steps: Some(steps),
        blowup: None,
        eval_every,
        progress: false,
        clip_grad_norm: None,
    };
    let every = Some(c.eval_spacing(lr));
    // The held-out set is the training set itself: the floor is a training loss.
    let run = |model: &Mlp, sgd: &mut Sgd, policy: &mut dyn LrPolicy, cfg: &TrainConfig| {
        train::train(
            model,
            Loss::CrossEntropy,
            sgd,
            policy,
            data,
            Some(data),
            cfg,
        )
    };
    let first = TrainConfig {
        blowup: Some(5.0),
        ..phase(steps, seed, every)
    };
    let constant = run(&model, &mut sgd, &mut |_| lr, &first)?;
    let curve: Vec<(usize, f64)> = constant.evals.iter().map(|e| (e.step, e.loss)).collect();
    let plateau = level(&constant, c.window);
    if !plateau.is_finite() {
        return Ok(FloorRun {
            lr,
            batch,
            seed,
            curve,
            plateau,
            continued: f64::INFINITY,
            annealed: f64::INFINITY,
        });
    }
    // The control starts from a copy of the end state and sees the same minibatches.
    let (mut vs2, model2) = c.setup().model(seed, device)?;
    vs2.copy(&vs)?;
    let mut sgd2 = Sgd::new(vs2.trainable_variables(), SgdConfig::default())?;
    let (k, shuffle) = (c.anneal_steps(lr), seed.wrapping_add(1_000_003));
    let annealed = run(
        &model,
        &mut sgd,
        &mut |s| lr * (1.0 - s as f64 / k as f64).max(1e-6),
        &phase(k, shuffle, None),
    )?;
    let annealed = if annealed.diverged() {
        f64::INFINITY
    } else {
        annealed.final_eval_loss()
    };
    let continued = run(&model2, &mut sgd2, &mut |_| lr, &phase(k, shuffle, every))?;
    Ok(FloorRun {
        lr,
        batch,
        seed,
        curve,
        plateau,
        continued: level(&continued, c.window),
        annealed,
    })
}
// ANCHOR_END: floor_run

/// Every run of the grid, seeds innermost.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct FloorGrid {
    /// The sizes.
    pub config: FloorConfig,
    /// The seeds as run (the listed seeds plus `--seed`).
    pub seeds: Vec<u64>,
    /// One run per (η, B, seed), in the order lrs × batches × seeds.
    pub runs: Vec<FloorRun>,
}

impl FloorGrid {
    /// The runs at (η, B), one per seed in seed order.
    pub fn at(&self, lr: f64, batch: usize) -> Vec<&FloorRun> {
        self.runs
            .iter()
            .filter(|r| r.lr == lr && r.batch == batch)
            .collect()
    }

    /// The excess per seed at (η, B).
    pub fn excess(&self, lr: f64, batch: usize) -> Vec<f64> {
        self.at(lr, batch).iter().map(|r| r.excess()).collect()
    }

    /// The descent of the constant continuation per seed at (η, B).
    pub fn descent(&self, lr: f64, batch: usize) -> Vec<f64> {
        self.at(lr, batch).iter().map(|r| r.descent()).collect()
    }

    /// The runs of seed `s`, or None if one of them has an excess that is not positive and
    /// finite (no log to fit).
    pub fn seed_runs(&self, s: u64) -> Option<Vec<&FloorRun>> {
        let runs: Vec<&FloorRun> = self.runs.iter().filter(|r| r.seed == s).collect();
        runs.iter()
            .all(|r| r.excess() > 0.0 && r.excess().is_finite())
            .then_some(runs)
    }

    /// The grid points (η, B) in table order.
    pub fn points(&self) -> Vec<(f64, usize)> {
        self.config.points()
    }
}

/// Runs the grid.
pub fn floor_grid(cfg: &Config, c: &FloorConfig) -> Result<FloorGrid> {
    let (seeds, data) = c.seeds_and_data(cfg)?;
    let mut runs = Vec::new();
    for (lr, b) in c.points() {
        for &s in &seeds {
            runs.push(floor_run(c, &data, lr, b, s)?);
        }
    }
    Ok(FloorGrid {
        config: c.clone(),
        seeds,
        runs,
    })
}

pub(crate) fn ci_cells(xs: &[f64], digits: usize) -> [Cell; 2] {
    match stats::spread(xs) {
        Some(m) => [Cell::num(m.mean, digits), Cell::num(m.half_width, 2)],
        None => [Cell::from("diverged"), Cell::from("—")],
    }
}

/// The grid table: per (η, B) the plateau, the two continuations' levels, the descent the
/// constant continuation makes and the excess that annealing removes beyond it.
pub fn grid_table(g: &FloorGrid) -> Table {
    let c = &g.config;
    let mut t = crate::table!(
        "floor_network_grid",
        &format!(
            "Plain SGD on MLP {} and the first {} Fashion-MNIST training images: the \
             full-training-set cross-entropy a constant η plateaus at (mean of the last {} \
             evaluations, taken every ⌊T/{}⌋ steps and at the end of η·T = {} of gradient-flow \
             time, T = {}/η steps); from that state, T·{} further steps on the same minibatches \
             twice: at the constant η (continued, measured as the plateau) and with η decayed \
             linearly to 0 (annealed, the loss at the end); descent = plateau − continued, \
             excess = continued − annealed; levels are means over seeds; {}",
            c.setup().label(),
            c.train_examples,
            c.window,
            c.evals,
            fmt_sig(c.flow_time, 3),
            fmt_sig(c.flow_time, 3),
            fmt_sig(c.anneal_fraction, 2),
            stats::seeds_caption(g.seeds.len())
        ),
        &[
            "η",
            "B",
            "η/B",
            "plateau",
            "continued",
            "annealed",
            "descent",
            "descent ± 95% CI",
            "excess",
            "excess ± 95% CI",
            "excess ÷ (η/B)",
        ],
    );
    for (lr, b) in g.points() {
        let runs = g.at(lr, b);
        let col = |f: fn(&FloorRun) -> f64| runs.iter().map(|r| f(r)).collect::<Vec<f64>>();
        let mean = |xs: &[f64]| match stats::spread(xs) {
            Some(m) => Cell::num(m.mean, 3),
            None => Cell::from("diverged"),
        };
        let ex = col(FloorRun::excess);
        let mut row = vec![Cell::num(lr, 3), Cell::from(b), Cell::num(lr / b as f64, 3)];
        row.push(mean(&col(|r| r.plateau)));
        row.push(mean(&col(|r| r.continued)));
        row.push(mean(&col(|r| r.annealed)));
        row.extend(ci_cells(&col(FloorRun::descent), 3));
        row.extend(ci_cells(&ex, 3));
        row.push(match stats::spread(&ex) {
            Some(m) => Cell::num(m.mean / (lr / b as f64), 3),
            None => Cell::from("—"),
        });
        t.push(row);
    }
    t
}

/// Least-squares slope of `ys` on `xs`.
pub fn slope(xs: &[f64], ys: &[f64]) -> f64 {
    let (mx, my) = (stats::mean(xs), stats::mean(ys));
    let sxy: f64 = xs.iter().zip(ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
    sxy / sxx
}

/// Per seed, the slope of log excess against log(η/B) over the grid; NaN for a seed with a
/// non-positive or non-finite excess.
pub fn slopes_per_seed(g: &FloorGrid) -> Vec<f64> {
    g.seeds
        .iter()
        .map(|&s| {
            let Some(runs) = g.seed_runs(s) else {
                return f64::NAN;
            };
            let xs: Vec<f64> = runs.iter().map(|r| r.ratio().ln()).collect();
            let ys: Vec<f64> = runs.iter().map(|r| r.excess().ln()).collect();
            slope(&xs, &ys)
        })
        .collect()
}

/// Draws excess against η/B, log-log, one colour per batch, with a line ∝ η/B through the
/// geometric mean of the points.
pub fn draw_figure(g: &FloorGrid, dir: &Path) -> Result<Vec<PathBuf>> {
    let _drawing = crate::drawing!();
    let mut chart = LineChart::new(
        "Noise-induced excess of the constant-rate plateau",
        "η/B (log scale)",
        "excess: continued − annealed training loss (log scale)",
    )
    .x_log()
    .y_log()
    .size(900, 480);
    let mut logs = Vec::new();
    for (i, &b) in g.config.batches.iter().enumerate() {
        let pts: Vec<(f64, f64)> = g
            .config
            .lrs
            .iter()
            .filter_map(|&lr| {
                let m = stats::spread(&g.excess(lr, b))?;
                logs.push(((lr / b as f64).ln(), m.mean.ln()));
                Some((lr / b as f64, m.mean))
            })
            .collect();
        chart = chart.series(Series::line_with_points(format!("B = {b}"), pts).with_color(i));
    }
    if !logs.is_empty() {
        // log y = log x + c through the centroid of the points.
        let c = logs.iter().map(|(x, y)| y - x).sum::<f64>() / logs.len() as f64;
        let (lo, hi) = logs
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |a, p| {
                (a.0.min(p.0), a.1.max(p.0))
            });
        let line: Vec<(f64, f64)> = (0..=20)
            .map(|i| {
                let x = lo + (hi - lo) * i as f64 / 20.0;
                (x.exp(), (x + c).exp())
            })
            .collect();
        chart = chart.series(
            Series::dashed("∝ η/B (the noisy quadratic's law)", line)
                .with_color(g.config.batches.len()),
        );
    }
    let (a, b) = plot::save_figure(&chart, dir, "floor_network_excess")?;
    Ok(vec![a, b])
}

/// The training loss a constant rate plateaus at, for a grid of η and B, and the
/// noise-induced part of it.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct FloorNetwork {
    /// Seeds, comma-separated, at least two and distinct; each is added to --seed (default
    /// 0,1 with --quick, else 0,1,2).
    #[arg(long, value_delimiter = ',', value_name = "SEED,...", value_parser = crate::cli::parse_seed)]
    pub seeds: Option<Vec<u64>>,
}

impl FloorNetwork {
    /// The configuration with the flags applied.
    pub fn config(&self, cfg: &Config) -> Result<FloorConfig> {
        let mut c = FloorConfig::for_config(cfg.quick);
        if let Some(s) = &self.seeds {
            c.seeds = s.clone();
        }
        c.validate()?;
        Ok(c)
    }
}

impl Exercise for FloorNetwork {
    const NAME: &'static str = "ch3_floor_real_network";

    fn title() -> String {
        "Chapter 3: the same floor in a real network".to_string()
    }

    fn solve(&self, cfg: &Config, figures: Option<&Path>) -> Result<Solution> {
        solve_section(self, cfg, figures)
    }
}

impl Section for FloorNetwork {
    type Output = FloorGrid;

    fn compute(&self, cfg: &Config) -> Result<FloorGrid> {
        floor_grid(cfg, &self.config(cfg)?)
    }

    fn solution(g: &Self::Output, figures: Option<&Path>) -> Result<Solution> {
        let tables = vec![grid_table(g), law_table(g)?, equal_ratio_table(g)?];
        drawn_solution(tables, figures, |dir| draw_figure(g, dir))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid_with(excess: impl Fn(f64, usize) -> f64) -> FloorGrid {
        let c = FloorConfig::for_config(false);
        let mut runs = Vec::new();
        for &lr in &c.lrs {
            for &b in &c.batches {
                for s in 0..3u64 {
                    let e = excess(lr, b) * (1.0 + 0.01 * s as f64);
                    runs.push(FloorRun {
                        lr,
                        batch: b,
                        seed: s,
                        curve: Vec::new(),
                        plateau: 1.5 + e,
                        continued: 1.0 + e,
                        annealed: 1.0,
                    });
                }
            }
        }
        FloorGrid {
            config: c,
            seeds: vec![0, 1, 2],
            runs,
        }
    }

    #[test]
    fn the_fits_recover_known_exponents() {
        let g = grid_with(|lr, b| 3.0 * lr / b as f64);
        for (p, q) in exponents_per_seed(&g) {
            assert!((p - 1.0).abs() < 1e-9 && (q - 1.0).abs() < 1e-9, "{p} {q}");
        }
        let g = grid_with(|lr, b| lr.powf(0.9) / (b as f64).sqrt());
        for ((p, q), r) in exponents_per_seed(&g).into_iter().zip(slopes_per_seed(&g)) {
            assert!((p - 0.9).abs() < 1e-9 && (q - 0.5).abs() < 1e-9, "{p} {q}");
            assert!(r > 0.5 && r < 0.9, "{r}");
        }
        assert_eq!(equal_ratio_pairs(&g).len(), 4);
        assert!(equal_ratio_table(&g).is_ok() && law_table(&g).is_ok());
    }

    #[test]
    fn bad_configs_are_rejected() {
        let ok = FloorConfig::for_config(true);
        assert!(ok.validate().is_ok());
        let bad: [fn(&mut FloorConfig); 8] = [
            |c| c.lrs = vec![f64::NAN],
            |c| c.batches = vec![0],
            |c| c.batches = vec![100_000],
            |c| c.seeds = vec![3],
            |c| c.flow_time = -1.0,
            |c| c.window = 0,
            |c| c.anneal_fraction = f64::NAN,
            |c| c.anneal_fraction = 0.1,
        ];
        for f in bad {
            let mut c = ok.clone();
            f(&mut c);
            assert!(c.validate().is_err(), "{c:?}");
        }
    }
}
