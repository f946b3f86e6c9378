//! Chapter 6 — the LR finder, and how good its suggestions really are.
//!
//! 1. The range test on Fashion-MNIST for three setups: an MLP with SGD, the same MLP with
//!    Adam, and a small CNN with SGD and momentum 0.9; each rule's suggestion.
//! 2. The validation: for each setup, a grid of constant learning rates trained for the same
//!    budget, and each suggestion trained the same way. The table reports the held-out loss
//!    at each suggestion divided by the best grid point's.
//! 3. The finder on an already-trained model (a flat curve), and one-cycle with its peak set
//!    from the finder (chapter 3).
use std::path::{Path, PathBuf};

use tch::nn::{self, Module, OptimizerConfig};
use tch::{Device, Tensor};

use super::Config;
use crate::data::{fashion_mnist, Dataset};
use crate::finder::{RangeTest, RangeTestResult, Rule, Stop};
use crate::models::{Activation, Mlp, SmallCnn};
use crate::plot::{self, LineChart, Marker, Series};
use crate::report::{fmt_sig, Cell, Report, Table};
use crate::schedule::{FollowSchedule, OneCycleConfig, OneCycleLr};
use crate::train::{self, Loss, TrainConfig};
use crate::{validate, Error, Result};

/// The network of a setup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arch {
    /// ReLU MLP 784-h-10.
    Mlp,
    /// [`SmallCnn`].
    Cnn,
}

/// The optimizer of a setup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opt {
    /// Plain SGD.
    Sgd,
    /// Adam with PyTorch's defaults.
    Adam,
    /// SGD with momentum 0.9.
    SgdMomentum,
}

/// A model and an optimizer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Setup {
    /// The network.
    pub arch: Arch,
    /// The optimizer.
    pub opt: Opt,
}

impl Setup {
    /// The chapter's three setups.
    pub const ALL: [Setup; 3] = [
        Setup {
            arch: Arch::Mlp,
            opt: Opt::Sgd,
        },
        Setup {
            arch: Arch::Mlp,
            opt: Opt::Adam,
        },
        Setup {
            arch: Arch::Cnn,
            opt: Opt::SgdMomentum,
        },
    ];

    /// The name in tables and legends.
    pub fn name(self) -> &'static str {
        match (self.arch, self.opt) {
            (Arch::Mlp, Opt::Sgd) => "MLP, SGD",
            (Arch::Mlp, Opt::Adam) => "MLP, Adam",
            (Arch::Mlp, Opt::SgdMomentum) => "MLP, SGD momentum 0.9",
            (Arch::Cnn, Opt::Sgd) => "CNN, SGD",
            (Arch::Cnn, Opt::Adam) => "CNN, Adam",
            (Arch::Cnn, Opt::SgdMomentum) => "CNN, SGD momentum 0.9",
        }
    }
}

/// Sizes of the chapter's experiments.
#[derive(Clone, Debug)]
pub struct FinderConfig {
    /// Training examples (the first n of Fashion-MNIST's training set).
    pub train_examples: usize,
    /// Held-out examples (the first n of the test set): the loss every run is judged by.
    pub test_examples: usize,
    /// Examples per step, for the range test and for training.
    pub batch_size: usize,
    /// Hidden width of the MLP.
    pub hidden: i64,
    /// Channels of the CNN's two convolutions.
    pub cnn_channels: (i64, i64),
    /// The range test's first LR.
    pub start_lr: f64,
    /// The range test's last LR.
    pub end_lr: f64,
    /// Steps of the range test.
    pub iterations: usize,
    /// Steps of every training run (grid, suggestions, one-cycle).
    pub budget: usize,
    /// The grid of constant learning rates.
    pub grid: Vec<f64>,
    /// Seeds of the training runs (initialisation and shuffling); the range test uses the first.
    pub seeds: Vec<u64>,
    /// The setups.
    pub setups: Vec<Setup>,
}

impl FinderConfig {
    /// The sizes for the quick or the full configuration.
    pub fn for_config(quick: bool) -> Self {
        if quick {
            FinderConfig {
                train_examples: 2000,
                test_examples: 500,
                batch_size: 64,
                hidden: 64,
                cnn_channels: (4, 8),
                start_lr: 1e-6,
                end_lr: 10.0,
                iterations: 60,
                budget: 60,
                grid: log_grid(-4.0, 0.0, 1.0),
                seeds: vec![0],
                setups: Setup::ALL.to_vec(),
            }
        } else {
            FinderConfig {
                train_examples: 10_000,
                test_examples: 2000,
                batch_size: 64,
                hidden: 128,
                cnn_channels: (8, 16),
                start_lr: 1e-6,
                end_lr: 10.0,
                iterations: 100,
                budget: 300,
                grid: log_grid(-4.0, 0.5, 0.5),
                seeds: vec![0, 1, 2],
                setups: Setup::ALL.to_vec(),
            }
        }
    }

    /// The range test these sizes describe.
    pub fn range_test(&self) -> Result<RangeTest> {
        RangeTest::new(self.start_lr, self.end_lr, self.iterations)
    }

    fn validate(&self) -> Result<()> {
        validate::at_least_one("training examples", self.train_examples)?;
        validate::at_least_one("test examples", self.test_examples)?;
        validate::at_least_one("batch size", self.batch_size)?;
        validate::at_least_one("training budget", self.budget)?;
        validate::at_least_one("number of seeds", self.seeds.len())?;
        validate::at_least_one("number of setups", self.setups.len())?;
        validate::at_least_one("grid size", self.grid.len())?;
        for &lr in &self.grid {
            validate::learning_rate("grid learning rate", lr)?;
        }
        self.range_test()?;
        Ok(())
    }
}

/// `10^lo, 10^(lo+step), …` up to `10^hi` inclusive.
pub fn log_grid(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    let n = ((hi - lo) / step).round() as usize;
    (0..=n).map(|i| 10f64.powf(lo + step * i as f64)).collect()
}

/// An [`Mlp`] or a [`SmallCnn`], so one training loop takes either.
#[derive(Debug)]
pub enum Net {
    /// The MLP.
    Mlp(Mlp),
    /// The CNN.
    Cnn(Box<SmallCnn>),
}

impl Module for Net {
    fn forward(&self, xs: &Tensor) -> Tensor {
        match self {
            Net::Mlp(m) => m.forward(xs),
            Net::Cnn(c) => c.forward(xs),
        }
    }
}

/// A fresh model for `setup`, initialised from `seed`, on `device`.
pub fn build_model(
    cfg: &FinderConfig,
    setup: Setup,
    seed: u64,
    device: Device,
) -> Result<(nn::VarStore, Net)> {
    tch::manual_seed(seed as i64);
    let mut vs = nn::VarStore::new(Device::Cpu);
    let net = match setup.arch {
        Arch::Mlp => Net::Mlp(Mlp::new(
            &vs.root(),
            &[784, cfg.hidden, 10],
            Activation::Relu,
        )?),
        Arch::Cnn => Net::Cnn(Box::new(SmallCnn::new(&vs.root(), cfg.cnn_channels, 10)?)),
    };
    vs.set_device(device);
    Ok((vs, net))
}

/// The setup's optimizer over `vs`, starting at `lr`.
pub fn build_optimizer(opt: Opt, vs: &nn::VarStore, lr: f64) -> Result<nn::Optimizer> {
    Ok(match opt {
        Opt::Sgd => nn::Sgd::default().build(vs, lr)?,
        Opt::Adam => nn::Adam::default().build(vs, lr)?,
        Opt::SgdMomentum => nn::Sgd {
            momentum: 0.9,
            ..Default::default()
        }
        .build(vs, lr)?,
    })
}

/// Shuffled minibatches of `data`, epoch after epoch, never ending.
pub fn endless_batches(
    data: &Dataset,
    batch_size: usize,
    seed: u64,
) -> impl Iterator<Item = (Tensor, Tensor)> + '_ {
    (0u64..)
        .map_while(move |epoch| {
            data.batches(batch_size, Some(seed.wrapping_mul(1000) + epoch), true)
                .ok()
        })
        .flatten()
}

// ANCHOR: run_finder
/// The range test on `net` (whose variables are in `vs`) with the setup's optimizer.
pub fn run_finder(
    cfg: &FinderConfig,
    setup: Setup,
    vs: &nn::VarStore,
    net: &Net,
    data: &Dataset,
    seed: u64,
) -> Result<RangeTestResult> {
    cfg.range_test()?.run(
        vs,
        || build_optimizer(setup.opt, vs, cfg.start_lr),
        endless_batches(data, cfg.batch_size, seed),
        |(x, y)| net.forward(x).cross_entropy_for_logits(y),
    )
}
// ANCHOR_END: run_finder

/// How an LR is scheduled in a training run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Plan {
    /// The same LR every step.
    Constant(f64),
    /// PyTorch's one-cycle with this peak (momentum cycled for the momentum optimizers).
    OneCycle(f64),
}

/// Trains a fresh model of `setup` from `seed` for the budget; returns the held-out loss at
/// the end, or +∞ when the run diverged.
pub fn final_loss(
    cfg: &FinderConfig,
    data: &fashion_mnist::FashionMnist,
    setup: Setup,
    plan: Plan,
    seed: u64,
    device: Device,
) -> Result<f64> {
    let (vs, net) = build_model(cfg, setup, seed, device)?;
    let train_cfg = TrainConfig {
        epochs: cfg.budget, // the step budget ends every run; each epoch has >= 1 step
        batch_size: cfg.batch_size,
        shuffle_seed: Some(seed.wrapping_mul(1000) + 500),
        max_steps: Some(cfg.budget),
        blowup: Some(1e3),
        eval_every: None,
        progress: true,
    };
    let history = match plan {
        Plan::Constant(lr) => {
            let mut opt = build_optimizer(setup.opt, &vs, lr)?;
            train::train(
                &net,
                Loss::CrossEntropy,
                &mut opt,
                &mut |_| lr,
                &data.train,
                Some(&data.test),
                &train_cfg,
            )?
        }
        Plan::OneCycle(peak) => {
            let mut opt = build_optimizer(setup.opt, &vs, peak)?;
            let schedule = OneCycleLr::new(
                peak,
                cfg.budget,
                OneCycleConfig {
                    cycle_momentum: setup.opt != Opt::Sgd,
                    ..OneCycleConfig::default()
                },
            )?;
            train::train(
                &net,
                Loss::CrossEntropy,
                &mut opt,
                &mut FollowSchedule(&schedule),
                &data.train,
                Some(&data.test),
                &train_cfg,
            )?
        }
    };
    let loss = history.evals.last().map_or(f64::NAN, |e| e.loss);
    Ok(if history.diverged() || !loss.is_finite() {
        f64::INFINITY
    } else {
        loss
    })
}

/// Mean of the final held-out loss over the seeds (+∞ if any seed diverged).
pub fn mean_final_loss(
    cfg: &FinderConfig,
    data: &fashion_mnist::FashionMnist,
    setup: Setup,
    plan: Plan,
    device: Device,
) -> Result<f64> {
    let mut sum = 0.0;
    for &seed in &cfg.seeds {
        sum += final_loss(cfg, data, setup, plan, seed, device)?;
    }
    Ok(sum / cfg.seeds.len() as f64)
}

/// One setup's range test, grid and suggestion runs.
#[derive(Debug)]
pub struct SetupResult {
    /// The setup.
    pub setup: Setup,
    /// The range test on a fresh model (first seed).
    pub finder: RangeTestResult,
    /// Each rule's suggested LR, or the reason it has none.
    pub suggestions: Vec<(Rule, std::result::Result<f64, String>)>,
    /// `(lr, mean final held-out loss)` for every grid point.
    pub grid: Vec<(f64, f64)>,
    /// `(rule, mean final held-out loss)` of the runs at each suggestion.
    pub at_suggestion: Vec<(Rule, f64)>,
}

impl SetupResult {
    /// The best grid point `(lr, loss)`.
    pub fn best_grid(&self) -> (f64, f64) {
        self.grid.iter().copied().fold(
            (f64::NAN, f64::INFINITY),
            |b, g| if g.1 < b.1 { g } else { b },
        )
    }

    /// A rule's suggested LR, if it made one.
    pub fn suggested(&self, rule: Rule) -> Option<f64> {
        self.suggestions
            .iter()
            .find(|(r, _)| *r == rule)
            .and_then(|(_, s)| s.as_ref().ok().copied())
    }

    /// Final held-out loss at a rule's suggestion ÷ the best grid loss.
    pub fn ratio(&self, rule: Rule) -> Option<f64> {
        let best = self.best_grid().1;
        self.at_suggestion
            .iter()
            .find(|(r, _)| *r == rule)
            .map(|&(_, l)| l / best)
    }
}

/// Runs one setup: the range test, the grid, and a training run at each suggestion.
pub fn run_setup(
    cfg: &Config,
    fc: &FinderConfig,
    data: &fashion_mnist::FashionMnist,
    setup: Setup,
) -> Result<SetupResult> {
    let seed = fc.seeds[0];
    let (vs, net) = build_model(fc, setup, seed, cfg.device)?;
    let finder = run_finder(fc, setup, &vs, &net, &data.train, seed)?;
    let suggestions: Vec<(Rule, std::result::Result<f64, String>)> = finder
        .suggestions()
        .into_iter()
        .map(|(r, s)| (r, s.map(|s| s.lr).map_err(|e| e.to_string())))
        .collect();
    let mut grid = Vec::new();
    for &lr in &fc.grid {
        grid.push((
            lr,
            mean_final_loss(fc, data, setup, Plan::Constant(lr), cfg.device)?,
        ));
    }
    let mut at_suggestion = Vec::new();
    for (rule, s) in &suggestions {
        if let Ok(lr) = s {
            let loss = mean_final_loss(fc, data, setup, Plan::Constant(*lr), cfg.device)?;
            at_suggestion.push((*rule, loss));
        }
    }
    Ok(SetupResult {
        setup,
        finder,
        suggestions,
        grid,
        at_suggestion,
    })
}

/// Loads the chapter's subsets, standardised, on the configured device.
pub fn load_data(cfg: &Config, fc: &FinderConfig) -> Result<fashion_mnist::FashionMnist> {
    let dir = match &cfg.data_dir {
        Some(d) => d.clone(),
        None => fashion_mnist::locate()?,
    };
    let raw = fashion_mnist::load_subset(&dir, fc.train_examples, fc.test_examples)?;
    Ok(fashion_mnist::FashionMnist {
        train: fashion_mnist::standardize(&raw.train).to_device(cfg.device),
        test: fashion_mnist::standardize(&raw.test).to_device(cfg.device),
    })
}

fn lr_cell(s: &std::result::Result<f64, String>) -> Cell {
    match s {
        Ok(lr) => Cell::num(*lr, 2),
        Err(e) if e.contains("no descent") => Cell::from("none: no descent"),
        Err(e) if e.contains("too few points") => Cell::from("none: too few points"),
        Err(_) => Cell::from("none"),
    }
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
    let mut cols = vec!["setup".to_string()];
    cols.extend(Rule::ALL.iter().map(|r| r.name().to_string()));
    cols.push("stopped (diverged) at".into());
    let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
    let mut t = Table::new(
        "suggestions",
        &format!(
            "Suggested learning rates: range test from η = {} to {} over {} steps of {} examples, \
             smoothed with β = 0.98 (bias-corrected), stopped at 4× the best smoothed loss",
            fmt_sig(fc.start_lr, 2),
            fmt_sig(fc.end_lr, 2),
            fc.iterations,
            fc.batch_size
        ),
        &cols,
    );
    for r in results {
        let mut row = vec![Cell::from(r.setup.name())];
        row.extend(r.suggestions.iter().map(|(_, s)| lr_cell(s)));
        row.push(stop_cell(&r.finder));
        t.push(row);
    }
    t
}

/// The grid: mean final held-out loss of every constant LR, per setup.
pub fn grid_table(results: &[SetupResult], fc: &FinderConfig) -> Table {
    let mut cols = vec!["constant η".to_string()];
    cols.extend(results.iter().map(|r| r.setup.name().to_string()));
    let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
    let mut t = Table::new(
        "grid",
        &format!(
            "Grid search: held-out loss after {} steps at each constant η (mean over {} seed{}; \
             ∞ = diverged)",
            fc.budget,
            fc.seeds.len(),
            if fc.seeds.len() == 1 { "" } else { "s" }
        ),
        &cols,
    );
    for (i, &lr) in fc.grid.iter().enumerate() {
        let mut row = vec![Cell::num(lr, 2)];
        row.extend(results.iter().map(|r| Cell::num(r.grid[i].1, 3)));
        t.push(row);
    }
    t
}

/// The validation: held-out loss at each suggestion ÷ the best grid loss, per setup, and
/// each rule's mean and worst ratio over the setups.
pub fn ratio_table(results: &[SetupResult], fc: &FinderConfig) -> Table {
    let mut cols = vec![
        "setup".to_string(),
        "best grid η".to_string(),
        "best grid loss".to_string(),
    ];
    cols.extend(Rule::ALL.iter().map(|r| format!("{} ÷ best", r.name())));
    let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
    let mut t = Table::new(
        "ratios",
        &format!(
            "Held-out loss after {} steps at each rule's suggestion, divided by the best grid \
             point's (1 = as good as the grid; mean over {} seed{})",
            fc.budget,
            fc.seeds.len(),
            if fc.seeds.len() == 1 { "" } else { "s" }
        ),
        &cols,
    );
    for r in results {
        let (lr, loss) = r.best_grid();
        let mut row = vec![
            Cell::from(r.setup.name()),
            Cell::num(lr, 2),
            Cell::num(loss, 3),
        ];
        row.extend(
            Rule::ALL
                .iter()
                .map(|&rule| r.ratio(rule).map_or(Cell::from("—"), |x| Cell::num(x, 3))),
        );
        t.push(row);
    }
    for (label, worst) in [("mean over setups", false), ("worst setup", true)] {
        let mut row = vec![Cell::from(label), Cell::from(""), Cell::from("")];
        for &rule in &Rule::ALL {
            row.push(match rule_summary(results, rule) {
                Some((mean, max)) => Cell::num(if worst { max } else { mean }, 3),
                None => Cell::from("—"),
            });
        }
        t.push(row);
    }
    t
}

/// A rule's mean and worst ratio over the setups; `None` if it failed to suggest anywhere.
pub fn rule_summary(results: &[SetupResult], rule: Rule) -> Option<(f64, f64)> {
    let ratios: Option<Vec<f64>> = results.iter().map(|r| r.ratio(rule)).collect();
    let ratios = ratios?;
    let mean = ratios.iter().sum::<f64>() / ratios.len() as f64;
    Some((
        mean,
        ratios.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    ))
}

/// The rule with the smallest worst-case ratio (ties: smallest mean): the one to trust.
pub fn trusted_rule(results: &[SetupResult]) -> Option<Rule> {
    Rule::ALL
        .iter()
        .filter_map(|&r| rule_summary(results, r).map(|s| (r, s)))
        .min_by(|a, b| a.1 .1.total_cmp(&b.1 .1).then(a.1 .0.total_cmp(&b.1 .0)))
        .map(|(r, _)| r)
}

/// The range test on a model already trained for the budget at its best grid LR, next to
/// the fresh model's.
#[derive(Debug)]
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
    cfg: &Config,
    fc: &FinderConfig,
    data: &fashion_mnist::FashionMnist,
    first: &SetupResult,
) -> Result<TrainedModel> {
    let setup = first.setup;
    let seed = fc.seeds[0];
    let lr = first.best_grid().0;
    let (vs, net) = build_model(fc, setup, seed, cfg.device)?;
    let mut opt = build_optimizer(setup.opt, &vs, lr)?;
    let train_cfg = TrainConfig {
        epochs: fc.budget,
        batch_size: fc.batch_size,
        shuffle_seed: Some(seed.wrapping_mul(1000) + 500),
        max_steps: Some(fc.budget),
        blowup: Some(1e3),
        eval_every: None,
        progress: true,
    };
    train::train(
        &net,
        Loss::CrossEntropy,
        &mut opt,
        &mut |_| lr,
        &data.train,
        None,
        &train_cfg,
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
    let mut cols = vec![
        "model".to_string(),
        "smoothed loss where the rules start reading".to_string(),
        "lowest smoothed loss the rules read".to_string(),
        "relative drop".to_string(),
    ];
    cols.extend(Rule::ALL.iter().map(|r| r.name().to_string()));
    let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
    let mut t = Table::new(
        "trained_model",
        &format!(
            "{}: the range test on a fresh model and on one trained for {} steps at η = {}",
            tm.setup.name(),
            fc.budget,
            fmt_sig(tm.trained_at, 2)
        ),
        &cols,
    );
    for (name, r) in [("fresh", &tm.fresh), ("trained", &tm.trained)] {
        // The part of the curve the rules read (see `finder::SuggestOptions`).
        let s = r.smoothed();
        let opts = crate::finder::SuggestOptions::default();
        let finite = s.iter().position(|v| !v.is_finite()).unwrap_or(s.len());
        let start = (finite as f64 * opts.skip_start).floor() as usize;
        let end = finite.saturating_sub(opts.skip_end).max(start + 1);
        let first = s[start];
        let min = s[start..end].iter().copied().fold(f64::INFINITY, f64::min);
        let mut row = vec![
            Cell::from(name),
            Cell::num(first, 3),
            Cell::num(min, 3),
            Cell::num((first - min) / first.abs(), 2),
        ];
        row.extend(
            r.suggestions()
                .into_iter()
                .map(|(_, s)| lr_cell(&s.map(|s| s.lr).map_err(|e| e.to_string()))),
        );
        t.push(row);
    }
    t
}

/// One-cycle with its peak at `rule`'s suggestion and at the LR of the loss minimum (ten
/// times minimum/10's), against the best constant LR of the grid (chapter 3's one-cycle).
pub fn one_cycle_table(
    cfg: &Config,
    fc: &FinderConfig,
    data: &fashion_mnist::FashionMnist,
    results: &[SetupResult],
    rule: Rule,
) -> Result<Table> {
    let mut t = Table::new(
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
                    let l = mean_final_loss(fc, data, r.setup, Plan::OneCycle(p), cfg.device)?;
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

/// The rule whose suggestion sets one-cycle's peak: the one the book recommends.
pub const ONE_CYCLE_RULE: Rule = Rule::Minimum;

/// Everything chapter 6 computes.
#[derive(Debug)]
pub struct Chapter6 {
    /// The tables the book shows and the tests pin.
    pub report: Report,
    /// Each setup's range test, grid and suggestion runs.
    pub setups: Vec<SetupResult>,
    /// The range test on a trained model.
    pub trained: TrainedModel,
    /// The rule with the smallest worst-case ratio.
    pub trusted: Rule,
}

/// Runs the chapter with the sizes of `cfg.quick`.
pub fn run(cfg: &Config) -> Result<Chapter6> {
    run_with(cfg, &FinderConfig::for_config(cfg.quick))
}

/// Runs the chapter with explicit sizes.
pub fn run_with(cfg: &Config, fc: &FinderConfig) -> Result<Chapter6> {
    fc.validate()?;
    let data = load_data(cfg, fc)?;
    let mut setups = Vec::new();
    for &setup in &fc.setups {
        setups.push(run_setup(cfg, fc, &data, setup)?);
    }
    let trusted = trusted_rule(&setups).ok_or_else(|| {
        Error::invalid(
            "chapter 6 validation",
            "no rule made a suggestion for every setup",
            "Run more range-test iterations.",
        )
    })?;
    let trained = trained_model(cfg, fc, &data, &setups[0])?;
    let mut report = Report::new("Chapter 6: the LR finder");
    report.tables.push(suggestions_table(&setups, fc));
    report.tables.push(grid_table(&setups, fc));
    report.tables.push(ratio_table(&setups, fc));
    report.tables.push(trained_table(&trained, fc));
    report
        .tables
        .push(one_cycle_table(cfg, fc, &data, &setups, ONE_CYCLE_RULE)?);
    report.notes.push(format!(
        "Rule with the smallest worst-case ratio: {}",
        trusted.name()
    ));
    Ok(Chapter6 {
        report,
        setups,
        trained,
        trusted,
    })
}

/// Draws the chapter's figures into `dir`: each setup's range test, the grid against the
/// suggestions, and the fresh and trained model's curves.
pub fn draw_figures(ch: &Chapter6, dir: &Path) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    let mut finder_panels = Vec::new();
    let mut grid_panels = Vec::new();
    for (i, r) in ch.setups.iter().enumerate() {
        let chart = r
            .finder
            .chart(&format!("Range test: {}", r.setup.name()))
            .size(900, 420);
        let (svg, csv) = plot::save_figure(&chart, dir, &format!("finder_{i}"))?;
        written.extend([svg, csv]);
        finder_panels.push(chart);
        let mut g = LineChart::new(
            &format!("Grid against suggestions: {}", r.setup.name()),
            "constant learning rate (log scale)",
            "held-out loss after the budget",
        )
        .x_log()
        .size(900, 420)
        .series(Series::line_with_points("grid", r.grid.clone()).with_color(3));
        let pts: Vec<(f64, f64)> = r
            .at_suggestion
            .iter()
            .filter_map(|&(rule, l)| r.suggested(rule).map(|lr| (lr, l)))
            .collect();
        g = g.series(Series::points("trained at a suggestion", pts).with_color(4));
        for &(rule, l) in &r.at_suggestion {
            if let Some(lr) = r.suggested(rule) {
                if l.is_finite() {
                    g = g.marker(Marker::point(lr, l, rule.name()));
                }
            }
        }
        let finite: Vec<f64> = r
            .grid
            .iter()
            .map(|g| g.1)
            .chain(r.at_suggestion.iter().map(|a| a.1))
            .filter(|v| v.is_finite())
            .collect();
        let lo = finite.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if lo.is_finite() && hi > lo {
            let top = hi.min(3.0 * lo).max(lo * 1.2);
            g = g.y_range(lo - 0.05 * (top - lo), top);
        }
        let (svg, csv) = plot::save_figure(&g, dir, &format!("grid_{i}"))?;
        written.extend([svg, csv]);
        grid_panels.push(g);
    }
    let path = dir.join("finder_setups.svg");
    plot::save_panels_svg(&finder_panels, 1, &path)?;
    written.push(path);
    let path = dir.join("grid_vs_suggestions.svg");
    plot::save_panels_svg(&grid_panels, 1, &path)?;
    written.push(path);

    let tm = &ch.trained;
    let curve = |r: &RangeTestResult| -> Vec<(f64, f64)> {
        r.points.iter().map(|p| (p.lr, p.smoothed)).collect()
    };
    let best = tm
        .trained
        .smoothed()
        .into_iter()
        .chain(tm.fresh.smoothed())
        .filter(|v| v.is_finite())
        .fold(f64::INFINITY, f64::min);
    let first = tm.fresh.points.first().map_or(3.0, |p| p.smoothed);
    let chart = LineChart::new(
        &format!(
            "{}: range test on a fresh and on a trained model",
            tm.setup.name()
        ),
        "learning rate (log scale)",
        "smoothed training loss",
    )
    .x_log()
    .size(900, 450)
    .y_range(0.0, first.max(4.0 * best) * 1.05)
    .series(Series::line("fresh model", curve(&tm.fresh)).with_color(0))
    .series(Series::line("trained model", curve(&tm.trained)).with_color(3));
    let (svg, csv) = plot::save_figure(&chart, dir, "trained_model")?;
    written.extend([svg, csv]);
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_grid_is_inclusive_and_half_decade() {
        let g = log_grid(-4.0, 0.5, 0.5);
        assert_eq!(g.len(), 10);
        assert!((g[0] - 1e-4).abs() < 1e-18);
        assert!((g[9] - 10f64.powf(0.5)).abs() < 1e-12);
    }

    #[test]
    fn bad_configs_are_rejected() {
        let mut fc = FinderConfig::for_config(true);
        fc.grid.push(-1.0);
        assert!(fc.validate().is_err());
        let mut fc = FinderConfig::for_config(true);
        fc.start_lr = fc.end_lr;
        assert!(fc.validate().unwrap_err().to_string().contains("go up"));
        let mut fc = FinderConfig::for_config(true);
        fc.seeds.clear();
        assert!(fc.validate().is_err());
    }
}
