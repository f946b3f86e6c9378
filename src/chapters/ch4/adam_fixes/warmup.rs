//! Section 2 of "AMSGrad and RAdam": RAdam's variance rectification as a multiplier of
//! Adam's step, against Ma & Yarats' untuned linear and exponential warmups, in closed form
//! (and measured from lrbook's RAdam on a constant gradient); then plain Adam, Adam with a
//! linear warmup over `2/(1−β₂)` steps, and RAdam trained on a seeded f64 MLP.
use tch::{Device, Kind, Tensor};

use crate::chapters::exercise::{Exercise, Solution};
use crate::chapters::Config;
use crate::data::{synthetic, Dataset};
use crate::models::{self, Activation, Mlp};
use crate::optim::{Adam, AdamConfig, Optimizer, RAdam, RAdamConfig};
use crate::report::{fmt_sig, Cell, Table};
use crate::schedule::{FollowSchedule, Warmup};
use crate::stats::{self, Paired};
use crate::train::{self, Loss, TrainConfig};
use crate::Result;

/// The β₂ of the multiplier table and figure.
pub const MULTIPLIER_BETA2: [f64; 2] = [0.999, 0.99];
/// The steps of the multiplier table (each β₂ keeps those up to `5/(1−β₂)`).
pub const MULTIPLIER_STEPS: [usize; 14] = [1, 2, 4, 5, 6, 8, 10, 20, 50, 100, 200, 500, 1000, 2000];

// ANCHOR: multipliers
/// RAdam's rectification `r_t` at step `t` (from 1), or `None` while `ρ_t ≤ 5`, when RAdam
/// takes a bias-corrected momentum-SGD step instead: with `ρ_∞ = 2/(1−β₂) − 1` and
/// `ρ_t = ρ_∞ − 2tβ₂ᵗ/(1−β₂ᵗ)`, `r_t = √((ρ_t−4)(ρ_t−2)ρ_∞ / ((ρ_∞−4)(ρ_∞−2)ρ_t))`.
/// It multiplies Adam's bias-corrected step `m̂/√v̂`.
pub fn rectification(beta2: f64, t: usize) -> Option<f64> {
    let rho_inf = 2.0 / (1.0 - beta2) - 1.0;
    let b2t = beta2.powi(t as i32);
    let rho = rho_inf - 2.0 * t as f64 * b2t / (1.0 - b2t);
    (rho > 5.0).then(|| {
        ((rho - 4.0) * (rho - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho)).sqrt()
    })
}

/// Ma & Yarats' untuned linear warmup, `min(1, t·(1−β₂)/2)`: full rate at `t = 2/(1−β₂)`.
pub fn linear_warmup(beta2: f64, t: usize) -> f64 {
    (t as f64 * (1.0 - beta2) / 2.0).min(1.0)
}

/// Ma & Yarats' untuned exponential warmup, `1 − exp(−(1−β₂)·t)`.
pub fn exponential_warmup(beta2: f64, t: usize) -> f64 {
    1.0 - (-(1.0 - beta2) * t as f64).exp()
}
// ANCHOR_END: multipliers

/// The warmup length `2/(1−β₂)` of the untuned linear warmup, in steps.
pub fn warmup_steps(beta2: f64) -> usize {
    (2.0 / (1.0 - beta2)).round() as usize
}

/// The ratio of lrbook's RAdam step to its Adam step at steps `1..=steps` on the constant
/// gradient 1 (one f64 weight each, learning rate 1, β₁ = 0.9): `r_t` once `ρ_t > 5`, and 1
/// before, when RAdam's SGD step is `η·m̂ = η·g`.
pub fn measured_step_ratios(beta2: f64, steps: usize) -> Result<Vec<f64>> {
    let w_adam = Tensor::zeros([1], (Kind::Double, Device::Cpu)).set_requires_grad(true);
    let w_radam = w_adam.detach().copy().set_requires_grad(true);
    let betas = (0.9, beta2);
    let mut adam = Adam::new(
        vec![w_adam.shallow_clone()],
        AdamConfig {
            betas,
            ..AdamConfig::default()
        },
    )?;
    let mut radam = RAdam::new(
        vec![w_radam.shallow_clone()],
        RAdamConfig {
            betas,
            ..RAdamConfig::default()
        },
    )?;
    let mut ratios = Vec::with_capacity(steps);
    for _ in 0..steps {
        let before = (w_adam.double_value(&[0]), w_radam.double_value(&[0]));
        for (w, opt) in [
            (&w_adam, &mut adam as &mut dyn Optimizer),
            (&w_radam, &mut radam),
        ] {
            opt.zero_grad();
            w.sum(Kind::Double).backward(); // gradient 1
            opt.step(1.0)?;
        }
        let adam_step = before.0 - w_adam.double_value(&[0]);
        let radam_step = before.1 - w_radam.double_value(&[0]);
        ratios.push(radam_step / adam_step);
    }
    Ok(ratios)
}

/// RAdam's multiplier against the two untuned warmups at β₂ = 0.999 and 0.99, closed form
/// and measured.
pub fn multiplier_table() -> Result<Table> {
    let mut t = crate::table!(
        "adam_fixes_multipliers",
        "RAdam's rectification r_t (closed form; 'SGD' while ρ_t ≤ 5) against the ratio of \
         lrbook's RAdam step to its Adam step on a constant gradient 1 (β₁ = 0.9, ε = 1e-8, \
         f64), and Ma & Yarats' untuned warmups min(1, t(1−β₂)/2) and 1 − exp(−(1−β₂)t), at \
         steps t up to 5/(1−β₂)",
        &[
            "β₂",
            "t",
            "ρ_t",
            "r_t",
            "measured RAdam/Adam step",
            "linear min(1, t(1−β₂)/2)",
            "exponential 1 − e^(−(1−β₂)t)",
        ],
    );
    for &beta2 in &MULTIPLIER_BETA2 {
        let last = (5.0 / (1.0 - beta2)).round() as usize;
        let measured = measured_step_ratios(beta2, last)?;
        for &step in MULTIPLIER_STEPS.iter().filter(|&&s| s <= last) {
            t.push(vec![
                Cell::num(beta2, 4),
                Cell::from(step),
                Cell::num(RAdam::rho(beta2, step as u64), 4),
                match rectification(beta2, step) {
                    Some(r) => Cell::num(r, 4),
                    None => Cell::from("SGD"),
                },
                Cell::num(measured[step - 1], 4),
                Cell::num(linear_warmup(beta2, step), 4),
                Cell::num(exponential_warmup(beta2, step), 4),
            ]);
        }
    }
    Ok(t)
}

/// The training comparison's sizes.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct TrainingConfig {
    /// Adam's and RAdam's β₂ (β₁ = 0.9); the warmup lasts `2/(1−β₂)` steps.
    pub beta2: f64,
    /// The base learning rate η of all three.
    pub lr: f64,
    /// Steps per run.
    pub steps: usize,
    /// Examples per step.
    pub batch_size: usize,
    /// Points per class of the Gaussian blobs (4 classes in 16 dimensions, spread 2).
    pub per_class: usize,
    /// Hidden widths of the tanh MLP.
    pub hidden: Vec<i64>,
    /// Seeds: each one draws the data, the network and the batch order.
    pub seeds: Vec<u64>,
}

/// Classes and input dimension of the blobs.
const CLASSES: usize = 4;
const DIM: usize = 16;
const SPREAD: f64 = 2.0;

impl TrainingConfig {
    /// β₂ = 0.99 (warmup 200 steps) and η = 0.05, large enough to hurt plain Adam's first
    /// steps; 600 steps in full, 400 in the quick run.
    pub fn for_config(quick: bool) -> Self {
        TrainingConfig {
            beta2: 0.99,
            lr: 0.05,
            steps: if quick { 400 } else { 600 },
            batch_size: 32,
            per_class: 250,
            hidden: vec![64, 64],
            seeds: vec![0, 1, 2, 3, 4],
        }
    }

    /// What the captions say about the runs.
    pub fn caption(&self) -> String {
        format!(
            "{}-{}-{CLASSES} tanh MLP (f64) on {} Gaussian blobs ({CLASSES} classes, {DIM} \
             dimensions, spread {}), cross-entropy, batch {}, {} steps, η = {}, β = (0.9, {}), \
             linear warmup over 2/(1−β₂) = {} steps; {}",
            DIM,
            self.hidden
                .iter()
                .map(|h| h.to_string())
                .collect::<Vec<_>>()
                .join("-"),
            self.per_class * CLASSES,
            fmt_sig(SPREAD, 2),
            self.batch_size,
            self.steps,
            fmt_sig(self.lr, 3),
            fmt_sig(self.beta2, 4),
            warmup_steps(self.beta2),
            stats::seeds_caption(self.seeds.len())
        )
    }
}

/// The three methods of the training comparison: warmups of 0 steps, of `2/(1−β₂)` steps,
/// and RAdam.
pub const METHODS: [&str; 3] = ["Adam", "Adam + linear warmup", "RAdam"];

/// Every run's per-step training loss: `losses[method][seed][step]`.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct TrainingRuns {
    /// The sizes.
    pub config: TrainingConfig,
    /// The seeds actually run (`--seed` added).
    pub seeds: Vec<u64>,
    /// Per-step training losses, by method (as [`METHODS`]), seed and step.
    pub losses: Vec<Vec<Vec<f64>>>,
}

/// The blobs of `seed` in f64.
fn blobs(c: &TrainingConfig, seed: u64) -> Result<Dataset> {
    let d = synthetic::gaussian_blobs(c.per_class, CLASSES, DIM, SPREAD, seed)?;
    Dataset::new(d.inputs.to_kind(Kind::Double), d.targets)
}

// ANCHOR: training_run
/// One run at `seed` of Adam with a linear warmup over `warmup` steps (`Some(0)`: plain
/// Adam) or of RAdam (`None`): the network, the data and the batch order all come from the
/// seed, so every method sees the same ones.
pub fn training_run(c: &TrainingConfig, warmup: Option<usize>, seed: u64) -> Result<Vec<f64>> {
    let data = blobs(c, seed)?;
    let mut sizes = vec![DIM as i64];
    sizes.extend(&c.hidden);
    sizes.push(CLASSES as i64);
    let (vs, model) = models::seeded(seed, Kind::Double, Device::Cpu, |root| {
        Mlp::new(root, &sizes, Activation::Tanh)
    })?;
    let betas = (0.9, c.beta2);
    let params = vs.trainable_variables();
    let mut optimizer: Box<dyn Optimizer> = match warmup {
        None => Box::new(RAdam::new(
            params,
            RAdamConfig {
                betas,
                ..RAdamConfig::default()
            },
        )?),
        Some(_) => Box::new(Adam::new(
            params,
            AdamConfig {
                betas,
                ..AdamConfig::default()
            },
        )?),
    };
    let ramp = Warmup::linear(c.lr, warmup.unwrap_or(0).max(1))?;
    let mut constant = |_: usize| c.lr;
    let mut warmed = FollowSchedule(&ramp);
    let policy: &mut dyn crate::schedule::LrPolicy = match warmup {
        Some(w) if w > 0 => &mut warmed,
        _ => &mut constant,
    };
    let cfg = TrainConfig {
        epochs: usize::MAX,
        batch_size: c.batch_size,
        shuffle_seed: Some(seed),
        max_steps: Some(c.steps),
        blowup: None,
        progress: false,
        ..TrainConfig::default()
    };
    let history = train::train(
        &model,
        Loss::CrossEntropy,
        optimizer.as_mut(),
        policy,
        &data,
        None,
        &cfg,
    )?;
    Ok(history.losses())
}
// ANCHOR_END: training_run

/// Every method at every seed of `c` (shifted by `--seed`).
pub fn training_runs(c: &TrainingConfig, cfg: &Config) -> Result<TrainingRuns> {
    let seeds = cfg.run_seeds("training seeds", &c.seeds)?;
    let warmups = [Some(0), Some(warmup_steps(c.beta2)), None];
    let losses = warmups
        .iter()
        .map(|&w| seeds.iter().map(|&s| training_run(c, w, s)).collect())
        .collect::<Result<Vec<Vec<Vec<f64>>>>>()?;
    Ok(TrainingRuns {
        config: c.clone(),
        seeds,
        losses,
    })
}

// ANCHOR: curve_distance
/// The distance between two loss curves: the mean over the steps in `range` of
/// `|log L_a(t) − log L_b(t)|` (0.1 is a loss 10% apart on average).
pub fn curve_distance(a: &[f64], b: &[f64], range: std::ops::Range<usize>) -> f64 {
    let n = range.len() as f64;
    range.map(|t| (a[t].ln() - b[t].ln()).abs()).sum::<f64>() / n
}
// ANCHOR_END: curve_distance

/// The windows of the comparison: the warmup, after it, and the whole run.
pub fn windows(r: &TrainingRuns) -> Vec<(&'static str, std::ops::Range<usize>)> {
    let w = warmup_steps(r.config.beta2).min(r.config.steps);
    vec![
        ("warmup, steps 1 to 2/(1−β₂)", 0..w),
        ("after the warmup", w..r.config.steps),
        ("whole run", 0..r.config.steps),
    ]
}

/// One window's distances of RAdam's curve, per seed, and their paired comparison.
#[derive(Clone, Debug)]
pub struct DistanceComparison {
    /// Which window.
    pub window: &'static str,
    /// `d(RAdam, warmup Adam)` per seed.
    pub to_warmup: Vec<f64>,
    /// `d(RAdam, Adam)` per seed.
    pub to_plain: Vec<f64>,
    /// `to_warmup − to_plain`, paired over the seeds.
    pub paired: Paired,
}

/// Per window, the paired comparison of `d(RAdam, warmup Adam) − d(RAdam, Adam)`.
pub fn distance_comparisons(r: &TrainingRuns) -> Result<Vec<DistanceComparison>> {
    let n = r.seeds.len();
    windows(r)
        .into_iter()
        .filter(|(_, w)| !w.is_empty())
        .map(|(name, w)| {
            let to_warm: Vec<f64> = (0..n)
                .map(|s| curve_distance(&r.losses[2][s], &r.losses[1][s], w.clone()))
                .collect();
            let to_plain: Vec<f64> = (0..n)
                .map(|s| curve_distance(&r.losses[2][s], &r.losses[0][s], w.clone()))
                .collect();
            let paired = stats::paired(&to_warm, &to_plain, stats::LEVEL)?;
            Ok(DistanceComparison {
                window: name,
                to_warmup: to_warm,
                to_plain,
                paired,
            })
        })
        .collect()
}

/// The distances of RAdam's curve to warmup Adam's and to plain Adam's, paired over seeds.
pub fn training_table(r: &TrainingRuns) -> Result<Table> {
    let n = r.seeds.len();
    let mut t = crate::table!(
        "adam_fixes_training",
        &format!(
            "Distance of RAdam's training-loss curve to Adam with linear warmup and to plain \
             Adam, d = mean over the window of |log L_RAdam(t) − log L_other(t)| (per-step \
             minibatch loss, same data, network and batches per seed), paired over seeds; {}",
            r.config.caption()
        ),
        &[
            "window",
            "d(RAdam, warmup Adam)",
            "d(RAdam, Adam)",
            "mean difference",
            "95% CI",
            &stats::paired_t_column(n),
            "beyond seed noise",
        ],
    );
    for c in distance_comparisons(r)? {
        let mut row = vec![
            Cell::from(c.window),
            Cell::Text(stats::mean_ci(&c.to_warmup, stats::LEVEL)?.text()),
            Cell::Text(stats::mean_ci(&c.to_plain, stats::LEVEL)?.text()),
        ];
        row.extend(stats::paired_cells(&c.paired));
        t.push(row);
    }
    Ok(t)
}

/// Mean over the last `window` steps' losses per seed, for each method: the end of the runs.
pub fn final_losses(r: &TrainingRuns, window: usize) -> Vec<Vec<f64>> {
    r.losses
        .iter()
        .map(|per_seed| {
            per_seed
                .iter()
                .map(|l| {
                    let from = l.len().saturating_sub(window);
                    stats::mean(&l[from..])
                })
                .collect()
        })
        .collect()
}

/// Per method, the peak and the mean of the early loss and the final loss, over seeds.
pub fn loss_summary_table(r: &TrainingRuns) -> Result<Table> {
    let w = warmup_steps(r.config.beta2).min(r.config.steps);
    let mut t = crate::table!(
        "adam_fixes_losses",
        &format!(
            "Training loss per method, mean over seeds ± 95% interval: the highest loss in the \
             warmup window (steps 1 to {w}), the mean loss over that window, and the mean \
             loss over the last 100 steps; {}",
            r.config.caption()
        ),
        &[
            "method",
            "peak loss, warmup window",
            "mean loss, warmup window",
            "final loss"
        ],
    );
    let finals = final_losses(r, 100);
    for (m, name) in METHODS.iter().enumerate() {
        let peak: Vec<f64> = r.losses[m]
            .iter()
            .map(|l| l[..w].iter().copied().fold(f64::MIN, f64::max))
            .collect();
        let early: Vec<f64> = r.losses[m].iter().map(|l| stats::mean(&l[..w])).collect();
        t.push(vec![
            Cell::from(*name),
            Cell::Text(stats::mean_ci(&peak, stats::LEVEL)?.text()),
            Cell::Text(stats::mean_ci(&early, stats::LEVEL)?.text()),
            Cell::Text(stats::mean_ci(&finals[m], stats::LEVEL)?.text()),
        ]);
    }
    Ok(t)
}

/// Exercise 5: which warmup length makes Adam track RAdam most closely? Adam with a linear
/// warmup over each length, against RAdam, on the page's training problem (β₂ = 0.99).
#[derive(clap::Args, Clone, Debug)]
pub struct WarmupLength {
    /// Warmup lengths to try, in steps (0 is plain Adam); the page's is 2/(1−β₂) = 200.
    #[arg(long, value_delimiter = ',', default_value = "0,50,100,200,400")]
    pub warmups: Vec<usize>,
}

impl Exercise for WarmupLength {
    const NAME: &'static str = "ch4_ex5_warmup_length";

    fn solve(&self, cfg: &Config, _figures: Option<&std::path::Path>) -> Result<Solution> {
        crate::validate::list_len("--warmups", &self.warmups)?;
        let c = TrainingConfig::for_config(cfg.quick);
        for &w in &self.warmups {
            if w > c.steps {
                return Err(crate::Error::invalid(
                    "--warmups",
                    format!("got {w}, longer than the {} steps of a run", c.steps),
                    format!("Pass lengths from 0 to {}.", c.steps),
                ));
            }
        }
        let seeds = cfg.run_seeds("training seeds", &c.seeds)?;
        let radam = seeds
            .iter()
            .map(|&s| training_run(&c, None, s))
            .collect::<Result<Vec<_>>>()?;
        let reference = warmup_steps(c.beta2);
        let window = 0..(2 * reference).min(c.steps);
        let distances = |w: usize| -> Result<Vec<f64>> {
            seeds
                .iter()
                .zip(&radam)
                .map(|(&s, r)| {
                    Ok(curve_distance(
                        r,
                        &training_run(&c, Some(w), s)?,
                        window.clone(),
                    ))
                })
                .collect()
        };
        let at_reference = distances(reference)?;
        let mut t = crate::table!(
            "adam_fixes_ex5_warmup_length",
            &format!(
                "Exercise 5: distance d of RAdam's loss curve to Adam with a linear warmup of \
                 each length, over steps 1 to {}, and its paired difference to the distance at \
                 the untuned length 2/(1−β₂) = {reference}; {}",
                window.end,
                c.caption()
            ),
            &[
                "warmup steps",
                "d(RAdam, warmup Adam)",
                "minus d at 2/(1−β₂)",
                "95% CI",
                &stats::paired_t_column(seeds.len()),
                "beyond seed noise",
            ],
        );
        for &w in &self.warmups {
            let d = if w == reference {
                at_reference.clone()
            } else {
                distances(w)?
            };
            let mut row = vec![
                Cell::from(w),
                Cell::Text(stats::mean_ci(&d, stats::LEVEL)?.text()),
            ];
            if w == reference {
                row.extend(["—", "—", "—", "—"].map(Cell::from));
            } else {
                row.extend(stats::paired_cells(&stats::paired(
                    &d,
                    &at_reference,
                    stats::LEVEL,
                )?));
            }
            t.push(row);
        }
        Ok(Solution::tables(vec![t]))
    }
}
