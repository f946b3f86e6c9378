//! "The gradient noise scale": McCandlish's two-batch estimator, first at the frozen state
//! where the exact `B_noise` is known, then during training with moving averages.
use tch::nn::ModuleT;
use tch::{Kind, Tensor};

use super::best_lr::{checkpoints, probe_loss};
use super::noise_law::{sq_norm, FixedStateNoise};
use super::{plain_sgd, Ch5Config};
use crate::batch::{two_batch_estimate, NoiseScaleEma};
use crate::data::Dataset;
use crate::optim::Optimizer;
use crate::report::{fmt_sig, Cell, Table};
use crate::train::Loss;
use crate::Result;

/// The exact noise scale at the fixed state against the two-batch estimator applied to the
/// measured `E|g_B|²` of every pair of batch sizes whose ratio is at least 16.
pub fn fixed_state_scale_table(n: &FixedStateNoise) -> Result<Table> {
    let mut t = crate::table!(
        "noise_scale_fixed",
        "The noise scale at the fixed state: exact (per-example gradients) and from the \
         two-batch estimator on the averaged ‖g_B‖²",
        &["method", "‖G‖²", "tr(Σ)", "B_noise = tr(Σ)/‖G‖²"],
    );
    t.push(vec![
        Cell::from("exact, per-example gradients"),
        Cell::num(n.g2, 3),
        Cell::num(n.trace, 3),
        Cell::num(n.b_simple(), 3),
    ]);
    for (i, s) in n.points.iter().enumerate() {
        for b in &n.points[i + 1..] {
            if b.batch < 16 * s.batch {
                continue;
            }
            let e = two_batch_estimate(s.batch, s.mean_sq, b.batch, b.mean_sq)?;
            t.push(vec![
                Cell::Text(format!("two-batch, B = {} and {}", s.batch, b.batch)),
                Cell::num(e.g2, 3),
                Cell::num(e.trace, 3),
                Cell::num(e.trace / e.g2, 3),
            ]);
        }
    }
    Ok(t)
}

/// Part 2: training at `est_big` with the sweep's best LR there, the McCandlish estimates
/// every step, averaged. Records `(step, probe loss, B_noise)` at the checkpoints.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct NoiseScaleRun {
    /// The batch trained with.
    pub batch: usize,
    /// Its learning rate.
    pub lr: f64,
    /// `(step, probe loss, |G|² estimate, tr Σ estimate, B_noise)` at the checkpoints.
    pub trace: Vec<(usize, f64, f64, f64, f64)>,
    /// B_noise when the probe loss first reached the target (or at the end).
    pub at_target: f64,
    /// The step at which that was read.
    pub target_step: usize,
}

// ANCHOR: noise_scale_during_training
/// Trains at `c.est_big` and feeds every step's `|g_small|²` (first `c.est_small` rows of
/// the batch) and `|g_big|²` (the whole batch) to a [`NoiseScaleEma`].
pub fn noise_scale_during_training(
    data: &Dataset,
    probe: &Dataset,
    c: &Ch5Config,
    lr: f64,
    steps: usize,
    seed: u64,
) -> Result<NoiseScaleRun> {
    let (vs, model) = c.net.model(seed, data.inputs.device())?;
    let params = vs.trainable_variables();
    let mut sgd = plain_sgd(&vs)?;
    let mut ema = NoiseScaleEma::new(c.est_small, c.est_big, c.ema_beta)?;
    let marks = checkpoints(steps);
    let (mut step, mut epoch, mut next) = (0usize, 0u64, 0usize);
    let mut trace = Vec::new();
    let mut at_target = None;
    'outer: loop {
        for (xs, ys) in data.batches(c.est_big, Some(seed.wrapping_add(epoch)), true)? {
            let small = c.est_small as i64;
            sgd.zero_grad();
            Loss::CrossEntropy
                .compute(
                    &model.forward_t(&xs.narrow(0, 0, small), true),
                    &ys.narrow(0, 0, small),
                )
                .backward();
            let g_small_sq = grad_sq_norm(&params)?;
            sgd.zero_grad();
            Loss::CrossEntropy
                .compute(&model.forward_t(&xs, true), &ys)
                .backward();
            let g_big_sq = grad_sq_norm(&params)?;
            ema.update(g_small_sq, g_big_sq)?;
            sgd.step(lr)?;
            step += 1;
            if next < marks.len() && marks[next] == step {
                next += 1;
                let p = probe_loss(&model, probe)?;
                let e = ema.estimate().expect("updated");
                let b = ema.b_noise().unwrap_or(f64::NAN);
                trace.push((step, p, e.g2, e.trace, b));
                if at_target.is_none() && p <= c.target_loss {
                    at_target = Some((b, step));
                }
            }
            if step >= steps {
                break 'outer;
            }
        }
        epoch += 1;
    }
    let (b, s) = at_target.unwrap_or_else(|| {
        let last = trace
            .last()
            .copied()
            .unwrap_or((0, 0.0, 0.0, 0.0, f64::NAN));
        (last.4, last.0)
    });
    Ok(NoiseScaleRun {
        batch: c.est_big,
        lr,
        trace,
        at_target: b,
        target_step: s,
    })
}
// ANCHOR_END: noise_scale_during_training

/// The noise-scale estimate along training, at a few checkpoints.
pub fn noise_scale_table(r: &NoiseScaleRun, c: &Ch5Config) -> Table {
    let mut t = crate::table!(
        "noise_scale_training",
        &format!(
            "B_noise during training at B = {}, η = {} (two-batch estimator, B_small = {}, \
             EMA β = {}); the row marked * is the first checkpoint at probe loss ≤ {}",
            r.batch,
            fmt_sig(r.lr, 3),
            c.est_small,
            fmt_sig(c.ema_beta, 2),
            fmt_sig(c.target_loss, 3)
        ),
        &["step", "probe loss", "‖G‖² (EMA)", "tr(Σ) (EMA)", "B_noise"],
    );
    let n = r.trace.len();
    let mut picks: Vec<usize> = [0, n / 4, n / 2, 3 * n / 4, n.saturating_sub(1)]
        .into_iter()
        .chain(r.trace.iter().position(|p| p.0 == r.target_step))
        .filter(|&i| i < n)
        .collect();
    picks.sort_unstable();
    picks.dedup();
    for i in picks {
        let (s, p, g2, tr, b) = r.trace[i];
        let mark = if s == r.target_step { " *" } else { "" };
        t.push(vec![
            Cell::Text(format!("{s}{mark}")),
            Cell::num(p, 3),
            Cell::num(g2, 3),
            Cell::num(tr, 3),
            Cell::num(b, 3),
        ]);
    }
    t
}

/// The section's run during training: at `c.est_big` with the sweep's best LR at the
/// nearest swept batch, for as many steps as the slowest best run of the sweep took (at
/// most `c.max_steps`). `best` holds the sweep's `(B, best LR, steps)`.
pub fn at_sweeps_best(
    data: &Dataset,
    probe: &Dataset,
    c: &Ch5Config,
    best: &[(usize, f64, usize)],
    seed: u64,
) -> Result<NoiseScaleRun> {
    let est_lr = best
        .iter()
        .min_by_key(|x| (x.0 as i64 - c.est_big as i64).abs())
        .map(|x| x.1)
        .unwrap_or(c.warm_lr);
    let est_steps = best
        .iter()
        .map(|x| x.2)
        .max()
        .unwrap_or(c.max_steps)
        .min(c.max_steps);
    noise_scale_during_training(data, probe, c, est_lr, est_steps, seed)
}

/// Sum of the squared gradients of `params` (|g|²). The sum is kept on the parameters' device
/// and read back once, in the same order of f64 additions as a sum on the host.
fn grad_sq_norm(params: &[Tensor]) -> Result<f64> {
    let Some(first) = params.first() else {
        return Ok(0.0);
    };
    let mut s = Tensor::zeros([], (Kind::Double, first.device()));
    for p in params {
        s += sq_norm(&p.grad());
    }
    Ok(f64::try_from(s)?)
}
