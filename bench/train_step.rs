//! Benchmark: a training step of the Fashion-MNIST MLP (784-128-10, ReLU, f32) at batch 32,
//! 128 and 1024, with SGD, Adam and fused Adam, through lrbook (tch) and through PyTorch-Python
//! (`bench/train_step.py`, run by this program, so both are measured in the same run with
//! the same threads); plus the machine's sgemm rate through libtorch, the ceiling for the
//! step's FLOP rate. Prints a markdown table and writes it to `bench/results/`.
//!
//!     cargo run --example bench_train_step -- --threads 1      # or: make bench
use std::process::Command;
use std::time::Instant;

use clap::Parser;
use lrbook::models::{Activation, Mlp};
use lrbook::optim::{Adam, AdamConfig, FusedAdam, Optimizer, Sgd, SgdConfig};
use tch::nn::{self, Module, OptimizerConfig};
use tch::{Device, Kind, Tensor};

/// Times MLP training steps against PyTorch-Python.
#[derive(Parser)]
struct Args {
    /// libtorch CPU threads, on both sides.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Timed repetitions; the median is reported.
    #[arg(long, default_value_t = 7)]
    repeats: usize,
    /// Steps per repetition.
    #[arg(long, default_value_t = 50)]
    steps: usize,
    /// `cpu` or `cuda` (both sides run there; the table is marked with the device).
    #[arg(long, default_value = "cpu")]
    device: lrbook::device::DeviceChoice,
}

/// Waits for queued GPU work, so that wall time measures it (a no-op on the CPU).
fn sync(device: Device) {
    if let Device::Cuda(i) = device {
        tch::Cuda::synchronize(i as i64);
    }
}

/// The mean microseconds per call of `step` in each of `repeats` repetitions of `steps`
/// calls, after two warm-ups, sorted (fastest first).
fn repetitions(device: Device, repeats: usize, steps: usize, step: &mut dyn FnMut()) -> Vec<f64> {
    step();
    step();
    sync(device);
    let mut times: Vec<f64> = (0..repeats)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..steps {
                step();
            }
            sync(device);
            t.elapsed().as_secs_f64() / steps as f64 * 1e6
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times
}

/// Median over `repeats` of the mean microseconds per call of `step`, after two warm-ups.
fn timed(device: Device, repeats: usize, steps: usize, step: &mut dyn FnMut()) -> f64 {
    let times = repetitions(device, repeats, steps, step);
    times[times.len() / 2]
}

// ANCHOR: step_flops
/// Floating-point operations of one training step of the 784-128-10 MLP at batch `b`:
/// forward `2b(784·128 + 128·10)`, the same again for the weight gradients, and the input
/// gradient of the second layer `2b·128·10` (the first layer's input needs none).
fn step_flops(b: f64) -> f64 {
    let matmuls = 784.0 * 128.0 + 128.0 * 10.0;
    2.0 * b * matmuls * 2.0 + 2.0 * b * 128.0 * 10.0
}
// ANCHOR_END: step_flops

fn mlp_step_time(args: &Args, device: Device, batch: i64, optimizer: &str) -> anyhow::Result<f64> {
    tch::manual_seed(0);
    let vs = nn::VarStore::new(device);
    let model = Mlp::new(&vs.root(), &[784, 128, 10], Activation::Relu)?;
    let x = Tensor::randn([batch, 784], (Kind::Float, device));
    let y = Tensor::randint(10, [batch], (Kind::Int64, device));
    let loss = |m: &Mlp| m.forward(&x).cross_entropy_for_logits(&y);
    Ok(match optimizer {
        "tch" => {
            let mut opt = nn::Adam::default().build(&vs, 1e-3)?;
            timed(device, args.repeats, args.steps, &mut || {
                opt.zero_grad();
                loss(&model).backward();
                opt.step();
            })
        }
        _ => {
            let params = vs.trainable_variables();
            let mut opt: Box<dyn Optimizer> = match optimizer {
                "sgd" => Box::new(Sgd::new(params, SgdConfig::default())?),
                "adam_fused" => Box::new(FusedAdam::new(params, AdamConfig::default())?),
                _ => Box::new(Adam::new(params, AdamConfig::default())?),
            };
            let lr = if optimizer == "sgd" { 0.01 } else { 1e-3 };
            timed(device, args.repeats, args.steps, &mut || {
                opt.zero_grad();
                loss(&model).backward();
                opt.step(lr).expect("optimizer step");
            })
        }
    })
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    lrbook::validate::at_least_one("--threads", args.threads)?;
    lrbook::validate::at_least_one("--repeats", args.repeats)?;
    lrbook::validate::at_least_one("--steps", args.steps)?;
    lrbook::device::set_threads(args.threads);
    let device = args.device.resolve()?;
    let device_name = match device {
        Device::Cuda(_) => "cuda",
        _ => "cpu",
    };

    let python = concat!(env!("CARGO_MANIFEST_DIR"), "/.venv/bin/python");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/bench/train_step.py");
    let out = Command::new(python)
        .args([
            script,
            &args.threads.to_string(),
            &args.repeats.to_string(),
            &args.steps.to_string(),
            device_name,
        ])
        .output()
        .map_err(|e| anyhow::anyhow!("could not run {python} (run `make setup` first): {e}"))?;
    anyhow::ensure!(
        out.status.success(),
        "bench/train_step.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let torch: std::collections::HashMap<String, f64> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            Some((it.next()?.to_string(), it.next()?.parse().ok()?))
        })
        .collect();

    // The ceiling: sgemm timed before every workload and once at the end, each time the
    // fastest of its repetitions, and the best of all those kept, together with PyTorch's
    // (bench/train_step.py measures the same MKL sgemm the same way, in its own run). A
    // single measurement reads low whenever the machine is busy at that moment, and the
    // workloads' shares of it then go above 100%; the fastest reading seen anywhere in the
    // run is the machine's rate when it was least disturbed.
    let n = 1024i64;
    let a = Tensor::randn([n, n], (Kind::Float, device));
    let b = Tensor::randn([n, n], (Kind::Float, device));
    let mut sgemm_times: Vec<f64> = Vec::new();
    let mut sgemm = || {
        let fastest = repetitions(device, args.repeats, 5, &mut || {
            let _ = a.mm(&b);
        })[0];
        sgemm_times.push(fastest)
    };
    let mut rows = Vec::new();
    for batch in [32i64, 128, 1024] {
        for (ours, theirs, label) in [
            ("sgd", "sgd", "SGD (lrbook::optim)"),
            ("adam", "adam", "Adam (lrbook::optim)"),
            ("tch", "adam", "Adam (tch built-in)"),
            (
                "adam_fused",
                "adam_fused",
                "Adam, fused (lrbook FusedAdam; PyTorch fused=True)",
            ),
        ] {
            sgemm();
            let us = mlp_step_time(&args, device, batch, ours)?;
            let py = torch
                .get(&format!("mlp_b{batch}_{theirs}"))
                .copied()
                .unwrap_or(f64::NAN);
            rows.push((batch, label, us, py));
        }
    }
    sgemm();
    let sgemm_us = sgemm_times.iter().copied().fold(f64::INFINITY, f64::min);
    let worst_us = sgemm_times.iter().copied().fold(0.0, f64::max);
    let py_sgemm = torch.get("sgemm_1024").copied().unwrap_or(f64::NAN);
    let ceiling_us = sgemm_us.min(py_sgemm); // NaN (no Python reading) leaves lrbook's
    let gflops_of = |us: f64| 2.0 * (n as f64).powi(3) / us / 1e3;
    let sgemm_gflops = gflops_of(ceiling_us);
    let mut table = format!(
        "Training step of the MLP 784-128-10 (f32) on {device_name}, {} CPU thread(s); median of {} repetitions of {} steps. \
         The ceiling, sgemm through libtorch ({n}×{n}): {:.1} GFLOP/s, the fastest reading of the run. lrbook timed it {} times \
         between the workloads (the fastest of {} repetitions each time; best {:.1}, slowest {:.1} GFLOP/s), \
         PyTorch {} times the same way (best {:.1} GFLOP/s).\n\n\
         | workload | lrbook (µs) | PyTorch (µs) | lrbook / PyTorch | lrbook GFLOP/s | % of sgemm |\n\
         |:---|---:|---:|---:|---:|---:|\n",
        args.threads,
        args.repeats,
        args.steps,
        sgemm_gflops,
        sgemm_times.len(),
        args.repeats,
        gflops_of(sgemm_us),
        gflops_of(worst_us),
        torch.get("sgemm_1024_measurements").copied().unwrap_or(f64::NAN),
        gflops_of(py_sgemm)
    );
    for (batch, label, us, py) in rows {
        let gflops = step_flops(batch as f64) / us / 1e3;
        table.push_str(&format!(
            "| batch {batch}, {label} | {us:.1} | {py:.1} | {:.2} | {gflops:.2} | {:.0}% |\n",
            us / py,
            100.0 * gflops / sgemm_gflops
        ));
    }
    table.push_str(&format!(
        "| sgemm 1024³ | {sgemm_us:.1} | {py_sgemm:.1} | {:.2} | {:.1} | {:.0}% |\n",
        sgemm_us / py_sgemm,
        gflops_of(sgemm_us),
        100.0 * ceiling_us / sgemm_us
    ));
    println!("{table}");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/results");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!(
        "train_step_{device_name}_{}thread.md",
        args.threads
    ));
    std::fs::write(&path, &table)?;
    eprintln!("wrote {}", path.display());
    Ok(())
}
