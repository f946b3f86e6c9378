//! Chapter 6, exercise 2: without bias correction, the range test stops after about k
//! steps on a perfectly flat loss. Closed form against the library.
//!
//!     cargo run --example ch6_ex2_bias_correction
use clap::Parser;
use lrbook::chapters::ch6_exercises;
use lrbook::cli::CommonArgs;

/// Finds the step where the uncorrected average trips the divergence test.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
}

fn main() -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let args = Args::parse();
    args.common.init()?;
    let table = ch6_exercises::ex2_bias_correction(&ch6_exercises::EX2_SETTINGS, 1000)?;
    let mut report = lrbook::report::Report::new("Chapter 6, exercise 2");
    report.tables = vec![table];
    args.common.publish("ch6", &report, 0, started)?;
    Ok(())
}
