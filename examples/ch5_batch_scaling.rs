//! Chapter 5 — batch size and the learning rate. Prints the gradient-noise 1/B law, the noise
//! scale B_noise (exact at a fixed state, estimated during training), the predicted and
//! measured best learning rate per batch, the steps/examples trade-off, the scaling rules head
//! to head and the data-parallel check; writes the tables to the book's `generated/ch5/` and
//! the figures to `figures/ch5/`.
//!
//!     cargo run --example ch5_batch_scaling -- --quick
use anyhow::Context;
use clap::Parser;
use lrbook::chapters::ch5;
use lrbook::cli::CommonArgs;

/// Batch size and the learning rate: gradient noise, the critical batch, and the scaling
/// rules tested on Fashion-MNIST.
#[derive(Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
}

fn main() -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let args = Args::parse();
    let cfg = args.common.init()?;
    let chapter = ch5::run(&cfg).context("chapter 5 experiment failed")?;
    let dir = args.common.figures_dir("ch5");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let figures = ch5::draw_figures(&chapter, &dir)?;
    args.common
        .publish("ch5", &chapter.report, figures.len(), started)?;
    Ok(())
}
