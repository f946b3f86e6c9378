//! Chapter 2, exercise 2: four unlabeled training logs; diagnose each, then check against
//! the learning rate that produced it.
//!
//!     cargo run --example ch2_ex2_diagnose_logs
use clap::Parser;
use lrbook::chapters::ch2_exercises;
use lrbook::cli::CommonArgs;

/// Four training logs, their learning rates and their diagnoses.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
}

fn main() -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let args = Args::parse();
    let cfg = args.common.init()?;
    let (logs, solution, _) = ch2_exercises::ex2_diagnose_logs(&cfg, &ch2_exercises::ex2_config())?;
    let mut report = lrbook::report::Report::new("Chapter 2, exercise 2");
    report.tables = vec![logs, solution];
    args.common.publish("ch2", &report, 0, started)?;
    Ok(())
}
