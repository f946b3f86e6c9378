//! The range test leaves the model and the caller's optimizer exactly as it found them, and
//! stops, fails and validates as documented.
use std::cell::RefCell;

use lrbook::data::{synthetic, Dataset};
use lrbook::finder::{RangeTest, Stop};
use tch::nn::{self, ModuleT, OptimizerConfig};
use tch::{Device, Kind, Tensor};

fn data() -> Dataset {
    synthetic::gaussian_blobs(64, 3, 4, 1.0, 0).unwrap()
}

/// A model with trainable weights and non-trainable batch-norm running statistics.
fn model(seed: i64) -> (nn::VarStore, nn::SequentialT) {
    tch::manual_seed(seed);
    let vs = nn::VarStore::new(Device::Cpu);
    let root = vs.root();
    let net = nn::seq_t()
        .add(nn::linear(&root / "l1", 4, 16, Default::default()))
        .add(nn::batch_norm1d(&root / "bn", 16, Default::default()))
        .add_fn(|x| x.relu())
        .add(nn::linear(&root / "l2", 16, 3, Default::default()));
    (vs, net)
}

/// Every variable's bits, by name.
fn bits(vs: &nn::VarStore) -> Vec<(String, Vec<u32>)> {
    let mut out: Vec<(String, Vec<u32>)> = vs
        .variables()
        .into_iter()
        .map(|(name, t)| {
            let v = Vec::<f32>::try_from(t.detach().flatten(0, -1)).unwrap();
            (name, v.into_iter().map(f32::to_bits).collect())
        })
        .collect();
    out.sort();
    out
}

fn step(net: &nn::SequentialT, opt: &mut nn::Optimizer, (x, y): &(Tensor, Tensor)) {
    opt.zero_grad();
    net.forward_t(x, true)
        .cross_entropy_for_logits(y)
        .backward();
    opt.step();
}

type Factory = fn(&nn::VarStore) -> Result<nn::Optimizer, tch::TchError>;

fn optimizers() -> [(&'static str, Factory); 2] {
    [
        ("Adam", |vs| nn::Adam::default().build(vs, 1e-2)),
        ("SGD momentum 0.9", |vs| {
            nn::Sgd {
                momentum: 0.9,
                ..Default::default()
            }
            .build(vs, 1e-2)
        }),
    ]
}

#[test]
fn model_and_optimizer_state_after_the_finder_equal_the_state_before() {
    lrbook::device::set_threads(1);
    let _rng = lrbook::device::rng_lock();
    let data = data();
    let batches: Vec<(Tensor, Tensor)> = data.batches(16, Some(1), true).unwrap().collect();
    for (name, make) in optimizers() {
        // Two identical models with identical optimizers, trained 5 identical steps so that
        // the optimizers hold state (Adam's moments, SGD's momentum buffers).
        let (vs_a, net_a) = model(7);
        let (vs_b, net_b) = model(7);
        let mut opt_a = make(&vs_a).unwrap();
        let mut opt_b = make(&vs_b).unwrap();
        for b in &batches[..5] {
            step(&net_a, &mut opt_a, b);
            step(&net_b, &mut opt_b, b);
        }
        assert_eq!(
            bits(&vs_a),
            bits(&vs_b),
            "{name}: twins differ before the finder"
        );
        let before = bits(&vs_a);

        // The finder runs on A only. Record a weight during the sweep, to prove it moved.
        let seen = RefCell::new(Vec::new());
        let probe = vs_a.variables()["l1.weight"].shallow_clone();
        let result = RangeTest::new(1e-4, 10.0, 40)
            .unwrap()
            .run(
                &vs_a,
                || make(&vs_a),
                batches.iter().cycle(),
                |(x, y)| {
                    seen.borrow_mut()
                        .push(f64::try_from(probe.sum(Kind::Double)).unwrap());
                    net_a.forward_t(x, true).cross_entropy_for_logits(y)
                },
            )
            .unwrap();
        let seen = seen.into_inner();
        assert!(result.points.len() >= 10, "{name}: {:?}", result.stop);
        assert!(
            seen.iter().any(|&s| s != seen[0]),
            "{name}: the sweep never changed the weights, so the test would prove nothing"
        );

        // Weights and batch-norm statistics are back, bit for bit.
        assert_eq!(bits(&vs_a), before, "{name}: weights not restored");
        // One more identical step with each caller's own optimizer: equal bits prove that
        // A's optimizer state (moments, momentum buffers, LR) is what it was.
        for b in &batches[5..8] {
            step(&net_a, &mut opt_a, b);
            step(&net_b, &mut opt_b, b);
        }
        assert_eq!(bits(&vs_a), bits(&vs_b), "{name}: optimizer state changed");
    }
}

/// The comparison above can see optimizer state: restoring only the weights after stepping
/// the caller's own optimizer leaves the next step different.
#[test]
fn the_twin_comparison_detects_a_disturbed_optimizer() {
    lrbook::device::set_threads(1);
    let _rng = lrbook::device::rng_lock();
    let data = data();
    let batches: Vec<(Tensor, Tensor)> = data.batches(16, Some(1), true).unwrap().collect();
    for (name, make) in optimizers() {
        let (vs_a, net_a) = model(7);
        let (vs_b, net_b) = model(7);
        let mut opt_a = make(&vs_a).unwrap();
        let mut opt_b = make(&vs_b).unwrap();
        for b in &batches[..5] {
            step(&net_a, &mut opt_a, b);
            step(&net_b, &mut opt_b, b);
        }
        // A naive finder: sweep with the caller's optimizer, then copy the weights back.
        let saved: Vec<(String, Tensor)> = vs_a
            .variables()
            .into_iter()
            .map(|(n, t)| (n, t.detach().copy()))
            .collect();
        for b in &batches[5..8] {
            step(&net_a, &mut opt_a, b);
        }
        {
            let _guard = tch::no_grad_guard();
            let vars = vs_a.variables();
            for (n, t) in &saved {
                vars[n].shallow_clone().copy_(t);
            }
        }
        assert_eq!(bits(&vs_a), bits(&vs_b), "{name}: weights copied back");
        step(&net_a, &mut opt_a, &batches[8]);
        step(&net_b, &mut opt_b, &batches[8]);
        assert_ne!(bits(&vs_a), bits(&vs_b), "{name}: state change went unseen");
    }
}

#[test]
fn a_failing_loss_closure_still_restores_the_model() {
    let _rng = lrbook::device::rng_lock(); // libtorch's RNG is global to the process
    let data = data();
    let batches: Vec<(Tensor, Tensor)> = data.batches(16, Some(1), true).unwrap().collect();
    let (vs, net) = model(3);
    let before = bits(&vs);
    let calls = RefCell::new(0);
    let err = RangeTest::new(1e-3, 1.0, 30)
        .unwrap()
        .run(
            &vs,
            || nn::Sgd::default().build(&vs, 0.1),
            batches.iter().cycle(),
            |(x, y)| {
                *calls.borrow_mut() += 1;
                let out = net.forward_t(x, true);
                if *calls.borrow() < 8 {
                    out.cross_entropy_for_logits(y)
                } else {
                    out // not a scalar: an error on the 8th step
                }
            },
        )
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("shape [16, 3]") && err.contains("scalar"),
        "{err}"
    );
    assert_eq!(bits(&vs), before);
}

#[test]
fn stops_on_divergence_on_data_exhaustion_and_records_validation_losses() {
    lrbook::device::set_threads(1);
    let _rng = lrbook::device::rng_lock();
    let data = data();
    let batches: Vec<(Tensor, Tensor)> = data.batches(16, Some(1), true).unwrap().collect();
    let (vs, net) = model(1);
    // Plain SGD swept far too high: the loss blows up and the test stops.
    let test = RangeTest::new(1e-3, 1e4, 100).unwrap();
    let r = test
        .run(
            &vs,
            || nn::Sgd::default().build(&vs, 0.1),
            batches.iter().cycle(),
            |(x, y)| net.forward_t(x, true).cross_entropy_for_logits(y),
        )
        .unwrap();
    let Stop::Diverged { step, smoothed } = r.stop else {
        panic!("expected divergence, got {:?}", r.stop)
    };
    assert_eq!(r.points.len(), step + 1);
    let best = r.smoothed().iter().copied().fold(f64::INFINITY, f64::min);
    assert!(
        !smoothed.is_finite() || smoothed > 4.0 * best,
        "{smoothed} vs {best}"
    );
    assert_eq!(r.divergence_lr(), Some(test.lr_at(step)));
    for (k, p) in r.points.iter().enumerate() {
        assert_eq!(p.lr, test.lr_at(k));
        assert_eq!(p.step, k);
    }

    // Too few batches: stops, says so, and keeps what it has.
    let r = RangeTest::new(1e-3, 1e-1, 100)
        .unwrap()
        .run(
            &vs,
            || nn::Sgd::default().build(&vs, 0.1),
            batches.iter().take(6),
            |(x, y)| net.forward_t(x, true).cross_entropy_for_logits(y),
        )
        .unwrap();
    assert_eq!(r.stop, Stop::DataExhausted { step: 6 });
    assert_eq!(r.points.len(), 6);

    // Smith's variant: the held-out loss is tracked; the minibatch loss is kept too.
    let held_out = synthetic::gaussian_blobs(32, 3, 4, 1.0, 9).unwrap();
    let r = RangeTest::new(1e-3, 1.0, 20)
        .unwrap()
        .run_validated(
            &vs,
            || nn::Sgd::default().build(&vs, 0.1),
            batches.iter().cycle(),
            |(x, y)| net.forward_t(x, true).cross_entropy_for_logits(y),
            || {
                net.forward_t(&held_out.inputs, false)
                    .cross_entropy_for_logits(&held_out.targets)
            },
        )
        .unwrap();
    assert_eq!(r.points.len(), 20);
    for p in &r.points {
        let v = p.val_loss.expect("validation loss recorded");
        assert!(v.is_finite() && v != p.train_loss);
        assert_eq!(p.loss(), v);
    }
}

#[test]
fn bad_settings_are_clear_errors() {
    let _rng = lrbook::device::rng_lock(); // libtorch's RNG is global to the process
    let cases: [(f64, f64, usize, &str); 6] = [
        (1.0, 1.0, 100, "start_lr = 1 >= end_lr = 1"),
        (10.0, 1e-3, 100, "the sweep must go up"),
        (1e-5, 1.0, 1, "at least 2 steps"),
        (1e-5, 1.0, 0, "at least 2 steps"),
        (f64::NAN, 1.0, 100, "not a finite number"),
        (1e-5, f64::INFINITY, 100, "not a finite number"),
    ];
    for (start, end, n, msg) in cases {
        let err = RangeTest::new(start, end, n).unwrap_err().to_string();
        assert!(err.contains(msg), "({start}, {end}, {n}): {err}");
    }
    assert!(RangeTest::new(0.0, 1.0, 10)
        .unwrap_err()
        .to_string()
        .contains("must be > 0"));
    let mut t = RangeTest::new(1e-5, 1.0, 10).unwrap();
    t.smoothing.beta = 1.0;
    assert!(t.validate().unwrap_err().to_string().contains("[0, 1)"));
    t.smoothing.beta = 0.9;
    t.divergence_factor = Some(1.0);
    assert!(t.validate().unwrap_err().to_string().contains("> 1"));
    // run() checks too, before touching the model.
    let (vs, _net) = model(0);
    t.divergence_factor = Some(f64::NAN);
    let err = t
        .run(
            &vs,
            || nn::Sgd::default().build(&vs, 0.1),
            std::iter::empty::<()>(),
            |_| Tensor::from(0.0),
        )
        .unwrap_err();
    assert!(err.to_string().contains("divergence factor"), "{err}");
}
