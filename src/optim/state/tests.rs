//! Every rule resumes bit for bit from a saved state; mismatches are refused.
use super::*;
use crate::optim::{Optimizer, OptimizerSpec, Rule, TorchArgs};

/// Bits of a tensor, for comparisons in tests.
fn bits(t: &Tensor) -> Vec<u8> {
    let mut out = vec![0u8; t.numel() * t.kind().elt_size_in_bytes()];
    t.contiguous().copy_data_u8(&mut out, t.numel());
    out
}

fn param(values: &[f32]) -> Tensor {
    Tensor::from_slice(values).set_requires_grad(true)
}

fn train(opt: &mut dyn Optimizer, p: &Tensor, steps: std::ops::Range<i32>) {
    for k in steps {
        opt.zero_grad();
        let target = Tensor::from_slice(&[k as f32 * 0.3, -1.0, 0.5]);
        (p - target).square().sum(Kind::Float).backward();
        opt.step(0.05).unwrap();
    }
}

#[test]
fn every_rule_continues_bit_for_bit_after_a_reload() {
    let specs = [
        Rule::Sgd.with(TorchArgs {
            momentum: Some(0.9),
            nesterov: true,
            ..TorchArgs::default()
        }),
        Rule::RmsProp.with(TorchArgs {
            momentum: Some(0.5),
            centered: true,
            ..TorchArgs::default()
        }),
        Rule::Adam.with(TorchArgs {
            amsgrad: true,
            ..TorchArgs::default()
        }),
        OptimizerSpec::from(Rule::AdamW),
        OptimizerSpec::from(Rule::Adagrad),
        OptimizerSpec::from(Rule::Adamax),
        OptimizerSpec::from(Rule::NAdam),
        OptimizerSpec::from(Rule::RAdam),
    ];
    for spec in specs {
        let straight = param(&[1.0, 2.0, 3.0]);
        let mut opt = spec.build(vec![straight.shallow_clone()]).unwrap();
        train(&mut *opt, &straight, 0..7);
        let saved = opt.save_state().unwrap();
        train(&mut *opt, &straight, 7..12);

        let resumed = param(&[1.0, 2.0, 3.0]);
        let mut twin = spec.build(vec![resumed.shallow_clone()]).unwrap();
        train(&mut *twin, &resumed, 0..7);
        let mut fresh = spec.build(vec![resumed.shallow_clone()]).unwrap();
        fresh.load_state(&saved).unwrap();
        train(&mut *fresh, &resumed, 7..12);
        assert_eq!(bits(&straight), bits(&resumed), "{:?}", spec.rule);
    }
}

#[test]
fn the_wrong_kind_flags_or_shapes_are_refused_before_anything_changes() {
    let p = param(&[1.0, 2.0]);
    let mut adam = OptimizerSpec::from(Rule::Adam)
        .build(vec![p.shallow_clone()])
        .unwrap();
    train_two(&mut *adam, &p);
    let state = adam.save_state().unwrap();
    assert_eq!(state.kind(), "Adam");
    assert_eq!(state.value("steps"), Some(StateValue::U64(1)));
    let err = |spec: OptimizerSpec, p: Tensor| {
        let mut opt = spec.build(vec![p]).unwrap();
        opt.load_state(&state).unwrap_err().to_string()
    };
    let e = err(OptimizerSpec::from(Rule::RmsProp), param(&[1.0, 2.0]));
    assert!(
        e.contains("state of Adam, but this optimizer is RMSprop"),
        "{e}"
    );
    let e = err(OptimizerSpec::from(Rule::AdamW), param(&[1.0, 2.0]));
    assert!(e.contains("this optimizer is AdamW"), "{e}");
    let amsgrad = Rule::Adam.with(TorchArgs {
        amsgrad: true,
        ..TorchArgs::default()
    });
    let e = err(amsgrad, param(&[1.0, 2.0]));
    assert!(e.contains("this optimizer is Adam (amsgrad)"), "{e}");
    let e = err(OptimizerSpec::from(Rule::Adam), param(&[1.0, 2.0, 3.0]));
    assert!(
        e.contains("parameter 0 was [2] Float") && e.contains("[3] Float"),
        "{e}"
    );
    let e = err(
        OptimizerSpec::from(Rule::Adam),
        Tensor::from_slice(&[1.0f64, 2.0]).set_requires_grad(true),
    );
    assert!(e.contains("is [2] Double here"), "{e}");
    // A refused load leaves the optimizer as it was.
    let mut opt = OptimizerSpec::from(Rule::Adam)
        .build(vec![param(&[1.0, 2.0, 3.0])])
        .unwrap();
    assert!(opt.load_state(&state).is_err());
    assert_eq!(
        opt.save_state().unwrap().value("steps"),
        Some(StateValue::U64(0))
    );
    // tch's own optimizer has no state to give.
    let vs = tch::nn::VarStore::new(Device::Cpu);
    let _w = vs.root().zeros("w", &[2]);
    let mut tch_opt = tch::nn::OptimizerConfig::build(tch::nn::Sgd::default(), &vs, 0.1).unwrap();
    let e = Optimizer::save_state(&tch_opt).unwrap_err().to_string();
    assert!(e.contains("does not expose its state"), "{e}");
    assert!(Optimizer::load_state(&mut tch_opt, &state).is_err());
}

fn train_two(opt: &mut dyn Optimizer, p: &Tensor) {
    opt.zero_grad();
    p.square().sum(Kind::Float).backward();
    opt.step(0.1).unwrap();
}

#[test]
fn sgd_keeps_a_missing_momentum_buffer_missing_and_states_are_deep_copies() {
    let used = param(&[1.0, 2.0]);
    let unused = param(&[5.0]); // never gets a gradient: no buffer
    let spec = Rule::Sgd.with(TorchArgs {
        momentum: Some(0.9),
        ..TorchArgs::default()
    });
    let mut opt = spec
        .build(vec![used.shallow_clone(), unused.shallow_clone()])
        .unwrap();
    train_two(&mut *opt, &used);
    let state = opt.save_state().unwrap();
    let buffer = state.buffer("momentum_buffer").unwrap();
    assert!(buffer[0].is_some() && buffer[1].is_none());
    let before = bits(buffer[0].as_ref().unwrap());
    train_two(&mut *opt, &used);
    assert_eq!(bits(buffer[0].as_ref().unwrap()), before);
    let mut fresh = spec
        .build(vec![used.shallow_clone(), unused.shallow_clone()])
        .unwrap();
    fresh.load_state(&state).unwrap();
    let again = fresh.save_state().unwrap();
    assert!(again.buffer("momentum_buffer").unwrap()[1].is_none());
}
