//! Chapter 4, exercise: AdaGrad against SGD as features get rarer.
//!
//!     cargo run --example ch4_ex3_rarity
use clap::Parser;
use lrbook::chapters::ch4_exercises;
use lrbook::cli::CommonArgs;

/// Prints the solution table of chapter 4's exercise: AdaGrad against SGD as features get rarer.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
}

fn main() -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let args = Args::parse();
    let cfg = args.common.init()?;
    let table = ch4_exercises::ex3_rarity(&ch4_exercises::EX3_RARE_P, cfg.seed)?;
    let mut report = lrbook::report::Report::new("Chapter 4, ex3_rarity");
    report.tables = vec![table];
    args.common.publish("ch4", &report, 0, started)?;
    Ok(())
}
