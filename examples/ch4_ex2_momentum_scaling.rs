//! Chapter 4, exercise: how steps to ε grow with κ for GD, heavy ball and Nesterov.
//!
//!     cargo run --example ch4_ex2_momentum_scaling
use clap::Parser;
use lrbook::chapters::ch4_exercises;
use lrbook::cli::CommonArgs;

/// Prints the solution table of chapter 4's exercise: how steps to ε grow with κ for GD, heavy ball and Nesterov.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
}

fn main() -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let args = Args::parse();
    args.common.init()?;
    let table = ch4_exercises::ex2_momentum_scaling(&ch4_exercises::EX2_KAPPAS)?;
    let mut report = lrbook::report::Report::new("Chapter 4, ex2_momentum_scaling");
    report.tables = vec![table];
    args.common.publish("ch4", &report, 0, started)?;
    Ok(())
}
