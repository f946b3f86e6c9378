//! "How forgiving is each optimizer?": final held-out loss against the base learning rate
//! for SGD, momentum and Adam on the Fashion-MNIST MLP, and the width of each one's good
//! band.
use tch::Device;

use super::NetConfig;
use crate::chapters::Config;
use crate::data::fashion_mnist::FashionMnist;
use crate::optim::{OptimizerSpec, Rule, TorchArgs};
use crate::report::{fmt_sig, Cell, Table};
use crate::train::{self, Loss, TrainConfig};
use crate::{Error, Result};

/// The optimizers of the sensitivity sweep, by the names the table shows.
pub fn sensitivity_optimizers() -> [(&'static str, OptimizerSpec); 3] {
    let momentum = TorchArgs {
        momentum: Some(0.9),
        ..TorchArgs::default()
    };
    [
        ("SGD", Rule::Sgd.into()),
        ("SGD + momentum 0.9", Rule::Sgd.with(momentum)),
        ("Adam", Rule::Adam.into()),
    ]
}

/// What one MLP run ends with.
#[derive(Clone, Copy, Debug)]
pub struct NetOutcome {
    /// Final held-out loss; ∞ if the run diverged.
    pub loss: f64,
    /// Final held-out accuracy; NaN if the run diverged.
    pub accuracy: f64,
    /// `‖θ‖₂` over all weights at the end.
    pub weight_norm: f64,
}

/// Trains the seeded MLP of `nc` with `spec` at learning rate `lr`.
pub fn net_run(
    data: &FashionMnist,
    nc: &NetConfig,
    spec: &OptimizerSpec,
    lr: f64,
    seed: u64,
    device: Device,
) -> Result<NetOutcome> {
    let (vs, model) = nc.mlp.model(seed, device)?;
    let mut opt = spec.build(vs.trainable_variables())?;
    let tc = TrainConfig {
        epochs: nc.mlp.epochs,
        batch_size: nc.mlp.batch_size,
        shuffle_seed: Some(seed),
        blowup: Some(1e2),
        progress: false,
        ..TrainConfig::default()
    };
    let h = train::train(
        &model,
        Loss::CrossEntropy,
        opt.as_mut(),
        &mut |_| lr,
        &data.train,
        Some(&data.test),
        &tc,
    )?;
    let weight_norm = crate::models::weight_norm(&vs);
    if h.diverged() {
        return Ok(NetOutcome {
            loss: f64::INFINITY,
            accuracy: f64::NAN,
            weight_norm,
        });
    }
    if h.evals.is_empty() {
        return Err(Error::invalid(
            "training",
            "no evaluation",
            "Train at least one step.",
        ));
    }
    let loss = h.final_eval_loss();
    Ok(NetOutcome {
        loss: if loss.is_finite() {
            loss
        } else {
            f64::INFINITY
        },
        accuracy: h.final_accuracy(),
        weight_norm,
    })
}
/// One optimizer's sweep: `(lr, final held-out loss)`.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Sensitivity {
    /// The optimizer.
    #[serde(deserialize_with = "crate::run_cache::leak_str")]
    pub name: crate::run_cache::StaticName,
    /// `(lr, mean final held-out loss over the seeds)`, ∞ when a run diverged.
    pub points: Vec<(f64, f64)>,
    /// The per-seed final losses behind each point, in seed order (∞ where it diverged).
    pub seed_losses: Vec<Vec<f64>>,
}

/// Tolerance of the "good band": learning rates whose final loss is within this factor of
/// the optimizer's best.
pub const GOOD_BAND_FACTOR: f64 = 1.2;

impl Sensitivity {
    /// The best point.
    pub fn best(&self) -> (f64, f64) {
        self.points
            .iter()
            .copied()
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap_or((f64::NAN, f64::NAN))
    }

    // ANCHOR: good_band
    /// The contiguous run of grid learning rates around the best whose final loss is at most
    /// [`GOOD_BAND_FACTOR`] × the best, as `(lowest, highest)`.
    pub fn good_band(&self) -> (f64, f64) {
        let (best_lr, best_loss) = self.best();
        let ok = |l: f64| l <= GOOD_BAND_FACTOR * best_loss;
        let i = self.points.iter().position(|p| p.0 == best_lr).unwrap_or(0);
        let (mut lo, mut hi) = (i, i);
        while lo > 0 && ok(self.points[lo - 1].1) {
            lo -= 1;
        }
        while hi + 1 < self.points.len() && ok(self.points[hi + 1].1) {
            hi += 1;
        }
        (self.points[lo].0, self.points[hi].0)
    }
    // ANCHOR_END: good_band

    /// Width of the good band in decades, `log₁₀(high/low)`.
    pub fn band_decades(&self) -> f64 {
        let (lo, hi) = self.good_band();
        (hi / lo).log10()
    }
}

/// Sweeps the base LR for SGD, momentum and Adam on the MLP.
pub fn sensitivity(cfg: &Config, nc: &NetConfig, data: &FashionMnist) -> Result<Vec<Sensitivity>> {
    let seeds = cfg.run_seeds("seeds", &nc.seeds)?;
    sensitivity_optimizers()
        .iter()
        .map(|&(name, spec)| {
            let mut points = Vec::new();
            let mut seed_losses = Vec::new();
            for &lr in &nc.lrs {
                let losses = seeds
                    .iter()
                    .map(|&seed| Ok(net_run(data, nc, &spec, lr, seed, cfg.device)?.loss))
                    .collect::<Result<Vec<f64>>>()?;
                points.push((lr, losses.iter().sum::<f64>() / seeds.len() as f64));
                seed_losses.push(losses);
            }
            Ok(Sensitivity {
                name,
                points,
                seed_losses,
            })
        })
        .collect()
}

/// The spread behind the sensitivity table: every grid point's mean final loss with its 95%
/// Student-t interval over the seeds, per optimizer.
pub fn sensitivity_spread_table(sweeps: &[Sensitivity], nc: &NetConfig) -> Result<Table> {
    let n = nc.seeds.len();
    let mut cols = vec!["base η"];
    cols.extend(sweeps.iter().map(|s| s.name));
    let mut table = crate::table!(
        "sensitivity_spread",
        &format!(
            "Final held-out loss at every grid point, mean ± 95% interval over the seeds \
             (the points behind the sensitivity table and figure); {}",
            crate::stats::seeds_caption(n)
        ),
        &cols,
    );
    for (i, &lr) in nc.lrs.iter().enumerate() {
        let mut row = vec![Cell::num(lr, 2)];
        for s in sweeps {
            let losses = &s.seed_losses[i];
            let diverged = losses.iter().filter(|l| !l.is_finite()).count();
            row.push(if diverged > 0 {
                Cell::Text(format!("diverged ({diverged} of {})", losses.len()))
            } else if let Some(m) = crate::stats::spread(losses) {
                Cell::Text(m.text())
            } else {
                Cell::num(losses[0], 3)
            });
        }
        table.push(row);
    }
    Ok(table)
}

/// The sensitivity table: best LR and loss, the good band, and its width.
pub fn sensitivity_table(sweeps: &[Sensitivity], nc: &NetConfig) -> Table {
    let mut table = crate::table!(
        "sensitivity",
        &format!(
            "Final held-out loss (mean over {} seeds) against base η (half-decade grid from {} to {}), MLP {}, {} Fashion-MNIST images, {} epochs; good band: loss ≤ {}× the best",
            nc.seeds.len(),
            fmt_sig(nc.lrs[0], 1), fmt_sig(*nc.lrs.last().unwrap_or(&f64::NAN), 1),
            nc.mlp.label(),
            nc.mlp.train_examples, nc.mlp.epochs, fmt_sig(GOOD_BAND_FACTOR, 2)
        ),
        &["optimizer", "best η", "best loss", "good band from", "good band to", "width (decades)", "diverged at η ≥"],
    );
    for s in sweeps {
        let (lr, loss) = s.best();
        let (lo, hi) = s.good_band();
        let diverged = s
            .points
            .iter()
            .find(|p| p.1.is_infinite())
            .map_or(Cell::from("none"), |p| Cell::num(p.0, 2));
        table.push(vec![
            Cell::from(s.name),
            Cell::num(lr, 2),
            Cell::num(loss, 3),
            Cell::num(lo, 2),
            Cell::num(hi, 2),
            Cell::num(s.band_decades(), 2),
            diverged,
        ]);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_band_is_contiguous_around_the_best() {
        let s = Sensitivity {
            name: "x",
            points: vec![
                (1e-3, 2.0),
                (1e-2, 0.55),
                (1e-1, 0.5),
                (1.0, 0.58),
                (10.0, f64::INFINITY),
            ],
            seed_losses: vec![],
        };
        assert_eq!(s.best(), (1e-1, 0.5));
        assert_eq!(s.good_band(), (1e-2, 1.0));
        assert!((s.band_decades() - 2.0).abs() < 1e-12);
    }
}
