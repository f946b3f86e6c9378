//! LARS and LAMB against trajectories recorded from timm 1.0.15's `timm.optim.Lars` and
//! `timm.optim.Lamb` (tests/fixtures/optimizers_large_batch.json, written by
//! scripts/reference/optimizers_large_batch.py), to 1e-10 relative in f64; and
//! `lrbook::train::clip_grad_norm` against `torch.nn.utils.clip_grad_norm_` (same fixture),
//! to 1e-12.
use lrbook::optim::fixture::{max_or_nan, Problem};
use lrbook::optim::{Lamb, LambConfig, Lars, LarsConfig, Optimizer, OptimizerSpec};
use serde_json::Value;
use tch::Tensor;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/optimizers_large_batch.json"
);
const REL: f64 = 1e-10;

fn fixture() -> Value {
    serde_json::from_str(&std::fs::read_to_string(FIXTURE).expect("fixture")).expect("json")
}

fn number(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn flag(v: &Value) -> bool {
    v.as_bool().unwrap_or_else(|| panic!("not a flag: {v}"))
}

/// timm's keyword arguments as a [`LarsConfig`]; an unknown one fails the test.
fn lars_config(kwargs: &Value) -> LarsConfig {
    let mut c = LarsConfig::default();
    for (key, v) in kwargs.as_object().unwrap() {
        match key.as_str() {
            "momentum" => c.momentum = number(v),
            "dampening" => c.dampening = number(v),
            "weight_decay" => c.weight_decay = number(v),
            "nesterov" => c.nesterov = flag(v),
            "trust_coeff" => c.trust_coeff = number(v),
            "eps" => c.eps = number(v),
            "trust_clip" => c.trust_clip = flag(v),
            "always_adapt" => c.always_adapt = flag(v),
            _ => panic!("Lars argument {key} is not mapped"),
        }
    }
    c
}

/// timm's keyword arguments as a [`LambConfig`]; an unknown one fails the test.
fn lamb_config(kwargs: &Value) -> LambConfig {
    let mut c = LambConfig::default();
    for (key, v) in kwargs.as_object().unwrap() {
        match key.as_str() {
            "betas" => {
                let b = v.as_array().unwrap();
                c.betas = (number(&b[0]), number(&b[1]));
            }
            "eps" => c.eps = number(v),
            "weight_decay" => c.weight_decay = number(v),
            "bias_correction" => c.bias_correction = flag(v),
            "grad_averaging" => c.grad_averaging = flag(v),
            "max_grad_norm" => c.max_grad_norm = v.as_f64(),
            "trust_clip" => c.trust_clip = flag(v),
            "always_adapt" => c.always_adapt = flag(v),
            "decoupled_decay" => c.decoupled_decay = flag(v),
            _ => panic!("Lamb argument {key} is not mapped"),
        }
    }
    c
}

/// Replays one case, with the optimizer built from its config or through the registry
/// from timm's keyword arguments; returns the worst normwise relative deviation.
fn replay(problem: &Problem, case: &Value, via_registry: bool) -> f64 {
    let (w, b) = problem.weights();
    let params = vec![w.shallow_clone(), b.shallow_clone()];
    let rule = case["rule"].as_str().unwrap();
    let mut opt: Box<dyn Optimizer> = match rule {
        _ if via_registry => OptimizerSpec::from_json(rule, &case["params"])
            .unwrap()
            .build(params)
            .unwrap(),
        "lars" => Box::new(Lars::new(params, lars_config(&case["params"])).unwrap()),
        "lamb" => Box::new(Lamb::new(params, lamb_config(&case["params"])).unwrap()),
        other => panic!("unknown rule {other}"),
    };
    let lr = number(&case["lr"]);
    let mut worst: f64 = 0.0;
    for (k, row) in case["trajectory"].as_array().unwrap().iter().enumerate() {
        opt.zero_grad();
        problem.loss(&w, &b).backward();
        opt.step(lr * (1.0 + 0.5 * (k as f64).sin())).unwrap();
        let flat = Tensor::cat(&[w.detach().flatten(0, -1), b.detach()], 0);
        let ours = Vec::<f64>::try_from(&flat).unwrap();
        let timm: Vec<f64> = row.as_array().unwrap().iter().map(number).collect();
        assert_eq!(ours.len(), timm.len());
        let gap = ours
            .iter()
            .zip(&timm)
            .map(|(o, t)| (o - t).abs())
            .fold(0.0, max_or_nan);
        let scale = timm.iter().map(|t| t.abs()).fold(0.0, f64::max);
        worst = max_or_nan(worst, gap / scale);
    }
    worst
}

#[test]
fn lars_and_lamb_match_timm() {
    let f = fixture();
    assert_eq!(f["timm_version"], "1.0.15");
    assert!(f["torch_version"].as_str().unwrap().starts_with("2.13"));
    let problem = Problem::from_json(&f).unwrap();
    let cases = f["cases"].as_array().unwrap();
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for (case, via_registry) in cases.iter().flat_map(|c| [(c, false), (c, true)]) {
        let worst = replay(&problem, case, via_registry);
        let how = if via_registry { "registry" } else { "config" };
        let line = format!("{} {} ({how}): {worst:e}", case["rule"], case["params"]);
        if worst.is_nan() || worst > REL {
            failures.push(line.clone());
        }
        report.push(line);
    }
    println!("{}", report.join("\n"));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    for rule in ["lars", "lamb"] {
        let n = cases.iter().filter(|c| c["rule"] == rule).count();
        assert!(n >= 5, "only {n} {rule} cases");
    }
}

/// The fixture exercises every branch the rules have: adaptation on and off, the trust
/// clip (and it changes the trajectory), LAMB's global gradient clip, momentum, Nesterov.
#[test]
fn the_fixture_covers_every_option() {
    let f = fixture();
    let cases = f["cases"].as_array().unwrap();
    let has = |rule: &str, key: &str| {
        cases
            .iter()
            .any(|c| c["rule"] == rule && !c["params"][key].is_null())
    };
    for key in [
        "momentum",
        "nesterov",
        "dampening",
        "weight_decay",
        "trust_clip",
        "always_adapt",
        "trust_coeff",
        "eps",
    ] {
        assert!(has("lars", key), "no LARS case sets {key}");
    }
    for key in [
        "betas",
        "weight_decay",
        "bias_correction",
        "grad_averaging",
        "max_grad_norm",
        "trust_clip",
        "always_adapt",
        "decoupled_decay",
    ] {
        assert!(has("lamb", key), "no LAMB case sets {key}");
    }
    // Defaults are there too.
    for rule in ["lars", "lamb"] {
        assert!(cases
            .iter()
            .any(|c| c["rule"] == rule && c["params"].as_object().unwrap().is_empty()));
    }
    for c in cases.iter().filter(|c| c["params"]["trust_clip"] == true) {
        assert_eq!(c["trust_clip_changes_trajectory"], true, "{}", c["params"]);
    }
    let lars_clipped: u64 = cases
        .iter()
        .filter(|c| c["rule"] == "lars")
        .map(|c| c["clipped_steps"].as_u64().unwrap())
        .sum();
    let lamb_clipped: u64 = cases
        .iter()
        .filter(|c| c["rule"] == "lamb")
        .map(|c| c["clipped_steps"].as_u64().unwrap())
        .sum();
    assert!(lars_clipped > 0 && lamb_clipped > 0);
}

#[test]
fn set_momentum_sets_lars_momentum_and_lamb_beta1() {
    let w = Tensor::from_slice(&[1.0f64, 2.0]).set_requires_grad(true);
    let mut lars = Lars::new(vec![w.shallow_clone()], LarsConfig::default()).unwrap();
    assert_eq!(lars.momentum(), Some(0.0));
    lars.set_momentum(0.85).unwrap();
    assert_eq!(lars.momentum(), Some(0.85));
    assert!(lars.set_momentum(1.0).is_err());
    (&w * &w).sum(tch::Kind::Double).backward();
    lars.step(0.1).unwrap();
    assert_eq!(lars.state()[0].name, "momentum_buffer");
    let mut lamb = Lamb::new(vec![w.shallow_clone()], LambConfig::default()).unwrap();
    assert_eq!(lamb.momentum(), Some(0.9));
    lamb.set_momentum(0.95).unwrap();
    assert_eq!(lamb.momentum(), Some(0.95));
    assert!(lamb.set_momentum(-0.1).is_err());
    lamb.step(0.1).unwrap();
    let names: Vec<&str> = lamb.state().iter().map(|s| s.name).collect();
    assert_eq!(names, ["exp_avg", "exp_avg_sq"]);
    assert_eq!(lamb.steps(), 1);
}

fn err<T>(r: lrbook::Result<T>) -> String {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

fn one_param() -> Vec<Tensor> {
    vec![Tensor::from_slice(&[1.0f64, 2.0]).set_requires_grad(true)]
}

#[test]
fn bad_options_and_rates_are_rejected_with_what_to_do() {
    let lars = |c: LarsConfig| err(Lars::new(one_param(), c));
    let lamb = |c: LambConfig| err(Lamb::new(one_param(), c));
    for trust_coeff in [0.0, -1e-3, f64::NAN, f64::INFINITY] {
        let e = lars(LarsConfig {
            trust_coeff,
            ..LarsConfig::default()
        });
        assert!(
            e.contains("LARS trust_coeff") && e.contains("finite number > 0"),
            "{e}"
        );
    }
    let e = lars(LarsConfig {
        nesterov: true,
        ..LarsConfig::default()
    });
    assert!(e.contains("Nesterov needs momentum > 0"), "{e}");
    let e = lars(LarsConfig {
        momentum: 1.0,
        ..LarsConfig::default()
    });
    assert!(e.contains("LARS momentum") && e.contains("[0, 1)"), "{e}");
    let e = lars(LarsConfig {
        eps: 0.0,
        ..LarsConfig::default()
    });
    assert!(e.contains("LARS eps"), "{e}");
    let e = lars(LarsConfig {
        weight_decay: -0.1,
        ..LarsConfig::default()
    });
    assert!(e.contains("LARS weight decay"), "{e}");
    for betas in [(1.0, 0.999), (f64::NAN, 0.999)] {
        let e = lamb(LambConfig {
            betas,
            ..LambConfig::default()
        });
        assert!(e.contains("LAMB beta1") && e.contains("[0, 1)"), "{e}");
    }
    let e = lamb(LambConfig {
        betas: (0.9, -0.5),
        ..LambConfig::default()
    });
    assert!(e.contains("LAMB beta2"), "{e}");
    for m in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let e = lamb(LambConfig {
            max_grad_norm: Some(m),
            ..LambConfig::default()
        });
        assert!(e.contains("LAMB max_grad_norm"), "{e}");
    }
    let e = lamb(LambConfig {
        eps: f64::NAN,
        ..LambConfig::default()
    });
    assert!(e.contains("LAMB eps"), "{e}");
    // A bad learning rate is caught at the step, before anything moves.
    let p = one_param();
    (&p[0] * &p[0]).sum(tch::Kind::Double).backward();
    let mut opts: Vec<Box<dyn Optimizer>> = vec![
        Box::new(Lars::new(vec![p[0].shallow_clone()], LarsConfig::default()).unwrap()),
        Box::new(Lamb::new(vec![p[0].shallow_clone()], LambConfig::default()).unwrap()),
    ];
    for o in &mut opts {
        assert!(err(o.step(-0.1)).contains("learning rate"));
        assert!(err(o.step(f64::NAN)).contains("not a finite number"));
        assert!(err(o.step(f64::INFINITY)).contains("learning rate"));
    }
    assert_eq!(Vec::<f64>::try_from(&p[0].detach()).unwrap(), [1.0, 2.0]);
    // The registry checks timm's keyword names and their types.
    let spec = OptimizerSpec::from_json(
        "lamb",
        &serde_json::json!({"max_grad_norm": null, "trust_clip": true, "lr": 0.01}),
    )
    .unwrap();
    assert_eq!(spec.args.max_grad_norm, Some(None));
    assert!(spec.build(one_param()).is_ok());
    let e = OptimizerSpec::from_json("lars", &serde_json::json!({"betas": [0.9, 0.99]}))
        .unwrap_err()
        .to_string();
    assert!(e.contains("trust_coeff"), "{e}");
}

/// `lrbook::train::clip_grad_norm` against `torch.nn.utils.clip_grad_norm_` on the
/// problem's gradients (scaled), to 1e-12 relative: the returned norm and every clipped
/// gradient entry.
#[test]
fn clip_grad_norm_matches_torch() {
    let f = fixture();
    let problem = Problem::from_json(&f).unwrap();
    let cases = f["clip_grad_norm"].as_array().unwrap();
    assert!(cases.len() >= 4);
    let flat = |v: &Value| -> Vec<f64> {
        v.as_array()
            .unwrap()
            .iter()
            .flat_map(|g| g.as_array().unwrap().iter().map(number))
            .collect()
    };
    let mut worst: f64 = 0.0;
    let (mut clipped, mut unclipped) = (0, 0);
    for c in cases {
        let (w, b) = problem.weights();
        (problem.loss(&w, &b) * number(&c["scale"])).backward();
        let before = Tensor::cat(&[w.grad().flatten(0, -1), b.grad()], 0);
        let before = Vec::<f64>::try_from(&before).unwrap();
        let torch_before = flat(&c["grads"]);
        for (o, t) in before.iter().zip(&torch_before) {
            worst = worst.max((o - t).abs() / t.abs().max(1e-300));
        }
        let max_norm = number(&c["max_norm"]);
        let total =
            lrbook::train::clip_grad_norm(&[w.shallow_clone(), b.shallow_clone()], max_norm)
                .unwrap();
        let torch_total = number(&c["total_norm"]);
        worst = worst.max((total - torch_total).abs() / torch_total);
        let after = Tensor::cat(&[w.grad().flatten(0, -1), b.grad()], 0);
        let after_norm = f64::try_from(after.norm()).unwrap();
        let after = Vec::<f64>::try_from(&after).unwrap();
        let torch_after = flat(&c["clipped"]);
        let scale = torch_after.iter().map(|x| x.abs()).fold(0.0, f64::max);
        for (o, t) in after.iter().zip(&torch_after) {
            worst = worst.max((o - t).abs() / scale);
        }
        if total > max_norm {
            // Clipped: the norm is max_norm · total / (total + 1e-6), just below max_norm.
            clipped += 1;
            let expected = max_norm * total / (total + 1e-6);
            assert!(
                (after_norm - expected).abs() <= 1e-12 * expected,
                "{after_norm}"
            );
            assert!(after_norm < max_norm && after_norm > max_norm * (1.0 - 1e-6 / total));
        } else {
            // Below max_norm: the gradients are left exactly as they were.
            unclipped += 1;
            assert_eq!(after, before);
        }
    }
    println!("clip_grad_norm: worst relative deviation from torch {worst:e}");
    assert!(worst <= 1e-12, "worst relative deviation {worst:e}");
    assert!(clipped >= 2 && unclipped >= 1);
}

#[test]
fn clip_grad_norm_rejects_a_bad_max_norm_and_handles_no_gradients() {
    let p = one_param();
    for m in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let e = err(lrbook::train::clip_grad_norm(&p, m));
        assert!(
            e.contains("max_norm") && e.contains("finite number > 0"),
            "{e}"
        );
    }
    // No gradient yet: nothing to clip, norm 0 (as PyTorch returns).
    assert_eq!(lrbook::train::clip_grad_norm(&p, 1.0).unwrap(), 0.0);
}
