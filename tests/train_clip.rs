//! `train` with `clip_grad_norm`: a learning rate that diverges unclipped survives with
//! clipping, the history reports each step's norm and the clip rate, and a clip that never
//! bites changes nothing.
mod common;

use lrbook::data::Dataset;
use lrbook::optim::{GradientDescent, Optimizer};
use lrbook::train::{train, History, Loss, TrainConfig};
use tch::nn::{self, Module, OptimizerConfig};
use tch::{Device, Kind, Tensor};

/// A two-layer scalar linear net `f(x) = a·b·x` fitting `y = 2x`: the loss grows like
/// `(ab)²`, so far from the fit its gradient is huge and its curvature too.
#[derive(Debug)]
struct DeepLinear {
    a: Tensor,
    b: Tensor,
}

impl Module for DeepLinear {
    fn forward(&self, x: &Tensor) -> Tensor {
        x * &self.a * &self.b
    }
}

fn data() -> Dataset {
    let x = Tensor::linspace(-1.0, 1.0, 64, (Kind::Double, Device::Cpu)).view([64, 1]);
    let y = &x * 2.0;
    Dataset::new(x, y).unwrap()
}

/// 200 full-batch steps of gradient descent at `lr` from `a = b = 4` (loss ≈ 66).
fn run(lr: f64, clip_grad_norm: Option<f64>) -> History {
    let a = Tensor::from_slice(&[4.0f64]).set_requires_grad(true);
    let b = Tensor::from_slice(&[4.0f64]).set_requires_grad(true);
    let model = DeepLinear {
        a: a.shallow_clone(),
        b: b.shallow_clone(),
    };
    let mut opt = GradientDescent::new(vec![a, b]);
    let cfg = TrainConfig {
        epochs: 200,
        batch_size: 64,
        progress: false,
        clip_grad_norm,
        ..TrainConfig::default()
    };
    train(
        &model,
        Loss::Mse,
        &mut opt,
        &mut |_| lr,
        &data(),
        None,
        &cfg,
    )
    .unwrap()
}

#[test]
fn a_clipped_run_survives_a_learning_rate_that_diverges_unclipped() {
    let _cpu = common::cpu_single_thread();
    let lr = 0.3;
    let unclipped = run(lr, None);
    assert!(unclipped.diverged(), "unclipped: {:?}", unclipped.outcome);
    assert!(unclipped.grad_norms.is_empty() && unclipped.clip_rate().is_none());
    let clipped = run(lr, Some(1.0));
    assert!(!clipped.diverged(), "clipped: {:?}", clipped.outcome);
    let losses = clipped.losses();
    let (first, last) = (losses[0], *losses.last().unwrap());
    assert_eq!(losses.len(), 200);
    assert!(last.is_finite() && last < 1e-6 * first, "{first} -> {last}");
    // One record per step; the first steps clip (norm ≈ 38), the last ones do not.
    assert_eq!(clipped.grad_norms.len(), 200);
    let start = &clipped.grad_norms[0];
    assert!(start.clipped && start.norm > 30.0, "{start:?}");
    assert!(!clipped.grad_norms.last().unwrap().clipped);
    for r in &clipped.grad_norms {
        assert_eq!(r.clipped, r.norm > 1.0, "{r:?}");
    }
    let rate = clipped.clip_rate().unwrap();
    let counted = clipped.grad_norms.iter().filter(|r| r.clipped).count();
    assert_eq!(rate, counted as f64 / 200.0);
    assert!(rate > 0.0 && rate < 1.0, "clip rate {rate}");
    println!(
        "diverged unclipped at {:?}; clipped: loss {first} -> {last}, clip rate {rate}",
        unclipped.outcome
    );
}

#[test]
fn a_clip_that_never_bites_changes_nothing_bit_for_bit() {
    let _cpu = common::cpu_single_thread();
    let plain = run(0.05, None);
    let loose = run(0.05, Some(1e6));
    assert!(!plain.diverged());
    assert_eq!(plain.steps, loose.steps);
    assert_eq!(loose.clip_rate(), Some(0.0));
}

#[test]
fn clipping_needs_an_optimizer_with_parameters_and_a_valid_norm() {
    let _cpu = common::cpu_single_thread();
    let vs = nn::VarStore::new(Device::Cpu);
    let model = nn::linear(vs.root(), 1, 1, Default::default());
    let x = Tensor::linspace(-1.0, 1.0, 8, (Kind::Float, Device::Cpu)).view([8, 1]);
    let data = Dataset::new(x.shallow_clone(), x * 2.0).unwrap();
    let mut tch_opt = nn::Sgd::default().build(&vs, 0.1).unwrap();
    assert!(Optimizer::parameters(&tch_opt).is_none());
    let cfg = TrainConfig {
        progress: false,
        clip_grad_norm: Some(1.0),
        ..TrainConfig::default()
    };
    let e = train(
        &model,
        Loss::Mse,
        &mut tch_opt,
        &mut |_| 0.1,
        &data,
        None,
        &cfg,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("clip_grad_norm") && e.contains("does not expose"),
        "{e}"
    );
    let mut gd = GradientDescent::new(vs.trainable_variables());
    for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let cfg = TrainConfig {
            clip_grad_norm: Some(bad),
            ..cfg.clone()
        };
        let e = train(&model, Loss::Mse, &mut gd, &mut |_| 0.1, &data, None, &cfg)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("clip_grad_norm") && e.contains("finite number > 0"),
            "{e}"
        );
    }
}
