//! Chapter 5, exercise: the steps/examples trade-off in closed form.
//!
//!     cargo run --example ch5_ex2_tradeoff
use clap::Parser;
use lrbook::chapters::ch5::exercises as ch5_exercises;
use lrbook::cli::CommonArgs;

/// Prints the solution table of chapter 5's exercise: the steps/examples trade-off in closed form.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
}

fn main() -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let args = Args::parse();
    args.common.init()?;
    let table = ch5_exercises::ex2_tradeoff(&ch5_exercises::EX2_RATIOS)?;
    let mut report = lrbook::report::Report::new("Chapter 5, ex2_tradeoff");
    report.tables = vec![table];
    args.common.publish("ch5", &report, 0, started)?;
    Ok(())
}
