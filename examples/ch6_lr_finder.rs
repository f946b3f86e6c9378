//! Chapter 6 — the LR finder. Runs the range test for three setups on Fashion-MNIST, prints
//! each rule's suggestion, validates them against a grid search at the same budget, runs the
//! finder on a trained model and sets one-cycle's peak from it; writes the tables to the
//! book's `generated/ch6/` and the figures to `figures/ch6/`.
//!
//!     cargo run --example ch6_lr_finder -- --quick
use anyhow::Context;
use clap::Parser;
use lrbook::chapters::ch6;
use lrbook::cli::CommonArgs;

/// The LR range test, its four suggestion rules, and their validation against a grid search.
#[derive(Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
    /// Steps of the range test (default 60 with --quick, else 100).
    #[arg(long)]
    iterations: Option<usize>,
    /// Training steps of every grid and suggestion run (default 60 with --quick, else 300).
    #[arg(long)]
    budget: Option<usize>,
    /// Seeds of the training runs, comma-separated (default 0 with --quick, else 0,1,2).
    #[arg(long, value_delimiter = ',', value_name = "SEED,...")]
    seeds: Option<Vec<u64>>,
}

fn main() -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let args = Args::parse();
    let cfg = args.common.init()?;
    let mut fc = ch6::FinderConfig::for_config(cfg.quick);
    if let Some(n) = args.iterations {
        fc.iterations = n;
    }
    if let Some(b) = args.budget {
        fc.budget = b;
    }
    if let Some(seeds) = args.seeds {
        fc.seeds = seeds;
    }
    let chapter = ch6::run_with(&cfg, &fc).context("chapter 6 experiment failed")?;
    let figures = ch6::draw_figures(&chapter, &args.common.figures_dir("ch6"))?;
    args.common
        .publish("ch6", &chapter.report, figures.len(), started)?;
    Ok(())
}
