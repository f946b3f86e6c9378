//! "Data parallelism, in simulation": K workers' averaged gradients against one batch of
//! K·b, in f64, and what the fitted trade-off says K workers buy.
use tch::Kind;

use super::Ch5Config;
use crate::batch::{data_parallel_gradient, flat_gradient, TradeOff};
use crate::data::Dataset;
use crate::experiment::MlpSetup;
use crate::report::{fmt_sig, Cell, Table};
use crate::train::Loss;
use crate::Result;

// ANCHOR: data_parallel_check
/// K workers of `b` examples against one batch of K·b, on an f64 copy of the chapter's MLP,
/// on the device that holds `data`: `(K, relative difference |g_K − g|/|g|)` per worker count.
pub fn data_parallel_check(
    data: &Dataset,
    net: &MlpSetup,
    b: usize,
    workers: &[usize],
    seed: u64,
) -> Result<Vec<(usize, f64)>> {
    let device = data.inputs.device();
    let (mut vs, model) = net.model(seed, device)?;
    vs.double();
    let params = vs.trainable_variables();
    let mut out = Vec::new();
    for &k in workers {
        let n = (k * b) as i64;
        let xs = data.inputs.narrow(0, 0, n).to_kind(Kind::Double);
        let ys = data.targets.narrow(0, 0, n);
        let whole = flat_gradient(&model, Loss::CrossEntropy, &params, &xs, &ys)?;
        let dp = data_parallel_gradient(&model, Loss::CrossEntropy, &params, &xs, &ys, k)?;
        let rel = f64::try_from((&dp - &whole).norm())? / f64::try_from(whole.norm())?;
        out.push((k, rel));
    }
    Ok(out)
}
// ANCHOR_END: data_parallel_check

/// The equivalence table and, from the fitted trade-off, what K workers buy.
pub fn data_parallel_table(check: &[(usize, f64)], c: &Ch5Config, f: &TradeOff) -> Table {
    let b = c.worker_batch as f64;
    let mut t = crate::table!(
        "data_parallel",
        &format!(
            "K workers of b = {} examples: averaged gradient against one batch of K·b (f64), \
             and the speed-up in steps the fitted trade-off predicts (B_crit = {})",
            c.worker_batch,
            fmt_sig(f.b_crit(), 3)
        ),
        &[
            "K",
            "global batch K·b",
            "relative difference",
            "predicted steps S(K·b)",
            "speed-up S(b)/S(K·b)",
            "efficiency (speed-up / K)",
        ],
    );
    for &(k, rel) in check {
        let speed = f.steps(b) / f.steps(b * k as f64);
        t.push(vec![
            Cell::from(k),
            Cell::from(k * c.worker_batch),
            Cell::Text(if rel <= 1e-12 {
                "≤ 1e-12".into()
            } else {
                fmt_sig(rel, 2)
            }),
            Cell::num(f.steps(b * k as f64), 3),
            Cell::num(speed, 3),
            Cell::num(speed / k as f64, 2),
        ]);
    }
    t
}
