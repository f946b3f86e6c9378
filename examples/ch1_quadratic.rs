//! Chapter 1 — quadratic convergence. Prints the chapter's tables, writes them to the book's
//! `generated/ch1/` folder and draws the figures into `figures/ch1/`.
//!
//!     cargo run --example ch1_quadratic -- --quick
use anyhow::Context;
use clap::Parser;
use lrbook::chapters::ch1;
use lrbook::cli::CommonArgs;

/// Gradient descent on quadratics: the factor 1 − ηa, the stability edge 2/λmax, the best
/// step 2/(λmax+λmin), momentum, and the sharpness of a real network against 2/η.
#[derive(Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
    /// Learning rates for the sharpness experiment, comma-separated (default: 0.1,0.2
    /// with --quick, else 0.02,0.04,0.08).
    #[arg(long, value_delimiter = ',', value_name = "ETA,...")]
    etas: Option<Vec<f64>>,
}

fn main() -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let args = Args::parse();
    let cfg = args.common.init()?;
    let mut sharpness = ch1::SharpnessConfig::for_config(cfg.quick);
    if let Some(etas) = args.etas {
        for &eta in &etas {
            lrbook::validate::learning_rate("--etas", eta)?;
        }
        sharpness.etas = etas;
    }
    let chapter = ch1::run_with(&cfg, &sharpness).context("chapter 1 experiment failed")?;
    let figures = ch1::draw_figures(&chapter, &args.common.figures_dir("ch1"))?;
    args.common
        .publish("ch1", &chapter.report, figures.len(), started)?;
    Ok(())
}
