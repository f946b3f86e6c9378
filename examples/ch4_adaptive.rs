//! Chapter 4 — momentum and adaptive methods. Prints the conformance summary against
//! torch.optim, the ravine, the effective learning rates, bias correction, the sparse
//! problem, the sensitivity bands, the state memory and AdamW against Adam + L2; writes
//! the tables to the book's `generated/ch4/` and the figures to `figures/ch4/`.
//!
//!     cargo run --example ch4_adaptive -- --quick
use anyhow::Context;
use clap::Parser;
use lrbook::chapters::ch4;
use lrbook::cli::CommonArgs;

/// Every optimizer written on tch tensors, checked against PyTorch, and what each one does
/// to the effective learning rate.
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
    let chapter = ch4::run(&cfg).context("chapter 4 experiment failed")?;
    let figures = ch4::draw_figures(&chapter, &args.common.figures_dir("ch4"))?;
    args.common
        .publish("ch4", &chapter.report, figures.len(), started)?;
    Ok(())
}
