//! Chapter 6, exercise 1: the LR finder on Fashion-MNIST, on the training loss and on the
//! held-out loss (Smith's variant), with its plot.
//!
//!     cargo run --example ch6_ex1_fashion_mnist
use clap::Parser;
use lrbook::chapters::ch6_exercises;
use lrbook::cli::CommonArgs;

/// Runs the range test on the chapter's MLP with SGD and plots both curves.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
}

fn main() -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let args = Args::parse();
    let cfg = args.common.init()?;
    let ex = ch6_exercises::ex1_fashion_mnist(&cfg)?;
    let figures = ch6_exercises::ex1_figures(&ex, &args.common.figures_dir("ch6"))?;
    let mut report = lrbook::report::Report::new("Chapter 6, exercise 1");
    report.tables = vec![ex.table];
    args.common
        .publish("ch6", &report, figures.len(), started)?;
    Ok(())
}
