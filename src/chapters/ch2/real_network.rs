//! "A real network": an MLP on Fashion-MNIST under plain SGD at four learning rates, from
//! one initialisation and one data order, each training log diagnosed.
use super::Config;
use crate::data::fashion_mnist::FashionMnist;
use crate::experiment::MlpSetup;
use crate::optim::{Sgd, SgdConfig};
use crate::regimes::{self, Diagnosis};
use crate::report::{fmt_sig, Cell, Table};
use crate::train::{self, History, Loss, TrainConfig};
use crate::Result;

/// The real-network experiment: the subset, network, epochs and batch size of an
/// [`MlpSetup`], plus the learning rates to compare and how often to evaluate. Its setup's
/// fields read through it (`mc.epochs`), as the training call in the book shows.
#[derive(Clone, Debug)]
pub struct MlpConfig {
    /// Subset, network, epochs, batch size.
    pub setup: MlpSetup,
    /// The learning rates, meant to span the regimes.
    pub lrs: Vec<f64>,
    /// Evaluate on the test set every this many steps.
    pub eval_every: usize,
}

impl std::ops::Deref for MlpConfig {
    type Target = MlpSetup;

    fn deref(&self) -> &MlpSetup {
        &self.setup
    }
}

/// The MLP's learning rates, from too small to diverging.
pub const MLP_LRS: [f64; 4] = [0.0001, 0.05, 1.0, 8.0];

/// One MLP run.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct MlpRun {
    /// The learning rate.
    pub lr: f64,
    /// The training history.
    pub history: History,
    /// The diagnosis of its training-loss log (floor unknown).
    pub diagnosis: Diagnosis,
}

/// Trains the MLP once per learning rate of `mc`, with the same seed and data order.
pub fn mlp_runs(cfg: &Config, mc: &MlpConfig) -> Result<Vec<MlpRun>> {
    let FashionMnist {
        train: train_set,
        test: test_set,
    } = mc.load_data(cfg.data_dir.as_deref(), cfg.device)?;
    let mut out = Vec::new();
    for &lr in &mc.lrs {
        crate::validate::learning_rate("MLP learning rate", lr)?;
        let (vs, model) = mc.model(cfg.seed, cfg.device)?;
        let mut sgd = Sgd::new(vs.trainable_variables(), SgdConfig::default())?;
        // ANCHOR: mlp_train
        let mut constant = |_step: usize| lr;
        let history = train::train(
            &model,
            Loss::CrossEntropy,
            &mut sgd,
            &mut constant,
            &train_set,
            Some(&test_set),
            &TrainConfig {
                epochs: mc.epochs,
                batch_size: mc.batch_size,
                shuffle_seed: Some(cfg.seed),
                max_steps: None,
                blowup: Some(1e3),
                eval_every: Some(mc.eval_every),
                progress: false,
                clip_grad_norm: None,
            },
        )?;
        let diagnosis = regimes::diagnose(&history.losses())?;
        // ANCHOR_END: mlp_train
        out.push(MlpRun {
            lr,
            history,
            diagnosis,
        });
    }
    Ok(out)
}

/// The MLP runs: outcome, diagnosis and reason.
pub fn mlp_table(runs: &[MlpRun], mc: &MlpConfig) -> Table {
    let mut t = crate::table!(
        "mlp_runs",
        &format!(
            "MLP {} on {} Fashion-MNIST images, plain SGD, batch {}, {} epochs: the diagnosis of each training log",
            mc.label(),
            mc.train_examples,
            mc.batch_size,
            mc.epochs
        ),
        &[
            "η",
            "steps run",
            "outcome",
            "first loss",
            "last loss",
            "test accuracy",
            "diagnosis",
            "reason",
            "what to do",
        ],
    );
    for r in runs {
        let losses = r.history.losses();
        let outcome: Cell = match &r.history.outcome {
            train::Outcome::Completed => "completed".into(),
            train::Outcome::Diverged { step, loss } => {
                format!("stopped at step {step} (loss {})", fmt_sig(*loss, 3)).into()
            }
        };
        t.push(vec![
            Cell::num(r.lr, 3),
            losses.len().into(),
            outcome,
            Cell::num(losses[0], 4),
            Cell::num(*losses.last().expect("at least one step"), 4),
            Cell::num(r.history.final_accuracy(), 3),
            r.diagnosis.regime.name().into(),
            r.diagnosis.reason.clone().into(),
            r.diagnosis.regime.remedy().into(),
        ]);
    }
    t
}

/// What the logs look like: the training loss of each run at a few steps.
pub fn mlp_log_table(runs: &[MlpRun]) -> Table {
    let mut cols = vec!["step".to_string()];
    cols.extend(
        runs.iter()
            .map(|r| format!("loss at η = {}", fmt_sig(r.lr, 3))),
    );
    let col_refs: Vec<&str> = cols.iter().map(String::as_str).collect();
    let mut t = crate::table!(
        "mlp_log",
        "The training log: minibatch loss at selected steps (— after a run stopped)",
        &col_refs,
    );
    let longest = runs
        .iter()
        .map(|r| r.history.steps.len())
        .max()
        .unwrap_or(0);
    let mut steps: Vec<usize> = vec![0, 1, 2, 3, 4, 5, 10, 20, 50];
    let mut k = 100;
    while k < longest {
        steps.push(k);
        k *= 2;
    }
    steps.push(longest.saturating_sub(1));
    steps.retain(|&s| s < longest);
    steps.dedup();
    for s in steps {
        let mut row: Vec<Cell> = vec![s.into()];
        for r in runs {
            row.push(
                r.history
                    .steps
                    .get(s)
                    .map_or("—".into(), |rec| Cell::num(rec.loss, 4)),
            );
        }
        t.push(row);
    }
    t
}
