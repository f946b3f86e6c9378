//! Chapter 3, exercise 3: should one-cycle's peak sit above the best constant learning
//! rate? One-cycle at several multiples of η against constant η.
//!
//!     cargo run --example ch3_ex3_one_cycle_peak
use clap::Parser;
use lrbook::chapters::ch3_exercises;
use lrbook::cli::CommonArgs;

/// Trains one-cycle with peaks at multiples of η and compares with constant η.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
    /// Peaks as multiples of η, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "0.5,1,2,4",
        value_name = "M,..."
    )]
    multiples: Vec<f64>,
}

fn main() -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let args = Args::parse();
    let cfg = args.common.init()?;
    let table =
        ch3_exercises::ex3_one_cycle_peak(&cfg, &ch3_exercises::ex1_config(), &args.multiples)?;
    let mut report = lrbook::report::Report::new("Chapter 3, exercise 3");
    report.tables = vec![table];
    args.common.publish("ch3", &report, 0, started)?;
    Ok(())
}
