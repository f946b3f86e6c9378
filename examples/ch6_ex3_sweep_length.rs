//! Chapter 6, exercise 3: do the suggestions depend on the length of the sweep?
//!
//!     cargo run --example ch6_ex3_sweep_length
use clap::Parser;
use lrbook::chapters::ch6_exercises;
use lrbook::cli::CommonArgs;

/// Range tests of several lengths over the same range, on the chapter's MLP with SGD.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
    /// Sweep lengths, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "25,50,100,200,400",
        value_name = "N,..."
    )]
    iterations: Vec<usize>,
}

fn main() -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let args = Args::parse();
    let cfg = args.common.init()?;
    let table = ch6_exercises::ex3_sweep_length(&cfg, &args.iterations)?;
    let mut report = lrbook::report::Report::new("Chapter 6, exercise 3");
    report.tables = vec![table];
    args.common.publish("ch6", &report, 0, started)?;
    Ok(())
}
