//! Chapter 1, exercise 1: ten steps of gradient descent on L(w) = (w−5)² from w₀ = 0.
//!
//!     cargo run --example ch1_ex1_iterates
use clap::Parser;
use lrbook::chapters::ch1_exercises;
use lrbook::cli::CommonArgs;

/// Prints every iterate of gradient descent on (w−5)² for each learning rate, and which
/// ones converge.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
    /// Learning rates, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "0.1,0.5,1.0,1.5",
        value_name = "ETA,..."
    )]
    eta: Vec<f64>,
    /// Steps per run.
    #[arg(long, default_value_t = 10)]
    steps: usize,
}

fn main() -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let args = Args::parse();
    let cfg = args.common.init()?;
    lrbook::validate::at_least_one("--steps", args.steps)?;
    let (iterates, verdicts) = ch1_exercises::ex1_iterates(&args.eta, args.steps, cfg.device)?;
    let mut report = lrbook::report::Report::new("Chapter 1, exercise 1");
    report.tables = vec![iterates, verdicts];
    args.common.publish("ch1", &report, 0, started)?;
    Ok(())
}
