//! Chapter 5, exercise: the seeds' exercise, batch sizes 32, 64, 128, 256 with linear scaling.
//!
//!     cargo run --example ch5_ex1_seed_batches
use clap::Parser;
use lrbook::chapters::ch5::exercises as ch5_exercises;
use lrbook::cli::CommonArgs;

/// Prints the solution table of chapter 5's exercise: the seeds' exercise, batch sizes 32, 64, 128, 256 with linear scaling.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
}

fn main() -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let args = Args::parse();
    let cfg = args.common.init()?;
    let table = ch5_exercises::ex1_seed_batches(&cfg, ch5_exercises::EX1_BASE_LR)?;
    let mut report = lrbook::report::Report::new("Chapter 5, ex1_seed_batches");
    report.tables = vec![table];
    args.common.publish("ch5", &report, 0, started)?;
    Ok(())
}
