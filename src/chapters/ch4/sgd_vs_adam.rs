//! "Tuned SGD against tuned Adam: what the test set says" (Wilson et al., 2017): SGD with
//! momentum 0.9, Adam and AdamW, each given its own log-spaced learning-rate grid at the same
//! budget, tuned on a validation split carved from Fashion-MNIST's training images, then
//! trained at the tuned rate over shared seeds and compared on the test set, pairwise over
//! the seeds, for an MLP and a small CNN. Then AdamW's decoupled decay against Adam with an
//! L2 term at the same coefficient and the same tuned rate (Loshchilov and Hutter, 2019):
//! test accuracy and the final weight norm.
//!
//! Tables in [`tables`], figures in [`figures`], exercise 8 in [`exercise`].
use std::collections::HashMap;
use std::path::Path;

use tch::{nn, Device, Kind};

pub mod exercise;
pub mod figures;
pub mod tables;

use crate::chapters::exercise::{drawn_solution, solve_section, Exercise, Section, Solution};
use crate::chapters::Config;
use crate::data::Dataset;
use crate::experiment::MlpSetup;
use crate::models::{self, Net, SmallCnn};
use crate::optim::{OptimizerSpec, Rule, TorchArgs};
use crate::report::{fmt_sig, Table};
use crate::stats::{self, Paired, LEVEL};
use crate::train::{self, Loss, TrainConfig};
use crate::Result;

/// The two networks.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum, serde::Serialize, serde::Deserialize,
)]
pub enum Arch {
    /// The ReLU MLP of [`TunedConfig::net`].
    Mlp,
    /// [`SmallCnn`] with [`TunedConfig::channels`].
    Cnn,
}

impl Arch {
    /// Both, in table order.
    pub const ALL: [Arch; 2] = [Arch::Mlp, Arch::Cnn];

    /// "MLP 784-128-10" or "CNN (8, 16)".
    pub fn name(self, c: &TunedConfig) -> String {
        match self {
            Arch::Mlp => format!("MLP {}", c.net.label()),
            Arch::Cnn => format!("CNN {}-{}", c.channels.0, c.channels.1),
        }
    }

    /// The network of `seed` in the configuration's float kind, on `device` (see
    /// [`models::seeded`]).
    pub fn build(self, c: &TunedConfig, seed: u64, device: Device) -> Result<(nn::VarStore, Net)> {
        Ok(match self {
            Arch::Mlp => {
                let (vs, mlp) = c.net.model_in(seed, c.kind, device)?;
                (vs, Net::Mlp(mlp))
            }
            Arch::Cnn => {
                let (vs, cnn) = models::seeded(seed, c.kind, device, |root| {
                    SmallCnn::new(root, c.channels, 10)
                })?;
                (vs, Net::Cnn(Box::new(cnn)))
            }
        })
    }
}

/// The update rules of the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Method {
    /// SGD with momentum 0.9 (PyTorch's heavy ball, no weight decay).
    Sgd,
    /// Adam with PyTorch's defaults (no weight decay).
    Adam,
    /// AdamW: Adam with decoupled weight decay λ.
    AdamW,
    /// Adam with an L2 term λθ added to the gradient: AdamW's control, at AdamW's rate.
    AdamL2,
}

impl Method {
    /// The three rules that get a grid each.
    pub const TUNED: [Method; 3] = [Method::Sgd, Method::Adam, Method::AdamW];

    /// The name in tables and legends.
    pub fn name(self) -> &'static str {
        match self {
            Method::Sgd => "SGD + momentum 0.9",
            Method::Adam => "Adam",
            Method::AdamW => "AdamW",
            Method::AdamL2 => "Adam + L2",
        }
    }

    // ANCHOR: spec
    /// The rule as `torch.optim` would build it; `decay` is λ of AdamW and of Adam + L2.
    pub fn spec(self, decay: f64) -> OptimizerSpec {
        let decay = TorchArgs {
            weight_decay: Some(decay),
            ..TorchArgs::default()
        };
        match self {
            Method::Sgd => Rule::Sgd.with(TorchArgs {
                momentum: Some(0.9),
                ..TorchArgs::default()
            }),
            Method::Adam => Rule::Adam.into(),
            Method::AdamW => Rule::AdamW.with(decay), // θ ← θ(1 − ηλ), then Adam's step
            Method::AdamL2 => Rule::Adam.with(decay), // g ← g + λθ, then Adam's step
        }
    }
    // ANCHOR_END: spec
}

/// The sizes of the page.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct TunedConfig {
    /// The MLP, the epochs and the batch of every run; `train_examples` is the first n
    /// training images, of which the last [`TunedConfig::val`] are the validation split,
    /// and `test_examples` the first n of the test set.
    pub net: MlpSetup,
    /// Validation images, carved from the end of the loaded training images.
    pub val: usize,
    /// The CNN's channels.
    pub channels: (i64, i64),
    /// Float kind of data and weights.
    #[serde(with = "crate::run_cache::kind_serde")]
    pub kind: Kind,
    /// Each tuned rule's learning-rate grid, log-spaced.
    pub grids: Vec<(Method, Vec<f64>)>,
    /// λ of AdamW and of Adam + L2.
    pub decay: f64,
    /// The seed every grid point is trained with (added to `--seed`).
    pub tune_seed: u64,
    /// The seeds of the test comparison (added to `--seed`), shared by every rule.
    pub seeds: Vec<u64>,
}

/// `n` log-spaced rates, half a decade apart, from `10^lo`.
pub fn half_decades(lo: f64, n: usize) -> Vec<f64> {
    (0..n).map(|i| 10f64.powf(lo + 0.5 * i as f64)).collect()
}

impl TunedConfig {
    /// The quick or the full sizes.
    pub fn for_config(quick: bool) -> Self {
        let (net, val, channels, points, seeds) = if quick {
            (MlpSetup::new(1500, 500, &[32], 1, 50), 500, (4, 8), 3, 3)
        } else {
            (
                MlpSetup::new(5000, 2000, &[128], 3, 64),
                1000,
                (8, 16),
                6,
                8,
            )
        };
        let (sgd_lo, adam_lo) = if quick { (-2.0, -3.5) } else { (-3.0, -4.0) };
        TunedConfig {
            net,
            val,
            channels,
            kind: Kind::Double,
            grids: vec![
                (Method::Sgd, half_decades(sgd_lo, points)),
                (Method::Adam, half_decades(adam_lo, points)),
                (Method::AdamW, half_decades(adam_lo, points)),
            ],
            decay: 0.01,
            tune_seed: 100,
            seeds: (0..seeds).collect(),
        }
    }

    /// Training images (those before the validation split).
    pub fn train(&self) -> usize {
        self.net.train_examples - self.val
    }

    /// The grid of `method`.
    pub fn grid(&self, method: Method) -> &[f64] {
        self.grids
            .iter()
            .find(|(m, _)| *m == method)
            .map_or(&[], |(_, g)| g.as_slice())
    }

    /// The configuration line every caption carries.
    pub fn caption(&self) -> String {
        format!(
            "Fashion-MNIST: {} training images, validation on the next {} training images, \
             test on the first {} test images; {} epoch{} of batch {}, constant rate, {}; MLP \
             {} and CNN {}-{}",
            self.train(),
            self.val,
            self.net.test_examples,
            self.net.epochs,
            if self.net.epochs == 1 { "" } else { "s" },
            self.net.batch_size,
            if self.kind == Kind::Double {
                "f64"
            } else {
                "f32"
            },
            self.net.label(),
            self.channels.0,
            self.channels.1
        )
    }
}

/// Training, validation and test sets.
#[derive(Debug)]
pub struct Splits {
    /// What every run trains on.
    pub train: Dataset,
    /// What the grids are scored on.
    pub val: Dataset,
    /// What the tuned rules are compared on.
    pub test: Dataset,
}

// ANCHOR: splits
/// The first `train + val` training images, split in that order, and the test images, all
/// standardised, in the configuration's float kind.
pub fn load_splits(c: &TunedConfig, cfg: &Config) -> Result<Splits> {
    let data = c.net.load_data(cfg.data_dir.as_deref(), cfg.device)?;
    let (train, val) = (c.train() as i64, c.val as i64);
    let part = |d: &Dataset, from: i64, n: i64| {
        Dataset::new(
            d.inputs.narrow(0, from, n).to_kind(c.kind),
            d.targets.narrow(0, from, n),
        )
    };
    Ok(Splits {
        train: part(&data.train, 0, train)?,
        val: part(&data.train, train, val)?,
        test: part(&data.test, 0, c.net.test_examples as i64)?,
    })
}
// ANCHOR_END: splits

/// What one run ends with.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Outcome {
    /// Validation accuracy at the end; NaN if the run diverged.
    pub val_accuracy: f64,
    /// Validation loss at the end; ∞ if the run diverged.
    pub val_loss: f64,
    /// Test accuracy at the end; NaN if the run diverged.
    pub test_accuracy: f64,
    /// `‖θ‖₂` at the end.
    pub weight_norm: f64,
}

impl Outcome {
    /// Whether the run diverged.
    pub fn diverged(&self) -> bool {
        !self.val_loss.is_finite()
    }
}

// ANCHOR: run
/// Trains `arch` from `seed` with `method` at the constant rate `lr`, scores it on the
/// validation split, and only then reads its test accuracy.
pub fn train_run(
    s: &Splits,
    c: &TunedConfig,
    arch: Arch,
    method: Method,
    lr: f64,
    seed: u64,
) -> Result<Outcome> {
    let (vs, net) = arch.build(c, seed, s.train.inputs.device())?;
    let mut opt = method.spec(c.decay).build(vs.trainable_variables())?;
    let tc = TrainConfig {
        epochs: c.net.epochs,
        batch_size: c.net.batch_size,
        shuffle_seed: Some(seed),
        blowup: Some(1e2),
        progress: false,
        ..TrainConfig::default()
    };
    let loss = Loss::CrossEntropy;
    let h = train::train(
        &net,
        loss,
        opt.as_mut(),
        &mut |_| lr,
        &s.train,
        Some(&s.val),
        &tc,
    )?;
    let weight_norm = models::weight_norm(&vs);
    if h.diverged() || !h.final_eval_loss().is_finite() {
        return Ok(Outcome {
            val_accuracy: f64::NAN,
            val_loss: f64::INFINITY,
            test_accuracy: f64::NAN,
            weight_norm,
        });
    }
    let (_, test_accuracy) = train::evaluate(&net, loss, &s.test, 1024)?;
    Ok(Outcome {
        val_accuracy: h.final_accuracy(),
        val_loss: h.final_eval_loss(),
        test_accuracy: test_accuracy.unwrap_or(f64::NAN),
        weight_norm,
    })
}
// ANCHOR_END: run

// ANCHOR: choose
/// The grid's choice: the rate with the highest validation accuracy, ties broken by the
/// lower validation loss; a diverged run never wins. `None` if every run diverged.
pub fn choose(points: &[(f64, Outcome)]) -> Option<f64> {
    points
        .iter()
        .filter(|(_, o)| !o.diverged())
        .max_by(|(_, a), (_, b)| {
            a.val_accuracy
                .total_cmp(&b.val_accuracy)
                .then(b.val_loss.total_cmp(&a.val_loss))
        })
        .map(|(lr, _)| *lr)
}
// ANCHOR_END: choose

/// Runs, each trained once: the grids and the seed runs share those they have in common.
pub(crate) struct Runner<'a> {
    splits: &'a Splits,
    config: &'a TunedConfig,
    done: HashMap<(Arch, Method, u64, u64), Outcome>,
}

impl<'a> Runner<'a> {
    /// A runner with nothing run yet.
    pub(crate) fn new(splits: &'a Splits, config: &'a TunedConfig) -> Self {
        Runner {
            splits,
            config,
            done: HashMap::new(),
        }
    }

    /// The outcome of `method` at `lr` from `seed` on `arch`, trained on first request.
    pub(crate) fn run(
        &mut self,
        arch: Arch,
        method: Method,
        lr: f64,
        seed: u64,
    ) -> Result<Outcome> {
        let key = (arch, method, lr.to_bits(), seed);
        if let Some(o) = self.done.get(&key) {
            return Ok(*o);
        }
        let o = train_run(self.splits, self.config, arch, method, lr, seed)?;
        self.done.insert(key, o);
        Ok(o)
    }
}

/// One network's results.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ArchResult {
    /// The network.
    pub arch: Arch,
    /// The grids: `(rule, η, outcome on the tuning seed)`.
    pub grid: Vec<(Method, f64, Outcome)>,
    /// Each rule's rate: the tuned rules' choices, and AdamW's for Adam + L2.
    pub lrs: Vec<(Method, f64)>,
    /// Each rule at its rate over the seeds, in seed order (the tuned rules, then Adam + L2).
    pub runs: Vec<(Method, Vec<Outcome>)>,
}

impl ArchResult {
    /// The rate of `method` (NaN if it has none).
    pub fn lr(&self, method: Method) -> f64 {
        self.lrs
            .iter()
            .find(|(m, _)| *m == method)
            .map_or(f64::NAN, |(_, lr)| *lr)
    }

    /// The seed runs of `method`.
    pub fn outcomes(&self, method: Method) -> &[Outcome] {
        self.runs
            .iter()
            .find(|(m, _)| *m == method)
            .map_or(&[], |(_, o)| o.as_slice())
    }

    /// Test accuracies of `method` over the seeds.
    pub fn test_accuracies(&self, method: Method) -> Vec<f64> {
        self.outcomes(method)
            .iter()
            .map(|o| o.test_accuracy)
            .collect()
    }

    /// Final weight norms of `method` over the seeds.
    pub fn weight_norms(&self, method: Method) -> Vec<f64> {
        self.outcomes(method)
            .iter()
            .map(|o| o.weight_norm)
            .collect()
    }

    /// The grid points of `method`: `(η, outcome)`.
    pub fn grid_of(&self, method: Method) -> Vec<(f64, Outcome)> {
        self.grid
            .iter()
            .filter(|(m, _, _)| *m == method)
            .map(|(_, lr, o)| (*lr, *o))
            .collect()
    }

    // ANCHOR: paired
    /// Test accuracy of `a` minus that of `b`, paired over the shared seeds (`None` when a
    /// seed diverged on either side).
    pub fn paired_test(&self, a: Method, b: Method) -> Option<Paired> {
        stats::paired(&self.test_accuracies(a), &self.test_accuracies(b), LEVEL).ok()
    }
    // ANCHOR_END: paired

    /// Weight norm of `a` minus that of `b`, paired over the seeds.
    pub fn paired_norm(&self, a: Method, b: Method) -> Option<Paired> {
        stats::paired(&self.weight_norms(a), &self.weight_norms(b), LEVEL).ok()
    }
}

/// The pairs the page compares on test accuracy, `a − b`.
pub const COMPARISONS: [(Method, Method); 3] = [
    (Method::Sgd, Method::Adam),
    (Method::Sgd, Method::AdamW),
    (Method::AdamW, Method::Adam),
];

/// `method`'s grid on `arch` from `tune_seed`: every point, and the choice.
pub(crate) fn tune(
    runner: &mut Runner,
    arch: Arch,
    method: Method,
    tune_seed: u64,
) -> Result<(Vec<(f64, Outcome)>, f64)> {
    let c = runner.config;
    let points = c
        .grid(method)
        .iter()
        .map(|&lr| Ok((lr, runner.run(arch, method, lr, tune_seed)?)))
        .collect::<Result<Vec<_>>>()?;
    let lr = choose(&points).ok_or_else(|| {
        crate::Error::invalid(
            "learning-rate grid",
            format!(
                "every rate of {} on the {} diverged",
                method.name(),
                arch.name(c)
            ),
            "Pass a grid with smaller rates.",
        )
    })?;
    Ok((points, lr))
}

/// Tunes every rule of `methods` on `arch` and trains each at its choice over `seeds`;
/// Adam + L2 runs at AdamW's choice when `methods` holds AdamW.
fn arch_result(
    runner: &mut Runner,
    arch: Arch,
    methods: &[Method],
    tune_seed: u64,
    seeds: &[u64],
) -> Result<ArchResult> {
    let mut out = ArchResult {
        arch,
        grid: Vec::new(),
        lrs: Vec::new(),
        runs: Vec::new(),
    };
    for &method in methods {
        let (points, lr) = tune(runner, arch, method, tune_seed)?;
        out.grid
            .extend(points.into_iter().map(|(lr, o)| (method, lr, o)));
        out.lrs.push((method, lr));
    }
    if methods.contains(&Method::AdamW) {
        out.lrs.push((Method::AdamL2, out.lr(Method::AdamW)));
    }
    for &(method, lr) in &out.lrs.clone() {
        let runs = seeds
            .iter()
            .map(|&s| runner.run(arch, method, lr, s))
            .collect::<Result<Vec<_>>>()?;
        out.runs.push((method, runs));
    }
    Ok(out)
}

/// Everything the page computes.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct SgdVsAdam {
    /// The sizes.
    pub config: TunedConfig,
    /// The tuning seed (after `--seed`).
    pub tune_seed: u64,
    /// The test seeds (after `--seed`).
    pub seeds: Vec<u64>,
    /// The MLP's results, then the CNN's.
    pub archs: Vec<ArchResult>,
    /// The tables, in page order.
    pub tables: Vec<Table>,
}

impl SgdVsAdam {
    /// The results of `arch`.
    pub fn arch(&self, arch: Arch) -> &ArchResult {
        self.archs
            .iter()
            .find(|r| r.arch == arch)
            .expect("both networks are run")
    }
}

/// Runs the page under `cfg` (`--quick` shrinks data, networks, grids and seeds).
pub fn sgd_vs_adam(cfg: &Config) -> Result<SgdVsAdam> {
    let config = TunedConfig::for_config(cfg.quick);
    let seeds = cfg.run_seeds("seeds", &config.seeds)?;
    let tune_seed = cfg.run_seeds("tuning seed", &[config.tune_seed])?[0];
    let splits = load_splits(&config, cfg)?;
    let mut runner = Runner::new(&splits, &config);
    let archs = Arch::ALL
        .iter()
        .map(|&arch| arch_result(&mut runner, arch, &Method::TUNED, tune_seed, &seeds))
        .collect::<Result<Vec<_>>>()?;
    drop(runner);
    let mut s = SgdVsAdam {
        config,
        tune_seed,
        seeds,
        archs,
        tables: Vec::new(),
    };
    s.tables = vec![
        tables::grid_table(&s),
        tables::tuned_table(&s),
        tables::paired_table(&s),
        tables::decay_table(&s),
    ];
    Ok(s)
}

/// AdamW's shrink factor `(1 − ηλ)^T` over `steps` steps: what the decoupled decay alone
/// does to the weights, if the gradient steps did nothing.
pub fn decoupled_shrink(lr: f64, decay: f64, steps: usize) -> f64 {
    (1.0 - lr * decay).powi(steps as i32)
}

/// Steps per run.
pub fn steps_per_run(c: &TunedConfig) -> usize {
    c.train().div_ceil(c.net.batch_size) * c.net.epochs
}

/// The sentence on λ every caption of the decay comparison carries.
pub fn decay_caption(c: &TunedConfig) -> String {
    format!(
        "λ = {} for AdamW and for Adam + L2, both at AdamW's tuned η",
        fmt_sig(c.decay, 2)
    )
}

/// "Tuned SGD against tuned Adam: what the test set says": SGD with momentum, Adam and AdamW
/// each tuned on a validation split, compared on the test set over shared seeds, for an MLP
/// and a small CNN; AdamW against Adam + L2 at the same λ and rate.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct SgdVsAdamSection {}

impl Exercise for SgdVsAdamSection {
    const NAME: &'static str = "ch4_sgd_vs_adam";

    fn title() -> String {
        "Chapter 4, section: tuned SGD against tuned Adam".to_string()
    }

    fn solve(&self, cfg: &Config, figures: Option<&Path>) -> Result<Solution> {
        solve_section(self, cfg, figures)
    }
}

impl Section for SgdVsAdamSection {
    type Output = SgdVsAdam;

    fn compute(&self, cfg: &Config) -> Result<SgdVsAdam> {
        sgd_vs_adam(cfg)
    }

    fn solution(s: &SgdVsAdam, figures: Option<&Path>) -> Result<Solution> {
        drawn_solution(s.tables.clone(), figures, |dir| figures::draw(s, dir))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(val_accuracy: f64, val_loss: f64) -> Outcome {
        Outcome {
            val_accuracy,
            val_loss,
            test_accuracy: 0.5,
            weight_norm: 1.0,
        }
    }

    #[test]
    fn choose_takes_the_best_accuracy_then_the_lower_loss_and_skips_divergence() {
        let points = [
            (0.1, outcome(0.80, 0.5)),
            (0.3, outcome(0.85, 0.45)),
            (1.0, outcome(0.85, 0.40)),
            (3.0, outcome(f64::NAN, f64::INFINITY)),
        ];
        assert_eq!(choose(&points), Some(1.0));
        assert_eq!(choose(&points[..2]), Some(0.3));
        assert_eq!(choose(&points[3..]), None);
    }

    #[test]
    fn grids_are_half_decades_and_the_splits_do_not_overlap() {
        let g = half_decades(-4.0, 5);
        assert!((g[0] - 1e-4).abs() < 1e-18 && (g[4] - 1e-2).abs() < 1e-15);
        for quick in [true, false] {
            let c = TunedConfig::for_config(quick);
            assert_eq!(c.train() + c.val, c.net.train_examples);
            assert!(c.train() > c.val);
            for m in Method::TUNED {
                assert!(c.grid(m).len() >= 3);
            }
            assert!(!c.seeds.contains(&c.tune_seed));
        }
        assert!((decoupled_shrink(1e-3, 0.01, 100) - (1.0 - 1e-5f64).powi(100)).abs() < 1e-15);
    }
}
