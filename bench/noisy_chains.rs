//! Benchmark: the noisy quadratic's chains as one batched `[groups, chains, d]` tensor
//! (`noisy_quadratic::run_chains`) against a per-chain loop (one call per chain, the same
//! steps, groups and directions), on one CPU thread, in the same run. Both must measure the
//! same floor (checked here, to the 99% interval over chains); prints the times and the
//! ratio. The same batched work in PyTorch-Python (`bench/noisy_chains.py`) is timed in the
//! same run. Asserts nothing about speed (bench/README.md).
//!
//!     cargo run --release --example bench_noisy_chains -- [chains] [steps] [repeats]
use std::process::Command;
use std::time::Instant;

use lrbook::chapters::ch3::noise_floor::{problem, theta0};
use lrbook::noisy_quadratic::{run_chains, ChainGroup};
use lrbook::stats::{mean_ci, spread};
use tch::Device;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let chains: usize = args.next().map_or(Ok(200), |s| s.parse())?;
    let steps: usize = args.next().map_or(Ok(2000), |s| s.parse())?;
    let repeats: usize = args.next().map_or(Ok(2), |s| s.parse())?;
    lrbook::device::set_threads(1);
    let q = problem()?;
    let th0 = theta0();
    println!(
        "| groups (η, B) | chains each | steps | batched (s) | per-chain loop (s) | loop / batched | PyTorch-Python batched (s) | lrbook / PyTorch |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for groups in [1usize, 6] {
        let etas = [0.1, 0.2, 0.5, 1.0, 0.05, 1.5];
        let gs: Vec<ChainGroup> = (0..groups)
            .map(|g| ChainGroup::constant(8, etas[g], steps))
            .collect();
        let window = steps / 2 + 1..=steps;
        let (mut batched, mut naive) = (f64::INFINITY, f64::INFINITY);
        for _ in 0..repeats {
            let t = Instant::now();
            let a = run_chains(&q, &gs, chains, &th0, Some(window.clone()), 0, Device::Cpu)?;
            batched = batched.min(t.elapsed().as_secs_f64());
            let t = Instant::now();
            let mut b: Vec<Vec<f64>> = vec![Vec::new(); groups];
            for c in 0..chains {
                let r = run_chains(
                    &q,
                    &gs,
                    1,
                    &th0,
                    Some(window.clone()),
                    1 + c as u64,
                    Device::Cpu,
                )?;
                for (g, bg) in b.iter_mut().enumerate() {
                    bg.push(r.window_loss[g][0]);
                }
            }
            naive = naive.min(t.elapsed().as_secs_f64());
            for g in 0..groups {
                let (x, y) = (mean_ci(&a.window_loss[g], 0.99)?, spread(&b[g]));
                let floor = q.floor(etas[g], 8)?;
                let y = y.ok_or_else(|| anyhow::anyhow!("no spread"))?;
                anyhow::ensure!(
                    (x.mean - floor).abs() <= x.half_width.max(0.05 * floor)
                        && (y.mean - floor).abs() <= 2.0 * y.half_width.max(0.05 * floor),
                    "batched {} and loop {} disagree with the floor {floor}",
                    x.mean,
                    y.mean
                );
            }
        }
        let torch = python_twin(groups, chains, steps, repeats)?;
        println!(
            "| {groups} | {chains} | {steps} | {batched:.3} | {naive:.3} | {:.1} | {torch:.3} | {:.2} |",
            naive / batched,
            batched / torch
        );
    }
    Ok(())
}

/// Best-of-`repeats` seconds of the same batched chains in PyTorch-Python, from `.venv`.
fn python_twin(groups: usize, chains: usize, steps: usize, repeats: usize) -> anyhow::Result<f64> {
    let python = concat!(env!("CARGO_MANIFEST_DIR"), "/.venv/bin/python");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/bench/noisy_chains.py");
    let sizes = [groups, chains, steps, repeats].map(|n| n.to_string());
    let out = Command::new(python)
        .arg(script)
        .args(&sizes)
        .output()
        .map_err(|e| anyhow::anyhow!("could not run {python} (run `make setup` first): {e}"))?;
    anyhow::ensure!(
        out.status.success(),
        "bench/noisy_chains.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8_lossy(&out.stdout).trim().parse()?)
}
