//! Chapter 5, exercise: the two-batch estimator against the naive one, on synthetic gradients.
//!
//!     cargo run --example ch5_ex3_estimator_bias
use clap::Parser;
use lrbook::chapters::ch5::exercises as ch5_exercises;
use lrbook::cli::CommonArgs;

/// Prints the solution table of chapter 5's exercise: the two-batch estimator against the naive one, on synthetic gradients.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
}

fn main() -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let args = Args::parse();
    args.common.init()?;
    let table = ch5_exercises::ex3_estimator_bias(&ch5_exercises::EX3_BIG, 2000, 0)?;
    let mut report = lrbook::report::Report::new("Chapter 5, ex3_estimator_bias");
    report.tables = vec![table];
    args.common.publish("ch5", &report, 0, started)?;
    Ok(())
}
