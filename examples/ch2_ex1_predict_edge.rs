//! Chapter 2, exercise 1: predict the stability edge of the quadratic
//! 1.5·x² + y² + 1.2·x·y from its Hessian, then measure it with a batched sweep.
//!
//!     cargo run --example ch2_ex1_predict_edge
use clap::Parser;
use lrbook::chapters::ch2_exercises;
use lrbook::cli::CommonArgs;

/// Predicted against measured stability edge of a tilted quadratic.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
}

fn main() -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let args = Args::parse();
    let cfg = args.common.init()?;
    let table = ch2_exercises::ex1_predict_edge(1000, cfg.device)?;
    let mut report = lrbook::report::Report::new("Chapter 2, exercise 1");
    report.tables = vec![table];
    args.common.publish("ch2", &report, 0, started)?;
    Ok(())
}
