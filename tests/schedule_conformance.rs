//! Every `lrbook::schedule` schedule with a PyTorch counterpart, checked value by value
//! against `tests/fixtures/schedules.json`, recorded from torch 2.13 by
//! `scripts/reference/schedules.py` (no Python needed here).
//!
//! Tolerance: `|ours − torch| <= max(1e-12 · |torch|, 1e-15)`. PyTorch's chainable
//! schedulers compute the LR recursively (`lr *= ratio`) while lrbook uses the closed form,
//! so the two round differently (by up to ~6e-14 relative over these 300-step runs). The
//! absolute floor of 1e-15 is for values that should be exactly 0 (PolynomialLR at its end,
//! LinearLR with end_factor 0), where the recursion leaves ~1e-17 instead of 0 and a
//! relative test is meaningless; 1e-15 is far below any LR anybody trains with.
use lrbook::schedule::*;
use serde_json::Value;

const REL: f64 = 1e-12;
const ABS: f64 = 1e-15;

thread_local! {
    /// The largest relative deviation seen (values above the absolute floor), for the log.
    static WORST: std::cell::Cell<f64> = const { std::cell::Cell::new(0.0) };
}

fn fixture() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/schedules.json");
    let text = std::fs::read_to_string(path).expect("tests/fixtures/schedules.json is committed");
    serde_json::from_str(&text).expect("the fixture is valid JSON")
}

fn f(p: &Value, key: &str) -> f64 {
    p[key]
        .as_f64()
        .unwrap_or_else(|| panic!("missing number {key} in {p}"))
}

fn u(p: &Value, key: &str) -> usize {
    p[key]
        .as_u64()
        .unwrap_or_else(|| panic!("missing integer {key} in {p}")) as usize
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// Builds a schedule from a fixture's parameters; `base_lr` comes from the case for parts.
fn build(kind: &str, p: &Value, base_lr: f64) -> Box<dyn LrSchedule> {
    let s: Box<dyn LrSchedule> = match kind {
        "step" => Box::new(StepLr::new(base_lr, u(p, "step_size"), f(p, "gamma")).unwrap()),
        "multistep" => {
            let ms = p["milestones"].as_array().unwrap();
            let ms = ms.iter().map(|m| m.as_u64().unwrap() as usize).collect();
            Box::new(MultiStepLr::new(base_lr, ms, f(p, "gamma")).unwrap())
        }
        "exponential" => Box::new(ExponentialLr::new(base_lr, f(p, "gamma")).unwrap()),
        "polynomial" => {
            Box::new(PolynomialLr::new(base_lr, u(p, "total_iters"), f(p, "power")).unwrap())
        }
        "linear" => Box::new(
            LinearLr::new(
                base_lr,
                f(p, "start_factor"),
                f(p, "end_factor"),
                u(p, "total_iters"),
            )
            .unwrap(),
        ),
        "cosine" => {
            Box::new(CosineAnnealingLr::new(base_lr, u(p, "t_max"), f(p, "eta_min")).unwrap())
        }
        "warm_restarts" => Box::new(
            CosineAnnealingWarmRestarts::new(base_lr, u(p, "t_0"), u(p, "t_mult"), f(p, "eta_min"))
                .unwrap(),
        ),
        "cyclic" => {
            let mode = match p["mode"].as_str().unwrap() {
                "triangular" => CyclicMode::Triangular,
                "triangular2" => CyclicMode::Triangular2,
                _ => CyclicMode::ExpRange,
            };
            let config = CyclicConfig {
                step_size_down: p["step_size_down"].as_u64().map(|d| d as usize),
                mode,
                gamma: f(p, "gamma"),
                cycle_momentum: p["cycle_momentum"].as_bool().unwrap(),
                base_momentum: f(p, "base_momentum"),
                max_momentum: f(p, "max_momentum"),
            };
            Box::new(CyclicLr::new(base_lr, f(p, "max_lr"), u(p, "step_size_up"), config).unwrap())
        }
        "one_cycle" => Box::new(one_cycle(p)),
        "sequential" => {
            let parts = p["parts"].as_array().unwrap();
            let parts = parts
                .iter()
                .map(|q| build(q["kind"].as_str().unwrap(), q, base_lr));
            let ms = p["milestones"].as_array().unwrap();
            let ms = ms.iter().map(|m| m.as_u64().unwrap() as usize).collect();
            Box::new(Sequential::new(parts.collect(), ms).unwrap())
        }
        "chained" => {
            let parts = p["parts"].as_array().unwrap();
            let parts = parts
                .iter()
                .map(|q| build(q["kind"].as_str().unwrap(), q, base_lr));
            Box::new(Chained::new(parts.collect()).unwrap())
        }
        other => panic!("unknown kind {other}"),
    };
    s
}

fn one_cycle(p: &Value) -> OneCycleLr {
    let config = OneCycleConfig {
        pct_start: f(p, "pct_start"),
        anneal_strategy: match p["anneal_strategy"].as_str().unwrap() {
            "cos" => AnnealStrategy::Cos,
            _ => AnnealStrategy::Linear,
        },
        div_factor: f(p, "div_factor"),
        final_div_factor: f(p, "final_div_factor"),
        three_phase: p["three_phase"].as_bool().unwrap(),
        cycle_momentum: p["cycle_momentum"].as_bool().unwrap(),
        base_momentum: f(p, "base_momentum"),
        max_momentum: f(p, "max_momentum"),
    };
    OneCycleLr::new(f(p, "max_lr"), u(p, "total_steps"), config).unwrap()
}

fn plateau(p: &Value) -> ReduceLrOnPlateau {
    let config = PlateauConfig {
        mode: match p["mode"].as_str().unwrap() {
            "min" => PlateauMode::Min,
            _ => PlateauMode::Max,
        },
        factor: f(p, "factor"),
        patience: u(p, "patience"),
        threshold: f(p, "threshold"),
        threshold_mode: match p["threshold_mode"].as_str().unwrap() {
            "rel" => ThresholdMode::Rel,
            _ => ThresholdMode::Abs,
        },
        cooldown: u(p, "cooldown"),
        min_lr: f(p, "min_lr"),
        eps: f(p, "eps"),
    };
    ReduceLrOnPlateau::new(f(p, "base_lr"), config).unwrap()
}

fn close(ours: f64, torch: f64) -> bool {
    (ours - torch).abs() <= (REL * torch.abs()).max(ABS)
}

/// Compares a whole sequence; returns a description of the first mismatch.
fn compare(what: &str, ours: &[f64], torch: &[f64]) -> Option<String> {
    assert_eq!(ours.len(), torch.len(), "{what}: length");
    for (&o, &t) in ours.iter().zip(torch) {
        if t.abs() > ABS {
            let rel = ((o - t) / t).abs();
            WORST.with(|w| w.set(w.get().max(rel)));
        }
    }
    ours.iter()
        .zip(torch)
        .enumerate()
        .find_map(|(k, (&o, &t))| {
            (!close(o, t)).then(|| format!("{what}: step {k}: ours {o:e}, torch {t:e}"))
        })
}

#[test]
fn every_schedule_matches_pytorch() {
    let fixture = fixture();
    assert!(fixture["torch_version"]
        .as_str()
        .unwrap()
        .starts_with("2.13"));
    let cases = fixture["cases"].as_array().unwrap();
    let (mut failures, mut values) = (Vec::new(), 0);
    let mut kinds = std::collections::BTreeMap::<String, usize>::new();
    for (i, case) in cases.iter().enumerate() {
        let kind = case["kind"].as_str().unwrap();
        *kinds.entry(kind.to_string()).or_default() += 1;
        let p = &case["params"];
        let torch_lrs = floats(&case["lrs"]);
        let mut shown = p.clone(); // the parameters, without the long metric list
        if let Some(o) = shown.as_object_mut() {
            o.remove("metrics");
        }
        let what = format!("case {i} ({kind} {shown})");
        values += torch_lrs.len();
        if kind == "plateau" {
            let mut s = plateau(p);
            let ours: Vec<f64> = floats(&p["metrics"]).iter().map(|&m| s.step(m)).collect();
            failures.extend(compare(&what, &ours, &torch_lrs));
            continue;
        }
        let base_lr = if kind == "one_cycle" {
            0.0
        } else {
            f(p, "base_lr")
        };
        let s = build(kind, p, base_lr);
        let steps = 0..torch_lrs.len();
        let ours: Vec<f64> = steps.clone().map(|k| s.try_lr(k).unwrap()).collect();
        let plain: Vec<f64> = steps.clone().map(|k| s.lr(k)).collect();
        assert_eq!(ours, plain, "{what}: lr and try_lr disagree");
        failures.extend(compare(&what, &ours, &torch_lrs));
        if let Some(moms) = case.get("momentums") {
            let torch_moms = floats(moms);
            values += torch_moms.len();
            let ours: Vec<f64> = steps.map(|k| s.momentum(k).unwrap()).collect();
            failures.extend(compare(&format!("{what} momentum"), &ours, &torch_moms));
        } else {
            assert!(s.momentum(0).is_none(), "{what}: unexpected momentum");
        }
        if kind == "one_cycle" {
            // PyTorch raises on this scheduler.step(); try_lr must fail at the same step.
            let raises_at = u(p, "raises_at_step");
            assert!(s.try_lr(raises_at - 1).is_ok(), "{what}");
            assert!(
                s.try_lr(raises_at).is_err(),
                "{what}: no error at {raises_at}"
            );
        }
    }
    let worst = WORST.with(|w| w.get());
    eprintln!(
        "{} cases, {values} values, worst relative deviation {worst:e}",
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Guard against a silently shrunken fixture.
    assert!(
        cases.len() >= 50 && values >= 15_000,
        "{} cases, {values} values",
        cases.len()
    );
    for kind in [
        "step",
        "multistep",
        "exponential",
        "polynomial",
        "linear",
        "cosine",
        "warm_restarts",
        "cyclic",
        "one_cycle",
        "plateau",
        "sequential",
        "chained",
    ] {
        assert!(
            kinds.get(kind).copied().unwrap_or(0) >= 2,
            "too few {kind} cases"
        );
    }
}

/// Linear warmup with the default start is PyTorch's `LinearLR(1/w, 1.0, w)`.
#[test]
fn linear_warmup_matches_pytorch_linear_lr() {
    let fixture = fixture();
    let mut checked = 0;
    for case in fixture["cases"].as_array().unwrap() {
        let p = &case["params"];
        if case["kind"] != "linear" || f(p, "end_factor") != 1.0 {
            continue;
        }
        let w = Warmup::linear(f(p, "base_lr"), u(p, "total_iters"))
            .unwrap()
            .with_start_factor(f(p, "start_factor"))
            .unwrap();
        let torch = floats(&case["lrs"]);
        let ours: Vec<f64> = (0..torch.len()).map(|k| w.lr(k)).collect();
        assert_eq!(compare("warmup", &ours, &torch), None);
        checked += 1;
    }
    assert!(checked >= 2);
}
