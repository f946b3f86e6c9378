//! Unit tests of the registry: names, keyword arguments, defaults and variants.
use super::*;

fn params() -> Vec<Tensor> {
    vec![Tensor::from_slice(&[1.0f64, 2.0]).set_requires_grad(true)]
}

#[test]
fn names_parse_in_any_case_and_unknown_ones_list_the_known() {
    for rule in Rule::ALL {
        assert_eq!(rule.torch_class().parse::<Rule>().unwrap(), rule);
        assert_eq!(
            rule.torch_class().to_lowercase().parse::<Rule>().unwrap(),
            rule
        );
    }
    let e = "adadelta".parse::<Rule>().unwrap_err().to_string();
    assert!(e.contains("\"adadelta\""), "{e}");
    for rule in Rule::ALL {
        assert!(e.contains(rule.torch_class()), "{e}");
    }
    assert!("".parse::<Rule>().is_err());
}

#[test]
fn json_arguments_are_read_and_checked_against_the_class() {
    let spec = OptimizerSpec::from_json(
        "adam",
        &serde_json::json!({"betas": [0.8, 0.99], "amsgrad": true, "lr": 0.02}),
    )
    .unwrap();
    assert_eq!(spec.args.betas, Some((0.8, 0.99)));
    assert_eq!(spec.lr(), 0.02);
    assert_eq!(spec.variant(), Variant::AdamAmsgrad);
    let e = OptimizerSpec::from_json("adam", &serde_json::json!({"nesterov": true}))
        .unwrap_err()
        .to_string();
    assert!(e.contains("nesterov") && e.contains("amsgrad"), "{e}");
    let e = OptimizerSpec::from_json("sgd", &serde_json::json!({"momentum": "high"}))
        .unwrap_err()
        .to_string();
    assert!(e.contains("momentum") && e.contains("a number"), "{e}");
    assert!(OptimizerSpec::from_json("adam", &serde_json::json!({"betas": [0.9]})).is_err());
    // PyTorch's Adam takes decoupled_weight_decay (it is then AdamW); AdamW does not.
    let decoupled = serde_json::json!({"decoupled_weight_decay": true});
    let spec = OptimizerSpec::from_json("Adam", &decoupled).unwrap();
    assert_eq!(spec.variant(), Variant::AdamW);
    assert!(OptimizerSpec::from_json("AdamW", &decoupled).is_err());
    assert!(OptimizerSpec::from_json("adam", &serde_json::json!([1])).is_err());
}

#[test]
fn typed_arguments_the_class_does_not_take_are_rejected() {
    let spec = Rule::Adagrad.with(TorchArgs {
        momentum: Some(0.9),
        ..TorchArgs::default()
    });
    let e = spec.build(params()).err().unwrap().to_string();
    assert!(e.contains("momentum") && e.contains("lr_decay"), "{e}");
    assert!(OptimizerSpec::from(Rule::Adagrad).build(params()).is_ok());
}

#[test]
fn defaults_and_variants_follow_pytorch() {
    assert_eq!(OptimizerSpec::from(Rule::Sgd).lr(), 1e-3);
    assert_eq!(OptimizerSpec::from(Rule::NAdam).lr(), 2e-3);
    for variant in Variant::ALL {
        assert_eq!(
            variant.rule().torch_class().parse::<Rule>().unwrap(),
            variant.rule()
        );
    }
    let sgd = |momentum, nesterov| {
        Rule::Sgd
            .with(TorchArgs {
                momentum,
                nesterov,
                ..TorchArgs::default()
            })
            .variant()
    };
    assert_eq!(sgd(None, false), Variant::Sgd);
    assert_eq!(sgd(Some(0.0), false), Variant::Sgd);
    assert_eq!(sgd(Some(0.9), false), Variant::SgdMomentum);
    assert_eq!(sgd(Some(0.9), true), Variant::SgdNesterov);
    // Every class builds with its defaults and keeps the state PyTorch keeps.
    let w = Tensor::from_slice(&[1.0f64, 2.0]).set_requires_grad(true);
    for rule in Rule::ALL {
        let mut opt = OptimizerSpec::from(rule)
            .build(vec![w.shallow_clone()])
            .unwrap();
        opt.zero_grad();
        (&w * &w).sum(tch::Kind::Double).backward();
        opt.step(rule.default_lr()).unwrap();
        // SGD and LARS keep a momentum buffer only with momentum, off by default.
        let no_state = matches!(rule, Rule::Sgd | Rule::Lars);
        assert_eq!(opt.state().is_empty(), no_state, "{rule}");
    }
}
