//! lrbook in your own tch project: find a learning rate with the range test, build a
//! warmup + cosine schedule around it, and train with an optimizer from `lrbook::optim`.
//! Runs in a second on synthetic data; swap in your own model and batches.
//!
//!     cargo run --example use_as_library
use lrbook::finder::{RangeTest, Rule};
use lrbook::optim::{Adam, AdamConfig};
use lrbook::schedule::{cosine_with_warmup, FollowSchedule};
use lrbook::train::{self, Loss, TrainConfig};
use tch::nn::{self, ModuleT, OptimizerConfig};

fn main() -> std::process::ExitCode {
    // No flags: `--help` says what the example does, and anything else is refused.
    clap::Command::new("use_as_library")
        .about("Finds a learning rate, builds a schedule around it and trains (no flags).")
        .get_matches();
    lrbook::cli::finish(run())
}

fn run() -> lrbook::Result<()> {
    tch::manual_seed(0);
    let data = lrbook::data::synthetic::gaussian_blobs(2000, 3, 8, 1.5, 0)?;
    let vs = nn::VarStore::new(tch::Device::Cpu);
    let model = nn::seq_t()
        .add(nn::linear(vs.root() / "l1", 8, 64, Default::default()))
        .add_fn(|x| x.relu())
        .add(nn::linear(vs.root() / "l2", 64, 3, Default::default()));

    // ANCHOR: library_usage
    // 1. The range test: the weights are restored afterwards, bit for bit.
    let batches = (0..)
        .map_while(|e| data.batches(64, Some(e), true).ok())
        .flatten();
    let found = RangeTest::new(1e-5, 1.0, 100)?.run(
        &vs,
        || nn::Adam::default().build(&vs, 1e-5),
        batches,
        |(x, y)| model.forward_t(x, true).cross_entropy_for_logits(y),
    )?;
    let peak = found.suggest(Rule::Minimum)?.lr;

    // 2. A schedule around it: 10% linear warmup, then cosine to zero.
    let epochs = 5;
    let total = epochs * data.len().div_ceil(64);
    let schedule = cosine_with_warmup(peak, total / 10, total, 0.0)?;

    // 3. Train with lrbook's Adam (PyTorch-exact), the schedule setting each step's LR.
    let mut adam = Adam::new(vs.trainable_variables(), AdamConfig::default())?;
    let cfg = TrainConfig {
        epochs,
        batch_size: 64,
        ..TrainConfig::default()
    };
    let history = train::train(
        &model,
        Loss::CrossEntropy,
        &mut adam,
        &mut FollowSchedule(&schedule),
        &data,
        None,
        &cfg,
    )?;
    // ANCHOR_END: library_usage

    let last = history.steps.last().map_or(f64::NAN, |r| r.loss);
    println!(
        "suggested peak LR {peak:.3e}; {} steps; final minibatch loss {last:.4}",
        history.steps.len()
    );
    if history.diverged() {
        return Err(lrbook::Error::invalid(
            "peak learning rate",
            format!("training diverged at the suggested peak {peak:.3e}"),
            "Use a smaller peak, such as the suggestion divided by 10.",
        ));
    }
    Ok(())
}
