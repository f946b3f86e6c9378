//! Chapter 3 — learning-rate schedules. Prints the gallery of schedule values, the warmup
//! start, and the training comparison on Fashion-MNIST; writes the tables to the book's
//! `generated/ch3/` and draws the figures into `figures/ch3/`.
//!
//!     cargo run --example ch3_schedules -- --quick
use anyhow::Context;
use clap::Parser;
use lrbook::chapters::ch3;
use lrbook::cli::CommonArgs;

/// Every schedule family on one budget, then seven schedules trained on the same MLP with
/// the same budget and several seeds.
#[derive(Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
    #[command(flatten)]
    sizes: ch3::ComparisonFlags,
}

fn main() -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let args = Args::parse();
    let cfg = args.common.init()?;
    let cc = args
        .sizes
        .apply(ch3::ComparisonConfig::for_config(cfg.quick))?;
    let chapter = ch3::run_with(&cfg, &cc).context("chapter 3 experiment failed")?;
    let figures = ch3::draw_figures(&chapter, &args.common.figures_dir("ch3"))?;
    args.common
        .publish("ch3", &chapter.report, figures.len(), started)?;
    Ok(())
}
