//! Benchmark: one Adam step of this crate, per tensor (`lrbook::optim::Adam`) and fused
//! (`lrbook::optim::FusedAdam`), against `torch.optim.Adam` run by the PyTorch in `.venv` in
//! its three CPU code paths (default, `foreach=True`, `fused=True`), in the same run, on the
//! same model shapes (the Fashion-MNIST MLP 784-128-10, f32) with fixed gradients, on one CPU
//! thread. tch's built-in C++ Adam (`nn::Adam`) is timed too.
//!
//!     cargo run --example bench_adam_step            # or: make bench
//!
//! The machine may be busy: every variant is timed in rounds of `STEPS` steps, the variants
//! in turn within a round, and the Rust rounds alternate with runs of the Python script
//! (each of which interleaves its own variants the same way); each variant's best round is
//! reported.
//!
//! (An example, not a test target, so that `cargo test` builds it and never times it.)
use std::collections::BTreeMap;
use std::process::Command;
use std::time::Instant;

use lrbook::optim::{Adam, AdamConfig, FusedAdam, Optimizer};
use tch::nn::{self, OptimizerConfig};
use tch::{Device, Kind, Tensor};

const SHAPES: [&[i64]; 4] = [&[128, 784], &[128], &[10, 128], &[10]];
/// Steps per timed round, warm-up steps, rounds per block, and blocks (each block: the Rust
/// rounds, then one run of the Python script with as many rounds).
const STEPS: usize = 500;
const WARMUP: usize = 200;
const ROUNDS: usize = 3;
const BLOCKS: usize = 3;

/// Zeroed parameters of the MLP's shapes with fixed gradients `G`: `backward` of `Σ p·G`
/// sets `p.grad = G`.
fn params_with_grads(params: &[Tensor]) {
    tch::manual_seed(0);
    for p in params {
        let g = Tensor::randn(p.size(), (Kind::Float, Device::Cpu));
        (p * g).sum(Kind::Float).backward();
    }
}

fn lrbook_params() -> Vec<Tensor> {
    let params: Vec<Tensor> = SHAPES
        .iter()
        .map(|s| Tensor::zeros(*s, (Kind::Float, Device::Cpu)).set_requires_grad(true))
        .collect();
    params_with_grads(&params);
    params
}

/// One Rust variant's step.
type Step = Box<dyn FnMut()>;

/// Microseconds per step of `steps` calls of `step`.
fn time_steps(step: &mut dyn FnMut(), steps: usize) -> f64 {
    let start = Instant::now();
    for _ in 0..steps {
        step();
    }
    start.elapsed().as_secs_f64() / steps as f64 * 1e6
}

fn python_rounds() -> anyhow::Result<Vec<(String, f64)>> {
    let python = concat!(env!("CARGO_MANIFEST_DIR"), "/.venv/bin/python");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/bench/adam_step.py");
    let out = Command::new(python)
        .args([
            script,
            &STEPS.to_string(),
            &WARMUP.to_string(),
            &ROUNDS.to_string(),
        ])
        .output()
        .map_err(|e| anyhow::anyhow!("could not run {python} (run `make setup` first): {e}"))?;
    anyhow::ensure!(
        out.status.success(),
        "bench/adam_step.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let (name, us) = l
                .split_once(' ')
                .ok_or_else(|| anyhow::anyhow!("bench/adam_step.py printed {l:?}"))?;
            Ok((name.to_string(), us.trim().parse()?))
        })
        .collect()
}

fn main() -> anyhow::Result<()> {
    tch::set_num_threads(1);

    let ours_params = lrbook_params();
    let mut adam = Adam::new(ours_params, AdamConfig::default())?;
    let fused_params = lrbook_params();
    let mut fused = FusedAdam::new(fused_params, AdamConfig::default())?;
    let vs = nn::VarStore::new(Device::Cpu);
    let tch_params: Vec<Tensor> = SHAPES
        .iter()
        .enumerate()
        .map(|(i, s)| vs.root().zeros(&format!("p{i}"), s))
        .collect();
    params_with_grads(&tch_params);
    let mut tch_adam = nn::Adam::default().build(&vs, 1e-3)?;

    let mut rust: Vec<(&str, Step)> = vec![
        (
            "lrbook_adam",
            Box::new(move || adam.step(1e-3).expect("Adam step")),
        ),
        (
            "lrbook_fused",
            Box::new(move || fused.step(1e-3).expect("FusedAdam step")),
        ),
        ("tch_adam", Box::new(move || tch_adam.step())),
    ];
    for (_, step) in &mut rust {
        time_steps(step.as_mut(), WARMUP);
    }
    let mut best: BTreeMap<String, f64> = BTreeMap::new();
    let mut keep = |name: &str, us: f64| {
        let b = best.entry(name.to_string()).or_insert(f64::INFINITY);
        *b = b.min(us);
    };
    for _ in 0..BLOCKS {
        for _ in 0..ROUNDS {
            for (name, step) in &mut rust {
                keep(name, time_steps(step.as_mut(), STEPS));
            }
        }
        for (name, us) in python_rounds()? {
            keep(&name, us);
        }
    }

    let get = |name: &str| best.get(name).copied().unwrap_or(f64::NAN);
    let (default, fused_torch) = (get("torch_default"), get("torch_fused"));
    let n: i64 = SHAPES.iter().map(|s| s.iter().product::<i64>()).sum();
    println!(
        "Adam step on {n} f32 parameters (MLP 784-128-10), 1 CPU thread; best of {} rounds of \
         {STEPS} steps per variant, interleaved, after {WARMUP} warm-up steps\n",
        ROUNDS * BLOCKS
    );
    println!(
        "| implementation | µs per step | relative to torch.optim.Adam | relative to fused=True |"
    );
    println!("|:---|---:|---:|---:|");
    for (name, label) in [
        (
            "torch_default",
            "torch.optim.Adam (Python, default: foreach=False on CPU)",
        ),
        ("torch_foreach", "torch.optim.Adam (Python, foreach=True)"),
        ("torch_fused", "torch.optim.Adam (Python, fused=True)"),
        ("lrbook_adam", "lrbook::optim::Adam (Rust, per tensor)"),
        (
            "lrbook_fused",
            "lrbook::optim::FusedAdam (Rust, libtorch's fused kernel)",
        ),
        ("tch_adam", "tch nn::Adam (libtorch C++)"),
    ] {
        let us = get(name);
        println!(
            "| {label} | {us:.1} | {:.2}× | {:.2}× |",
            us / default,
            us / fused_torch
        );
    }
    Ok(())
}
