//! The hostile-input suite: every example binary run with bad or hostile input, as a careless
//! or curious user would. For each case it asserts the exit status, that nothing panicked,
//! that the error names the problem (in one or two lines, with no backtrace even under
//! `RUST_BACKTRACE=1`), that the run stopped before doing the work, and that the output
//! folder holds no file afterwards, or exactly the files it held before.
//!
//! The binaries are the `examples/` built by `cargo build --examples`, which this test runs
//! first (a no-op when they are fresh).
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;

/// One hostile input and what must come of it.
struct Case {
    /// The class of fault, for the count by class.
    class: &'static str,
    example: &'static str,
    args: &'static [&'static str],
    /// Extra environment, e.g. a dataset folder.
    env: &'static [(&'static str, &'static str)],
    /// The exit status: 2 for a bad flag or value, 1 for anything else.
    status: i32,
    /// Text the error must contain (it names the problem), case-insensitive.
    says: &'static [&'static str],
}

const fn case(
    class: &'static str,
    example: &'static str,
    args: &'static [&'static str],
    status: i32,
    says: &'static [&'static str],
) -> Case {
    Case {
        class,
        example,
        args,
        env: &[],
        status,
        says,
    }
}

/// A folder that does not exist, for dataset cases.
const NO_DATA: &str = "/nonexistent/lrbook-fashion-mnist";

#[rustfmt::skip]
const CASES: &[Case] = &[
    // Learning rates: positive, finite, and inside what libtorch's single precision holds.
    case("learning rate", "ch1_quadratic", &["--quick", "--etas", "4e38"], 2, &["--etas", "single-precision"]),
    case("learning rate", "ch1_quadratic", &["--quick", "--etas=1e308"], 2, &["--etas", "single-precision"]),
    case("learning rate", "ch1_quadratic", &["--quick", "--etas", "0.1,-0.2"], 2, &["--etas", "> 0"]),
    case("learning rate", "ch1_quadratic", &["--quick", "--etas", "nan"], 2, &["--etas", "not a finite"]),
    case("learning rate", "ch1_quadratic", &["--quick", "--etas", "inf"], 2, &["--etas", "not a finite"]),
    case("learning rate", "ch1_quadratic", &["--quick", "--etas", "1e-45"], 2, &["--etas", "single-precision"]),
    case("learning rate", "ch3_schedules", &["--quick", "--peak-lr", "4e38"], 2, &["--peak-lr", "single-precision"]),
    case("learning rate", "ch3_schedules", &["--quick", "--peak-lr", "-1"], 2, &["--peak-lr", "> 0"]),
    case("learning rate", "ch3_schedules", &["--quick", "--peak-lr", "NaN"], 2, &["--peak-lr", "finite"]),
    case("learning rate", "ch1_ex1_iterates", &["--quick", "--eta", "1e39"], 2, &["--eta", "single-precision"]),
    case("learning rate", "ch2_ex2_diagnose_logs", &["--quick", "--lrs", "0"], 2, &["--lrs", "> 0"]),
    case("learning rate", "ch5_ex1_seed_batches", &["--quick", "--base-lr", "-0.1"], 2, &["--base-lr", "> 0"]),
    case("learning rate", "ch5_ex1_seed_batches", &["--quick", "--base-lr", "inf"], 2, &["--base-lr", "finite"]),
    case("learning rate", "ch3_ex4_halve_or_double", &["--quick", "--eta", "nan"], 2, &["--eta", "not a finite"]),
    case("learning rate", "ch3_ex4_halve_or_double", &["--quick", "--eta", "2.5"], 2, &["--eta", "stability edge"]),
    case("learning rate", "ch3_ex5_exponential_stall", &["--quick", "--eta0", "-1"], 2, &["--eta0", "> 0"]),
    case("learning rate", "ch3_ex5_exponential_stall", &["--quick", "--gammas", "1.5"], 2, &["--gammas", "(0, 1)"]),
    case("learning rate", "ch1_ex5_best_momentum", &["--quick", "--kappa", "0.5"], 2, &["--kappa", "(1, 1e6]"]),
    case("learning rate", "ch1_ex5_best_momentum", &["--quick", "--kappa", "nan"], 2, &["--kappa", "finite"]),
    case("learning rate", "ch3_ex6_equal_ratio", &["--quick", "--lr", "-1"], 2, &["--lr", "> 0"]),
    case("learning rate", "ch3_ex6_equal_ratio", &["--quick", "--lr", "nan"], 2, &["--lr", "not a finite"]),
    // Counts: at least one, at most the documented limit, never an overflow.
    case("count", "ch1_quadratic", &["--quick", "--threads", "0"], 2, &["--threads", "at least 1"]),
    case("count", "ch1_quadratic", &["--quick", "--threads", "10000"], 2, &["--threads", "limit of 256"]),
    case("count", "ch1_quadratic", &["--quick", "--threads", "4294967297"], 2, &["--threads", "limit of 256"]),
    case("count", "ch1_quadratic", &["--quick", "--threads", "-1"], 2, &["--threads", "-1"]),
    case("count", "ch3_schedules", &["--quick", "--epochs", "0"], 2, &["--epochs", "at least 1"]),
    case("count", "ch3_schedules", &["--quick", "--epochs", "18446744073709551615"], 2, &["--epochs", "limit"]),
    case("count", "ch3_schedules", &["--quick", "--epochs", "18446744073709551616"], 2, &["--epochs", "too large"]),
    case("count", "ch3_ex2_warm_restarts", &["--quick", "--restarts", "0"], 2, &["--restarts", "at least 1"]),
    case("count", "ch3_ex2_warm_restarts", &["--quick", "--restarts", "25"], 2, &["--restarts", "limit"]),
    case("count", "ch3_ex2_warm_restarts", &["--quick", "--restarts", "64"], 2, &["--restarts", "limit"]),
    case("count", "ch3_ex4_halve_or_double", &["--quick", "--batch", "0"], 2, &["--batch", "at least 1"]),
    case("count", "ch1_ex5_best_momentum", &["--quick", "--grid", "0"], 2, &["--grid", "at least 1"]),
    case("count", "ch1_ex5_best_momentum", &["--quick", "--grid", "100000"], 2, &["--grid", "limit"]),
    case("count", "ch3_ex6_equal_ratio", &["--quick", "--batch", "0"], 2, &["--batch", "from 1 to 500"]),
    case("count", "ch3_ex6_equal_ratio", &["--quick", "--seeds", "1,1"], 2, &["--seeds", "twice"]),
    case("count", "ch2_goldilocks", &["--quick", "--sweep-points", "0"], 2, &["--sweep-points", "at least 1"]),
    case("count", "ch2_goldilocks", &["--quick", "--sweep-points", "1000000000"], 2, &["--sweep-points", "limit"]),
    case("count", "ch6_lr_finder", &["--quick", "--iterations", "0"], 2, &["--iterations", "at least 1"]),
    case("count", "ch6_lr_finder", &["--quick", "--iterations", "99999999999"], 2, &["--iterations", "limit"]),
    case("count", "ch6_lr_finder", &["--quick", "--budget", "0"], 2, &["--budget", "at least 1"]),
    case("count", "ch6_lr_finder", &["--quick", "--budget", "3"], 2, &["--budget", "at least 10"]),
    case("count", "ch6_lr_finder", &["--quick", "--iterations", "1"], 2, &["--iterations", "at least 2"]),
    case("count", "ch6_lr_finder", &["--quick", "--budget", "18446744073709551615"], 2, &["--budget", "limit"]),
    case("count", "ch1_ex1_iterates", &["--quick", "--steps", "0"], 2, &["--steps", "at least 1"]),
    case("count", "ch1_ex1_iterates", &["--quick", "--steps", "18446744073709551615"], 2, &["--steps", "limit"]),
    case("count", "ch2_ex1_predict_edge", &["--quick", "--points", "0"], 2, &["--points", "at least 1"]),
    case("count", "ch2_ex1_predict_edge", &["--quick", "--steps", "99999999999"], 2, &["--steps", "limit"]),
    case("count", "ch2_ex2_diagnose_logs", &["--quick", "--eval-every", "0"], 2, &["--eval-every", "at least 1"]),
    case("count", "ch2_ex2_diagnose_logs", &["--quick", "--epochs", "99999999"], 2, &["--epochs", "limit"]),
    case("count", "ch2_ex2_diagnose_logs", &["--quick", "--batch-size", "0"], 2, &["--batch-size", "at least 1"]),
    case("count", "ch2_ex2_diagnose_logs", &["--quick", "--hidden", "-5"], 2, &["--hidden", "at least 1"]),
    case("count", "ch4_ex1_bias_correction", &["--quick", "--max-steps", "0"], 2, &["--max-steps", "at least 1"]),
    case("count", "ch4_ex1_bias_correction", &["--quick", "--max-steps", "999999999999"], 2, &["--max-steps", "limit"]),
    case("count", "ch5_ex1_seed_batches", &["--quick", "--batches", "0,32"], 2, &["--batches", "at least 1"]),
    case("count", "ch5_ex3_estimator_bias", &["--quick", "--trials", "0"], 2, &["--trials", "at least 1"]),
    case("range", "ch5_ex4_clip_norm", &["--quick", "--norms=1,-1"], 2, &["--norms", "> 0"]),
    case("range", "ch5_ex4_clip_norm", &["--quick", "--norms", "nan"], 2, &["--norms", "finite"]),
    case("range", "ch5_ex4_clip_norm", &["--quick", "--norms", "0"], 2, &["--norms", "> 0"]),
    case("count", "ch5_ex5_warmup_at_batch", &["--quick", "--batch", "0"], 2, &["--batch", "at least 1"]),
    case("count", "ch5_ex5_warmup_at_batch", &["--quick", "--batch", "5000"], 2, &["--batch", "limit"]),
    case("range", "ch5_ex5_warmup_at_batch", &["--quick", "--warmup-epochs=-1"], 2, &["--warmup-epochs", ">= 0"]),
    case("range", "ch5_ex5_warmup_at_batch", &["--quick", "--warmup-epochs", "9"], 2, &["--warmup-epochs", "from 0 to"]),
    case("range", "ch5_ex6_rescale_order", &["--quick", "--alphas=1,-1"], 2, &["--alphas", "> 0"]),
    case("range", "ch5_ex6_rescale_order", &["--quick", "--alphas", "nan"], 2, &["--alphas", "finite"]),
    case("range", "ch5_ex6_rescale_order", &["--quick", "--alphas", "0"], 2, &["--alphas", "> 0"]),
    case("range", "ch5_ex6_rescale_order", &["--quick", "--alphas", "1e9"], 2, &["--alphas", "0.001 to 1000"]),
    case("count", "ch5_ex3_estimator_bias", &["--quick", "--trials", "99999999999"], 2, &["--trials", "limit"]),
    case("count", "ch6_ex3_sweep_length", &["--quick", "--iterations", "0,50"], 2, &["--iterations", "from 2 to"]),
    case("count", "ch6_ex2_bias_correction", &["--quick", "--horizon", "0"], 2, &["--horizon", "at least 1"]),
    case("count", "ch5_control_epoch_sweep", &["--quick", "--batches", "0,32"], 2, &["--batches", "from 1 to"]),
    case("count", "ch5_control_epoch_sweep", &["--quick", "--batches", "99999999"], 2, &["--batches", "from 1 to"]),
    case("seed", "ch6_control_one_cycle", &["--quick", "--eval-seeds", "10"], 2, &["--eval-seeds", "at least 2"]),
    case("seed", "ch6_control_one_cycle", &["--quick", "--eval-seeds", "0,10"], 2, &["--eval-seeds", "selection seed"]),
    // Coefficients and grids that must lie in a range.
    case("range", "ch1_ex3_momentum_edge", &["--quick", "--beta", "1"], 2, &["--beta", "[0, 1)"]),
    case("range", "ch1_ex3_momentum_edge", &["--quick", "--beta", "-0.5"], 2, &["--beta", "[0, 1)"]),
    case("range", "ch6_ex2_bias_correction", &["--quick", "--beta", "1.5"], 2, &["--beta", "[0, 1)"]),
    case("range", "ch4_ex1_bias_correction", &["--quick", "--betas", "0.9:1.0"], 2, &["--betas", "[0, 1)"]),
    case("range", "ch4_ex3_rarity", &["--quick", "--rare-p", "0"], 2, &["--rare-p"]),
    case("range", "ch4_ex4_failure_edge", &["--quick", "--beta2", "1"], 2, &["--beta2", "(0, 1)"]),
    case("range", "ch4_ex4_failure_edge", &["--quick", "--beta2", "nan"], 2, &["--beta2", "(0, 1)"]),
    case("count", "ch4_ex4_failure_edge", &["--quick", "--steps", "0"], 2, &["--steps", "at least 1"]),
    case("count", "ch4_ex5_warmup_length", &["--quick", "--warmups", "100000"], 2, &["--warmups", "longer than"]),
    case("range", "ch4_ex3_rarity", &["--quick", "--rare-p", "1.5"], 2, &["--rare-p"]),
    case("range", "ch1_ex2_best_fixed_step", &["--quick", "--kappa", "0.5"], 2, &["--kappa", ">= 1"]),
    case("range", "ch4_ex2_momentum_scaling", &["--quick", "--kappa", "nan"], 2, &["--kappa"]),
    case("range", "ch4_ex6_half_step", &["--quick", "--eps", "0"], 2, &["--eps", "> 0"]),
    case("range", "ch4_ex6_half_step", &["--quick", "--eps", "nan"], 2, &["--eps", "finite"]),
    case("range", "ch4_ex6_half_step", &["--quick", "--eps", "10"], 2, &["--eps", "[1e-12, 1]"]),
    case("count", "ch4_ex6_half_step", &["--quick", "--steps", "0"], 2, &["--steps", "at least 1"]),
    case("count", "ch4_ex6_half_step", &["--quick", "--steps", "99999999999"], 2, &["--steps", "limit"]),
    case("range", "ch4_ex7_spike_step", &["--quick", "--beta2", "1"], 2, &["--beta2", "[0, 1)"]),
    case("range", "ch4_ex7_spike_step", &["--quick", "--beta2", "0.999999"], 2, &["--beta2", "0.99999"]),
    case("range", "ch4_ex7_spike_step", &["--quick", "--beta1", "-0.1"], 2, &["--beta1", "[0, 1)"]),
    case("range", "ch4_ex7_spike_step", &["--quick", "--spike", "0.5"], 2, &["--spike", "[1, 1e6]"]),
    case("range", "ch4_ex7_spike_step", &["--quick", "--spike", "nan"], 2, &["--spike", "[1, 1e6]"]),
    case("range", "ch4_ex8_decay_coefficient", &["--quick", "--decays=0.01,-1"], 2, &["--decays", ">= 0"]),
    case("range", "ch4_ex8_decay_coefficient", &["--quick", "--decays", "nan"], 2, &["--decays", "finite"]),
    case("range", "ch4_ex8_decay_coefficient", &["--quick", "--decays", "11"], 2, &["--decays", "at most 10"]),
    case("range", "ch4_ex8_decay_coefficient", &["--quick", "--decays", ""], 2, &["--decays"]),
    case("range", "ch4_ex8_decay_coefficient", &["--quick", "--model", "resnet"], 2, &["--model", "mlp, cnn"]),
    case("range", "ch3_ex3_one_cycle_peak", &["--quick", "--multiples", "0"], 2, &["--multiples", "> 0"]),
    case("range", "ch3_ex3_one_cycle_peak", &["--quick", "--multiples", "1e40"], 2, &["--multiples", "single-precision"]),
    case("range", "ch5_ex2_tradeoff", &["--quick", "--ratios", "-1"], 2, &["--ratios", "> 0"]),
    case("range", "ch1_quadratic", &["--quick", "--etas", ""], 2, &["--etas"]),
    // Seeds: whole numbers, distinct where a spread is taken.
    case("seed", "ch1_quadratic", &["--quick", "--seed", "-1"], 2, &["--seed", "whole number"]),
    case("seed", "ch1_quadratic", &["--quick", "--seed", "abc"], 2, &["--seed", "whole number"]),
    case("seed", "ch1_quadratic", &["--quick", "--seed", "18446744073709551616"], 2, &["--seed", "whole number"]),
    case("seed", "ch3_schedules", &["--quick", "--seeds", "0"], 2, &["--seeds", "at least 2"]),
    case("seed", "ch3_schedules", &["--quick", "--seeds", "0,0"], 2, &["--seeds", "given twice"]),
    case("seed", "ch3_ex1_four_schedules", &["--quick", "--seeds", "1,2,1"], 2, &["--seeds", "given twice"]),
    case("seed", "ch6_lr_finder", &["--quick", "--seeds", "3,3"], 2, &["--seeds", "given twice"]),
    case("seed", "ch3_schedules", &["--quick", "--seed", "18446744073709551615", "--seeds", "0,1"], 2, &["--seeds", "64 bits"]),
    // Devices.
    case("device", "ch1_quadratic", &["--quick", "--device", "tpu"], 2, &["--device", "auto, cpu, cuda"]),
    // Flags that do not exist.
    case("flag", "ch4_adaptive", &["--quick", "--bogus"], 2, &["--bogus"]),
    case("flag", "use_as_library", &["--quick"], 2, &["--quick"]),
    case("flag", "use_as_library", &["extra"], 2, &["extra"]),
    case("flag", "ch1_quadratic", &["--quick=maybe"], 2, &["--quick"]),
    // Output folders that cannot be written.
    case("output", "ch1_ex1_iterates", &["--quick", "--out", "/dev/null"], 2, &["output folder", "--out"]),
    case("output", "ch1_ex1_iterates", &["--quick", "--out", ""], 2, &["--out", "a value is required"]),
    case("output", "ch1_quadratic", &["--out", "book/src", "--seed", "3"], 2, &["book's source folder", "--seed 0"]),
    case("output", "ch1_ex1_iterates", &["--quick", "--out", "/etc/hostname/sub"], 2, &["output folder", "--out"]),
    // The dataset: missing, or not a folder.
    case("data", "ch3_schedules", &["--quick", "--data-dir", NO_DATA], 1, &["--data-dir", "no such folder"]),
    case("data", "ch3_schedules", &["--quick", "--data-dir", "/etc/hostname"], 1, &["--data-dir", "not a folder"]),
    Case {
        env: &[("FASHION_MNIST_DIR", NO_DATA)],
        ..case("data", "ch6_lr_finder", &["--quick"], 1, &["FASHION_MNIST_DIR", NO_DATA])
    },
    Case {
        env: &[("FASHION_MNIST_DIR", "/etc/hostname")],
        ..case("data", "ch5_batch_scaling", &["--quick"], 1, &["FASHION_MNIST_DIR", "not a folder"])
    },
];

/// The examples, built (a no-op when fresh) and found beside this test's own binary.
fn examples_dir() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let status = Command::new(cargo)
                .args(["build", "--quiet", "--examples"])
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .status()
                .expect("cargo build --examples runs");
            assert!(status.success(), "cargo build --examples failed");
            // target/debug/deps/hostile_inputs-… → target/debug/examples
            let exe = std::env::current_exe().unwrap();
            exe.parent().unwrap().parent().unwrap().join("examples")
        })
        .clone()
}

/// What a run left: its exit status, stderr and wall time.
struct Outcome {
    status: Option<i32>,
    stderr: String,
    elapsed: Duration,
}

/// Runs `example` with `args` and `env`, killing it after `limit`.
fn run(example: &str, args: &[&str], env: &[(&str, &str)], limit: Duration) -> Outcome {
    let binary = examples_dir().join(example);
    let started = Instant::now();
    let mut child = Command::new(binary)
        .args(args)
        .envs(env.iter().copied())
        .env("RUST_BACKTRACE", "1")
        .env("ATEN_CPU_CAPABILITY", "avx2")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{example}: {e}"));
    let stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Outcome {
        status,
        stderr: reader.join().unwrap(),
        elapsed: started.elapsed(),
    }
}

/// Every file under `dir`, with its bytes.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                files.extend(snapshot(&path));
            } else {
                files.push((path.clone(), std::fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lrbook-hostile-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn every_hostile_input_gets_a_clear_error_and_leaves_no_file() {
    // Skipped while nothing it depends on has changed since it passed.
    let Some(pass) = common::kept::unless_passed(concat!(
        file!(),
        "::every_hostile_input_gets_a_clear_error_and_leaves_no_file"
    )) else {
        return;
    };
    let out = scratch("cases");
    let mut failures = Vec::new();
    let mut by_class: Vec<(&str, usize)> = Vec::new();
    for c in CASES {
        std::fs::create_dir_all(&out).unwrap();
        let mut args: Vec<&str> = c.args.to_vec();
        let out_str = out.to_str().unwrap();
        if !c.args.contains(&"--out") && c.example != "use_as_library" {
            args.extend(["--out", out_str]);
        }
        let env: Vec<(&str, &str)> = c.env.to_vec();
        let o = run(c.example, &args, &env, Duration::from_secs(60));
        let shown = format!("{} {}", c.example, c.args.join(" "));
        let lower = o.stderr.to_lowercase();
        let mut problems = Vec::new();
        if o.status != Some(c.status) {
            problems.push(format!("exit status {:?}, expected {}", o.status, c.status));
        }
        if lower.contains("panicked") || lower.contains("stack backtrace") {
            problems.push("panicked or printed a backtrace".to_string());
        }
        for needle in c.says {
            if !lower.contains(&needle.to_lowercase()) {
                problems.push(format!("the error does not say '{needle}'"));
            }
        }
        let error_lines = o
            .stderr
            .lines()
            .skip_while(|l| !l.starts_with("error"))
            .filter(|l| !l.trim().is_empty())
            .count();
        if error_lines == 0 || error_lines > 4 {
            problems.push(format!("{error_lines} error lines, expected 1 to 4"));
        }
        // Every case stops before the work: a quick run of any example takes longer.
        if o.elapsed > Duration::from_secs(20) {
            problems.push(format!("took {:.1} s", o.elapsed.as_secs_f64()));
        }
        let left = snapshot(&out);
        if !left.is_empty() {
            problems.push(format!(
                "left {} file(s), e.g. {}",
                left.len(),
                left[0].0.display()
            ));
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{shown}: {}\n  stderr: {}",
                problems.join("; "),
                o.stderr.trim()
            ));
        }
        match by_class.iter_mut().find(|(k, _)| *k == c.class) {
            Some((_, n)) => *n += 1,
            None => by_class.push((c.class, 1)),
        }
        let _ = std::fs::remove_dir_all(&out);
    }
    eprintln!(
        "hostile inputs by class: {by_class:?} ({} cases)",
        CASES.len()
    );
    assert!(CASES.len() >= 60, "the suite must keep at least 60 cases");
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
    pass.keep();
}

/// A run that fails partway (a disk that fills up after its first file, injected through
/// `LRBOOK_FAIL_AFTER_WRITES`) leaves the previous run's files byte for byte, and nothing
/// else; a good run afterwards replaces them and records them in its manifest.
#[test]
fn a_run_that_fails_midway_leaves_the_previous_output_intact() {
    // Skipped while nothing it depends on has changed since it passed.
    let Some(pass) = common::kept::unless_passed(concat!(
        file!(),
        "::a_run_that_fails_midway_leaves_the_previous_output_intact"
    )) else {
        return;
    };
    let out = scratch("midway");
    let out_str = out.to_str().unwrap();
    let first = run(
        "ch1_ex1_iterates",
        &["--quick", "--out", out_str],
        &[],
        Duration::from_secs(60),
    );
    assert_eq!(first.status, Some(0), "{}", first.stderr);
    let before = snapshot(&out);
    assert!(before.len() >= 3, "{} files", before.len());
    let manifest = out.join("generated/ch1/ch1_ex1_iterates.manifest.json");
    assert!(manifest.exists(), "no manifest");
    // Different flags, so that every file would change; the first or the second write fails.
    for fail_after in ["0", "1"] {
        let failed = run(
            "ch1_ex1_iterates",
            &["--quick", "--out", out_str, "--steps", "7"],
            &[("LRBOOK_FAIL_AFTER_WRITES", fail_after)],
            Duration::from_secs(60),
        );
        assert_eq!(failed.status, Some(1), "{}", failed.stderr);
        assert!(
            failed.stderr.contains("failure injected"),
            "{}",
            failed.stderr
        );
        assert!(
            snapshot(&out) == before,
            "a failed run changed the output folder"
        );
    }
    let second = run(
        "ch1_ex1_iterates",
        &["--quick", "--out", out_str, "--steps", "7"],
        &[],
        Duration::from_secs(60),
    );
    assert_eq!(second.status, Some(0), "{}", second.stderr);
    let after = snapshot(&out);
    assert_eq!(after.len(), before.len());
    assert_ne!(after, before, "the good run must replace the files");
    let text = std::fs::read_to_string(&manifest).unwrap();
    assert!(text.contains("--steps 7"), "{text}");
    std::fs::remove_dir_all(&out).unwrap();
    pass.keep();
}

/// The run refuses to replace a file that lrbook did not write, and keeps it.
#[test]
fn a_file_lrbook_did_not_write_is_not_replaced() {
    // Skipped while nothing it depends on has changed since it passed.
    let Some(pass) = common::kept::unless_passed(concat!(
        file!(),
        "::a_file_lrbook_did_not_write_is_not_replaced"
    )) else {
        return;
    };
    let out = scratch("foreign");
    let out_str = out.to_str().unwrap();
    let first = run(
        "ch1_ex1_iterates",
        &["--quick", "--out", out_str],
        &[],
        Duration::from_secs(60),
    );
    assert_eq!(first.status, Some(0), "{}", first.stderr);
    // Forget the manifest: the files are now the user's as far as lrbook can tell.
    std::fs::remove_file(out.join("generated/ch1/ch1_ex1_iterates.manifest.json")).unwrap();
    let before = snapshot(&out);
    let refused = run(
        "ch1_ex1_iterates",
        &["--quick", "--out", out_str],
        &[],
        Duration::from_secs(60),
    );
    assert_eq!(refused.status, Some(2), "{}", refused.stderr);
    assert!(
        refused.stderr.contains("refusing to replace"),
        "{}",
        refused.stderr
    );
    assert!(snapshot(&out) == before);
    let forced = run(
        "ch1_ex1_iterates",
        &["--quick", "--out", out_str, "--overwrite"],
        &[],
        Duration::from_secs(60),
    );
    assert_eq!(forced.status, Some(0), "{}", forced.stderr);
    std::fs::remove_dir_all(&out).unwrap();
    pass.keep();
}

/// The tests and the examples they run are built with overflow checks on (Cargo.toml's dev
/// and test profiles), so an integer overflow that a hostile input reaches panics, and this
/// suite sees it, instead of wrapping into a silent wrong answer.
#[test]
fn overflow_checks_are_on() {
    let max = std::hint::black_box(u32::MAX);
    assert!(std::panic::catch_unwind(|| max + 1).is_err());
}

/// Killing a run (SIGKILL, no chance to clean up) at any moment leaves a consistent output
/// folder. The output pauses between files (`LRBOOK_PAUSE_BETWEEN_WRITES_MS`), and runs are
/// killed at fractions of a whole run's time, so kills land while files are staged and
/// while the commit renames them:
/// - right after a kill, every visible file is whole: its previous version or its new one;
/// - once the next run in the folder has started, the folder holds exactly the previous
///   output (killed before the commit) or exactly the killed run's output (killed during
///   the commit, which the next run completes from the journal), never a mix.
#[test]
fn a_killed_run_leaves_a_whole_output() {
    // Skipped while nothing it depends on has changed since it passed.
    let Some(pass) =
        common::kept::unless_passed(concat!(file!(), "::a_killed_run_leaves_a_whole_output"))
    else {
        return;
    };
    let example = "ch1_ex1_iterates";
    let pause = [("LRBOOK_PAUSE_BETWEEN_WRITES_MS", "600")];
    let long = Duration::from_secs(60);
    let visible = |dir: &Path| -> Vec<(PathBuf, Vec<u8>)> {
        snapshot(dir)
            .into_iter()
            .filter(|(p, _)| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
            .map(|(p, b)| (p.strip_prefix(dir).unwrap().to_path_buf(), b))
            .collect()
    };
    // The two complete outputs: the previous run's and the killed run's, had it finished.
    let new_dir = scratch("killed-new");
    let new_out = new_dir.to_str().unwrap();
    let full = run(
        example,
        &["--quick", "--steps", "7", "--out", new_out],
        &pause,
        long,
    );
    assert_eq!(full.status, Some(0), "{}", full.stderr);
    // The kills are timed as fractions of a whole run. Under a varying load (the other tests
    // of this file run beside it) one timing can come out long, and kills timed from it then
    // land after the run has ended; the shorter of two runs keeps them inside it.
    let again = run(
        example,
        &["--quick", "--steps", "7", "--out", new_out],
        &pause,
        long,
    );
    assert_eq!(again.status, Some(0), "{}", again.stderr);
    let whole_run = full.elapsed.min(again.elapsed);
    let new = visible(&new_dir);
    let out = scratch("killed");
    let out_str = out.to_str().unwrap();
    let reset = || {
        let o = run(example, &["--quick", "--out", out_str], &[], long);
        assert_eq!(o.status, Some(0), "{}", o.stderr);
        visible(&out)
    };
    let before = reset();
    assert_eq!(before.len(), 3, "two tables and the manifest");
    assert_eq!(new.len(), 3);
    let (mut killed, mut mid_commit) = (0, 0);
    // Denser towards the end, where the commit is, so that some kill lands in it however
    // long the start-up takes on a loaded machine.
    for fraction in [0.3, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95] {
        let limit = whole_run.mul_f64(fraction);
        let o = run(
            example,
            &["--quick", "--steps", "7", "--out", out_str],
            &pause,
            limit,
        );
        if o.status.is_some() {
            continue;
        }
        killed += 1;
        for (path, bytes) in visible(&out) {
            let was = before.iter().any(|(p, b)| *p == path && *b == bytes);
            let will = new.iter().any(|(p, b)| *p == path && *b == bytes);
            assert!(
                was || will,
                "killed at {limit:?}: {} is neither version",
                path.display()
            );
        }
        if snapshot(&out)
            .iter()
            .any(|(p, _)| p.to_string_lossy().ends_with(".lrbook-journal"))
        {
            mid_commit += 1;
        }
        // The next run (which fails at its first write) completes or sweeps what was left.
        let next = run(
            example,
            &["--quick", "--out", out_str],
            &[("LRBOOK_FAIL_AFTER_WRITES", "0")],
            long,
        );
        assert_eq!(next.status, Some(1), "{}", next.stderr);
        let now = visible(&out);
        assert!(
            now == before || now == new,
            "killed at {limit:?}: the folder mixes two runs"
        );
        assert!(
            snapshot(&out).len() == 3,
            "staged files or a journal are left"
        );
        assert_eq!(reset(), before);
    }
    assert!(
        killed >= 6,
        "only {killed} runs were killed before they ended"
    );
    assert!(mid_commit >= 1, "no kill landed during a commit");
    std::fs::remove_dir_all(&out).unwrap();
    std::fs::remove_dir_all(&new_dir).unwrap();
    pass.keep();
}

/// A small Fashion-MNIST look-alike in IDX format: `n` images of 28 × 28 and their labels.
fn idx_images(n: u32, rows: u32) -> Vec<u8> {
    let mut v = Vec::new();
    for x in [2051, n, rows, 28] {
        v.extend(x.to_be_bytes());
    }
    v.extend((0..n as usize * rows as usize * 28).map(|i| (i * 7 % 256) as u8));
    v
}

fn idx_labels(n: u32, top: u8) -> Vec<u8> {
    let mut v = Vec::new();
    for x in [2049, n] {
        v.extend(x.to_be_bytes());
    }
    v.extend((0..n).map(|i| if i == n / 2 { top } else { (i % 10) as u8 }));
    v
}

fn gzip(members: &[&[u8]]) -> Vec<u8> {
    use std::io::Write;
    let mut out = Vec::new();
    for m in members {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(m).unwrap();
        out.extend(e.finish().unwrap());
    }
    out
}

/// Every malformed dataset file gets an exact message that names the file and the problem,
/// and a valid one split into several gzip members (as `pigz` and `bgzip` write) loads.
#[test]
fn every_malformed_dataset_file_is_named_and_explained() {
    // Skipped while nothing it depends on has changed since it passed.
    let Some(pass) = common::kept::unless_passed(concat!(
        file!(),
        "::every_malformed_dataset_file_is_named_and_explained"
    )) else {
        return;
    };
    let train_labels = "train-labels-idx1-ubyte.gz";
    let train_images = "train-images-idx3-ubyte.gz";
    let good = |dir: &Path| {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join(train_images), gzip(&[&idx_images(200, 28)])).unwrap();
        std::fs::write(dir.join(train_labels), gzip(&[&idx_labels(200, 9)])).unwrap();
        std::fs::write(
            dir.join("t10k-images-idx3-ubyte.gz"),
            gzip(&[&idx_images(100, 28)]),
        )
        .unwrap();
        std::fs::write(
            dir.join("t10k-labels-idx1-ubyte.gz"),
            gzip(&[&idx_labels(100, 9)]),
        )
        .unwrap();
    };
    type Spoil = fn(&Path);
    let cases: &[(&str, Spoil, i32, &[&str])] = &[
        ("valid", |_| {}, 0, &[]),
        (
            "multi-member gzip",
            |d| {
                let raw = idx_images(200, 28);
                let (a, b) = raw.split_at(5000);
                std::fs::write(d.join("train-images-idx3-ubyte.gz"), gzip(&[a, b])).unwrap();
            },
            0,
            &[],
        ),
        (
            "missing",
            |d| std::fs::remove_file(d.join("train-labels-idx1-ubyte.gz")).unwrap(),
            1,
            &["train-labels-idx1-ubyte.gz", "missing"],
        ),
        (
            "a folder",
            |d| {
                std::fs::remove_file(d.join("train-labels-idx1-ubyte.gz")).unwrap();
                std::fs::create_dir(d.join("train-labels-idx1-ubyte.gz")).unwrap();
            },
            1,
            &["train-labels-idx1-ubyte.gz", "folder"],
        ),
        (
            "a symlink loop",
            |d| {
                let p = d.join("train-labels-idx1-ubyte.gz");
                std::fs::remove_file(&p).unwrap();
                std::os::unix::fs::symlink(&p, &p).unwrap();
            },
            1,
            &["train-labels-idx1-ubyte.gz", "loop"],
        ),
        (
            "empty",
            |d| std::fs::write(d.join("train-labels-idx1-ubyte.gz"), b"").unwrap(),
            1,
            &["train-labels-idx1-ubyte.gz"],
        ),
        (
            "not gzip",
            |d| {
                std::fs::write(
                    d.join("train-labels-idx1-ubyte.gz"),
                    b"<html>404 not found</html>",
                )
                .unwrap()
            },
            1,
            &["train-labels-idx1-ubyte.gz", "gzip"],
        ),
        (
            "truncated",
            |d| {
                let z = gzip(&[&idx_images(200, 28)]);
                std::fs::write(d.join("train-images-idx3-ubyte.gz"), &z[..z.len() / 2]).unwrap();
            },
            1,
            &["train-images-idx3-ubyte.gz", "cut-short"],
        ),
        (
            "trailing garbage",
            |d| {
                let mut z = gzip(&[&idx_labels(200, 9)]);
                z.extend(b"garbage");
                std::fs::write(d.join("train-labels-idx1-ubyte.gz"), z).unwrap();
            },
            1,
            &["train-labels-idx1-ubyte.gz", "trailing"],
        ),
        (
            "wrong magic",
            |d| {
                let mut raw = idx_labels(200, 9);
                raw[3] = 0x99;
                std::fs::write(d.join("train-labels-idx1-ubyte.gz"), gzip(&[&raw])).unwrap();
            },
            1,
            &["train-labels-idx1-ubyte.gz", "magic"],
        ),
        (
            "wrong dimensions",
            |d| {
                std::fs::write(
                    d.join("train-images-idx3-ubyte.gz"),
                    gzip(&[&idx_images(200, 27)]),
                )
                .unwrap()
            },
            1,
            &["train-images-idx3-ubyte.gz", "27"],
        ),
        (
            "counts disagree",
            |d| {
                std::fs::write(
                    d.join("train-labels-idx1-ubyte.gz"),
                    gzip(&[&idx_labels(150, 9)]),
                )
                .unwrap()
            },
            1,
            &["150", "200"],
        ),
        (
            "label out of range",
            |d| {
                std::fs::write(
                    d.join("train-labels-idx1-ubyte.gz"),
                    gzip(&[&idx_labels(200, 10)]),
                )
                .unwrap()
            },
            1,
            &["train-labels-idx1-ubyte.gz", "label"],
        ),
    ];
    let mut failures = Vec::new();
    for (name, spoil, status, says) in cases {
        let dir = scratch("data");
        let out = scratch("data-out");
        good(&dir);
        spoil(&dir);
        let (d, o) = (dir.to_str().unwrap(), out.to_str().unwrap());
        let args = [
            "--quick",
            "--data-dir",
            d,
            "--out",
            o,
            "--train-examples",
            "200",
            "--test-examples",
            "100",
            "--batch-size",
            "20",
            "--epochs",
            "1",
            "--eval-every",
            "5",
        ];
        let r = run("ch2_ex2_diagnose_logs", &args, &[], Duration::from_secs(60));
        let lower = r.stderr.to_lowercase();
        let mut problems = Vec::new();
        if r.status != Some(*status) {
            problems.push(format!("exit status {:?}, expected {status}", r.status));
        }
        if lower.contains("panicked") || lower.contains("backtrace") {
            problems.push("panicked".into());
        }
        for needle in *says {
            if !lower.contains(&needle.to_lowercase()) {
                problems.push(format!("the error does not say '{needle}'"));
            }
        }
        if *status != 0 && !snapshot(&out).is_empty() {
            problems.push("left files".into());
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{name}: {}\n  stderr: {}",
                problems.join("; "),
                r.stderr.trim()
            ));
        }
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::remove_dir_all(&out);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    pass.keep();
}

/// `--device cuda` on a machine without a GPU is an error that says so (on a machine with
/// one it is no hostile input, and `make test-cuda` runs it).
#[test]
fn cuda_without_a_gpu_is_a_clear_error() {
    if tch::Cuda::is_available() {
        common::record_skip(
            "cuda_without_a_gpu_is_a_clear_error",
            "this machine has a GPU, so --device cuda is no hostile input",
        );
        return;
    }
    let out = scratch("cuda");
    let o = run(
        "ch1_ex1_iterates",
        &[
            "--quick",
            "--device",
            "cuda",
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
        Duration::from_secs(60),
    );
    assert_eq!(o.status, Some(1), "{}", o.stderr);
    assert!(
        o.stderr.contains("no CUDA GPU") && o.stderr.contains("--device cpu"),
        "{}",
        o.stderr
    );
    assert!(!o.stderr.contains("panicked"), "{}", o.stderr);
    assert!(snapshot(&out).is_empty() && !out.exists());
}
