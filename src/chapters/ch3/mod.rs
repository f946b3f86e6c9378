//! Chapter 3 — learning-rate schedules.
//!
//! 1. The gallery: every schedule family on one budget of steps, as a table of values at
//!    landmark steps and one overlay figure on a log axis. Plus the warmup off-by-one.
//! 2. The comparison: one MLP, one budget, one peak LR, seven schedules (constant, step,
//!    exponential, cosine, warmup + cosine, one-cycle, plateau), several seeds, on
//!    Fashion-MNIST. Differences are called real only when they exceed the seed noise.
//! 3. The guidance table, whose evidence column is filled from part 2's measurements.
use std::path::{Path, PathBuf};

use tch::nn::{self, OptimizerConfig};
use tch::Device;

use super::Config;
use crate::data::fashion_mnist;
use crate::models::{Activation, Mlp};
use crate::plot::{self, LineChart, Series};
use crate::report::{fmt_sig, Cell, Report, Table};
use crate::schedule::{
    cosine_with_warmup, Chained, Constant, CosineAnnealingLr, CosineAnnealingWarmRestarts,
    CyclicConfig, CyclicLr, CyclicMode, ExponentialLr, FollowSchedule, InverseSqrt, LinearLr,
    LinearOneCycle, LrPolicy, LrSchedule, MultiStepLr, OneCycleConfig, OneCycleLr, PlateauConfig,
    PlateauOnLoss, PolynomialLr, ReduceLrOnPlateau, Sequential, StepLr, TimeBasedDecay, Warmup,
};
use crate::train::{self, History, Loss, TrainConfig};
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
    let mut table = Table::new(
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

/// The warmup off-by-one: the first steps of a `w`-step linear warmup to `lr` under the
/// hand-written `lr·t/w` (LR 0 at step 0), this crate's default `lr·(1 + (w−1)·t/w)/w`
/// (PyTorch's `LinearLR(start_factor=1/w)`), and the cosine ramp.
pub fn warmup_table(lr: f64, w: usize) -> Result<Table> {
    let zero_start = Warmup::linear(lr, w)?.with_start_factor(0.0)?;
    let linear = Warmup::linear(lr, w)?;
    let cosine = Warmup::cosine(lr, w)?;
    let mut table = Table::new(
        "warmup_start",
        &format!(
            "The first {} steps of a {w}-step warmup to η = {}: where step 0 starts",
            w + 1,
            fmt_sig(lr, 3)
        ),
        &[
            "step",
            "η·t/w (LR 0 at step 0)",
            "linear, start factor 1/w (default)",
            "cosine, start factor 1/w",
        ],
    );
    for k in 0..=w {
        table.push(vec![
            Cell::from(k),
            Cell::num(zero_start.lr(k), 4),
            Cell::num(linear.lr(k), 4),
            Cell::num(cosine.lr(k), 4),
        ]);
    }
    Ok(table)
}

/// The schedules of the training comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Contender {
    /// The peak LR throughout.
    Constant,
    /// ×0.2 at one and two thirds of the budget (`StepLR`).
    Step,
    /// Down to 1% of the peak at the end (`ExponentialLR`).
    Exponential,
    /// Cosine to 0 over the budget (`CosineAnnealingLR`).
    Cosine,
    /// 10% linear warmup, then cosine to 0.
    WarmupCosine,
    /// PyTorch's `OneCycleLR` with its defaults, momentum cycled 0.95 → 0.85 → 0.95.
    OneCycle,
    /// `ReduceLROnPlateau` on the mean training loss of every half epoch.
    Plateau,
}

impl Contender {
    /// All seven, in the order of the tables.
    pub const ALL: [Contender; 7] = [
        Contender::Constant,
        Contender::Step,
        Contender::Exponential,
        Contender::Cosine,
        Contender::WarmupCosine,
        Contender::OneCycle,
        Contender::Plateau,
    ];

    /// The name in tables and legends.
    pub fn name(self) -> &'static str {
        match self {
            Contender::Constant => "constant",
            Contender::Step => "step (×0.2 every third)",
            Contender::Exponential => "exponential (to 1%)",
            Contender::Cosine => "cosine",
            Contender::WarmupCosine => "warmup 10% + cosine",
            Contender::OneCycle => "one-cycle",
            Contender::Plateau => "plateau (×0.3, patience 1)",
        }
    }
}

/// Sizes of the training comparison.
#[derive(Clone, Debug)]
pub struct ComparisonConfig {
    /// Training examples (the first n of Fashion-MNIST's training set).
    pub train_examples: usize,
    /// Test examples (the first n of the test set).
    pub test_examples: usize,
    /// Hidden widths of the ReLU MLP.
    pub hidden: Vec<i64>,
    /// Passes over the training set.
    pub epochs: usize,
    /// Examples per step.
    pub batch_size: usize,
    /// The peak learning rate every schedule shares.
    pub peak_lr: f64,
    /// SGD momentum (one-cycle cycles its own).
    pub momentum: f64,
    /// One run per seed: initialisation and shuffling.
    pub seeds: Vec<u64>,
    /// "Steps to target": the first step at which the trailing mean training loss is below this.
    pub target_loss: f64,
    /// The schedules to compare.
    pub contenders: Vec<Contender>,
}

impl ComparisonConfig {
    /// The sizes for the quick or the full configuration.
    pub fn for_config(quick: bool) -> Self {
        if quick {
            ComparisonConfig {
                train_examples: 2000,
                test_examples: 1000,
                hidden: vec![64],
                epochs: 4,
                batch_size: 64,
                peak_lr: 0.05,
                momentum: 0.9,
                seeds: vec![0, 1],
                target_loss: 0.6,
                contenders: Contender::ALL.to_vec(),
            }
        } else {
            ComparisonConfig {
                train_examples: 20_000,
                test_examples: 10_000,
                hidden: vec![128],
                epochs: 10,
                batch_size: 100,
                peak_lr: 0.05,
                momentum: 0.9,
                seeds: vec![0, 1, 2, 3, 4],
                target_loss: 0.4,
                contenders: Contender::ALL.to_vec(),
            }
        }
    }

    /// Optimizer steps per epoch.
    pub fn steps_per_epoch(&self) -> usize {
        self.train_examples
            .div_ceil(self.batch_size.min(self.train_examples))
    }

    /// Optimizer steps in the whole budget.
    pub fn total_steps(&self) -> usize {
        self.steps_per_epoch() * self.epochs
    }

    fn validate(&self) -> Result<()> {
        validate::at_least_one("training examples", self.train_examples)?;
        validate::at_least_one("test examples", self.test_examples)?;
        validate::at_least_one("epochs", self.epochs)?;
        validate::at_least_one("batch size", self.batch_size)?;
        validate::learning_rate("peak learning rate", self.peak_lr)?;
        validate::at_least_one("number of seeds", self.seeds.len())?;
        validate::at_least_one("number of schedules", self.contenders.len())?;
        if !(0.0..1.0).contains(&self.momentum) {
            return Err(Error::invalid(
                "momentum",
                format!("got {}, but it must lie in [0, 1)", self.momentum),
                "Pass a momentum such as 0.9.",
            ));
        }
        if self.total_steps() < 10 {
            return Err(Error::invalid(
                "training budget",
                format!(
                    "got {} steps, but the schedules need at least 10",
                    self.total_steps()
                ),
                "Train for more epochs or on more examples.",
            ));
        }
        Ok(())
    }
}

/// The policy that drives `contender` over a budget of `total` steps at `peak` LR.
// ANCHOR: contender_policy
pub fn contender_policy(
    contender: Contender,
    peak: f64,
    total: usize,
    steps_per_epoch: usize,
) -> Result<Box<dyn LrPolicy>> {
    let stateless: Box<dyn LrSchedule> = match contender {
        Contender::Constant => Box::new(Constant::new(peak)?),
        Contender::Step => Box::new(StepLr::new(peak, total.div_ceil(3), 0.2)?),
        Contender::Exponential => {
            Box::new(ExponentialLr::new(peak, 0.01f64.powf(1.0 / total as f64))?)
        }
        Contender::Cosine => Box::new(CosineAnnealingLr::new(peak, total, 0.0)?),
        Contender::WarmupCosine => Box::new(cosine_with_warmup(peak, total / 10, total, 0.0)?),
        Contender::OneCycle => Box::new(OneCycleLr::new(peak, total, OneCycleConfig::default())?),
        Contender::Plateau => {
            let config = PlateauConfig {
                factor: 0.3,
                patience: 1,
                threshold: 0.01,
                ..PlateauConfig::default()
            };
            let plateau = ReduceLrOnPlateau::new(peak, config)?;
            let window = (steps_per_epoch / 2).max(1);
            return Ok(Box::new(PlateauOnLoss::new(plateau, window)?));
        }
    };
    Ok(Box::new(OwnedSchedule(stateless)))
}
// ANCHOR_END: contender_policy

/// A boxed schedule that owns itself, as a policy.
struct OwnedSchedule(Box<dyn LrSchedule>);

impl LrPolicy for OwnedSchedule {
    fn lr_for_step(&mut self, step: usize) -> Result<f64> {
        FollowSchedule(self.0.as_ref()).lr_for_step(step)
    }
    fn momentum_for_step(&self, step: usize) -> Option<f64> {
        self.0.momentum(step)
    }
}

/// One training run of the comparison.
#[derive(Debug)]
pub struct ComparisonRun {
    /// The schedule.
    pub contender: Contender,
    /// The seed.
    pub seed: u64,
    /// Everything the loop recorded: per-step LR and loss, per-epoch test accuracy.
    pub history: History,
}

impl ComparisonRun {
    /// Test accuracy at the end (NaN if the run diverged before any evaluation).
    pub fn final_accuracy(&self) -> f64 {
        self.history
            .evals
            .last()
            .and_then(|e| e.accuracy)
            .unwrap_or(f64::NAN)
    }

    /// Mean training loss over the last `window` steps.
    pub fn final_train_loss(&self, window: usize) -> f64 {
        let losses = self.history.losses();
        let tail = &losses[losses.len().saturating_sub(window.max(1))..];
        tail.iter().sum::<f64>() / tail.len().max(1) as f64
    }

    /// Steps taken when the mean training loss of the trailing `window` steps first fell
    /// to `target` or below; `None` if it never did.
    pub fn steps_to_target(&self, target: f64, window: usize) -> Option<usize> {
        trailing_mean_hits(&self.history.losses(), target, window)
    }
}

/// The first `k + 1` such that the mean of `losses[k+1−window ..= k]` is `<= target`
/// (a full window is required).
pub fn trailing_mean_hits(losses: &[f64], target: f64, window: usize) -> Option<usize> {
    let window = window.max(1);
    let mut sum = 0.0;
    for (k, &l) in losses.iter().enumerate() {
        sum += l;
        if k >= window {
            sum -= losses[k - window];
        }
        if k + 1 >= window && sum / window as f64 <= target {
            return Some(k + 1);
        }
    }
    None
}

/// Trains the comparison's MLP once with `contender` and `seed` on `data`.
pub fn comparison_run(
    data: &fashion_mnist::FashionMnist,
    cc: &ComparisonConfig,
    contender: Contender,
    seed: u64,
    device: Device,
) -> Result<ComparisonRun> {
    tch::manual_seed(seed as i64);
    let mut vs = nn::VarStore::new(Device::Cpu);
    let mut sizes = vec![784];
    sizes.extend(&cc.hidden);
    sizes.push(10);
    let model = Mlp::new(&vs.root(), &sizes, Activation::Relu)?;
    vs.set_device(device);
    let sgd = nn::Sgd {
        momentum: cc.momentum,
        ..Default::default()
    };
    let mut optimizer = sgd.build(&vs, cc.peak_lr)?;
    let mut policy = contender_policy(
        contender,
        cc.peak_lr,
        cc.total_steps(),
        cc.steps_per_epoch(),
    )?;
    let train_cfg = TrainConfig {
        epochs: cc.epochs,
        batch_size: cc.batch_size,
        shuffle_seed: Some(seed.wrapping_mul(1000)),
        max_steps: None,
        blowup: Some(1e3),
        eval_every: Some(cc.steps_per_epoch()),
        progress: true,
    };
    let history = train::train(
        &model,
        Loss::CrossEntropy,
        &mut optimizer,
        policy.as_mut(),
        &data.train,
        Some(&data.test),
        &train_cfg,
    )?;
    Ok(ComparisonRun {
        contender,
        seed,
        history,
    })
}

/// Loads the comparison's subsets, standardised, on `device`.
pub fn comparison_data(cfg: &Config, cc: &ComparisonConfig) -> Result<fashion_mnist::FashionMnist> {
    let dir = match &cfg.data_dir {
        Some(d) => d.clone(),
        None => fashion_mnist::locate()?,
    };
    let raw = fashion_mnist::load_subset(&dir, cc.train_examples, cc.test_examples)?;
    Ok(fashion_mnist::FashionMnist {
        train: fashion_mnist::standardize(&raw.train).to_device(cfg.device),
        test: fashion_mnist::standardize(&raw.test).to_device(cfg.device),
    })
}

/// Mean and sample standard deviation (0 for a single value).
pub fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    if xs.len() < 2 {
        return (mean, 0.0);
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

// ANCHOR: beyond_noise
/// Whether the difference of two seed-averaged accuracies exceeds twice its standard error
/// `√(sd_a²/n_a + sd_b²/n_b)`: the bar for calling a difference real rather than seed noise.
pub fn beyond_seed_noise(a: &[f64], b: &[f64]) -> bool {
    let ((ma, sa), (mb, sb)) = (mean_sd(a), mean_sd(b));
    let se = (sa * sa / a.len() as f64 + sb * sb / b.len() as f64).sqrt();
    (ma - mb).abs() > 2.0 * se
}
// ANCHOR_END: beyond_noise

/// The comparison's results.
#[derive(Debug)]
pub struct Comparison {
    /// The sizes it ran with.
    pub config: ComparisonConfig,
    /// Every run, schedule-major, seed-minor.
    pub runs: Vec<ComparisonRun>,
}

impl Comparison {
    /// The runs of one schedule.
    pub fn runs_of(&self, c: Contender) -> impl Iterator<Item = &ComparisonRun> {
        self.runs.iter().filter(move |r| r.contender == c)
    }

    /// Final test accuracies of one schedule, one per seed.
    pub fn accuracies(&self, c: Contender) -> Vec<f64> {
        self.runs_of(c).map(ComparisonRun::final_accuracy).collect()
    }

    /// The window for smoothed training losses: a tenth of an epoch, at least 5 steps.
    pub fn loss_window(&self) -> usize {
        (self.config.steps_per_epoch() / 10).max(5)
    }
}

/// Runs every schedule with every seed.
pub fn compare(cfg: &Config, cc: &ComparisonConfig) -> Result<Comparison> {
    cc.validate()?;
    let data = comparison_data(cfg, cc)?;
    let mut runs = Vec::new();
    for &contender in &cc.contenders {
        for &seed in &cc.seeds {
            runs.push(comparison_run(&data, cc, contender, seed, cfg.device)?);
        }
    }
    Ok(Comparison {
        config: cc.clone(),
        runs,
    })
}

/// The results table: accuracy with its seed spread, the difference from constant and
/// whether it is beyond the seed noise, the final training loss, and steps to the target.
pub fn comparison_table(cmp: &Comparison, id: &str) -> Table {
    let cc = &cmp.config;
    let n = cc.seeds.len();
    let window = cmp.loss_window();
    let mut table = Table::new(
        id,
        &format!(
            "MLP 784-{}-10 on {} Fashion-MNIST images, SGD momentum {}, peak η = {}, {} epochs \
             of {} steps, {} seeds; accuracy on {} test images",
            cc.hidden
                .iter()
                .map(|h| h.to_string())
                .collect::<Vec<_>>()
                .join("-"),
            cc.train_examples,
            fmt_sig(cc.momentum, 2),
            fmt_sig(cc.peak_lr, 3),
            cc.epochs,
            cc.steps_per_epoch(),
            n,
            cc.test_examples
        ),
        &[
            "schedule",
            "test accuracy (mean)",
            "± sd over seeds",
            "Δ vs constant",
            "beyond seed noise?",
            "final train loss",
            &format!("steps to train loss ≤ {}", fmt_sig(cc.target_loss, 3)),
            "final η / peak (mean)",
            "diverged runs",
        ],
    );
    let baseline = cmp.accuracies(Contender::Constant);
    for &c in &cc.contenders {
        let acc = cmp.accuracies(c);
        let (mean, sd) = mean_sd(&acc);
        let losses: Vec<f64> = cmp.runs_of(c).map(|r| r.final_train_loss(window)).collect();
        let hits: Vec<Option<usize>> = cmp
            .runs_of(c)
            .map(|r| r.steps_to_target(cc.target_loss, window))
            .collect();
        let reached: Vec<f64> = hits.iter().flatten().map(|&s| s as f64).collect();
        let steps = if reached.len() == hits.len() {
            Cell::num(mean_sd(&reached).0, 3)
        } else {
            Cell::Text(format!(
                "{} of {} runs never",
                hits.len() - reached.len(),
                n
            ))
        };
        let diverged = cmp.runs_of(c).filter(|r| r.history.diverged()).count();
        let final_lrs: Vec<f64> = cmp
            .runs_of(c)
            .filter_map(|r| r.history.steps.last().map(|s| s.lr / cc.peak_lr))
            .collect();
        let (delta, verdict) = if c == Contender::Constant || baseline.is_empty() {
            (Cell::from("—"), Cell::from("—"))
        } else {
            let d = mean - mean_sd(&baseline).0;
            let real = beyond_seed_noise(&acc, &baseline);
            (Cell::num(d, 2), Cell::from(if real { "yes" } else { "no" }))
        };
        table.push(vec![
            Cell::from(c.name()),
            Cell::num(mean, 4),
            Cell::num(sd, 2),
            delta,
            verdict,
            Cell::num(mean_sd(&losses).0, 3),
            steps,
            Cell::num(mean_sd(&final_lrs).0, 2),
            Cell::from(diverged),
        ]);
    }
    table
}

/// The best schedule (by mean test accuracy) against every other: is it better beyond
/// the seed noise, or only by luck of the seeds?
pub fn best_vs_rest_table(cmp: &Comparison, id: &str) -> Table {
    let mut ranked: Vec<(Contender, f64)> = cmp
        .config
        .contenders
        .iter()
        .map(|&c| (c, mean_sd(&cmp.accuracies(c)).0))
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let best = ranked[0].0;
    let best_acc = cmp.accuracies(best);
    let mut table = Table::new(
        id,
        &format!(
            "The best schedule, {}, against each of the others",
            best.name()
        ),
        &[
            "other schedule",
            "its accuracy (mean)",
            "best − other",
            "beyond seed noise?",
        ],
    );
    for &(c, mean) in &ranked[1..] {
        let real = beyond_seed_noise(&best_acc, &cmp.accuracies(c));
        table.push(vec![
            Cell::from(c.name()),
            Cell::num(mean, 4),
            Cell::num(ranked[0].1 - mean, 2),
            Cell::from(if real { "yes" } else { "no" }),
        ]);
    }
    table
}

/// Final test accuracy of every run, so a reader can see the seed noise itself.
pub fn per_seed_table(cmp: &Comparison, id: &str) -> Table {
    let mut columns = vec!["schedule".to_string()];
    columns.extend(cmp.config.seeds.iter().map(|s| format!("seed {s}")));
    let cols: Vec<&str> = columns.iter().map(String::as_str).collect();
    let mut table = Table::new(id, "Final test accuracy of every run", &cols);
    for &c in &cmp.config.contenders {
        let mut row = vec![Cell::from(c.name())];
        row.extend(cmp.runs_of(c).map(|r| Cell::num(r.final_accuracy(), 4)));
        table.push(row);
    }
    table
}

/// The guidance table: which schedule for which situation, with this chapter's own
/// measurement as evidence where it has one.
pub fn guidance_table(cmp: &Comparison) -> Table {
    let baseline = cmp.accuracies(Contender::Constant);
    let evidence = |c: Contender| -> String {
        if !cmp.config.contenders.contains(&c) || baseline.is_empty() {
            return "not measured here".into();
        }
        let acc = cmp.accuracies(c);
        let d = mean_sd(&acc).0 - mean_sd(&baseline).0;
        format!(
            "{} vs constant ({}seed noise)",
            signed(d, 2),
            if beyond_seed_noise(&acc, &baseline) {
                "beyond "
            } else {
                "within "
            }
        )
    };
    let mut table = Table::new(
        "guidance",
        "Which schedule when, with this chapter's measured test-accuracy difference",
        &["situation", "reach for", "why", "measured here"],
    );
    let rows: [(&str, &str, &str, Option<Contender>); 7] = [
        (
            "a known budget of steps",
            "cosine to 0",
            "no milestones to tune; spends its last steps at small η",
            Some(Contender::Cosine),
        ),
        (
            "large batch, Adam, or a fragile start",
            "linear warmup + cosine",
            "small first steps while curvature and Adam's moments settle",
            Some(Contender::WarmupCosine),
        ),
        (
            "SGD with momentum, short budget",
            "one-cycle",
            "high η in the middle, momentum cycled against it",
            Some(Contender::OneCycle),
        ),
        (
            "a reproduced paper recipe",
            "step / multistep",
            "the milestones are part of the recipe",
            Some(Contender::Step),
        ),
        (
            "unknown budget, validation metric available",
            "plateau",
            "cuts only when progress stalls; needs patience tuned to the noise",
            Some(Contender::Plateau),
        ),
        (
            "smooth decay without a fixed end",
            "exponential or inverse sqrt",
            "defined for any number of steps",
            Some(Contender::Exponential),
        ),
        (
            "searching for good η ranges, ensembling snapshots",
            "cyclic or warm restarts",
            "each cycle revisits large η; each trough is a usable snapshot",
            None,
        ),
    ];
    for (situation, schedule, why, measured) in rows {
        table.push(vec![
            Cell::from(situation),
            Cell::from(schedule),
            Cell::from(why),
            Cell::Text(measured.map_or("not measured here".into(), evidence)),
        ]);
    }
    table
}

fn signed(x: f64, digits: usize) -> String {
    let s = fmt_sig(x, digits);
    if x > 0.0 && s != "0" {
        format!("+{s}")
    } else {
        s
    }
}

/// Everything chapter 3 computes.
#[derive(Debug)]
pub struct Chapter3 {
    /// The tables the book shows and the tests pin.
    pub report: Report,
    /// The training comparison behind the tables and figures.
    pub comparison: Comparison,
}

/// Runs the chapter with the sizes of `cfg.quick`.
pub fn run(cfg: &Config) -> Result<Chapter3> {
    run_with(cfg, &ComparisonConfig::for_config(cfg.quick))
}

/// Runs the chapter with explicit comparison sizes.
pub fn run_with(cfg: &Config, cc: &ComparisonConfig) -> Result<Chapter3> {
    let mut report = Report::new("Chapter 3: learning-rate schedules");
    let entries = gallery(GALLERY_LR, GALLERY_STEPS)?;
    report.tables.push(gallery_table(&entries, GALLERY_STEPS));
    report.tables.push(warmup_table(GALLERY_LR, 4)?);
    let comparison = compare(cfg, cc)?;
    report
        .tables
        .push(comparison_table(&comparison, "comparison"));
    report
        .tables
        .push(best_vs_rest_table(&comparison, "best_vs_rest"));
    report.tables.push(per_seed_table(&comparison, "per_seed"));
    report.tables.push(guidance_table(&comparison));
    Ok(Chapter3 { report, comparison })
}

/// Draws the chapter's figures into `dir`: the schedule gallery and the training curves.
pub fn draw_figures(ch: &Chapter3, dir: &Path) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    let entries = gallery(GALLERY_LR, GALLERY_STEPS)?;
    let titles = [
        "Decays",
        "Annealing to zero, warmup, one-cycle",
        "Cycles and restarts",
    ];
    let panels: Vec<LineChart> = titles
        .iter()
        .enumerate()
        .map(|(g, title)| {
            let mut chart = LineChart::new(title, "step", "learning rate η (log scale)")
                .y_log()
                .y_range(1e-4, 0.2)
                .size(900, 380);
            for (i, e) in entries.iter().filter(|e| e.group == g).enumerate() {
                let pts: Vec<(f64, f64)> = (0..GALLERY_STEPS)
                    .map(|k| (k as f64, e.schedule.lr(k)))
                    .collect();
                chart = chart.series(Series::line(e.name, pts).with_color(i));
            }
            chart
        })
        .collect();
    let path = dir.join("gallery.svg");
    plot::save_panels_svg(&panels, 1, &path)?;
    written.push(path);
    for (panel, stem) in panels
        .iter()
        .zip(["gallery_decays", "gallery_anneal", "gallery_cycles"])
    {
        let csv = dir.join(format!("{stem}.csv"));
        panel.write_csv(&csv)?;
        written.push(csv);
    }

    let cmp = &ch.comparison;
    let seed = cmp.config.seeds[0];
    let window = cmp.loss_window();
    let spe = cmp.config.steps_per_epoch() as f64;
    let mut loss = LineChart::new(
        &format!("Training loss (mean of {window} steps), seed {seed}"),
        "epoch",
        "cross-entropy (log scale)",
    )
    .y_log();
    let mut acc = LineChart::new(&format!("Test accuracy, seed {seed}"), "epoch", "accuracy");
    let mut lr = LineChart::new(
        &format!("Learning rate, seed {seed}"),
        "epoch",
        "η (log scale)",
    )
    .y_log();
    for (i, run) in cmp.runs.iter().filter(|r| r.seed == seed).enumerate() {
        let name = run.contender.name();
        let losses = run.history.losses();
        let smoothed: Vec<(f64, f64)> = losses
            .windows(window)
            .enumerate()
            .map(|(k, w)| {
                (
                    (k + window) as f64 / spe,
                    w.iter().sum::<f64>() / window as f64,
                )
            })
            .collect();
        loss = loss.series(Series::line(name, smoothed).with_color(i));
        let accs: Vec<(f64, f64)> = run
            .history
            .evals
            .iter()
            .filter_map(|e| e.accuracy.map(|a| (e.step as f64 / spe, a)))
            .collect();
        acc = acc.series(Series::line_with_points(name, accs).with_color(i));
        let lrs: Vec<(f64, f64)> = run
            .history
            .steps
            .iter()
            .map(|s| (s.step as f64 / spe, s.lr))
            .collect();
        lr = lr.series(Series::line(name, lrs).with_color(i));
    }
    let path = dir.join("training.svg");
    plot::save_panels_svg(
        &[
            loss.clone().size(900, 380),
            acc.clone().size(900, 380),
            lr.clone().size(900, 380),
        ],
        1,
        &path,
    )?;
    written.push(path);
    for (chart, stem) in [
        (&loss, "training_loss"),
        (&acc, "test_accuracy"),
        (&lr, "training_lr"),
    ] {
        let (svg, csv) = plot::save_figure(chart, dir, stem)?;
        written.push(svg);
        written.push(csv);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_mean_needs_a_full_window() {
        let l = [5.0, 1.0, 1.0, 1.0, 0.5];
        assert_eq!(trailing_mean_hits(&l, 1.0, 3), Some(4));
        assert_eq!(trailing_mean_hits(&l, 1.0, 1), Some(2));
        assert_eq!(trailing_mean_hits(&l, 0.1, 2), None);
        assert_eq!(trailing_mean_hits(&[], 1.0, 2), None);
    }

    #[test]
    fn seed_noise_bar_is_twice_the_standard_error() {
        // Means differ by 0.02; sd 0.01 each over 3 seeds gives se = 0.00816.
        let a = [0.80, 0.81, 0.82];
        let b = [0.82, 0.83, 0.84];
        assert!(beyond_seed_noise(&a, &b));
        let c = [0.78, 0.81, 0.84]; // sd 0.03: se = 0.0183, and 2·se = 0.037 > 0.02
        assert!(!beyond_seed_noise(&c, &b));
        assert_eq!(mean_sd(&[1.0]), (1.0, 0.0));
    }

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

    #[test]
    fn warmup_table_shows_the_zero_start_only_when_asked() {
        let t = warmup_table(0.1, 4).unwrap();
        assert_eq!(t.rows[0][1], Cell::num(0.0, 4));
        assert_eq!(t.rows[0][2], Cell::num(0.025, 4));
        assert_eq!(t.rows[4][2], Cell::num(0.1, 4));
    }

    #[test]
    fn bad_comparison_configs_are_rejected() {
        let mut cc = ComparisonConfig::for_config(true);
        cc.peak_lr = f64::NAN;
        assert!(cc.validate().is_err());
        let mut cc = ComparisonConfig::for_config(true);
        cc.seeds.clear();
        assert!(cc.validate().unwrap_err().to_string().contains("seeds"));
        let mut cc = ComparisonConfig::for_config(true);
        cc.momentum = 1.0;
        assert!(cc.validate().is_err());
    }
}
