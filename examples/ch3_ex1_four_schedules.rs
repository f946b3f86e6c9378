//! Chapter 3, exercise 1: constant, StepLR, cosine and plateau on the same MLP and budget.
//! Which reaches the best test accuracy, which converges fastest, and is the difference
//! larger than the seed noise?
//!
//!     cargo run --example ch3_ex1_four_schedules
use clap::Parser;
use lrbook::chapters::ch3_exercises;
use lrbook::cli::CommonArgs;

/// Compares four schedules on final accuracy and steps to a target training loss.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
    /// Seeds, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "0,1,2",
        value_name = "SEED,..."
    )]
    seeds: Vec<u64>,
}

fn main() -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let args = Args::parse();
    let cfg = args.common.init()?;
    let mut cc = ch3_exercises::ex1_config();
    cc.seeds = args.seeds;
    let (results, per_seed) = ch3_exercises::ex1_four_schedules(&cfg, &cc)?;
    let mut report = lrbook::report::Report::new("Chapter 3, exercise 1");
    report.tables = vec![results, per_seed];
    args.common.publish("ch3", &report, 0, started)?;
    Ok(())
}
