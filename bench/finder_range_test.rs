//! Benchmark: a 100-step LR range test on the Fashion-MNIST MLP (784-128-10, plain SGD,
//! batch 128, CPU), the same work as `bench/finder_range_test.py`. Run both with
//! `bench/finder_range_test.sh`, which prints the ratio.
//!
//!     cargo run --example bench_finder_range_test -- --threads 1 --repeats 7
use clap::Parser;
use lrbook::data::fashion_mnist;
use lrbook::finder::RangeTest;
use lrbook::models::{Activation, Mlp};
use tch::nn::{self, Module, OptimizerConfig};
use tch::{Device, Tensor};

/// Times `lrbook::finder` on the Fashion-MNIST MLP.
#[derive(Parser)]
struct Args {
    /// libtorch CPU threads.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Timed repetitions (after one untimed warm-up); the median is reported.
    #[arg(long, default_value_t = 7)]
    repeats: usize,
    /// Range-test steps.
    #[arg(long, default_value_t = 100)]
    iterations: usize,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    lrbook::validate::at_least_one("--threads", args.threads)?;
    lrbook::validate::at_least_one("--repeats", args.repeats)?;
    lrbook::device::set_threads(args.threads);
    let batch = 128usize;
    let n = batch * args.iterations;
    let raw = fashion_mnist::load_subset(&fashion_mnist::locate()?, n, 1)?;
    let train = fashion_mnist::standardize(&raw.train);
    // Fixed batches in file order, the same ones the Python script uses.
    let batches: Vec<(Tensor, Tensor)> = train.batches(batch, None, true)?.collect();
    tch::manual_seed(0);
    let vs = nn::VarStore::new(Device::Cpu);
    let model = Mlp::new(&vs.root(), &[784, 128, 10], Activation::Relu)?;
    let mut test = RangeTest::new(1e-6, 1.0, args.iterations)?;
    test.divergence_factor = None; // every repetition takes all steps, as in Python
    let mut times = Vec::new();
    let mut steps = 0;
    for rep in 0..=args.repeats {
        let t0 = std::time::Instant::now();
        let r = test.run(
            &vs,
            || nn::Sgd::default().build(&vs, 1e-6),
            batches.iter(),
            |(x, y)| model.forward(x).cross_entropy_for_logits(y),
        )?;
        let dt = t0.elapsed().as_secs_f64();
        steps = r.points.len();
        if rep > 0 {
            times.push(dt);
        }
    }
    times.sort_by(f64::total_cmp);
    println!(
        "rust steps={steps} threads={} median_s={:.6} min_s={:.6}",
        args.threads,
        times[times.len() / 2],
        times[0]
    );
    Ok(())
}
