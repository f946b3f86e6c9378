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
    /// Peak learning rate shared by every schedule (default 0.05).
    #[arg(long, value_name = "ETA")]
    peak_lr: Option<f64>,
    /// Epochs of the comparison (default 4 with --quick, else 10).
    #[arg(long)]
    epochs: Option<usize>,
    /// Seeds, comma-separated (default 0,1 with --quick, else 0,1,2).
    #[arg(long, value_delimiter = ',', value_name = "SEED,...")]
    seeds: Option<Vec<u64>>,
}

fn main() -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let args = Args::parse();
    let cfg = args.common.init()?;
    let mut cc = ch3::ComparisonConfig::for_config(cfg.quick);
    if let Some(lr) = args.peak_lr {
        cc.peak_lr = lrbook::validate::learning_rate("--peak-lr", lr)?;
    }
    if let Some(epochs) = args.epochs {
        cc.setup.epochs = lrbook::validate::at_least_one("--epochs", epochs)?;
    }
    if let Some(seeds) = args.seeds {
        cc.seeds = seeds;
    }
    let chapter = ch3::run_with(&cfg, &cc).context("chapter 3 experiment failed")?;
    let figures = ch3::draw_figures(&chapter, &args.common.figures_dir("ch3"))?;
    args.common
        .publish("ch3", &chapter.report, figures.len(), started)?;
    Ok(())
}
