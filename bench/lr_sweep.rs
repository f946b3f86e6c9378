//! Benchmark: chapter 2's batched learning-rate sweep (all learning rates as one `[m, 2]`
//! tensor) against the naive loop (one run per learning rate), on one CPU thread.
//! Same work, same results (checked here); prints the times and the ratio. Asserts nothing
//! about speed (bench/README.md).
//!
//!     cargo run --release --example bench_lr_sweep -- [points] [repeats]
use std::time::Instant;

use lrbook::chapters::ch2;
use lrbook::surfaces::{self, Surface, SweepOptions};
use tch::Device;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let points: usize = args.next().map_or(Ok(100), |s| s.parse())?;
    let repeats: usize = args.next().map_or(Ok(2), |s| s.parse())?;
    lrbook::device::set_threads(1);
    println!("| surface | learning rates | steps each | batched (s) | naive loop (s) | naive / batched |");
    println!("|---|---|---|---|---|---|");
    for s in [Surface::bowl(), Surface::ravine()] {
        let etas = surfaces::log_spaced(ch2::ETA_LO, ch2::ETA_HI, points)?;
        let opts = SweepOptions {
            max_steps: ch2::sweep_steps(&s),
            rel_tol: ch2::EPS,
            blowup: ch2::BLOWUP,
        };
        let mut batched = f64::INFINITY;
        let mut naive = f64::INFINITY;
        for _ in 0..repeats {
            let t = Instant::now();
            let a = surfaces::sweep(&s, &etas, opts, Device::Cpu)?;
            batched = batched.min(t.elapsed().as_secs_f64());
            let t = Instant::now();
            let b = surfaces::sweep_one_at_a_time(&s, &etas, opts, Device::Cpu)?;
            naive = naive.min(t.elapsed().as_secs_f64());
            anyhow::ensure!(a == b, "batched and naive sweeps disagree on {}", s.name);
        }
        println!(
            "| {} | {points} | {} | {batched:.3} | {naive:.3} | {:.1} |",
            s.name,
            opts.max_steps,
            naive / batched
        );
    }
    Ok(())
}
