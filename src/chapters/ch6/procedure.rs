//! "The procedure": the range test on one of the chapter's models, with a fresh optimizer
//! from a factory and an endless stream of shuffled minibatches.
use tch::nn::{self, Module};
use tch::Tensor;

use super::reading_curve::{Net, Setup};
use super::FinderConfig;
use crate::data::Dataset;
use crate::finder::RangeTestResult;
use crate::optim::tch_nn::build_optimizer;
use crate::Result;

/// Shuffled minibatches of `data`, epoch after epoch, never ending.
pub fn endless_batches(
    data: &Dataset,
    batch_size: usize,
    seed: u64,
) -> impl Iterator<Item = (Tensor, Tensor)> + '_ {
    (0u64..)
        .map_while(move |epoch| {
            data.batches(
                batch_size,
                Some(seed.wrapping_mul(1000).wrapping_add(epoch)),
                true,
            )
            .ok()
        })
        .flatten()
}

// ANCHOR: run_finder
/// The range test on `net` (whose variables are in `vs`) with the setup's optimizer.
pub fn run_finder(
    cfg: &FinderConfig,
    setup: Setup,
    vs: &nn::VarStore,
    net: &Net,
    data: &Dataset,
    seed: u64,
) -> Result<RangeTestResult> {
    cfg.range_test()?.run(
        vs,
        || build_optimizer(setup.opt, vs, cfg.start_lr),
        endless_batches(data, cfg.batch_size, seed),
        |(x, y)| net.forward(x).cross_entropy_for_logits(y),
    )
}
// ANCHOR_END: run_finder
