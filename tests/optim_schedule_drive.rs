//! One `schedule::apply` drives lrbook's optimizers and tch's `nn::Optimizer` alike, the
//! momentum included, as PyTorch's `OneCycleLR` and `CyclicLR` drive `torch.optim`: checked
//! against trajectories recorded from torch 2.13 (tests/fixtures/optimizers_momentum.json,
//! written by scripts/reference/optimizers_momentum.py). Every step's LR and momentum must
//! agree to 1e-12 relative and the weights to 1e-10 (normwise) in f64.
use std::collections::BTreeSet;

use lrbook::optim::fixture::{max_or_nan, Problem};
use lrbook::optim::{Adagrad, AdagradConfig, Adam, AdamConfig, Optimizer, OptimizerSpec, Variant};
use lrbook::schedule::{
    apply, AnnealStrategy, CyclicConfig, CyclicLr, CyclicMode, LrSchedule, OneCycleConfig,
    OneCycleLr,
};
use serde_json::Value;
use tch::nn::{self, OptimizerConfig};
use tch::{Device, Kind, Tensor};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/optimizers_momentum.json"
);
/// Weights, normwise relative, as tests/optim_conformance.rs.
const REL: f64 = 1e-10;
/// The schedule's LR and momentum, as tests/schedule_conformance.rs.
const SCHEDULE_REL: f64 = 1e-12;

fn fixture() -> Value {
    serde_json::from_str(&std::fs::read_to_string(FIXTURE).expect("fixture")).expect("json")
}

fn numbers(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("a list")
        .iter()
        .map(|x| x.as_f64().expect("a number"))
        .collect()
}

fn matrix(v: &Value) -> Vec<Vec<f64>> {
    v.as_array().expect("a list").iter().map(numbers).collect()
}

/// A VarStore holding the problem's initial weights in f64, for tch's optimizers.
fn var_store(problem: &Problem) -> (nn::VarStore, Tensor, Tensor) {
    let mut vs = nn::VarStore::new(Device::Cpu);
    let _ = vs.root().var_copy("w", &problem.w0);
    let _ = vs.root().var_copy("b", &problem.b0);
    vs.set_kind(Kind::Double); // var_copy made f32 variables; back to the f64 values
    let vars = vs.variables();
    let (w, b) = (vars["w"].shallow_clone(), vars["b"].shallow_clone());
    tch::no_grad(|| {
        w.shallow_clone().copy_(&problem.w0);
        b.shallow_clone().copy_(&problem.b0);
    });
    (vs, w, b)
}

/// The case's scheduler, built as PyTorch's with `cycle_momentum=True` (absent keys take
/// PyTorch's defaults).
fn schedule_of(s: &Value) -> Box<dyn LrSchedule> {
    let num = |k: &str, default: f64| s[k].as_f64().unwrap_or(default);
    let count = |k: &str| s[k].as_u64().map(|n| n as usize);
    match s["kind"].as_str().expect("a kind") {
        "one_cycle" => {
            let d = OneCycleConfig::default();
            let config = OneCycleConfig {
                pct_start: num("pct_start", d.pct_start),
                anneal_strategy: match s["anneal_strategy"].as_str() {
                    Some("linear") => AnnealStrategy::Linear,
                    None | Some("cos") => AnnealStrategy::Cos,
                    Some(other) => panic!("anneal strategy {other}"),
                },
                div_factor: num("div_factor", d.div_factor),
                final_div_factor: num("final_div_factor", d.final_div_factor),
                three_phase: s["three_phase"].as_bool().unwrap_or(false),
                cycle_momentum: true,
                base_momentum: num("base_momentum", d.base_momentum),
                max_momentum: num("max_momentum", d.max_momentum),
            };
            let total = count("total_steps").expect("total_steps");
            Box::new(OneCycleLr::new(num("max_lr", f64::NAN), total, config).unwrap())
        }
        "cyclic" => {
            let d = CyclicConfig::default();
            let config = CyclicConfig {
                step_size_down: count("step_size_down"),
                mode: match s["mode"].as_str() {
                    None | Some("triangular") => CyclicMode::Triangular,
                    Some("triangular2") => CyclicMode::Triangular2,
                    Some(other) => panic!("mode {other}"),
                },
                gamma: 1.0,
                cycle_momentum: true,
                base_momentum: num("base_momentum", d.base_momentum),
                max_momentum: num("max_momentum", d.max_momentum),
            };
            let up = count("step_size_up").expect("step_size_up");
            Box::new(
                CyclicLr::new(
                    num("base_lr", f64::NAN),
                    num("max_lr", f64::NAN),
                    up,
                    config,
                )
                .unwrap(),
            )
        }
        other => panic!("schedule kind {other}"),
    }
}

/// What one driven run gave: each step's LR (from `apply`) and the weights after it.
struct Run {
    lrs: Vec<f64>,
    momenta: Vec<Option<f64>>,
    trajectory: Vec<Vec<f64>>,
}

/// The fixture case's steps under its schedule: `apply` sets each step's LR and momentum,
/// then `take_step` steps `opt` (the trait's `step(lr)`, or tch's own `step()` at the LR
/// `apply` set).
fn drive<O: Optimizer + ?Sized>(
    problem: &Problem,
    (w, b): (&Tensor, &Tensor),
    opt: &mut O,
    case: &Value,
    take_step: fn(&mut O, f64),
) -> Run {
    let schedule = schedule_of(&case["schedule"]);
    let steps = case["trajectory"].as_array().expect("a trajectory").len();
    let mut run = Run {
        lrs: Vec::new(),
        momenta: Vec::new(),
        trajectory: Vec::new(),
    };
    for k in 0..steps {
        let lr = apply(schedule.as_ref(), opt, k).unwrap();
        run.lrs.push(lr);
        run.momenta.push(opt.momentum());
        opt.zero_grad();
        problem.loss(w, b).backward();
        take_step(opt, lr);
        let flat = Tensor::cat(&[w.detach().flatten(0, -1), b.detach()], 0);
        run.trajectory.push(Vec::<f64>::try_from(&flat).unwrap());
    }
    run
}

fn relative(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(f64::MIN_POSITIVE)
}

/// Largest normwise relative gap over the steps, `max_k ‖θ_k − θ_k^torch‖_∞ / ‖θ_k^torch‖_∞`.
fn worst_normwise(ours: &[Vec<f64>], torch: &[Vec<f64>]) -> f64 {
    assert_eq!(ours.len(), torch.len());
    ours.iter().zip(torch).fold(0.0, |worst, (o, t)| {
        let gap = o
            .iter()
            .zip(t)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, max_or_nan);
        let scale = t.iter().map(|x| x.abs()).fold(0.0, f64::max);
        max_or_nan(worst, gap / scale)
    })
}

/// The deviations of `run` from the case's recorded LRs and trajectory, as failure lines;
/// `momenta` too when the optimizer reports its momentum.
fn compare(name: &str, run: &Run, case: &Value, check_momenta: bool) -> (f64, Vec<String>) {
    let mut failures = Vec::new();
    let lr_gap = run
        .lrs
        .iter()
        .zip(numbers(&case["lrs"]))
        .map(|(a, b)| relative(*a, b))
        .fold(0.0, max_or_nan);
    if lr_gap.is_nan() || lr_gap > SCHEDULE_REL {
        failures.push(format!("{name}: learning rates off by {lr_gap:e} relative"));
    }
    if check_momenta {
        for (k, (ours, torch)) in run
            .momenta
            .iter()
            .zip(numbers(&case["momenta"]))
            .enumerate()
        {
            if !ours.is_some_and(|m| relative(m, torch) <= SCHEDULE_REL) {
                failures.push(format!(
                    "{name}: step {k} used momentum {ours:?}, torch {torch}"
                ));
                break;
            }
        }
    }
    let worst = worst_normwise(&run.trajectory, &matrix(&case["trajectory"]));
    if worst.is_nan() || worst > REL {
        failures.push(format!(
            "{name}: weights off by {worst:e} (normwise relative)"
        ));
    }
    (worst, failures)
}

fn describe(case: &Value) -> String {
    format!(
        "{} {} under {}",
        case["rule"], case["params"], case["schedule"]
    )
}

#[test]
fn every_rule_with_a_momentum_follows_a_cycling_schedule_as_torch_optim_does() {
    let f = fixture();
    assert!(f["torch_version"].as_str().unwrap().starts_with("2.13"));
    let problem = Problem::from_json(&f).unwrap();
    let cases = f["cases"].as_array().unwrap();
    let mut failures = Vec::new();
    let mut covered = BTreeSet::new();
    let mut worst_of_all: f64 = 0.0;
    for case in cases {
        let spec =
            OptimizerSpec::from_json(case["rule"].as_str().unwrap(), &case["params"]).unwrap();
        covered.insert(spec.variant());
        let (w, b) = problem.weights();
        let mut opt = spec
            .build(vec![w.shallow_clone(), b.shallow_clone()])
            .unwrap();
        let run = drive(&problem, (&w, &b), opt.as_mut(), case, |o, lr| {
            o.step(lr).unwrap()
        });
        let (worst, bad) = compare(&describe(case), &run, case, true);
        worst_of_all = max_or_nan(worst_of_all, worst);
        failures.extend(bad);
    }
    eprintln!(
        "{} cases; worst normwise relative deviation {worst_of_all:e}",
        cases.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // All eleven torch.optim variants with a momentum (AdaGrad has none; see the next
    // test). LARS and LAMB are timm's, not torch.optim's: tests/optim_large_batch.rs.
    let expected: BTreeSet<Variant> = Variant::ALL
        .into_iter()
        .filter(|v| !matches!(v, Variant::Adagrad | Variant::Lars | Variant::Lamb))
        .collect();
    assert_eq!(covered, expected);
    assert_eq!(expected.len(), 11);
}

/// tch's built-in optimizers, driven by the same `apply` and stepped with tch's own
/// zero-argument `step()`, so that the LR `apply` set is the one used.
#[test]
fn tchs_optimizers_follow_the_same_schedules_through_the_same_apply() {
    let f = fixture();
    let problem = Problem::from_json(&f).unwrap();
    let mut failures = Vec::new();
    let mut driven = 0;
    let mut worst_of_all: f64 = 0.0;
    for case in f["cases"].as_array().unwrap() {
        let p = &case["params"];
        let num = |k: &str, default: f64| p[k].as_f64().unwrap_or(default);
        let flag = |k: &str| p[k].as_bool().unwrap_or(false);
        let betas = p["betas"].as_array().map_or((0.9, 0.999), |b| {
            (b[0].as_f64().unwrap(), b[1].as_f64().unwrap())
        });
        let (vs, w, b) = var_store(&problem);
        // The initial LR is irrelevant: `apply` sets every step's.
        let mut opt = match case["rule"].as_str().unwrap() {
            "sgd" => nn::Sgd {
                momentum: num("momentum", 0.0),
                dampening: num("dampening", 0.0),
                wd: num("weight_decay", 0.0),
                nesterov: flag("nesterov"),
            }
            .build(&vs, 1.0),
            "rmsprop" => nn::RmsProp {
                alpha: num("alpha", 0.99),
                eps: num("eps", 1e-8),
                wd: num("weight_decay", 0.0),
                momentum: num("momentum", 0.0),
                centered: flag("centered"),
            }
            .build(&vs, 1.0),
            "adam" if !flag("decoupled_weight_decay") => nn::adam(betas.0, betas.1, 0.0)
                .wd(num("weight_decay", 0.0))
                .eps(num("eps", 1e-8))
                .amsgrad(flag("amsgrad"))
                .build(&vs, 1.0),
            // AdamW, or Adam with decoupled_weight_decay (whose weight decay defaults to 0).
            rule @ ("adam" | "adamw") => nn::adamw(betas.0, betas.1, 0.0)
                .wd(num(
                    "weight_decay",
                    if rule == "adamw" { 0.01 } else { 0.0 },
                ))
                .eps(num("eps", 1e-8))
                .amsgrad(flag("amsgrad"))
                .build(&vs, 1.0),
            _ => continue, // tch has no Adamax, NAdam or RAdam
        }
        .unwrap();
        let run = drive(
            &problem,
            (&w, &b),
            &mut opt,
            case,
            |o, _| o.step(), // tch's own step, at the LR `apply` set
        );
        // tch's optimizer does not report its momentum; the trajectory shows it was set.
        let (worst, bad) = compare(&format!("tch {}", describe(case)), &run, case, false);
        worst_of_all = max_or_nan(worst_of_all, worst);
        failures.extend(bad);
        driven += 1;
    }
    eprintln!(
        "{driven} cases on tch's optimizers; worst normwise relative deviation {worst_of_all:e}"
    );
    assert!(driven >= 14, "only {driven} cases have a tch optimizer");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn adagrad_is_refused_as_pytorch_refuses_it_with_what_to_do() {
    let f = fixture();
    let refused = f["refused"].as_array().unwrap();
    assert_eq!(refused.len(), 2);
    for case in refused {
        assert_eq!(case["rule"], "adagrad");
        // PyTorch raises at the scheduler's construction.
        let torch = case["error"].as_str().unwrap();
        assert!(torch.contains("must support momentum or beta1"), "{torch}");
        let schedule = schedule_of(&case["schedule"]);
        let w = Tensor::from_slice(&[1.0f64, -2.0]).set_requires_grad(true);
        let mut opt = Adagrad::new(vec![w.shallow_clone()], AdagradConfig::default()).unwrap();
        let e = apply(schedule.as_ref(), &mut opt, 0)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("AdaGrad has no momentum") && e.contains("cycle_momentum: false"),
            "{e}"
        );
        assert_eq!(opt.momentum(), None);
    }
    // With the cycling off, the same schedule drives AdaGrad's learning rate.
    let schedule = OneCycleLr::new(
        0.1,
        50,
        OneCycleConfig {
            cycle_momentum: false,
            ..OneCycleConfig::default()
        },
    )
    .unwrap();
    let mut opt = Adagrad::new(
        vec![Tensor::ones([2], (Kind::Double, Device::Cpu))],
        AdagradConfig::default(),
    )
    .unwrap();
    assert_eq!(apply(&schedule, &mut opt, 10).unwrap(), schedule.lr(10));
}

#[test]
fn a_refused_step_leaves_the_optimizer_as_it_was() {
    let w = Tensor::from_slice(&[1.0f64, -2.0]).set_requires_grad(true);
    let mut adam = Adam::new(vec![w.shallow_clone()], AdamConfig::default()).unwrap();
    // A momentum of 1 is a valid schedule setting, but β₁ = 1 would divide by 1 − β₁ᵗ = 0.
    let to_one = OneCycleLr::new(
        0.1,
        10,
        OneCycleConfig {
            max_momentum: 1.0,
            ..OneCycleConfig::default()
        },
    )
    .unwrap();
    let e = apply(&to_one, &mut adam, 0).unwrap_err().to_string();
    assert!(e.contains("beta1") && e.contains("[0, 1)"), "{e}");
    assert_eq!(adam.momentum(), Some(0.9));
    // Past the end of a one-cycle schedule, as PyTorch's OneCycleLR raises.
    let schedule = OneCycleLr::new(0.1, 10, OneCycleConfig::default()).unwrap();
    assert!(apply(&schedule, &mut adam, 11).is_err());
    assert_eq!(adam.momentum(), Some(0.9));
    apply(&schedule, &mut adam, 10).unwrap();
    assert_eq!(adam.momentum(), schedule.momentum(10));
}
