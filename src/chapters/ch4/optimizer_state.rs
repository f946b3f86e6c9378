//! "What it costs: optimizer state": the state each rule keeps per parameter, measured
//! after one step on an f32 MLP.
use tch::{nn, Device, Kind, Tensor};

use crate::models::{fashion_mlp_sizes, seeded_mlp, Activation};
use crate::optim::{OptimizerSpec, Rule, TorchArgs};
use crate::report::{Cell, Table};
use crate::Result;

/// The rules of the memory table, what to build for each, and their qualitative
/// properties (momentum, per-parameter rate, bias correction).
fn memory_rows() -> [(&'static str, OptimizerSpec, [&'static str; 3]); 12] {
    let momentum = TorchArgs {
        momentum: Some(0.9),
        ..TorchArgs::default()
    };
    let nesterov = TorchArgs {
        nesterov: true,
        ..momentum
    };
    let centered = TorchArgs {
        centered: true,
        ..momentum
    };
    let amsgrad = TorchArgs {
        amsgrad: true,
        ..TorchArgs::default()
    };
    [
        ("SGD", Rule::Sgd.into(), ["no", "no", "no"]),
        (
            "SGD, momentum",
            Rule::Sgd.with(momentum),
            ["yes", "no", "no"],
        ),
        (
            "SGD, Nesterov",
            Rule::Sgd.with(nesterov),
            ["yes (look-ahead)", "no", "no"],
        ),
        (
            "AdaGrad",
            Rule::Adagrad.into(),
            ["no", "yes (sum of g²)", "no"],
        ),
        (
            "RMSProp",
            Rule::RmsProp.into(),
            ["no", "yes (average of g²)", "no"],
        ),
        (
            "RMSProp, centered + momentum",
            Rule::RmsProp.with(centered),
            ["yes", "yes (variance of g)", "no"],
        ),
        ("Adam", Rule::Adam.into(), ["yes", "yes", "yes"]),
        (
            "Adam, AMSGrad",
            Rule::Adam.with(amsgrad),
            ["yes", "yes (running max)", "yes"],
        ),
        ("AdamW", Rule::AdamW.into(), ["yes", "yes", "yes"]),
        (
            "Adamax",
            Rule::Adamax.into(),
            ["yes", "yes (∞-norm)", "first moment"],
        ),
        (
            "NAdam",
            Rule::NAdam.into(),
            ["yes (Nesterov)", "yes", "yes"],
        ),
        (
            "RAdam",
            Rule::RAdam.into(),
            ["yes", "yes (rectified)", "yes"],
        ),
    ]
}

/// State bytes per parameter of every rule, measured after one step on an f32 MLP.
pub fn memory_table() -> Result<Table> {
    let mut table = crate::table!(
        "memory",
        "What each rule keeps: measured optimizer state per parameter after one step (f32 MLP 784-128-10)",
        &["update rule", "momentum", "per-parameter rate", "bias correction", "state bytes per parameter", "state tensors per parameter"],
    );
    for (name, spec, [momentum, adaptive, bias]) in memory_rows() {
        let (vs, model) = seeded_mlp(0, &fashion_mlp_sizes(&[128]), Activation::Relu, Device::Cpu)?;
        let params = vs.trainable_variables();
        let n: i64 = params.iter().map(|p| p.numel() as i64).sum();
        let mut opt = spec.build(params)?;
        let x = Tensor::ones([4, 784], (Kind::Float, Device::Cpu));
        opt.zero_grad();
        nn::Module::forward(&model, &x)
            .square()
            .mean(Kind::Float)
            .backward();
        opt.step(1e-3)?;
        let bytes: usize = opt.state().iter().map(|b| b.bytes()).sum();
        let per = bytes as f64 / n as f64;
        table.push(vec![
            Cell::from(name),
            Cell::from(momentum),
            Cell::from(adaptive),
            Cell::from(bias),
            Cell::num(per, 3),
            Cell::num(per / 4.0, 3),
        ]);
    }
    Ok(table)
}
