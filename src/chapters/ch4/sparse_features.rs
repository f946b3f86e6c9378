//! "Where per-parameter rates win: sparse features": logistic regression with common and
//! rare features, SGD against AdaGrad, each at its best learning rate.
use tch::{Device, Kind, Tensor};

use crate::data::rng::SplitMix64;
use crate::data::Dataset;
use crate::optim::{OptimizerSpec, Rule};
use crate::report::{fmt_sig, Cell, Table};
use crate::Result;

/// A logistic-regression problem whose first `common` features are active in half the
/// examples and the rest only with probability `rare_p`.
#[derive(Clone, Debug)]
pub struct SparseProblem {
    /// Features active half of the time.
    pub common: usize,
    /// Rarely active features.
    pub rare: usize,
    /// Activation probability of a rare feature.
    pub rare_p: f64,
    /// Training examples (seen once, in minibatches of 10).
    pub train: usize,
    /// Test examples.
    pub test: usize,
}

impl Default for SparseProblem {
    fn default() -> Self {
        SparseProblem {
            common: 10,
            rare: 40,
            rare_p: 0.02,
            train: 5000,
            test: 5000,
        }
    }
}

fn sparse_data(
    p: &SparseProblem,
    n: usize,
    w_true: &[f64],
    rng: &mut SplitMix64,
) -> Result<Dataset> {
    let d = p.common + p.rare;
    let mut x = vec![0f64; n * d];
    let mut y = vec![0f64; n];
    for i in 0..n {
        let mut z = 0.0;
        for j in 0..d {
            let prob = if j < p.common { 0.5 } else { p.rare_p };
            if rng.uniform() < prob {
                x[i * d + j] = 1.0;
                z += w_true[j];
            }
        }
        y[i] = if rng.uniform() < 1.0 / (1.0 + (-z).exp()) {
            1.0
        } else {
            0.0
        };
    }
    Dataset::new(
        Tensor::from_slice(&x).view([n as i64, d as i64]),
        Tensor::from_slice(&y).view([n as i64, 1]),
    )
}

/// Result of training on the sparse problem at one learning rate.
#[derive(Clone, Debug)]
pub struct SparseResult {
    /// Learning rate.
    pub lr: f64,
    /// Test log-loss at the end.
    pub test_loss: f64,
    /// Mean |w − w*| over the common features.
    pub common_error: f64,
    /// Mean |w − w*| over the rare features.
    pub rare_error: f64,
}

/// Trains logistic regression on `p` (drawn once from `seed`) with each optimizer of `rules`
/// at each LR of `lrs`; one list of results per rule.
pub fn sparse_sweep(
    p: &SparseProblem,
    rules: &[Rule],
    lrs: &[f64],
    seed: u64,
) -> Result<Vec<Vec<SparseResult>>> {
    let d = p.common + p.rare;
    let mut rng = SplitMix64::new(seed);
    let w_true: Vec<f64> = (0..d).map(|_| 2.0 * rng.normal()).collect();
    let train = sparse_data(p, p.train, &w_true, &mut rng)?;
    let test = sparse_data(p, p.test, &w_true, &mut rng)?;
    let logloss = |w: &Tensor, data: &Dataset| {
        data.inputs
            .matmul(w)
            .binary_cross_entropy_with_logits::<Tensor>(
                &data.targets,
                None,
                None,
                tch::Reduction::Mean,
            )
    };
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let train_at = |rule: Rule, lr: f64| -> Result<SparseResult> {
        let w = Tensor::zeros([d as i64, 1], (Kind::Double, Device::Cpu)).set_requires_grad(true);
        let mut opt = OptimizerSpec::from(rule).build(vec![w.shallow_clone()])?;
        for (xs, ys) in train.batches(10, None, false)? {
            opt.zero_grad();
            logloss(
                &w,
                &Dataset {
                    inputs: xs,
                    targets: ys,
                },
            )
            .backward();
            opt.step(lr)?;
        }
        let test_loss = f64::try_from(logloss(&w.detach(), &test))?;
        let err =
            Vec::<f64>::try_from(&(w.detach().view([-1]) - Tensor::from_slice(&w_true)).abs())?;
        Ok(SparseResult {
            lr,
            test_loss: if test_loss.is_finite() {
                test_loss
            } else {
                f64::INFINITY
            },
            common_error: mean(&err[..p.common]),
            rare_error: mean(&err[p.common..]),
        })
    };
    rules
        .iter()
        .map(|&rule| lrs.iter().map(|&lr| train_at(rule, lr)).collect())
        .collect()
}

/// The learning rates both optimizers try on the sparse problem.
pub const SPARSE_LRS: [f64; 7] = [0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0];

/// SGD against AdaGrad on the sparse problem, each at its best learning rate.
pub fn sparse_table(p: &SparseProblem, seed: u64, id: &str) -> Result<Table> {
    let mut table = crate::table!(
        id,
        &format!(
            "Logistic regression, {} common features (active half the time) and {} rare ones (active with probability {}), one pass over {} examples: each optimizer at its best η of {}",
            p.common, p.rare, fmt_sig(p.rare_p, 2), p.train,
            SPARSE_LRS.iter().map(|l| fmt_sig(*l, 1)).collect::<Vec<_>>().join(", ")
        ),
        &["optimizer", "best η", "test log-loss", "mean |w − w*|, common", "mean |w − w*|, rare"],
    );
    let sweeps = sparse_sweep(p, &[Rule::Sgd, Rule::Adagrad], &SPARSE_LRS, seed)?;
    for (name, results) in ["SGD", "AdaGrad"].into_iter().zip(&sweeps) {
        let best = results
            .iter()
            .min_by(|a, b| a.test_loss.total_cmp(&b.test_loss))
            .expect("at least one learning rate");
        table.push(vec![
            Cell::from(name),
            Cell::num(best.lr, 2),
            Cell::num(best.test_loss, 4),
            Cell::num(best.common_error, 3),
            Cell::num(best.rare_error, 3),
        ]);
    }
    Ok(table)
}
