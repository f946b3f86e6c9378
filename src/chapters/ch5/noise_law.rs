//! "Gradient noise and the 1/B law": after a short stretch of training the network is
//! frozen, and the variance of the minibatch gradient at each batch size B is measured
//! against the exact `tr(Σ)/B` from per-example gradients.
use tch::nn::ModuleT;
use tch::{Kind, Tensor};

use super::{plain_sgd, Ch5Config};
use crate::batch::{flat_gradient, log_log_slope};
use crate::data::rng::SplitMix64;
use crate::data::Dataset;
use crate::report::{Cell, Table};
use crate::train::{self, Loss, TrainConfig};
use crate::Result;

/// The noise of the minibatch gradient at one batch size.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct NoisePoint {
    /// Batch size.
    pub batch: usize,
    /// Measured `E|g_B − G|²` over the draws.
    pub variance: f64,
    /// Measured `E|g_B|²`.
    pub mean_sq: f64,
}

/// Part 1's measurements.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct FixedStateNoise {
    /// `|G|²` of the whole pool.
    pub g2: f64,
    /// `tr(Σ)`: mean over the pool of `|g_i − G|²`, from per-example gradients.
    pub trace: f64,
    /// One point per batch size.
    pub points: Vec<NoisePoint>,
}

impl FixedStateNoise {
    /// The exact simple noise scale `tr(Σ)/|G|²` of the pool at this state.
    pub fn b_simple(&self) -> f64 {
        self.trace / self.g2
    }

    /// The fitted slope of log variance against log B (−1 for the 1/B law).
    pub fn slope(&self) -> Result<f64> {
        log_log_slope(
            &self
                .points
                .iter()
                .map(|p| (p.batch as f64, p.variance))
                .collect::<Vec<_>>(),
        )
    }
}

/// The section's experiment: `c.warm_steps` steps of plain SGD at `(c.warm_batch,
/// c.warm_lr)` from the seed's network, then [`noise_at_fixed_state`] on the first
/// `c.pool` training examples.
pub fn measure(data: &Dataset, c: &Ch5Config, seed: u64) -> Result<FixedStateNoise> {
    let (vs, model) = c.net.model(seed, data.inputs.device())?;
    let mut sgd = plain_sgd(&vs)?;
    let warm = TrainConfig {
        epochs: c.warm_steps.max(1), // at least one step per epoch; max_steps stops it
        batch_size: c.warm_batch,
        shuffle_seed: Some(seed),
        max_steps: Some(c.warm_steps),
        progress: false,
        ..TrainConfig::default()
    };
    let lr = c.warm_lr;
    train::train(
        &model,
        Loss::CrossEntropy,
        &mut sgd,
        &mut |_| lr,
        data,
        None,
        &warm,
    )?;
    let pool = data.subset(c.pool)?;
    noise_at_fixed_state(
        &model,
        &vs.trainable_variables(),
        &pool,
        &c.noise_batches,
        c.draws,
        seed,
    )
}

// ANCHOR: noise_at_fixed_state
/// Measures gradient noise at the model's current state on `pool`: the exact `|G|²` and
/// `tr(Σ)` (per-example gradients, one backward pass each), then for each batch size `draws`
/// minibatches (and at least `2·pool/B`) sampled **with replacement**, so that
/// `E|g_B − G|² = tr(Σ)/B` exactly.
pub fn noise_at_fixed_state(
    model: &impl ModuleT,
    params: &[Tensor],
    pool: &Dataset,
    batches: &[usize],
    draws: usize,
    seed: u64,
) -> Result<FixedStateNoise> {
    let loss = Loss::CrossEntropy;
    let full = flat_gradient(model, loss, params, &pool.inputs, &pool.targets)?;
    let n = pool.len();
    // Sums stay on the device, one f64 addition at a time as on the host, and are read once.
    let zero = || Tensor::zeros([], (Kind::Double, full.device()));
    let mut trace = zero();
    for i in 0..n as i64 {
        let g = flat_gradient(
            model,
            loss,
            params,
            &pool.inputs.narrow(0, i, 1),
            &pool.targets.narrow(0, i, 1),
        )?;
        trace += sq_norm(&(g - &full));
    }
    let trace = f64::try_from(trace)? / n as f64;
    let mut rng = SplitMix64::new(seed);
    let mut points = Vec::new();
    for &b in batches {
        // At least two pools' worth of examples per batch size: per-example gradient norms
        // are heavy-tailed, so small batches need many draws.
        let draws = draws.max((2 * n).div_ceil(b));
        let (mut var, mut msq) = (zero(), zero());
        for _ in 0..draws {
            let rows: Vec<i64> = (0..b).map(|_| rng.below(n as u64) as i64).collect();
            let rows = Tensor::from_slice(&rows).to_device(pool.inputs.device());
            let g = flat_gradient(
                model,
                loss,
                params,
                &pool.inputs.index_select(0, &rows),
                &pool.targets.index_select(0, &rows),
            )?;
            msq += sq_norm(&g);
            var += sq_norm(&(g - &full));
        }
        points.push(NoisePoint {
            batch: b,
            variance: f64::try_from(var)? / draws as f64,
            mean_sq: f64::try_from(msq)? / draws as f64,
        });
    }
    Ok(FixedStateNoise {
        g2: f64::try_from(sq_norm(&full))?,
        trace,
        points,
    })
}
// ANCHOR_END: noise_at_fixed_state

/// The 1/B table.
pub fn noise_law_table(n: &FixedStateNoise, pool: usize, draws: usize) -> Table {
    let mut t = crate::table!(
        "noise_law",
        &format!(
            "Variance of the minibatch gradient at a fixed state: max({draws}, 2·{pool}/B) \
             minibatches per B drawn with replacement from {pool} training images"
        ),
        &[
            "B",
            "measured E‖g_B − G‖²",
            "tr(Σ)/B (per-example)",
            "measured / predicted",
            "measured E‖g_B‖²",
            "‖G‖² + tr(Σ)/B",
        ],
    );
    for p in &n.points {
        let pred = n.trace / p.batch as f64;
        t.push(vec![
            Cell::from(p.batch),
            Cell::num(p.variance, 3),
            Cell::num(pred, 3),
            Cell::num(p.variance / pred, 3),
            Cell::num(p.mean_sq, 3),
            Cell::num(n.g2 + pred, 3),
        ]);
    }
    t
}

/// `|t|²`, summed in f64, as a scalar tensor on `t`'s device (read it back with `f64::try_from`).
pub(super) fn sq_norm(t: &Tensor) -> Tensor {
    t.square().sum(Kind::Double)
}
