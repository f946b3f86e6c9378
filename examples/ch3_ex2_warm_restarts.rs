//! Chapter 3, exercise 2: where does SGDR restart, and what is its mean learning rate over
//! a period? Closed forms against the schedule itself.
//!
//!     cargo run --example ch3_ex2_warm_restarts
use clap::Parser;
use lrbook::chapters::ch3_exercises;
use lrbook::cli::CommonArgs;

/// Prints SGDR's restart steps and per-period mean LR, predicted and measured.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
    /// Restarts to list for each setting.
    #[arg(long, default_value_t = 4)]
    restarts: u32,
}

fn main() -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let args = Args::parse();
    args.common.init()?;
    let (steps, means) =
        ch3_exercises::ex2_warm_restarts(&ch3_exercises::EX2_SETTINGS, args.restarts)?;
    let mut report = lrbook::report::Report::new("Chapter 3, exercise 2");
    report.tables = vec![steps, means];
    args.common.publish("ch3", &report, 0, started)?;
    Ok(())
}
