//! tch's own `nn` optimizers, by a typed name: what chapter 6's range tests train with, as a
//! reader's tch code would, so the finder is shown on optimizers this crate did not write.
use tch::nn::{self, OptimizerConfig};

use crate::Result;

/// One of tch's built-in optimizers with the settings chapter 6 uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TchOptimizer {
    /// Plain SGD.
    Sgd,
    /// Adam with PyTorch's defaults.
    Adam,
    /// SGD with momentum 0.9.
    SgdMomentum,
}

/// A fresh `opt` over `vs`, starting at `lr`.
pub fn build_optimizer(opt: TchOptimizer, vs: &nn::VarStore, lr: f64) -> Result<nn::Optimizer> {
    Ok(match opt {
        TchOptimizer::Sgd => nn::Sgd::default().build(vs, lr)?,
        TchOptimizer::Adam => nn::Adam::default().build(vs, lr)?,
        TchOptimizer::SgdMomentum => nn::Sgd {
            momentum: 0.9,
            ..Default::default()
        }
        .build(vs, lr)?,
    })
}
