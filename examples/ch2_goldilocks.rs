//! Chapter 2 — the Goldilocks regimes. Sweeps a thousand learning rates on three surfaces
//! (as one batch each), shows four runs per surface, trains an MLP on Fashion-MNIST at four
//! learning rates and diagnoses every loss history; writes the tables, figures and the
//! slider's data to the book.
//!
//!     cargo run --example ch2_goldilocks -- --quick
use anyhow::Context;
use clap::Parser;
use lrbook::chapters::ch2;
use lrbook::cli::CommonArgs;

/// Too small, just right, oscillating, diverged: on toy surfaces and on a real network.
#[derive(Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
    /// Learning rates in each surface's sweep (default 200 with --quick, else 1000).
    #[arg(long, value_name = "N")]
    sweep_points: Option<usize>,
}

fn main() -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let args = Args::parse();
    let cfg = args.common.init()?;
    let mut cc = ch2::Ch2Config::for_config(cfg.quick);
    if let Some(n) = args.sweep_points {
        cc.sweep_points = lrbook::validate::at_least_one("--sweep-points", n)?;
    }
    let chapter = ch2::run_with(&cfg, &cc).context("chapter 2 experiment failed")?;
    let figures = ch2::draw_figures(&chapter, &args.common.figures_dir("ch2"))?;
    let gen = args.common.generated_dir("ch2");
    std::fs::create_dir_all(&gen).with_context(|| format!("creating {}", gen.display()))?;
    let json = gen.join("slider.json");
    std::fs::write(&json, ch2::slider_json(&chapter.sweeps))
        .with_context(|| format!("writing {}", json.display()))?;
    args.common
        .publish("ch2", &chapter.report, figures.len(), started)?;
    Ok(())
}
