//! Every optimizer of `lrbook::optim` against trajectories recorded from `torch.optim`
//! 2.13 (tests/fixtures/optimizers.json, written by scripts/reference/optimizers.py), to
//! 1e-10 relative in f64; and against tch's own built-in optimizers where they exist.
use lrbook::optim::fixture::{replay_fixture, FIXTURE};
use lrbook::optim::{Adam, AdamConfig, Optimizer, RmsProp, RmsPropConfig, Sgd, SgdConfig};
use serde_json::Value;
use tch::nn::{self, OptimizerConfig};
use tch::{Device, Kind, Tensor};

const REL: f64 = 1e-10;
const ABS: f64 = 1e-13;

fn fixture() -> Value {
    serde_json::from_str(&std::fs::read_to_string(FIXTURE).expect("fixture")).expect("json")
}

fn matrix(v: &Value) -> Vec<Vec<f64>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        })
        .collect()
}

fn tensor(rows: &[Vec<f64>]) -> Tensor {
    let flat: Vec<f64> = rows.iter().flatten().copied().collect();
    Tensor::from_slice(&flat).view([rows.len() as i64, rows[0].len() as i64])
}

/// The fixture's problem: data, initial weights, and the loss.
struct Problem {
    x: Tensor,
    y: Tensor,
    w0: Tensor,
    b0: Tensor,
}

impl Problem {
    fn load(f: &Value) -> Self {
        let b0: Vec<f64> = f["b0"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        Problem {
            x: tensor(&matrix(&f["x"])),
            y: tensor(&matrix(&f["y"])),
            w0: tensor(&matrix(&f["w0"])),
            b0: Tensor::from_slice(&b0),
        }
    }

    fn loss(&self, w: &Tensor, b: &Tensor) -> Tensor {
        (self.x.matmul(w).tanh() + b - &self.y)
            .square()
            .mean(Kind::Double)
    }
}

fn lr_at(lr: f64, k: usize) -> f64 {
    lr * (1.0 + 0.5 * (k as f64).sin())
}

/// Runs `steps` steps of `opt` (built over `w`, `b`) and returns the flattened (W, b)
/// after each step.
fn run(
    problem: &Problem,
    w: &Tensor,
    b: &Tensor,
    opt: &mut dyn Optimizer,
    lr: f64,
    steps: usize,
) -> Vec<Vec<f64>> {
    (0..steps)
        .map(|k| {
            opt.zero_grad();
            problem.loss(w, b).backward();
            opt.step(lr_at(lr, k)).unwrap();
            let flat = Tensor::cat(&[w.detach().flatten(0, -1), b.detach()], 0);
            Vec::<f64>::try_from(&flat).unwrap()
        })
        .collect()
}

fn worst_relative(ours: &[Vec<f64>], torch: &[Vec<f64>]) -> f64 {
    let mut worst: f64 = 0.0;
    for (a, b) in ours.iter().zip(torch) {
        for (x, y) in a.iter().zip(b) {
            let gap = (x - y).abs();
            let rel = if gap <= ABS {
                0.0
            } else {
                gap / y.abs().max(ABS)
            };
            worst = worst.max(rel);
        }
    }
    worst
}

#[test]
fn every_update_rule_matches_torch_optim() {
    let f = fixture();
    assert!(f["torch_version"].as_str().unwrap().starts_with("2.13"));
    let replays = replay_fixture(std::path::Path::new(FIXTURE)).unwrap();
    assert!(replays.len() >= 25, "only {} cases", replays.len());
    let failures: Vec<String> = replays
        .iter()
        .filter(|r| r.worst_relative.is_nan() || r.worst_relative > REL)
        .map(|r| {
            format!(
                "{} {}: worst relative deviation {:e}",
                r.variant().name(),
                r.args,
                r.worst_relative
            )
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let covered: std::collections::BTreeSet<&str> =
        replays.iter().map(|r| r.variant().name()).collect();
    for v in [
        "SGD",
        "SGD, momentum",
        "SGD, Nesterov",
        "AdaGrad",
        "RMSProp",
        "RMSProp, centered",
        "Adam",
        "Adam, AMSGrad",
        "AdamW",
        "Adamax",
        "NAdam",
        "RAdam",
    ] {
        assert!(covered.contains(v), "no case covers {v}");
    }
}

/// tch's built-in optimizers (libtorch's C++ implementations) follow the same trajectories.
#[test]
fn matches_tchs_built_in_optimizers() {
    let f = fixture();
    let problem = Problem::load(&f);
    let lr = 0.02;
    let steps = 30;
    type Pair = (
        Box<dyn Fn(&nn::VarStore) -> nn::Optimizer>,
        Box<dyn Fn(Vec<Tensor>) -> Box<dyn Optimizer>>,
    );
    let pairs: Vec<(&str, Pair)> = vec![
        (
            "SGD momentum 0.9, Nesterov, weight decay 0.01",
            (
                Box::new(move |vs| {
                    nn::Sgd {
                        momentum: 0.9,
                        dampening: 0.0,
                        wd: 0.01,
                        nesterov: true,
                    }
                    .build(vs, lr)
                    .unwrap()
                }),
                Box::new(|ps| {
                    Box::new(
                        Sgd::new(
                            ps,
                            SgdConfig {
                                momentum: 0.9,
                                dampening: 0.0,
                                weight_decay: 0.01,
                                nesterov: true,
                            },
                        )
                        .unwrap(),
                    )
                }),
            ),
        ),
        (
            "Adam",
            (
                Box::new(move |vs| nn::Adam::default().build(vs, lr).unwrap()),
                Box::new(|ps| Box::new(Adam::new(ps, AdamConfig::default()).unwrap())),
            ),
        ),
        (
            "AdamW weight decay 0.1",
            (
                Box::new(move |vs| {
                    nn::AdamW {
                        wd: 0.1,
                        ..Default::default()
                    }
                    .build(vs, lr)
                    .unwrap()
                }),
                Box::new(|ps| {
                    Box::new(
                        Adam::new(
                            ps,
                            AdamConfig {
                                weight_decay: 0.1,
                                ..AdamConfig::adamw()
                            },
                        )
                        .unwrap(),
                    )
                }),
            ),
        ),
        (
            "RMSprop centered, momentum 0.5",
            (
                Box::new(move |vs| {
                    nn::RmsProp {
                        alpha: 0.99,
                        eps: 1e-8,
                        wd: 0.0,
                        momentum: 0.5,
                        centered: true,
                    }
                    .build(vs, lr)
                    .unwrap()
                }),
                Box::new(|ps| {
                    Box::new(
                        RmsProp::new(
                            ps,
                            RmsPropConfig {
                                momentum: 0.5,
                                centered: true,
                                ..RmsPropConfig::default()
                            },
                        )
                        .unwrap(),
                    )
                }),
            ),
        ),
    ];
    for (name, (tch_opt, ours)) in pairs {
        // tch's optimizer over a VarStore holding W and b.
        let mut vs = nn::VarStore::new(Device::Cpu);
        let _ = vs.root().var_copy("w", &problem.w0);
        let _ = vs.root().var_copy("b", &problem.b0);
        vs.set_kind(Kind::Double); // var_copy made f32 variables; back to the f64 values
        let vars = vs.variables();
        let (w, b) = (&vars["w"], &vars["b"]);
        tch::no_grad(|| {
            w.shallow_clone().copy_(&problem.w0);
            b.shallow_clone().copy_(&problem.b0);
        });
        let mut opt = tch_opt(&vs);
        let reference = run(&problem, w, b, &mut opt, lr, steps);
        let w2 = problem.w0.copy().set_requires_grad(true);
        let b2 = problem.b0.copy().set_requires_grad(true);
        let mut mine = ours(vec![w2.shallow_clone(), b2.shallow_clone()]);
        let got = run(&problem, &w2, &b2, mine.as_mut(), lr, steps);
        let worst = worst_relative(&got, &reference);
        assert!(
            worst <= REL,
            "{name}: worst relative deviation {worst:e} from tch"
        );
    }
}
