//! "Does the schedule matter?": one MLP, one budget, one peak LR, seven schedules, several
//! seeds, on Fashion-MNIST. A difference is called real only when a paired t-test over the
//! shared seeds puts it beyond the seed noise ([`crate::stats::paired`]).
use tch::nn::{self, OptimizerConfig};
use tch::Device;

use super::{ComparisonConfig, Config};
use crate::data::fashion_mnist::FashionMnist;
use crate::report::{fmt_sig, Cell, Table};
use crate::schedule::{
    cosine_with_warmup, Constant, CosineAnnealingLr, ExponentialLr, FollowSchedule, LrPolicy,
    LrSchedule, OneCycleConfig, OneCycleLr, PlateauConfig, PlateauOnLoss, ReduceLrOnPlateau,
    StepLr,
};
use crate::stats::{self, paired_cells, paired_t_column, seeds_caption, Paired};
use crate::train::{self, History, Loss, TrainConfig};
use crate::Result;

/// The schedules of the training comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct ComparisonRun {
    /// The schedule.
    pub contender: Contender,
    /// The seed.
    pub seed: u64,
    /// Everything the loop recorded: per-step LR and loss, per-epoch test accuracy.
    pub history: History,
}

impl ComparisonRun {
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
    data: &FashionMnist,
    cc: &ComparisonConfig,
    contender: Contender,
    seed: u64,
    device: Device,
) -> Result<ComparisonRun> {
    let (vs, model) = cc.setup.model(seed, device)?;
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
        epochs: cc.setup.epochs,
        batch_size: cc.setup.batch_size,
        shuffle_seed: Some(seed.wrapping_mul(1000)),
        max_steps: None,
        blowup: Some(1e3),
        eval_every: Some(cc.steps_per_epoch()),
        progress: true,
        clip_grad_norm: None,
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

/// Mean and sample standard deviation (0 for a single value).
pub fn mean_sd(xs: &[f64]) -> (f64, f64) {
    (stats::mean(xs), stats::sample_sd(xs))
}

/// The comparison's results.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
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
        self.runs_of(c)
            .map(|r| r.history.final_accuracy())
            .collect()
    }

    /// `a` against `b` over the shared seeds: the paired test of [`stats::paired`] on final
    /// test accuracy, at the book's 95% level.
    pub fn vs(&self, a: Contender, b: Contender) -> Result<Paired> {
        stats::paired(&self.accuracies(a), &self.accuracies(b), stats::LEVEL)
    }

    /// The window for smoothed training losses: a tenth of an epoch, at least 5 steps.
    pub fn loss_window(&self) -> usize {
        (self.config.steps_per_epoch() / 10).max(5)
    }
}

/// Runs every schedule with every seed.
pub fn compare(cfg: &Config, cc: &ComparisonConfig) -> Result<Comparison> {
    cc.validate()?;
    let cc = &ComparisonConfig {
        seeds: cfg.run_seeds("--seeds", &cc.seeds)?,
        ..cc.clone()
    };
    let data = cc.setup.load_data(cfg.data_dir.as_deref(), cfg.device)?;
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

/// The results table: accuracy with its 95% interval, the paired difference from constant
/// with its interval, t and verdict, the final training loss, and steps to the target.
pub fn comparison_table(cmp: &Comparison, id: &str) -> Result<Table> {
    let cc = &cmp.config;
    let n = cc.seeds.len();
    let window = cmp.loss_window();
    let t_column = paired_t_column(n);
    let mut table = crate::table!(
        id,
        &format!(
            "MLP {} on {} Fashion-MNIST images, batch {}, SGD momentum {}, peak η = {} for \
             every schedule (not tuned per schedule), {} epochs of {} steps; accuracy on {} \
             test images; {}",
            cc.setup.label(),
            cc.setup.train_examples,
            cc.setup.batch_size,
            fmt_sig(cc.momentum, 2),
            fmt_sig(cc.peak_lr, 3),
            cc.setup.epochs,
            cc.steps_per_epoch(),
            cc.setup.test_examples,
            seeds_caption(n),
        ),
        &[
            "schedule",
            "test accuracy (mean)",
            "± 95% CI",
            "Δ vs constant (paired mean)",
            "95% CI of Δ",
            &t_column,
            "beyond seed noise?",
            "final train loss",
            &format!("steps to train loss ≤ {}", fmt_sig(cc.target_loss, 3)),
            "final η / peak (mean)",
            "diverged runs",
        ],
    );
    for &c in &cc.contenders {
        let acc = cmp.accuracies(c);
        let ci = stats::mean_ci(&acc, stats::LEVEL)?;
        let losses: Vec<f64> = cmp
            .runs_of(c)
            .map(|r| r.history.mean_final_loss(window))
            .collect();
        let hits: Vec<Option<usize>> = cmp
            .runs_of(c)
            .map(|r| r.steps_to_target(cc.target_loss, window))
            .collect();
        let reached: Vec<f64> = hits.iter().flatten().map(|&s| s as f64).collect();
        let steps = if reached.len() == hits.len() {
            Cell::num(stats::mean(&reached), 3)
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
        let mut row = vec![
            Cell::from(c.name()),
            Cell::num(ci.mean, 4),
            Cell::num(ci.half_width, 2),
        ];
        if c == Contender::Constant || !cc.contenders.contains(&Contender::Constant) {
            row.extend((0..4).map(|_| Cell::from("—")));
        } else {
            row.extend(paired_cells(&cmp.vs(c, Contender::Constant)?));
        }
        row.extend([
            Cell::num(stats::mean(&losses), 3),
            steps,
            Cell::num(stats::mean(&final_lrs), 2),
            Cell::from(diverged),
        ]);
        table.push(row);
    }
    Ok(table)
}

/// The best schedule (by mean test accuracy) against every other, paired over the seeds:
/// is it better beyond the seed noise, or only by luck of the seeds?
pub fn best_vs_rest_table(cmp: &Comparison, id: &str) -> Result<Table> {
    let mut ranked: Vec<(Contender, f64)> = cmp
        .config
        .contenders
        .iter()
        .map(|&c| (c, stats::mean(&cmp.accuracies(c))))
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let best = ranked[0].0;
    let n = cmp.config.seeds.len();
    let t_column = paired_t_column(n);
    let mut table = crate::table!(
        id,
        &format!(
            "The best schedule by mean test accuracy, {}, against each of the others; {}",
            best.name(),
            seeds_caption(n)
        ),
        &[
            "other schedule",
            "its accuracy (mean)",
            "best − other (paired mean)",
            "95% CI of the difference",
            &t_column,
            "beyond seed noise?",
        ],
    );
    for &(c, mean) in &ranked[1..] {
        let mut row = vec![Cell::from(c.name()), Cell::num(mean, 4)];
        row.extend(paired_cells(&cmp.vs(best, c)?));
        table.push(row);
    }
    Ok(table)
}

/// Final test accuracy of every run, so a reader can see the seed noise itself.
pub fn per_seed_table(cmp: &Comparison, id: &str) -> Table {
    let mut columns = vec!["schedule".to_string()];
    columns.extend(cmp.config.seeds.iter().map(|s| format!("seed {s}")));
    let cols: Vec<&str> = columns.iter().map(String::as_str).collect();
    let mut table = crate::table!(id, "Final test accuracy of every run", &cols);
    for &c in &cmp.config.contenders {
        let mut row = vec![Cell::from(c.name())];
        row.extend(
            cmp.runs_of(c)
                .map(|r| Cell::num(r.history.final_accuracy(), 4)),
        );
        table.push(row);
    }
    table
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
    fn mean_sd_of_one_value_has_no_spread() {
        assert_eq!(mean_sd(&[1.0]), (1.0, 0.0));
        assert_eq!(mean_sd(&[1.0, 3.0]), (2.0, 2f64.sqrt()));
    }
}
