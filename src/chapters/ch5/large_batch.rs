//! "The large-batch recipe": from the chapter's base `(B₀, η₀)`, how far each part of the
//! recipe that large-batch training uses lets the batch grow before the held-out loss
//! misses the base's: SGD with the linear rule and warmup, LARS, Adam with the √ rule and
//! its linear-rule control, LAMB; then warmup length as a measured variable, and gradient
//! clipping at a rate that diverges without it.
//!
//! Every run trains as the rules section's do ([`train_planned`]), on the chapter's data and
//! network, in f64 so that the Adam and LAMB runs round alike on every processor.
use std::path::Path;

use tch::Kind;

pub mod exercise;
pub mod figures;
pub mod tables;

pub use tables::{
    clipping_table, grid_table, recipe_table, sqrt_rule_table, summary_table, warmup_table,
};

use super::rules::{final_held_out_loss, train_planned, RunPlan};
use super::{plain_sgd, Ch5Config};
use crate::batch::{scaled_lr, ScalingRule};
use crate::chapters::exercise::{drawn_solution, solve_section, Exercise, Section, Solution};
use crate::chapters::Config;
use crate::data::fashion_mnist::FashionMnist;
use crate::data::Dataset;
use crate::experiment::MlpSetup;
use crate::optim::{Adam, AdamConfig, Lamb, LambConfig, Lars, LarsConfig, Optimizer};
use crate::report::{Cell, Table};
use crate::stats::{self, Paired, LEVEL};
use crate::train::History;
use crate::Result;

/// The update rule of a contender.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Family {
    /// The chapter's plain SGD.
    Sgd,
    /// LARS (timm's defaults, no momentum, `always_adapt`: the trust ratio on every tensor).
    Lars,
    /// Adam (PyTorch's defaults).
    Adam,
    /// LAMB (timm's defaults: weight decay 0.01, so the trust ratio is on).
    Lamb,
}

impl Family {
    /// The name in tables.
    pub fn name(self) -> &'static str {
        match self {
            Family::Sgd => "SGD",
            Family::Lars => "LARS",
            Family::Adam => "Adam",
            Family::Lamb => "LAMB",
        }
    }

    // ANCHOR: build
    /// The optimizer over the parameters of `vs`, with the settings the page states.
    pub fn build(self, vs: &tch::nn::VarStore) -> Result<Box<dyn Optimizer>> {
        let params = vs.trainable_variables();
        Ok(match self {
            Family::Sgd => Box::new(plain_sgd(vs)?),
            Family::Lars => Box::new(Lars::new(
                params,
                LarsConfig {
                    always_adapt: true,
                    ..LarsConfig::default()
                },
            )?),
            Family::Adam => Box::new(Adam::new(params, AdamConfig::default())?),
            Family::Lamb => Box::new(Lamb::new(params, LambConfig::default())?),
        })
    }
    // ANCHOR_END: build
}

/// One contender: an update rule and how its learning rate follows the batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Contender {
    /// The update rule.
    pub family: Family,
    /// The scaling rule from its base learning rate at B₀.
    pub rule: ScalingRule,
}

impl Contender {
    /// The five contenders, in table order: SGD and LARS with the linear rule, Adam with the
    /// √ rule and with the linear rule (the control), LAMB with the √ rule.
    pub const ALL: [Contender; 5] = [
        Contender::new(Family::Sgd, ScalingRule::Linear),
        Contender::new(Family::Lars, ScalingRule::Linear),
        Contender::new(Family::Adam, ScalingRule::Sqrt),
        Contender::new(Family::Adam, ScalingRule::Linear),
        Contender::new(Family::Lamb, ScalingRule::Sqrt),
    ];

    const fn new(family: Family, rule: ScalingRule) -> Self {
        Contender { family, rule }
    }

    /// "Adam, square root".
    pub fn name(self) -> String {
        format!("{}, {}", self.family.name(), self.rule.name())
    }
}

/// The sizes of the section.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct RecipeConfig {
    /// The chapter's configuration: its network, B₀, η₀ (SGD's base rate), the warmup of
    /// the rules section and the "matches the base" tolerance; `net` is cut to fit the
    /// section's budget.
    pub ch5: Ch5Config,
    /// The seeds every comparison shares (added to `--seed`).
    pub seeds: Vec<u64>,
    /// The batches every contender is scaled to.
    pub batches: Vec<usize>,
    /// The base learning rates tried at B₀ for LARS, Adam and LAMB (first seed only).
    pub grids: Vec<(Family, Vec<f64>)>,
    /// The batch of the warmup study (SGD, linear rule).
    pub warmup_batch: usize,
    /// The warmup lengths tried there, in epochs.
    pub warmup_epochs: Vec<f64>,
    /// The batch of the clipping study (SGD, linear rule, no warmup).
    pub clip_batch: usize,
    /// The clipping norm of the clipped run.
    pub clip_norm: f64,
}

impl RecipeConfig {
    /// The quick or the full sizes.
    pub fn for_config(quick: bool) -> Self {
        let mut ch5 = Ch5Config::for_config(quick);
        let grids = vec![
            (Family::Lars, vec![3.16, 10.0, 31.6]),
            (Family::Adam, vec![3.16e-4, 1e-3, 3.16e-3]),
            (Family::Lamb, vec![1e-3, 3.16e-3, 1e-2]),
        ];
        let warmup_epochs = vec![0.0, 0.25, 0.5, 1.0, 2.0];
        if quick {
            ch5.net = MlpSetup::new(1000, 500, &[32], 2, 32);
            RecipeConfig {
                ch5,
                seeds: vec![0, 1, 2],
                batches: vec![128, 512],
                grids,
                warmup_batch: 128,
                warmup_epochs,
                clip_batch: 128,
                clip_norm: 1.0,
            }
        } else {
            ch5.net = MlpSetup::new(8000, 1000, &[64], 4, 32);
            RecipeConfig {
                ch5,
                seeds: vec![0, 1, 2],
                batches: vec![128, 512, 2048],
                grids,
                warmup_batch: 512,
                warmup_epochs,
                clip_batch: 2048,
                clip_norm: 1.0,
            }
        }
    }

    /// B₀.
    pub fn base_batch(&self) -> usize {
        self.ch5.base_batch()
    }

    /// Steps per epoch at `batch`.
    pub fn steps_per_epoch(&self, batch: usize) -> usize {
        self.ch5.net.train_examples.div_ceil(batch)
    }

    /// The configuration line every caption carries.
    pub fn caption(&self) -> String {
        let n = &self.ch5.net;
        format!(
            "MLP {} in f64, {} epochs of {} Fashion-MNIST images, loss on {} held-out images; \
             B₀ = {}",
            n.label(),
            n.epochs,
            n.train_examples,
            n.test_examples,
            self.base_batch()
        )
    }
}

/// The chapter's data in f64.
pub fn data_in_f64(data: &FashionMnist) -> Result<FashionMnist> {
    let convert = |d: &Dataset| Dataset::new(d.inputs.to_kind(Kind::Double), d.targets.copy());
    Ok(FashionMnist {
        train: convert(&data.train)?,
        test: convert(&data.test)?,
    })
}

// ANCHOR: recipe_run
/// One run of `family` under `plan` from the f64 network of `seed`, trained as the rules
/// section trains; returns what the loop recorded.
pub fn recipe_run(
    data: &FashionMnist,
    c: &RecipeConfig,
    family: Family,
    plan: &RunPlan,
    seed: u64,
) -> Result<History> {
    let (vs, model) = c
        .ch5
        .net
        .model_in(seed, Kind::Double, data.train.inputs.device())?;
    let mut optimizer = family.build(&vs)?;
    train_planned(data, &c.ch5, &model, optimizer.as_mut(), plan, seed)
}

/// The plan of `contender` at `batch` from its base rate `base_lr` at B₀: the scaled rate,
/// reached by the rules section's gradual warmup from `base_lr` over `warmup_epochs`.
pub fn scaled_plan(
    c: &RecipeConfig,
    contender: Contender,
    base_lr: f64,
    batch: usize,
    warmup_epochs: f64,
) -> Result<RunPlan> {
    let lr = scaled_lr(contender.rule, base_lr, c.base_batch(), batch)?;
    let steps = (warmup_epochs * c.steps_per_epoch(batch) as f64).round() as usize;
    Ok(RunPlan {
        batch,
        lr,
        warmup: (steps > 0).then_some((steps, base_lr)),
        evals_per_epoch: 1,
        clip_grad_norm: None,
    })
}
// ANCHOR_END: recipe_run

/// Final held-out losses of one setting, one per seed (∞ for a diverged run).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct SeedLosses {
    /// The learning rate reached.
    pub lr: f64,
    /// One final loss per seed.
    pub losses: Vec<f64>,
    /// One clip rate per seed, for clipped runs.
    pub clip_rates: Vec<f64>,
    /// The first seed's global gradient norm before clipping, step by step (clipped runs).
    pub first_seed_norms: Vec<f64>,
}

impl SeedLosses {
    /// Runs `plan` for `family` over every seed.
    pub fn measure(
        data: &FashionMnist,
        c: &RecipeConfig,
        family: Family,
        plan: &RunPlan,
        seeds: &[u64],
    ) -> Result<Self> {
        let mut out = SeedLosses {
            lr: plan.lr,
            losses: Vec::new(),
            clip_rates: Vec::new(),
            first_seed_norms: Vec::new(),
        };
        for &s in seeds {
            let h = recipe_run(data, c, family, plan, s)?;
            out.losses.push(final_held_out_loss(&h));
            out.clip_rates.extend(h.clip_rate());
            if out.first_seed_norms.is_empty() {
                out.first_seed_norms = h.grad_norms.iter().map(|g| g.norm).collect();
            }
        }
        Ok(out)
    }

    /// How many seeds diverged.
    pub fn diverged(&self) -> usize {
        self.losses.iter().filter(|l| !l.is_finite()).count()
    }

    /// The mean with its interval, when no seed diverged.
    pub fn spread(&self) -> Option<stats::MeanCi> {
        stats::spread(&self.losses)
    }

    /// The mean's cell: "0.452 ± 0.011", or how many seeds diverged.
    pub fn cell(&self) -> Cell {
        match self.spread() {
            Some(m) => Cell::Text(m.text()),
            None => Cell::from(format!(
                "{} of {} diverged",
                self.diverged(),
                self.losses.len()
            )),
        }
    }
}

/// SGD with the linear rule at `batch`, warming up from η₀ over each length of
/// `warmup_epochs` (in epochs), over the seeds.
pub fn warmup_runs(
    data: &FashionMnist,
    c: &RecipeConfig,
    batch: usize,
    warmup_epochs: &[f64],
    seeds: &[u64],
) -> Result<Vec<(f64, SeedLosses)>> {
    let sgd = Contender::ALL[0];
    let mut runs = Vec::new();
    for &epochs in warmup_epochs {
        let plan = scaled_plan(c, sgd, c.ch5.base_lr, batch, epochs)?;
        runs.push((
            epochs,
            SeedLosses::measure(data, c, Family::Sgd, &plan, seeds)?,
        ));
    }
    Ok(runs)
}

/// The paired comparison `a − b` over the seeds, when neither side diverged.
pub fn paired_or_none(a: &[f64], b: &[f64]) -> Option<Paired> {
    stats::paired(a, b, LEVEL).ok()
}

/// One contender at one batch.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ContenderAt {
    /// Which contender.
    pub contender: Contender,
    /// The batch.
    pub batch: usize,
    /// Its losses over the seeds.
    pub result: SeedLosses,
}

/// Everything the section computes.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Recipe {
    /// The sizes.
    pub config: RecipeConfig,
    /// The seeds used (after `--seed`).
    pub seeds: Vec<u64>,
    /// The base run: SGD at `(B₀, η₀)`, over the seeds.
    pub base: SeedLosses,
    /// The grids at B₀ (first seed): `(family, η, final loss)`.
    pub grid: Vec<(Family, f64, f64)>,
    /// Each family's base rate at B₀ (η₀ for SGD, the grid's best otherwise).
    pub base_lrs: Vec<(Family, f64)>,
    /// Every contender at every batch.
    pub runs: Vec<ContenderAt>,
    /// The warmup study: `(epochs of warmup, losses)`.
    pub warmup: Vec<(f64, SeedLosses)>,
    /// The clipping study: unclipped, then clipped.
    pub clipping: [SeedLosses; 2],
    /// The section's tables, in page order.
    pub tables: Vec<Table>,
}

impl Recipe {
    /// The base rate of `family` at B₀.
    pub fn base_lr(&self, family: Family) -> f64 {
        base_lr_of(&self.base_lrs, family)
    }

    /// The loss a run must reach to match the base: (1 + tolerance) × the base's, per seed.
    pub fn targets(&self) -> Vec<f64> {
        let k = 1.0 + self.config.ch5.tolerance;
        self.base.losses.iter().map(|l| k * l).collect()
    }

    /// The run of `contender` at `batch`.
    pub fn at(&self, contender: Contender, batch: usize) -> Option<&ContenderAt> {
        self.runs
            .iter()
            .find(|r| r.contender == contender && r.batch == batch)
    }

    /// Whether a run matches the base: its mean loss over the seeds at most the mean target,
    /// no seed diverged (the rules section's test, on the means).
    pub fn matches(&self, r: &SeedLosses) -> bool {
        r.diverged() == 0 && stats::mean(&r.losses) <= stats::mean(&self.targets())
    }

    // ANCHOR: largest_matching
    /// The largest batch up to which every batch matches the base, for `contender` (B₀
    /// when already the first batch fails).
    pub fn largest_matching(&self, contender: Contender) -> usize {
        let mut largest = self.config.base_batch();
        for r in self.runs.iter().filter(|r| r.contender == contender) {
            if !self.matches(&r.result) {
                break;
            }
            largest = r.batch;
        }
        largest
    }
    // ANCHOR_END: largest_matching

    /// The paired comparison of a run's losses against the per-seed targets.
    pub fn against_target(&self, r: &SeedLosses) -> Option<Paired> {
        paired_or_none(&r.losses, &self.targets())
    }
}

fn base_lr_of(base_lrs: &[(Family, f64)], family: Family) -> f64 {
    base_lrs
        .iter()
        .find(|(f, _)| *f == family)
        .map_or(f64::NAN, |(_, lr)| *lr)
}

/// Runs the section under `cfg` (`--quick` shrinks the data and the batch list).
pub fn large_batch_recipe(cfg: &Config) -> Result<Recipe> {
    let c = RecipeConfig::for_config(cfg.quick);
    let seeds = cfg.run_seeds("seeds", &c.seeds)?;
    let data = data_in_f64(&c.ch5.net.load_data(cfg.data_dir.as_deref(), cfg.device)?)?;
    let b0 = c.base_batch();
    let constant = |batch, lr| RunPlan {
        batch,
        lr,
        warmup: None,
        evals_per_epoch: 1,
        clip_grad_norm: None,
    };
    let base = SeedLosses::measure(&data, &c, Family::Sgd, &constant(b0, c.ch5.base_lr), &seeds)?;

    // Each adaptive family's base rate: the best of its grid at B₀, first seed.
    let mut grid = Vec::new();
    let mut base_lrs = vec![(Family::Sgd, c.ch5.base_lr)];
    for (family, lrs) in &c.grids {
        let mut best = (f64::INFINITY, f64::NAN);
        for &lr in lrs {
            let h = recipe_run(&data, &c, *family, &constant(b0, lr), seeds[0])?;
            let loss = final_held_out_loss(&h);
            grid.push((*family, lr, loss));
            if loss < best.0 {
                best = (loss, lr);
            }
        }
        base_lrs.push((*family, best.1));
    }

    let mut runs = Vec::new();
    for contender in Contender::ALL {
        let base_lr = base_lr_of(&base_lrs, contender.family);
        for &batch in &c.batches {
            let plan = scaled_plan(&c, contender, base_lr, batch, c.ch5.warmup_epochs as f64)?;
            let result = SeedLosses::measure(&data, &c, contender.family, &plan, &seeds)?;
            runs.push(ContenderAt {
                contender,
                batch,
                result,
            });
        }
    }

    let sgd = Contender::ALL[0];
    let warmup = warmup_runs(&data, &c, c.warmup_batch, &c.warmup_epochs, &seeds)?;

    let unclipped = scaled_plan(&c, sgd, c.ch5.base_lr, c.clip_batch, 0.0)?;
    let clipped = RunPlan {
        clip_grad_norm: Some(c.clip_norm),
        ..unclipped
    };
    let clipping = [
        SeedLosses::measure(&data, &c, Family::Sgd, &unclipped, &seeds)?,
        SeedLosses::measure(&data, &c, Family::Sgd, &clipped, &seeds)?,
    ];

    let mut recipe = Recipe {
        config: c,
        seeds,
        base,
        grid,
        base_lrs,
        runs,
        warmup,
        clipping,
        tables: Vec::new(),
    };
    recipe.tables = vec![
        grid_table(&recipe),
        recipe_table(&recipe),
        summary_table(&recipe),
        sqrt_rule_table(&recipe),
        warmup_table(&recipe),
        clipping_table(&recipe),
    ];
    Ok(recipe)
}

/// "The large-batch recipe": from the chapter's base, SGD with the linear rule and warmup,
/// LARS, Adam with the √ rule and its linear-rule control, and LAMB at growing batches; warmup
/// length as a measured variable; gradient clipping at a rate that diverges without it.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct LargeBatchRecipe {}

impl Exercise for LargeBatchRecipe {
    const NAME: &'static str = "ch5_large_batch_recipe";

    fn title() -> String {
        "Chapter 5, section: the large-batch recipe".to_string()
    }

    fn solve(&self, cfg: &Config, figures: Option<&Path>) -> Result<Solution> {
        solve_section(self, cfg, figures)
    }
}

impl Section for LargeBatchRecipe {
    type Output = Recipe;

    fn compute(&self, cfg: &Config) -> Result<Recipe> {
        large_batch_recipe(cfg)
    }

    fn solution(r: &Self::Output, figures: Option<&Path>) -> Result<Solution> {
        drawn_solution(r.tables.clone(), figures, |dir| figures::draw(r, dir))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_scale_the_rate_and_count_the_warmup_in_steps() {
        let c = RecipeConfig::for_config(false);
        let [sgd, _, adam_sqrt, _, _] = Contender::ALL;
        // 8000 images at B = 512: 16 steps an epoch; a quarter epoch is 4 steps.
        let p = scaled_plan(&c, sgd, 0.03, 512, 0.25).unwrap();
        assert!((p.lr - 0.03 * 16.0).abs() < 1e-15);
        assert_eq!(p.warmup, Some((4, 0.03)));
        assert_eq!(scaled_plan(&c, sgd, 0.03, 512, 0.0).unwrap().warmup, None);
        // The √ rule at 64 × B₀ multiplies the rate by 8.
        let p = scaled_plan(&c, adam_sqrt, 1e-3, 2048, 1.0).unwrap();
        assert!((p.lr - 8e-3).abs() < 1e-15);
        assert_eq!(p.warmup, Some((4, 1e-3)));
    }

    #[test]
    fn the_f64_network_starts_from_the_f32_one() {
        let net = &RecipeConfig::for_config(true).ch5.net;
        let (vs32, _) = net.model(3, tch::Device::Cpu).unwrap();
        let (vs64, _) = net.model_in(3, Kind::Double, tch::Device::Cpu).unwrap();
        for (a, b) in vs32
            .trainable_variables()
            .iter()
            .zip(vs64.trainable_variables())
        {
            assert_eq!(b.kind(), Kind::Double);
            assert!(a.to_kind(Kind::Double).equal(&b));
        }
    }
}
