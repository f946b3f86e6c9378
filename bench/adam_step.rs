//! Benchmark: one Adam step of this crate (`lrbook::optim::Adam`) against
//! `torch.optim.Adam` run by the PyTorch in `.venv`, in the same run, on the same model
//! shapes (the Fashion-MNIST MLP 784-128-10, f32) with fixed gradients, on one CPU thread.
//! tch's built-in C++ Adam (`nn::Adam`) is timed too, as the floor of what libtorch can do.
//!
//!     cargo run --example bench_adam_step            # or: make bench
//!
//! (An example, not a test target, so that `cargo test` builds it and never times it.)
use std::process::Command;
use std::time::Instant;

use lrbook::optim::{Adam, AdamConfig, Optimizer};
use tch::nn::{self, OptimizerConfig};
use tch::{Device, Kind, Tensor};

const SHAPES: [&[i64]; 4] = [&[128, 784], &[128], &[10, 128], &[10]];

/// Parameters with fixed gradients `G`: `backward` of `Σ p·G` sets `p.grad = G`.
fn params_with_grads(params: &[Tensor]) {
    tch::manual_seed(0);
    for p in params {
        let g = Tensor::randn(p.size(), (Kind::Float, Device::Cpu));
        (p * g).sum(Kind::Float).backward();
    }
}

fn time_steps(step: &mut dyn FnMut(), steps: usize, warmup: usize) -> f64 {
    for _ in 0..warmup {
        step();
    }
    let start = Instant::now();
    for _ in 0..steps {
        step();
    }
    start.elapsed().as_secs_f64() / steps as f64 * 1e6
}

fn main() -> anyhow::Result<()> {
    let (steps, warmup) = (3000, 200);
    tch::set_num_threads(1);

    let ours_params: Vec<Tensor> = SHAPES
        .iter()
        .map(|s| Tensor::zeros(*s, (Kind::Float, Device::Cpu)).set_requires_grad(true))
        .collect();
    params_with_grads(&ours_params);
    let mut adam = Adam::new(
        ours_params.iter().map(Tensor::shallow_clone).collect(),
        AdamConfig::default(),
    )?;
    let ours = time_steps(&mut || adam.step(1e-3).expect("Adam step"), steps, warmup);

    let vs = nn::VarStore::new(Device::Cpu);
    let tch_params: Vec<Tensor> = SHAPES
        .iter()
        .enumerate()
        .map(|(i, s)| vs.root().zeros(&format!("p{i}"), s))
        .collect();
    params_with_grads(&tch_params);
    let mut tch_adam = nn::Adam::default().build(&vs, 1e-3)?;
    let builtin = time_steps(&mut || tch_adam.step(), steps, warmup);

    let python = concat!(env!("CARGO_MANIFEST_DIR"), "/.venv/bin/python");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/bench/adam_step.py");
    let out = Command::new(python)
        .args([script, &steps.to_string(), &warmup.to_string()])
        .output()
        .map_err(|e| anyhow::anyhow!("could not run {python} (run `make setup` first): {e}"))?;
    anyhow::ensure!(
        out.status.success(),
        "bench/adam_step.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let torch: f64 = String::from_utf8_lossy(&out.stdout).trim().parse()?;
    let n: i64 = SHAPES.iter().map(|s| s.iter().product::<i64>()).sum();
    println!("Adam step on {n} f32 parameters (MLP 784-128-10), 1 CPU thread, mean of {steps} steps after {warmup} warm-up steps\n");
    println!("| implementation | µs per step | relative to torch.optim.Adam |");
    println!("|:---|---:|---:|");
    for (name, us) in [
        ("torch.optim.Adam (Python, foreach=False)", torch),
        ("lrbook::optim::Adam (Rust, tch tensors)", ours),
        ("tch nn::Adam (libtorch C++)", builtin),
    ] {
        println!("| {name} | {us:.1} | {:.2}× |", us / torch);
    }
    Ok(())
}
