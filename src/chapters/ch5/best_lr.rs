//! "Checking the prediction: the best learning rate per batch": for each batch size, a
//! grid of learning rates and the steps each takes to a target probe loss; the best LR per
//! batch against `ε_opt(B) = ε_max/(1 + B_noise/B)`, and the steps/examples trade-off.
use tch::nn::ModuleT;

use super::{plain_sgd, Ch5Config};
use crate::batch::{optimal_lr, TradeOff};
use crate::data::Dataset;
use crate::optim::Optimizer;
use crate::report::{fmt_sig, Cell, Table};
use crate::train::{self, Loss};
use crate::{Error, Result};

/// How one run of the sweep ended.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum SweepOutcome {
    /// Reached the target at this step (probe checkpoints about 10% apart).
    Reached(usize),
    /// Stopped at its step cap without reaching the target.
    NotReached(usize),
    /// The loss became non-finite or exceeded 5× its first value.
    Diverged(usize),
}

/// One `(B, η)` run of the sweep.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct SweepRun {
    /// Batch size.
    pub batch: usize,
    /// Learning rate.
    pub lr: f64,
    /// How it ended.
    pub outcome: SweepOutcome,
}

/// The probe checkpoints: every step up to 10, then about 10% apart.
pub fn checkpoints(max_steps: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut k = 1usize;
    while k <= max_steps {
        out.push(k);
        k = (k + 1).max((k as f64 * 1.1).ceil() as usize);
    }
    out
}

/// Mean cross-entropy on `probe`.
pub(super) fn probe_loss(model: &impl ModuleT, probe: &Dataset) -> Result<f64> {
    Ok(train::evaluate(model, Loss::CrossEntropy, probe, 4096)?.0)
}

// ANCHOR: steps_to_target
/// Trains plain SGD at `(batch, lr)` from the seed's initialisation until the mean loss on
/// `probe` is at most `target` (checked at [`checkpoints`]), the loss diverges, or `cap` steps.
pub fn steps_to_target(
    data: &Dataset,
    probe: &Dataset,
    c: &Ch5Config,
    batch: usize,
    lr: f64,
    cap: usize,
    seed: u64,
) -> Result<SweepOutcome> {
    let (vs, model) = c.net.model(seed, data.inputs.device())?;
    let mut sgd = plain_sgd(&vs)?;
    let marks = checkpoints(cap);
    let mut next = 0;
    let (mut step, mut epoch, mut first) = (0usize, 0u64, None);
    loop {
        for (xs, ys) in data.batches(batch, Some(seed.wrapping_add(epoch)), true)? {
            let l = Loss::CrossEntropy.compute(&model.forward_t(&xs, true), &ys);
            let v = f64::try_from(&l)?;
            let f = *first.get_or_insert(v);
            if !v.is_finite() || v > 5.0 * f {
                return Ok(SweepOutcome::Diverged(step));
            }
            sgd.zero_grad();
            l.backward();
            sgd.step(lr)?;
            step += 1;
            if next < marks.len() && marks[next] == step {
                next += 1;
                if probe_loss(&model, probe)? <= c.target_loss {
                    return Ok(SweepOutcome::Reached(step));
                }
            }
            if step >= cap {
                return Ok(SweepOutcome::NotReached(step));
            }
        }
        epoch += 1;
    }
}
// ANCHOR_END: steps_to_target

/// Sweeps the grid at one batch size, from the largest LR down, pruning runs that cannot
/// win: a run stops after `prune_factor ×` the best steps so far, and once some LR has
/// reached the target the descent stops at the first smaller LR that does not improve on it.
pub fn sweep_batch(
    data: &Dataset,
    probe: &Dataset,
    c: &Ch5Config,
    batch: usize,
    seed: u64,
) -> Result<Vec<SweepRun>> {
    let mut runs = Vec::new();
    let mut best: Option<usize> = None;
    for &lr in c.lrs.iter().rev() {
        let cap = best.map_or(c.max_steps, |b| {
            c.max_steps.min((c.prune_factor * b as f64).ceil() as usize)
        });
        let outcome = steps_to_target(data, probe, c, batch, lr, cap, seed)?;
        runs.push(SweepRun { batch, lr, outcome });
        match (outcome, best) {
            (SweepOutcome::Reached(s), None) => best = Some(s),
            (SweepOutcome::Reached(s), Some(b)) if s < b => best = Some(s),
            // No run has reached the target yet: a smaller LR may (a lower noise floor).
            (SweepOutcome::Diverged(_) | SweepOutcome::NotReached(_), None) => {}
            _ => break,
        }
    }
    runs.sort_by(|a, b| a.lr.total_cmp(&b.lr));
    Ok(runs)
}

/// The best run of one batch size: fewest steps to the target (the larger LR on ties).
pub fn best_of(runs: &[SweepRun]) -> Option<(f64, usize)> {
    runs.iter()
        .filter_map(|r| match r.outcome {
            SweepOutcome::Reached(s) => Some((r.lr, s)),
            _ => None,
        })
        .min_by(|a, b| a.1.cmp(&b.1).then(b.0.total_cmp(&a.0)))
}

/// The whole sweep: every batch of `c.sweep_batches` by [`sweep_batch`], batch-major.
pub fn sweep_all(
    data: &Dataset,
    probe: &Dataset,
    c: &Ch5Config,
    seed: u64,
) -> Result<Vec<SweepRun>> {
    let mut runs = Vec::new();
    for &b in &c.sweep_batches {
        runs.extend(sweep_batch(data, probe, c, b, seed)?);
    }
    Ok(runs)
}

/// Per batch of `batches`, `(B, best LR, steps to target)` where some LR reached the target
/// (at least two batches must, or the trade-off cannot be fitted).
pub fn best_per_batch(runs: &[SweepRun], batches: &[usize]) -> Result<Vec<(usize, f64, usize)>> {
    let best: Vec<(usize, f64, usize)> = batches
        .iter()
        .filter_map(|&b| {
            let of_b: Vec<SweepRun> = runs.iter().filter(|r| r.batch == b).cloned().collect();
            best_of(&of_b).map(|(lr, s)| (b, lr, s))
        })
        .collect();
    if best.len() < 2 {
        return Err(Error::invalid(
            "sweep",
            format!("only {} batch sizes reached the target", best.len()),
            "Raise the target loss or the step cap.",
        ));
    }
    Ok(best)
}

/// The sweep and its fits.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Sweep {
    /// Every run, batch-major.
    pub runs: Vec<SweepRun>,
    /// Per batch: `(B, best LR, steps to target)`, for the batches where some LR reached it.
    pub best: Vec<(usize, f64, usize)>,
    /// ε_max fitted in log space to the measured best LRs, given B_noise.
    pub eps_max: f64,
    /// The B_noise the prediction uses.
    pub b_noise: f64,
    /// The steps/examples trade-off fitted to the best steps.
    pub tradeoff: TradeOff,
}

impl Sweep {
    /// The sweep's fits: `ε_max` given `b_noise`, and the trade-off through each batch's
    /// best steps.
    pub fn fit(runs: Vec<SweepRun>, best: Vec<(usize, f64, usize)>, b_noise: f64) -> Result<Self> {
        let tradeoff = TradeOff::fit(
            &best
                .iter()
                .map(|&(b, _, s)| (b as f64, s as f64))
                .collect::<Vec<_>>(),
        )?;
        Ok(Sweep {
            runs,
            eps_max: fit_eps_max(&best, b_noise),
            best,
            b_noise,
            tradeoff,
        })
    }

    /// The predicted best LR at `b`.
    pub fn predicted_lr(&self, b: f64) -> f64 {
        optimal_lr(self.eps_max, self.b_noise, b).unwrap_or(f64::NAN)
    }
}

// ANCHOR: fit_eps_max
/// The one free constant of the prediction: `ln ε_max` is the mean over batches of
/// `ln(best η) + ln(1 + B_noise/B)`, so the shape comes from `B_noise` alone.
pub fn fit_eps_max(best: &[(usize, f64, usize)], b_noise: f64) -> f64 {
    let logs: Vec<f64> = best
        .iter()
        .map(|&(b, lr, _)| lr.ln() + (1.0 + b_noise / b as f64).ln())
        .collect();
    (logs.iter().sum::<f64>() / logs.len().max(1) as f64).exp()
}
// ANCHOR_END: fit_eps_max

/// Grid points per decade of an evenly log-spaced grid.
fn grid_per_decade(lrs: &[f64]) -> String {
    match lrs {
        [a, b, ..] => fmt_sig(1.0 / (b / a).log10(), 2),
        _ => "—".into(),
    }
}

/// The measured against the predicted best LR per batch.
pub fn best_lr_table(s: &Sweep, c: &Ch5Config) -> Table {
    let mut t = crate::table!(
        "best_lr",
        &format!(
            "Best learning rate per batch (fewest steps to probe loss ≤ {}; grid {} per decade) \
             against ε_opt(B) = ε_max/(1 + B_noise/B) with B_noise = {} and fitted ε_max = {}",
            fmt_sig(c.target_loss, 3),
            grid_per_decade(&c.lrs),
            fmt_sig(s.b_noise, 3),
            fmt_sig(s.eps_max, 3)
        ),
        &[
            "B",
            "best η (measured)",
            "ε_opt(B) (predicted)",
            "measured / predicted",
            "steps to target",
            "examples to target",
            "best η / B",
        ],
    );
    for &b in &c.sweep_batches {
        match s.best.iter().find(|x| x.0 == b) {
            Some(&(_, lr, steps)) => {
                let p = s.predicted_lr(b as f64);
                t.push(vec![
                    Cell::from(b),
                    Cell::num(lr, 3),
                    Cell::num(p, 3),
                    Cell::num(lr / p, 3),
                    Cell::from(steps),
                    Cell::from(steps * b),
                    Cell::num(lr / b as f64, 3),
                ]);
            }
            None => t.push(vec![
                Cell::from(b),
                Cell::from("target not reached"),
                Cell::num(s.predicted_lr(b as f64), 3),
                Cell::from("—"),
                Cell::from("—"),
                Cell::from("—"),
                Cell::from("—"),
            ]),
        }
    }
    t
}

/// Every run of the sweep: steps to the target (or why not) per `(B, η)`.
pub fn sweep_table(s: &Sweep, c: &Ch5Config) -> Table {
    let mut cols = vec!["B".to_string()];
    cols.extend(c.lrs.iter().map(|lr| format!("η = {}", fmt_sig(*lr, 3))));
    let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
    let mut t = crate::table!(
        "sweep",
        &format!(
            "Steps to probe loss ≤ {} for every (B, η) run (— not run: pruned; \
             \"> n\" stopped at its cap; \"div\" diverged)",
            fmt_sig(c.target_loss, 3)
        ),
        &cols,
    );
    for &b in &c.sweep_batches {
        let mut row = vec![Cell::from(b)];
        for &lr in &c.lrs {
            let cell = match s.runs.iter().find(|r| r.batch == b && r.lr == lr) {
                None => Cell::from("—"),
                Some(r) => match r.outcome {
                    SweepOutcome::Reached(k) => Cell::Text(k.to_string()),
                    SweepOutcome::NotReached(k) => Cell::Text(format!("> {k}")),
                    SweepOutcome::Diverged(_) => Cell::from("div"),
                },
            };
            row.push(cell);
        }
        t.push(row);
    }
    t
}

/// The trade-off table: measured steps and examples at each batch's best LR against the fit.
pub fn tradeoff_table(s: &Sweep) -> Table {
    let f = &s.tradeoff;
    let mut t = crate::table!(
        "tradeoff",
        &format!(
            "Steps S and examples E to the target at each batch's best η, against the fit \
             S = S_min + E_min/B: S_min = {}, E_min = {}, B_crit = E_min/S_min = {}",
            fmt_sig(f.s_min, 3),
            fmt_sig(f.e_min, 3),
            fmt_sig(f.b_crit(), 3)
        ),
        &[
            "B",
            "S measured",
            "S fit",
            "E measured",
            "E fit",
            "(S/S_min − 1)(E/E_min − 1), measured",
        ],
    );
    for &(b, _, steps) in &s.best {
        let bf = b as f64;
        let (sm, em) = (steps as f64, (steps * b) as f64);
        t.push(vec![
            Cell::from(b),
            Cell::from(steps),
            Cell::num(f.steps(bf), 3),
            Cell::from(steps * b),
            Cell::num(f.examples(bf), 3),
            Cell::num((sm / f.s_min - 1.0) * (em / f.e_min - 1.0), 3),
        ]);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoints_are_dense_then_ten_percent_apart() {
        let c = checkpoints(100);
        assert_eq!(&c[..10], &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        assert!(c.windows(2).all(|w| w[1] > w[0]));
        assert!(c
            .windows(2)
            .all(|w| w[1] as f64 <= (w[0] as f64 * 1.1).ceil().max(w[0] as f64 + 1.0)));
        assert!(*c.last().unwrap() <= 100);
    }

    #[test]
    fn best_of_prefers_fewest_steps_then_larger_lr() {
        let r = |lr, outcome| SweepRun {
            batch: 8,
            lr,
            outcome,
        };
        let runs = [
            r(0.1, SweepOutcome::Reached(50)),
            r(0.3, SweepOutcome::Reached(20)),
            r(1.0, SweepOutcome::Reached(20)),
            r(3.0, SweepOutcome::Diverged(2)),
        ];
        assert_eq!(best_of(&runs), Some((1.0, 20)));
        assert_eq!(best_of(&runs[3..]), None);
    }

    #[test]
    fn eps_max_fit_inverts_the_prediction() {
        let best: Vec<(usize, f64, usize)> = [16usize, 256, 4096]
            .iter()
            .map(|&b| (b, optimal_lr(2.0, 300.0, b as f64).unwrap(), 1))
            .collect();
        assert!((fit_eps_max(&best, 300.0) - 2.0).abs() < 1e-12);
    }
}
