//! "Sharp and flat minima, measured": the sharpness (top Hessian eigenvalue of the training
//! loss) and the test accuracy of the chapter's network trained with a small and a large
//! learning rate, and with a small and a large batch, paired over shared seeds; Dinh et
//! al.'s rescaling, which leaves a ReLU network's function alone and moves its sharpness by
//! orders of magnitude; and Hoffer et al.'s "train longer", the large batch at a matched
//! number of steps.
//!
//! Every network is in f64, as in [`super::large_batch`], so that the Hessian-vector products
//! and the snapshots round alike on every processor.
use std::path::Path;

use tch::nn::{Module, VarStore};
use tch::Kind;

pub mod exercise;
pub mod figures;
pub mod tables;

pub use tables::{longer_table, paired_table, rescaled_table, runs_table};

use super::large_batch::data_in_f64;
use super::rules::{train_planned, RunPlan};
use super::{plain_sgd, Ch5Config};
use crate::chapters::exercise::{drawn_solution, solve_section, Exercise, Section, Solution};
use crate::chapters::Config;
use crate::data::fashion_mnist::FashionMnist;
use crate::data::Dataset;
use crate::experiment::MlpSetup;
use crate::hessian::{self, PowerIteration};
use crate::models::Mlp;
use crate::report::Table;
use crate::stats::{self, Paired, LEVEL};
use crate::train::{History, Loss};
use crate::{Error, Result};

/// How one network of the page is trained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Condition {
    /// The chapter's base: η₀ at B₀.
    Base,
    /// A large learning rate at B₀, the same epochs.
    LargeLr,
    /// A larger one still, at B₀, the same epochs.
    VeryLargeLr,
    /// A large batch at η₀, the same epochs (so fewer steps).
    LargeBatch,
    /// The large batch at η₀ for as many steps as the base takes (Hoffer et al.).
    LargeBatchLonger,
}

impl Condition {
    /// Every condition, in table order.
    pub const ALL: [Condition; 5] = [
        Condition::Base,
        Condition::LargeLr,
        Condition::VeryLargeLr,
        Condition::LargeBatch,
        Condition::LargeBatchLonger,
    ];

    /// The name in tables.
    pub fn name(self) -> &'static str {
        match self {
            Condition::Base => "base (η₀, B₀)",
            Condition::LargeLr => "large η",
            Condition::VeryLargeLr => "very large η",
            Condition::LargeBatch => "large B, same epochs",
            Condition::LargeBatchLonger => "large B, same steps",
        }
    }
}

/// The sizes of the page.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct SharpFlatConfig {
    /// The chapter's configuration: η₀ and the network; `net` is cut to fit the page's
    /// budget, and its batch is B₀.
    pub ch5: Ch5Config,
    /// The large and the very large learning rate (at B₀).
    pub large_lrs: [f64; 2],
    /// The large batch (at η₀), a multiple of B₀.
    pub large_batch: usize,
    /// The seeds every comparison shares (added to `--seed`).
    pub seeds: Vec<u64>,
    /// The sharpness is measured on the first this many training images.
    pub probe: usize,
    /// The power iteration behind every sharpness.
    pub power: PowerIteration,
    /// The rescaling factors α of Dinh et al.'s experiment.
    pub alphas: Vec<f64>,
}

impl SharpFlatConfig {
    /// The quick or the full sizes.
    pub fn for_config(quick: bool) -> Self {
        let mut ch5 = Ch5Config::for_config(quick);
        let power = PowerIteration {
            max_iters: 500,
            rel_tol: 1e-5,
            seed: 0,
        };
        let alphas = vec![0.01, 0.1, 1.0, 10.0, 100.0];
        if quick {
            ch5.net = MlpSetup::new(1024, 500, &[16], 2, 32);
            SharpFlatConfig {
                ch5,
                large_lrs: [0.1, 0.3],
                large_batch: 256,
                seeds: vec![0, 1, 2],
                probe: 200,
                power,
                alphas,
            }
        } else {
            ch5.net = MlpSetup::new(4096, 2000, &[32], 5, 32);
            SharpFlatConfig {
                ch5,
                large_lrs: [0.1, 0.3],
                large_batch: 256,
                seeds: vec![0, 1, 2, 3, 4],
                probe: 1000,
                power,
                alphas,
            }
        }
    }

    /// B₀.
    pub fn base_batch(&self) -> usize {
        self.ch5.base_batch()
    }

    /// How many times B₀ the large batch is.
    pub fn batch_ratio(&self) -> usize {
        self.large_batch / self.base_batch()
    }

    /// The learning rate, batch and epochs of `condition`.
    pub fn setting(&self, condition: Condition) -> (f64, usize, usize) {
        let (eta, b0, epochs) = (self.ch5.base_lr, self.base_batch(), self.ch5.net.epochs);
        match condition {
            Condition::Base => (eta, b0, epochs),
            Condition::LargeLr => (self.large_lrs[0], b0, epochs),
            Condition::VeryLargeLr => (self.large_lrs[1], b0, epochs),
            Condition::LargeBatch => (eta, self.large_batch, epochs),
            Condition::LargeBatchLonger => (eta, self.large_batch, epochs * self.batch_ratio()),
        }
    }

    /// The steps `condition` takes.
    pub fn steps(&self, condition: Condition) -> usize {
        let (_, batch, epochs) = self.setting(condition);
        epochs * self.ch5.net.train_examples.div_ceil(batch)
    }

    /// The configuration line every caption carries.
    pub fn caption(&self) -> String {
        let n = &self.ch5.net;
        format!(
            "MLP {} in f64, plain SGD, {} Fashion-MNIST training images, test accuracy on {} \
             test images; sharpness = top Hessian eigenvalue of the training loss on the first \
             {} training images",
            n.label(),
            n.train_examples,
            n.test_examples,
            self.probe
        )
    }

    fn validate(&self) -> Result<()> {
        let b0 = self.base_batch();
        if self.large_batch <= b0 || self.large_batch % b0 != 0 {
            return Err(Error::invalid(
                "large batch",
                format!(
                    "{} is not a multiple of B₀ = {b0} above it",
                    self.large_batch
                ),
                "Pass a multiple of B₀.",
            ));
        }
        // Equal steps need the data set to split into whole batches at both sizes.
        if self.ch5.net.train_examples % self.large_batch != 0 {
            return Err(Error::invalid(
                "large batch",
                format!(
                    "{} training images do not split into batches of {}",
                    self.ch5.net.train_examples, self.large_batch
                ),
                "Pass a batch that divides the training images.",
            ));
        }
        crate::validate::count_in("sharpness images", self.probe, self.ch5.net.train_examples)?;
        Ok(())
    }
}

/// What is measured at the end of one run.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Measured {
    /// Top Hessian eigenvalue of the training loss on the probe images (NaN if diverged).
    pub sharpness: f64,
    /// The Hessian-vector products its power iteration took.
    pub products: usize,
    /// The training loss on the probe images (NaN if diverged).
    pub train_loss: f64,
    /// Accuracy on the test images (NaN if diverged).
    pub test_accuracy: f64,
}

/// One network trained under `condition` from the f64 network of `seed`, with what the loop
/// recorded.
pub struct Trained {
    /// Its variables.
    pub vs: VarStore,
    /// The network.
    pub model: Mlp,
    /// What the training loop recorded.
    pub history: History,
}

// ANCHOR: train_condition
/// Trains the f64 network of `seed` under `condition` as every run of the chapter trains
/// ([`train_planned`]): plain SGD at a constant rate, shuffled by `seed`.
pub fn train_condition(
    data: &FashionMnist,
    c: &SharpFlatConfig,
    condition: Condition,
    seed: u64,
) -> Result<Trained> {
    let (lr, batch, epochs) = c.setting(condition);
    let mut ch5 = c.ch5.clone();
    ch5.net.epochs = epochs;
    let (vs, model) = ch5
        .net
        .model_in(seed, Kind::Double, data.train.inputs.device())?;
    let plan = RunPlan {
        batch,
        lr,
        warmup: None,
        evals_per_epoch: 1,
        clip_grad_norm: None,
    };
    let history = train_planned(data, &ch5, &model, &mut plain_sgd(&vs)?, &plan, seed)?;
    Ok(Trained { vs, model, history })
}
// ANCHOR_END: train_condition

// ANCHOR: sharpness
/// The sharpness of `model` at its current weights: the top eigenvalue of the Hessian of the
/// mean cross-entropy on `probe`, by power iteration on Hessian-vector products (chapter 1).
pub fn sharpness(
    model: &Mlp,
    vs: &VarStore,
    probe: &Dataset,
    power: PowerIteration,
) -> Result<Sharpness> {
    let loss = Loss::CrossEntropy.compute(&model.forward(&probe.inputs), &probe.targets);
    let top = hessian::top_eigenvalue(&loss, &vs.trainable_variables(), None, power)?;
    Ok(Sharpness {
        value: top.value,
        products: top.iterations,
        loss: f64::try_from(&loss)?,
    })
}
// ANCHOR_END: sharpness

/// A sharpness measurement.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sharpness {
    /// The top Hessian eigenvalue (NaN if the run diverged).
    pub value: f64,
    /// The Hessian-vector products the power iteration took (0 if not measured).
    pub products: usize,
    /// The loss on the probe images.
    pub loss: f64,
}

// ANCHOR_END: sharpness

/// The end-of-run measurements of a trained network (NaN everywhere if it diverged).
pub fn measure(t: &Trained, probe: &Dataset, c: &SharpFlatConfig, seed: u64) -> Result<Measured> {
    if t.history.diverged() {
        return Ok(Measured {
            sharpness: f64::NAN,
            products: 0,
            train_loss: f64::NAN,
            test_accuracy: f64::NAN,
        });
    }
    let power = PowerIteration { seed, ..c.power };
    let s = sharpness(&t.model, &t.vs, probe, power)?;
    Ok(Measured {
        sharpness: s.value,
        products: s.products,
        train_loss: s.loss,
        test_accuracy: t.history.final_accuracy(),
    })
}

// ANCHOR: rescale
/// Dinh et al.'s reparametrisation: the first layer's weights and bias times `alpha`, the
/// second layer's weights divided by it. For `alpha > 0`, `relu(αz) = α·relu(z)`, so the
/// network computes the same function.
pub fn rescale(vs: &VarStore, alpha: f64) -> Result<()> {
    let vars = vs.variables();
    let _guard = tch::no_grad_guard();
    for (name, factor) in [
        ("layer0.weight", alpha),
        ("layer0.bias", alpha),
        ("layer1.weight", 1.0 / alpha),
    ] {
        let t = vars.get(name).ok_or_else(|| {
            Error::invalid(
                "rescaling",
                format!("the network has no variable {name}"),
                "Rescale an MLP with at least one hidden layer.",
            )
        })?;
        let _ = t.shallow_clone().f_mul_scalar_(factor)?;
    }
    Ok(())
}
// ANCHOR_END: rescale

/// One rescaled copy of a trained network against the original.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Rescaled {
    /// The factor α.
    pub alpha: f64,
    /// The largest absolute change of any logit on the test images.
    pub max_output_change: f64,
    /// The absolute change of the training loss on the probe images.
    pub loss_change: f64,
    /// The sharpness of the rescaled network.
    pub sharpness: f64,
    /// The Hessian-vector products its power iteration took.
    pub products: usize,
}

/// `t` (the network of `seed`) rescaled by each of `alphas`, each a fresh copy.
pub fn rescaled(
    t: &Trained,
    data: &FashionMnist,
    probe: &Dataset,
    c: &SharpFlatConfig,
    seed: u64,
    alphas: &[f64],
) -> Result<Vec<Rescaled>> {
    let power = PowerIteration { seed, ..c.power };
    let (reference, loss) = {
        let _guard = tch::no_grad_guard();
        let out = t.model.forward(&data.test.inputs);
        let l = Loss::CrossEntropy.compute(&t.model.forward(&probe.inputs), &probe.targets);
        (out, f64::try_from(&l)?)
    };
    let mut out = Vec::new();
    for &alpha in alphas {
        let (mut vs, model) = c
            .ch5
            .net
            .model_in(seed, Kind::Double, data.train.inputs.device())?;
        vs.copy(&t.vs)?;
        rescale(&vs, alpha)?;
        let change = {
            let _guard = tch::no_grad_guard();
            f64::try_from((model.forward(&data.test.inputs) - &reference).abs().max())?
        };
        let s = sharpness(&model, &vs, probe, power)?;
        out.push(Rescaled {
            alpha,
            max_output_change: change,
            loss_change: (s.loss - loss).abs(),
            sharpness: s.value,
            products: s.products,
        });
    }
    Ok(out)
}

/// Everything the page computes.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct SharpFlat {
    /// The sizes.
    pub config: SharpFlatConfig,
    /// The seeds used (after `--seed`).
    pub seeds: Vec<u64>,
    /// For each condition of [`Condition::ALL`], one measurement per seed.
    pub runs: Vec<(Condition, Vec<Measured>)>,
    /// The first seed's base network, rescaled by each α.
    pub rescaled: Vec<Rescaled>,
    /// The page's tables, in page order.
    pub tables: Vec<Table>,
}

impl SharpFlat {
    /// The measurements of `condition`, one per seed.
    pub fn of(&self, condition: Condition) -> &[Measured] {
        self.runs
            .iter()
            .find(|(c, _)| *c == condition)
            .map_or(&[], |(_, m)| m.as_slice())
    }

    /// One quantity of `condition` over the seeds.
    pub fn values(&self, condition: Condition, f: impl Fn(&Measured) -> f64) -> Vec<f64> {
        self.of(condition).iter().map(f).collect()
    }

    /// The paired comparison `a − b` of one quantity over the seeds (None if a run diverged).
    pub fn paired(
        &self,
        a: Condition,
        b: Condition,
        f: impl Fn(&Measured) -> f64 + Copy,
    ) -> Option<Paired> {
        let (x, y) = (self.values(a, f), self.values(b, f));
        if x.iter().chain(&y).any(|v| !v.is_finite()) {
            return None;
        }
        stats::paired(&x, &y, LEVEL).ok()
    }

    /// The rescaled network at `alpha`.
    pub fn at_alpha(&self, alpha: f64) -> Option<&Rescaled> {
        self.rescaled.iter().find(|r| r.alpha == alpha)
    }
}

/// Runs the page under `cfg` (`--quick` shrinks the data, the network and the seeds).
pub fn sharp_flat(cfg: &Config) -> Result<SharpFlat> {
    let c = SharpFlatConfig::for_config(cfg.quick);
    c.validate()?;
    let seeds = cfg.run_seeds("seeds", &c.seeds)?;
    let data = data_in_f64(&c.ch5.net.load_data(cfg.data_dir.as_deref(), cfg.device)?)?;
    let probe = data.train.subset(c.probe)?;
    let mut runs: Vec<(Condition, Vec<Measured>)> =
        Condition::ALL.iter().map(|&k| (k, Vec::new())).collect();
    let mut rescaled_base = Vec::new();
    for &seed in &seeds {
        for (condition, measured) in runs.iter_mut() {
            let t = train_condition(&data, &c, *condition, seed)?;
            measured.push(measure(&t, &probe, &c, seed)?);
            if *condition == Condition::Base && seed == seeds[0] {
                rescaled_base = rescaled(&t, &data, &probe, &c, seed, &c.alphas)?;
            }
        }
    }
    let mut r = SharpFlat {
        config: c,
        seeds,
        runs,
        rescaled: rescaled_base,
        tables: Vec::new(),
    };
    r.tables = vec![
        runs_table(&r),
        paired_table(&r),
        rescaled_table(&r),
        longer_table(&r),
    ];
    Ok(r)
}

/// "Sharp and flat minima, measured": sharpness and test accuracy at a small and a large
/// learning rate and batch, paired over seeds; Dinh et al.'s rescaling; and the large batch
/// trained for as many steps as the small one.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct SharpFlatSection {}

impl Exercise for SharpFlatSection {
    const NAME: &'static str = "ch5_sharp_flat";

    fn title() -> String {
        "Chapter 5, section: sharp and flat minima, measured".to_string()
    }

    fn solve(&self, cfg: &Config, figures: Option<&Path>) -> Result<Solution> {
        solve_section(self, cfg, figures)
    }
}

impl Section for SharpFlatSection {
    type Output = SharpFlat;

    fn compute(&self, cfg: &Config) -> Result<SharpFlat> {
        sharp_flat(cfg)
    }

    fn solution(r: &SharpFlat, figures: Option<&Path>) -> Result<Solution> {
        drawn_solution(r.tables.clone(), figures, |dir| figures::draw(r, dir))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_conditions_match_epochs_or_steps() {
        for quick in [true, false] {
            let c = SharpFlatConfig::for_config(quick);
            c.validate().unwrap();
            let base = c.steps(Condition::Base);
            assert_eq!(c.steps(Condition::LargeLr), base);
            assert_eq!(c.steps(Condition::VeryLargeLr), base);
            assert_eq!(c.steps(Condition::LargeBatch) * c.batch_ratio(), base);
            assert_eq!(c.steps(Condition::LargeBatchLonger), base);
        }
    }

    #[test]
    fn rescaling_keeps_the_function_and_scales_the_layers() {
        let _rng = crate::device::rng_lock();
        let net = MlpSetup::new(10, 10, &[5], 1, 2);
        let (vs, model) = net.model_in(1, Kind::Double, tch::Device::Cpu).unwrap();
        let x = tch::Tensor::randn([4, 784], (Kind::Double, tch::Device::Cpu));
        let before = model.forward(&x);
        let w0 = vs.variables()["layer0.weight"].copy();
        rescale(&vs, 8.0).unwrap();
        let after = model.forward(&x);
        let diff = f64::try_from((after - before).abs().max()).unwrap();
        assert!(diff < 1e-12, "{diff}");
        assert!(vs.variables()["layer0.weight"].equal(&(w0 * 8.0)));
        let bad = MlpSetup::new(10, 10, &[], 1, 2);
        let (vs, _) = bad.model_in(1, Kind::Double, tch::Device::Cpu).unwrap();
        assert!(rescale(&vs, 2.0).is_err());
    }
}
