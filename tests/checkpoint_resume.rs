//! Checkpoints a user can trust: for every optimizer variant of the registry, train N
//! steps under a one-cycle schedule (momentum cycled where the optimizer takes it) and a
//! plateau scheduler, save, then load and train M more steps in a *fresh process*; the
//! result equals N + M uninterrupted steps bit for bit: model, optimizer state and plateau
//! state. A control shows the comparison can fail: resuming with a fresh optimizer differs.
//! Bad checkpoints (wrong kind, wrong shapes, truncated, corrupt, another version, missing)
//! give an error that says what was wrong.
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::Command;

use lrbook::checkpoint::Checkpoint;
use lrbook::optim::{
    GradientDescent, Optimizer, OptimizerSpec, OptimizerState, Rule, StateValue, TorchArgs, Variant,
};
use lrbook::schedule::{
    LrSchedule, OneCycleConfig, OneCycleLr, PlateauConfig, ReduceLrOnPlateau, ThresholdMode,
};
use serde_json::json;
use tch::nn::{self, Module, OptimizerConfig};
use tch::{Device, Kind, Tensor};

mod common;

/// Steps before the interruption, and after it.
const N: usize = 13;
const M: usize = 11;
const BATCH: i64 = 6;
/// Set to the folder of checkpoints, the hidden test below resumes them (the child process).
const CHILD_ENV: &str = "LRBOOK_CHECKPOINT_RESUME_DIR";
/// Evaluate the plateau scheduler every this many steps.
const EVAL_EVERY: usize = 2;

/// One optimizer per variant, with options that exercise its state (weight decay,
/// dampening, centering, a starting accumulator, decoupled decay).
fn specs() -> Vec<(Variant, OptimizerSpec)> {
    [
        ("SGD", json!({"lr": 0.2, "weight_decay": 1e-3})),
        ("SGD", json!({"lr": 0.1, "momentum": 0.9, "dampening": 0.1})),
        ("SGD", json!({"lr": 0.1, "momentum": 0.9, "nesterov": true})),
        (
            "Adagrad",
            json!({"lr": 0.05, "lr_decay": 1e-2, "initial_accumulator_value": 0.1}),
        ),
        ("RMSprop", json!({"lr": 0.01, "weight_decay": 1e-3})),
        (
            "RMSprop",
            json!({"lr": 0.01, "centered": true, "momentum": 0.5}),
        ),
        ("Adam", json!({"lr": 0.02})),
        ("Adam", json!({"lr": 0.02, "amsgrad": true})),
        ("AdamW", json!({"lr": 0.02, "weight_decay": 0.05})),
        ("Adamax", json!({"lr": 0.02})),
        (
            "NAdam",
            json!({"lr": 0.02, "weight_decay": 0.01, "decoupled_weight_decay": true}),
        ),
        ("RAdam", json!({"lr": 0.02})),
        (
            "Lars",
            json!({"lr": 0.5, "weight_decay": 1e-3, "momentum": 0.9, "trust_coeff": 0.02}),
        ),
        ("Lamb", json!({"lr": 0.02, "trust_clip": true})),
    ]
    .into_iter()
    .map(|(class, kwargs)| {
        let spec = OptimizerSpec::from_json(class, &kwargs).unwrap();
        (spec.variant(), spec)
    })
    .collect()
}

/// A training run: a small seeded MLP on a deterministic stream of batches, one-cycle
/// schedule times the plateau scheduler's factor.
struct Run {
    vs: nn::VarStore,
    model: nn::Sequential,
    opt: Box<dyn Optimizer>,
    schedule: OneCycleLr,
    plateau: ReduceLrOnPlateau,
    cycle_momentum: bool,
}

impl Run {
    fn new(spec: &OptimizerSpec, seed: i64) -> Run {
        tch::manual_seed(seed);
        let vs = nn::VarStore::new(Device::Cpu);
        let root = vs.root();
        let model = nn::seq()
            .add(nn::linear(&root / "l1", 4, 8, Default::default()))
            .add_fn(|x| x.tanh())
            .add(nn::linear(&root / "l2", 8, 3, Default::default()));
        // Trainable but never in the loss: no gradient, so SGD never creates its buffer.
        let _unused = root.zeros("unused", &[2]);
        let mut opt = spec.build(vs.trainable_variables()).unwrap();
        let schedule = OneCycleLr::new(spec.lr(), N + M, OneCycleConfig::default()).unwrap();
        let has_momentum = !matches!(
            spec.variant(),
            Variant::Sgd | Variant::Adagrad | Variant::RmsProp
        );
        // NAdam and RAdam may not take a momentum yet: then the schedule drives the LR only.
        let m0 = schedule.momentum(0).unwrap();
        let cycle_momentum = has_momentum && opt.set_momentum(m0).is_ok();
        let plateau_config = PlateauConfig {
            factor: 0.5,
            patience: 1,
            threshold: 0.05,
            threshold_mode: ThresholdMode::Rel,
            cooldown: 1,
            ..PlateauConfig::default()
        };
        let plateau = ReduceLrOnPlateau::new(1.0, plateau_config).unwrap();
        Run {
            vs,
            model,
            opt,
            schedule,
            plateau,
            cycle_momentum,
        }
    }

    /// Steps `steps` of the run; batch `k` depends on `k` only.
    fn train(&mut self, steps: Range<usize>) {
        for k in steps {
            let x = (Tensor::arange(BATCH * 4, (Kind::Float, Device::Cpu)).view([BATCH, 4]) * 0.37
                + k as f64 * 0.61)
                .sin();
            let y = (Tensor::arange(BATCH, (Kind::Int64, Device::Cpu)) + k as i64).remainder(3);
            if self.cycle_momentum {
                let m = self.schedule.momentum(k).unwrap();
                self.opt.set_momentum(m).unwrap();
            }
            let lr = self.schedule.try_lr(k).unwrap() * self.plateau.lr();
            self.opt.zero_grad();
            let loss = self.model.forward(&x).cross_entropy_for_logits(&y);
            loss.backward();
            self.opt.step(lr).unwrap();
            if (k + 1) % EVAL_EVERY == 0 {
                self.plateau.step(loss.double_value(&[]));
            }
        }
    }

    fn checkpoint(&self, step: usize) -> Checkpoint {
        Checkpoint::new(step, &self.vs, &*self.opt)
            .unwrap()
            .with_plateau(&self.plateau)
    }
}

fn bytes(t: &Tensor) -> Vec<u8> {
    let t = t.contiguous();
    let mut out = vec![0u8; t.numel() * t.kind().elt_size_in_bytes()];
    t.copy_data_u8(&mut out, t.numel());
    out
}

/// Every bit of a checkpoint's model and optimizer state, and its plateau scheduler.
fn fingerprint(c: &Checkpoint) -> (Vec<(String, Vec<u8>)>, String) {
    let mut out: Vec<(String, Vec<u8>)> = c
        .model()
        .iter()
        .map(|(n, t)| (format!("model/{n}"), bytes(t)))
        .collect();
    let o = &c.optimizer;
    for name in [
        "momentum_buffer",
        "sum",
        "square_avg",
        "grad_avg",
        "exp_avg",
        "exp_avg_sq",
    ]
    .into_iter()
    .chain(["max_exp_avg_sq", "exp_inf"])
    {
        for (i, t) in o.buffer(name).unwrap_or(&[]).iter().enumerate() {
            let b = t.as_ref().map(bytes).unwrap_or_default();
            out.push((format!("{name}/{i}"), b));
        }
    }
    let values = ["steps", "mu_product", "beta1", "momentum"].map(|n| match o.value(n) {
        Some(StateValue::F64(x)) => format!("{n}={:x}", x.to_bits()),
        v => format!("{n}={v:?}"),
    });
    let p = c.plateau.as_ref().unwrap().state();
    let plateau = format!(
        "{values:?} lr={:x} best={:x} bad={} cooldown={}",
        p.lr.to_bits(),
        p.best.to_bits(),
        p.num_bad_steps,
        p.cooldown_counter
    );
    (out, plateau)
}

fn file_name(variant: Variant) -> String {
    variant.name().replace([',', ' '], "_")
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lrbook-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn resuming_in_a_fresh_process_equals_uninterrupted_training_bit_for_bit() {
    // Skipped while nothing it depends on has changed since it passed.
    let Some(pass) = common::kept::unless_passed(concat!(
        file!(),
        "::resuming_in_a_fresh_process_equals_uninterrupted_training_bit_for_bit"
    )) else {
        return;
    };
    let _rng = common::cpu_single_thread();
    let dir = scratch_dir("resume");
    let variants: Vec<Variant> = specs().iter().map(|(v, _)| *v).collect();
    assert_eq!(
        variants,
        Variant::ALL,
        "every variant of the registry, once"
    );
    let mut expected = Vec::new();
    for (variant, spec) in specs() {
        let mut straight = Run::new(&spec, 1);
        straight.train(0..N + M);
        let full = straight.checkpoint(N + M);
        assert!(
            straight.plateau.lr() < 1.0,
            "{variant:?}: the plateau never cut"
        );

        let mut first = Run::new(&spec, 1);
        first.train(0..N);
        let saved = first.checkpoint(N);
        saved
            .save(dir.join(format!("{}.safetensors", file_name(variant))))
            .unwrap();

        // Control: the same model and plateau, but a fresh optimizer, ends elsewhere.
        let mut control = Run::new(&spec, 1);
        let fresh_state = control.opt.save_state().unwrap();
        saved.restore(&control.vs, &mut *control.opt).unwrap();
        control.opt.load_state(&fresh_state).unwrap();
        control.plateau = saved.plateau.clone().unwrap();
        control.train(N..N + M);
        let differs = fingerprint(&control.checkpoint(N + M)).0 != fingerprint(&full).0;
        assert_eq!(differs, variant != Variant::Sgd, "{variant:?}: the control");
        println!(
            "{}: momentum cycled: {}",
            variant.name(),
            straight.cycle_momentum
        );
        expected.push((variant, fingerprint(&full)));
    }

    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_resumes_the_checkpoints",
            "--ignored",
            "--nocapture",
        ])
        .env(CHILD_ENV, &dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the child process failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let child_pid = std::fs::read_to_string(dir.join("pid")).unwrap();
    assert_ne!(child_pid, std::process::id().to_string());
    for (variant, want) in expected {
        let path = dir.join(format!("{}.final.safetensors", file_name(variant)));
        let resumed = Checkpoint::load(path).unwrap();
        assert_eq!(resumed.step, N + M);
        let got = fingerprint(&resumed);
        assert_eq!(got.1, want.1, "{variant:?}: scalars and plateau");
        assert_eq!(got.0.len(), want.0.len(), "{variant:?}");
        for (g, w) in got.0.iter().zip(&want.0) {
            assert!(g == w, "{variant:?}: {} differs after the resume", w.0);
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
    pass.keep();
}

/// The second half of the test above, run by it in a fresh process.
#[test]
#[ignore = "run by resuming_in_a_fresh_process_equals_uninterrupted_training_bit_for_bit"]
fn child_resumes_the_checkpoints() {
    let dir = PathBuf::from(std::env::var(CHILD_ENV).expect("run by the resume test"));
    let _rng = common::cpu_single_thread();
    for (variant, spec) in specs() {
        let path = dir.join(format!("{}.safetensors", file_name(variant)));
        let checkpoint = Checkpoint::load(&path).unwrap();
        let mut run = Run::new(&spec, 999); // other initial weights: the restore must replace them
        checkpoint.restore(&run.vs, &mut *run.opt).unwrap();
        run.plateau = checkpoint.plateau.clone().unwrap();
        run.train(checkpoint.step..N + M);
        let out = dir.join(format!("{}.final.safetensors", file_name(variant)));
        run.checkpoint(N + M).save(out).unwrap();
    }
    std::fs::write(dir.join("pid"), std::process::id().to_string()).unwrap();
}

#[test]
fn a_plateau_run_continues_exactly_after_a_reload() {
    let config = PlateauConfig {
        factor: 0.5,
        patience: 2,
        cooldown: 1,
        ..PlateauConfig::default()
    };
    // Improving, then flat with noise; 0.9251287335186839 becomes the best metric and is
    // one that serde_json's default parser would read an ulp off.
    let metric = |k: usize| match k {
        0..=5 => 2.0 - k as f64 * 0.2,
        6 => 0.9251287335186839,
        _ => 0.93 + ((k * 7) % 5) as f64 * 1e-3,
    };
    let mut straight = ReduceLrOnPlateau::new(0.1, config).unwrap();
    let lrs: Vec<f64> = (0..40).map(|k| straight.step(metric(k))).collect();
    assert!(lrs[39] < 0.1 / 8.0, "{lrs:?}"); // it cut several times

    let dir = scratch_dir("plateau");
    let vs = nn::VarStore::new(Device::Cpu);
    let opt = GradientDescent::new(vs.trainable_variables());
    let mut first = ReduceLrOnPlateau::new(0.1, config).unwrap();
    let mut resumed_lrs: Vec<f64> = (0..17).map(|k| first.step(metric(k))).collect();
    let path = dir.join("plateau.safetensors");
    Checkpoint::new(17, &vs, &opt)
        .unwrap()
        .with_plateau(&first)
        .save(&path)
        .unwrap();
    let mut resumed = Checkpoint::load(&path).unwrap().plateau.unwrap();
    assert_eq!(
        resumed.state().best.to_bits(),
        0.9251287335186839f64.to_bits()
    );
    assert_eq!(resumed, first);
    resumed_lrs.extend((17..40).map(|k| resumed.step(metric(k))));
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&resumed_lrs), bits(&lrs));
    assert_eq!(resumed, straight);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A saved Adam run over the MLP (hidden width 8), its path, and the file's bytes.
fn saved_adam(dir: &Path) -> (PathBuf, Vec<u8>) {
    let spec = specs()[6].1;
    assert_eq!(spec.variant(), Variant::Adam);
    let mut run = Run::new(&spec, 1);
    run.train(0..3);
    let path = dir.join("adam.safetensors");
    run.checkpoint(3).save(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    (path, bytes)
}

fn load_err(path: &Path) -> String {
    Checkpoint::load(path).unwrap_err().to_string()
}

#[test]
fn a_wrong_kind_or_wrong_shapes_are_refused_and_nothing_changes() {
    let _rng = common::cpu_single_thread();
    let dir = scratch_dir("mismatch");
    let (path, _) = saved_adam(&dir);
    let checkpoint = Checkpoint::load(&path).unwrap();
    assert_eq!(checkpoint.optimizer.kind(), "Adam");

    let mut rmsprop = Run::new(&OptimizerSpec::from(Rule::RmsProp), 5);
    let before: Vec<Vec<u8>> = rmsprop.vs.trainable_variables().iter().map(bytes).collect();
    let e = checkpoint
        .restore(&rmsprop.vs, &mut *rmsprop.opt)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("invalid optimizer checkpoint: it holds the state of Adam, but this optimizer is RMSprop")
            && e.contains("same torch.optim class and options"),
        "{e}"
    );
    let after: Vec<Vec<u8>> = rmsprop.vs.trainable_variables().iter().map(bytes).collect();
    assert_eq!(before, after, "a refused restore changed the model");

    let amsgrad = Rule::Adam.with(TorchArgs {
        amsgrad: true,
        ..TorchArgs::default()
    });
    let mut run = Run::new(&amsgrad, 5);
    let e = checkpoint
        .restore(&run.vs, &mut *run.opt)
        .unwrap_err()
        .to_string();
    assert!(e.contains("but this optimizer is Adam (amsgrad)"), "{e}");

    // A wider hidden layer: the model's shapes differ.
    let vs = nn::VarStore::new(Device::Cpu);
    let _ = nn::linear(vs.root() / "l1", 4, 16, Default::default());
    let _ = nn::linear(vs.root() / "l2", 16, 3, Default::default());
    let _ = vs.root().zeros("unused", &[2]);
    let mut opt = OptimizerSpec::from(Rule::Adam)
        .build(vs.trainable_variables())
        .unwrap();
    let e = checkpoint.restore(&vs, &mut *opt).unwrap_err().to_string();
    assert!(
        e.contains("variable l1.bias is [8] Float in the checkpoint but [16] Float here")
            && e.contains("Build the same model"),
        "{e}"
    );
    // The same model, but the optimizer over two of its five tensors.
    let run = Run::new(&OptimizerSpec::from(Rule::Adam), 5);
    let mut opt = OptimizerSpec::from(Rule::Adam)
        .build(run.vs.trainable_variables().into_iter().take(2).collect())
        .unwrap();
    let e = checkpoint
        .restore(&run.vs, &mut *opt)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("state for 5 parameter tensors, but this optimizer has 2"),
        "{e}"
    );
    // A missing variable.
    let vs = nn::VarStore::new(Device::Cpu);
    let _ = nn::linear(vs.root() / "l1", 4, 8, Default::default());
    let e = checkpoint.restore(&vs, &mut *opt).unwrap_err().to_string();
    assert!(
        e.contains("this VarStore has [\"l1.bias\", \"l1.weight\"]"),
        "{e}"
    );
    // tch's own optimizer keeps its state inside libtorch.
    let tch_opt = nn::Adam::default().build(&run.vs, 1e-3).unwrap();
    let e = Checkpoint::new(0, &run.vs, &tch_opt)
        .unwrap_err()
        .to_string();
    assert!(e.contains("does not expose its state"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn truncated_corrupt_foreign_and_missing_files_are_refused() {
    let _rng = common::cpu_single_thread();
    let dir = scratch_dir("corrupt");
    let (path, good) = saved_adam(&dir);
    let bad = dir.join("bad.safetensors");
    let write = |bytes: &[u8]| std::fs::write(&bad, bytes).unwrap();

    for len in [0, 5, 100, good.len() / 2, good.len() - 1] {
        write(&good[..len]);
        let e = load_err(&bad);
        assert!(
            e.contains("the file is truncated") && e.contains("bad.safetensors"),
            "{len}: {e}"
        );
        assert!(e.contains("Use a complete checkpoint"), "{e}");
    }
    let mut flipped = good.clone();
    *flipped.last_mut().unwrap() ^= 0x40;
    write(&flipped);
    assert!(load_err(&bad).contains("its CRC-32 does not match its contents"));

    let header = "\\\"version\\\":1";
    let at = good
        .windows(header.len())
        .position(|w| w == header.as_bytes())
        .unwrap();
    let mut newer = good.clone();
    newer[at + header.len() - 1] = b'2';
    write(&newer);
    let e = load_err(&bad);
    assert!(
        e.contains("format version 2, but this lrbook reads version 1"),
        "{e}"
    );

    write(b"definitely not a checkpoint, just some text that is long enough");
    assert!(load_err(&bad).contains("not a valid safetensors file"));

    let run = Run::new(&OptimizerSpec::from(Rule::Adam), 1);
    run.vs.save(&bad).unwrap(); // tch's own safetensors file, without our header
    let e = load_err(&bad);
    assert!(
        e.contains("not an lrbook checkpoint") && e.contains("VarStore::load"),
        "{e}"
    );

    let e = load_err(&dir.join("missing.safetensors"));
    assert!(
        e.contains("cannot read") && e.contains("missing.safetensors"),
        "{e}"
    );
    assert!(Checkpoint::load(&path).is_ok());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_state_survives_with_exact_scalars() {
    // NAdam's product of momenta after a few steps: every bit must come back.
    let _rng = common::cpu_single_thread();
    let dir = scratch_dir("scalars");
    let spec = specs()[10].1;
    let mut run = Run::new(&spec, 1);
    run.train(0..5);
    let before: OptimizerState = run.opt.save_state().unwrap();
    let path = dir.join("nadam.safetensors");
    run.checkpoint(5).save(&path).unwrap();
    let after = Checkpoint::load(&path).unwrap().optimizer;
    for name in [
        "mu_product",
        "beta1",
        "beta2",
        "eps",
        "weight_decay",
        "momentum_decay",
        "steps",
    ] {
        assert_eq!(after.value(name), before.value(name), "{name}");
    }
    let Some(StateValue::F64(mu)) = after.value("mu_product") else {
        panic!("no mu_product")
    };
    assert!(mu > 0.0 && mu < 1.0);
    assert_eq!(after.flags(), ["decoupled_weight_decay"]);
    std::fs::remove_dir_all(&dir).unwrap();
}
