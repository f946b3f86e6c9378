//! Chapter 1, exercise 3: the stability edge of heavy-ball momentum, measured.
//!
//!     cargo run --example ch1_ex3_momentum_edge
use clap::Parser;
use lrbook::chapters::ch1_exercises;
use lrbook::cli::CommonArgs;

/// Sweeps η for heavy ball on ½θ² and finds the largest stable step for each β.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
    /// Momentum coefficients, comma-separated (each in [0, 1)).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "0,0.5,0.9,0.99",
        value_name = "BETA,..."
    )]
    beta: Vec<f64>,
}

fn main() -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let args = Args::parse();
    let cfg = args.common.init()?;
    let table = ch1_exercises::ex3_momentum_edge(&args.beta, cfg.device)?;
    let mut report = lrbook::report::Report::new("Chapter 1, exercise 3");
    report.tables = vec![table];
    args.common.publish("ch1", &report, 0, started)?;
    Ok(())
}
