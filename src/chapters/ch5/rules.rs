//! "The scaling rules head to head": from a base `(B₀, η₀)`, the linear rule (with and
//! without warmup), the square-root rule and no scaling, each for the same number of epochs.
use super::{plain_sgd, Ch5Config};
use crate::batch::{scaled_lr, ScalingRule};
use crate::data::fashion_mnist;
use crate::models::Mlp;
use crate::optim::Optimizer;
use crate::report::{fmt_sig, Cell, Table};
use crate::schedule::{FollowSchedule, Warmup};
use crate::train::{self, History, Loss, TrainConfig};
use crate::Result;
use tch::nn;

/// A contender of the rules comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RuleRun {
    /// A plain scaling rule, constant LR.
    Plain(ScalingRule),
    /// The linear rule with gradual warmup from η₀ over the first epochs (Goyal et al.).
    LinearWarmup,
}

impl RuleRun {
    /// The four contenders, in table order.
    pub const ALL: [RuleRun; 4] = [
        RuleRun::Plain(ScalingRule::Linear),
        RuleRun::LinearWarmup,
        RuleRun::Plain(ScalingRule::Sqrt),
        RuleRun::Plain(ScalingRule::None),
    ];

    /// The name in tables.
    pub fn name(self) -> &'static str {
        match self {
            RuleRun::Plain(r) => r.name(),
            RuleRun::LinearWarmup => "linear + warmup",
        }
    }
}

/// One run of the rules comparison.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct RulesRun {
    /// Batch size.
    pub batch: usize,
    /// The rule (the base run is `Plain(None)` at B₀).
    pub rule: RuleRun,
    /// The LR the rule gives (after warmup).
    pub lr: f64,
    /// Steps taken.
    pub steps: usize,
    /// What the loop recorded (held-out evaluations about 4 per epoch).
    pub history: History,
}

impl RulesRun {
    /// Final held-out loss, ∞ if diverged.
    pub fn final_loss(&self) -> f64 {
        final_held_out_loss(&self.history)
    }
}

/// A run's last held-out loss, ∞ if it diverged (or was never evaluated).
pub fn final_held_out_loss(history: &History) -> f64 {
    if history.diverged() {
        return f64::INFINITY;
    }
    history.evals.last().map_or(f64::INFINITY, |e| e.loss)
}

/// Trains `rule` at `batch` for `c.net.epochs` epochs from the base `(c.base_batch(), base_lr)`.
pub fn rules_run(
    data: &fashion_mnist::FashionMnist,
    c: &Ch5Config,
    rule: RuleRun,
    batch: usize,
    base_lr: f64,
    seed: u64,
) -> Result<RulesRun> {
    Ok(rules_run_with_model(data, c, rule, batch, base_lr, seed)?.0)
}

// ANCHOR: rules_run
/// [`rules_run`], also returning the trained model and its variables (for measurements at
/// the state the run reached).
pub fn rules_run_with_model(
    data: &fashion_mnist::FashionMnist,
    c: &Ch5Config,
    rule: RuleRun,
    batch: usize,
    base_lr: f64,
    seed: u64,
) -> Result<(RulesRun, nn::VarStore, Mlp)> {
    let (vs, model) = c.net.model(seed, data.train.inputs.device())?;
    let mut sgd = plain_sgd(&vs)?;
    let steps_per_epoch = c.net.train_examples.div_ceil(batch);
    let lr = match rule {
        RuleRun::Plain(r) => scaled_lr(r, base_lr, c.base_batch(), batch)?,
        RuleRun::LinearWarmup => scaled_lr(ScalingRule::Linear, base_lr, c.base_batch(), batch)?,
    };
    let plan = RunPlan {
        batch,
        lr,
        warmup: match rule {
            RuleRun::LinearWarmup => Some(((c.warmup_epochs * steps_per_epoch).max(1), base_lr)),
            RuleRun::Plain(_) => None,
        },
        evals_per_epoch: 4,
        clip_grad_norm: None,
    };
    let history = train_planned(data, c, &model, &mut sgd, &plan, seed)?;
    let run = RulesRun {
        batch,
        rule,
        lr,
        steps: history.steps.len(),
        history,
    };
    Ok((run, vs, model))
}
// ANCHOR_END: rules_run

/// How one run of the chapter trains, whatever its optimizer: the batch, the learning rate
/// reached, an optional gradual warmup, how often the held-out loss is measured, and an
/// optional clipping norm.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RunPlan {
    /// Examples per step.
    pub batch: usize,
    /// The learning rate after warmup.
    pub lr: f64,
    /// `Some((steps, start_lr))`: Goyal et al.'s gradual warmup, linear from `start_lr`
    /// (capped at `lr`) to `lr` over `steps` steps, then constant; `None`: constant `lr`.
    pub warmup: Option<(usize, f64)>,
    /// Held-out evaluations per epoch (and one at the end).
    pub evals_per_epoch: usize,
    /// Clip the gradients to this global norm before every step (`None`: no clipping).
    pub clip_grad_norm: Option<f64>,
}

// ANCHOR: train_planned
/// Trains `model` with `optimizer` as every run of the chapter trains: `c.net.epochs`
/// epochs of `plan.batch` images, shuffled by `seed`, stopped as diverged once the loss
/// passes 5× its first value, with the learning rate, warmup and clipping of `plan`.
pub fn train_planned(
    data: &fashion_mnist::FashionMnist,
    c: &Ch5Config,
    model: &Mlp,
    optimizer: &mut dyn Optimizer,
    plan: &RunPlan,
    seed: u64,
) -> Result<History> {
    let steps_per_epoch = data.train.len().div_ceil(plan.batch);
    let tc = TrainConfig {
        epochs: c.net.epochs,
        batch_size: plan.batch,
        shuffle_seed: Some(seed),
        blowup: Some(5.0),
        eval_every: Some((steps_per_epoch / plan.evals_per_epoch.max(1)).max(1)),
        progress: false,
        clip_grad_norm: plan.clip_grad_norm,
        ..TrainConfig::default()
    };
    let (train, test) = (&data.train, Some(&data.test));
    let loss = Loss::CrossEntropy;
    match plan.warmup {
        // Goyal et al.'s gradual warmup: from the start LR up to the scaled η, then constant.
        Some((steps, start_lr)) => {
            let warmup = Warmup::linear(plan.lr, steps.max(1))?
                .with_start_factor((start_lr / plan.lr).min(1.0))?;
            let mut policy = FollowSchedule(&warmup);
            train::train(model, loss, optimizer, &mut policy, train, test, &tc)
        }
        None => train::train(model, loss, optimizer, &mut |_| plan.lr, train, test, &tc),
    }
}
// ANCHOR_END: train_planned

/// The rules comparison: the base run and every rule at every batch.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Rules {
    /// η₀.
    pub base_lr: f64,
    /// The base run at B₀.
    pub base: RulesRun,
    /// Every scaled run.
    pub runs: Vec<RulesRun>,
    /// The tolerance.
    pub tolerance: f64,
}

impl Rules {
    /// Whether a run matches the base within the tolerance.
    pub fn matches(&self, r: &RulesRun) -> bool {
        r.final_loss() <= (1.0 + self.tolerance) * self.base.final_loss()
    }

    // ANCHOR: largest_matching
    /// The largest batch up to which every batch matches the base, for `rule` (B₀ itself
    /// when already the first scaled batch fails).
    pub fn largest_matching(&self, rule: RuleRun) -> usize {
        let mut largest = self.base.batch;
        for r in self.runs.iter().filter(|r| r.rule == rule) {
            if !self.matches(r) {
                break;
            }
            largest = r.batch;
        }
        largest
    }
    // ANCHOR_END: largest_matching
}

/// The rules table: one row per (B, rule).
pub fn rules_table(r: &Rules, c: &Ch5Config) -> Table {
    let mut t = crate::table!(
        "rules",
        &format!(
            "Scaling rules from B₀ = {}, η₀ = {}, plain SGD, {} epochs \
             of {} images each; loss on {} held-out images; match = loss ≤ {}× base",
            c.base_batch(),
            fmt_sig(r.base_lr, 3),
            c.net.epochs,
            c.net.train_examples,
            c.net.test_examples,
            fmt_sig(1.0 + c.tolerance, 3)
        ),
        &[
            "B",
            "rule",
            "η",
            "steps",
            "final held-out loss",
            "loss / base",
            "matches base?",
        ],
    );
    let row = |run: &RulesRun, name: &str| -> Vec<Cell> {
        let l = run.final_loss();
        let (loss, ratio, ok) = if run.history.diverged() {
            (Cell::from("diverged"), Cell::from("—"), "no")
        } else {
            (
                Cell::num(l, 3),
                Cell::num(l / r.base.final_loss(), 3),
                if r.matches(run) { "yes" } else { "no" },
            )
        };
        vec![
            Cell::from(run.batch),
            Cell::from(name),
            Cell::num(run.lr, 3),
            Cell::from(run.steps),
            loss,
            ratio,
            Cell::from(ok),
        ]
    };
    t.push(row(&r.base, "base"));
    for run in &r.runs {
        t.push(row(run, run.rule.name()));
    }
    t
}

/// The headline: the largest batch at which each rule still matches.
pub fn rules_summary_table(r: &Rules, c: &Ch5Config) -> Table {
    let mut t =
        crate::table!(
            "rules_summary",
            &format!(
            "Largest batch up to which every batch matches the base run's held-out loss within \
             {}% (from B₀ = {}; tried up to B = {})",
            fmt_sig(100.0 * c.tolerance, 2),
            c.base_batch(),
            c.rule_batches.iter().max().copied().unwrap_or(c.base_batch())
        ),
            &["rule", "largest matching B", "× B₀"],
        );
    for rule in RuleRun::ALL {
        let b = r.largest_matching(rule);
        t.push(vec![
            Cell::from(rule.name()),
            Cell::from(b),
            Cell::from(b / c.base_batch()),
        ]);
    }
    t
}

/// The section's experiment: the base run at `(B₀, η₀)`, then every rule of
/// [`RuleRun::ALL`] at every batch of `c.rule_batches`.
pub fn compare(data: &fashion_mnist::FashionMnist, c: &Ch5Config, seed: u64) -> Result<Rules> {
    let base_lr = c.base_lr;
    let base = rules_run(
        data,
        c,
        RuleRun::Plain(ScalingRule::None),
        c.base_batch(),
        base_lr,
        seed,
    )?;
    let mut runs = Vec::new();
    for rule in RuleRun::ALL {
        for &b in &c.rule_batches {
            runs.push(rules_run(data, c, rule, b, base_lr, seed)?);
        }
    }
    Ok(Rules {
        base_lr,
        base,
        runs,
        tolerance: c.tolerance,
    })
}
