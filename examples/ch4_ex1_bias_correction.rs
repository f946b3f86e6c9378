//! Chapter 4, exercise: Adam's uncorrected step, in closed form.
//!
//!     cargo run --example ch4_ex1_bias_correction
use clap::Parser;
use lrbook::chapters::ch4_exercises;
use lrbook::cli::CommonArgs;

/// Prints the solution table of chapter 4's exercise: Adam's uncorrected step, in closed form.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
}

fn main() -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let args = Args::parse();
    args.common.init()?;
    let table = ch4_exercises::ex1_bias_correction(&ch4_exercises::EX1_BETAS, 10_000)?;
    let mut report = lrbook::report::Report::new("Chapter 4, ex1_bias_correction");
    report.tables = vec![table];
    args.common.publish("ch4", &report, 0, started)?;
    Ok(())
}
