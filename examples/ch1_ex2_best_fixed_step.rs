//! Chapter 1, exercise 2: how much the best fixed step 2/(λmax+λmin) saves over 1/λmax.
//!
//!     cargo run --example ch1_ex2_best_fixed_step
use clap::Parser;
use lrbook::chapters::ch1_exercises;
use lrbook::cli::CommonArgs;

/// Steps to ε at η = 1/λmax and at η* = 2/(λmax+λmin) on diag(1, κ), closed form and measured.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
    /// Condition numbers, comma-separated (each ≥ 1).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "2,10,100,1000",
        value_name = "KAPPA,..."
    )]
    kappa: Vec<f64>,
}

fn main() -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let args = Args::parse();
    let cfg = args.common.init()?;
    for &k in &args.kappa {
        if !(k.is_finite() && k >= 1.0) {
            anyhow::bail!(
                "invalid --kappa: got {k}, but a condition number must be a finite number >= 1"
            );
        }
    }
    let table = ch1_exercises::ex2_best_fixed_step(&args.kappa, 1e-6, cfg.device)?;
    let mut report = lrbook::report::Report::new("Chapter 1, exercise 2");
    report.tables = vec![table];
    args.common.publish("ch1", &report, 0, started)?;
    Ok(())
}
