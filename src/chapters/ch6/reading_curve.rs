//! "Reading the curve": the chapter's three setups (an MLP with SGD, the same MLP with Adam,
//! a small CNN with SGD and momentum) and the range test on each fresh model.
use tch::nn;
use tch::{Device, Kind};

use super::procedure::run_finder;
use super::FinderConfig;
use crate::data::fashion_mnist::FashionMnist;
use crate::finder::RangeTestResult;
use crate::models::{self, Activation, SmallCnn};
/// The optimizer of a setup: one of tch's own.
pub use crate::optim::tch_nn::TchOptimizer as Opt;
use crate::Result;

/// The network of a setup.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Arch {
    /// ReLU MLP 784-h-10.
    Mlp,
    /// [`SmallCnn`].
    Cnn,
}

/// A model and an optimizer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Setup {
    /// The network.
    pub arch: Arch,
    /// The optimizer.
    pub opt: Opt,
}

impl Setup {
    /// The chapter's three setups.
    pub const ALL: [Setup; 3] = [
        Setup {
            arch: Arch::Mlp,
            opt: Opt::Sgd,
        },
        Setup {
            arch: Arch::Mlp,
            opt: Opt::Adam,
        },
        Setup {
            arch: Arch::Cnn,
            opt: Opt::SgdMomentum,
        },
    ];

    /// The name in tables and legends.
    pub fn name(self) -> &'static str {
        match (self.arch, self.opt) {
            (Arch::Mlp, Opt::Sgd) => "MLP, SGD",
            (Arch::Mlp, Opt::Adam) => "MLP, Adam",
            (Arch::Mlp, Opt::SgdMomentum) => "MLP, SGD momentum 0.9",
            (Arch::Cnn, Opt::Sgd) => "CNN, SGD",
            (Arch::Cnn, Opt::Adam) => "CNN, Adam",
            (Arch::Cnn, Opt::SgdMomentum) => "CNN, SGD momentum 0.9",
        }
    }
}

/// An MLP or a CNN: the library's [`models::Net`].
pub use crate::models::Net;

/// A fresh model for `setup`, initialised from `seed`, on `device` (see [`models::seeded`]).
pub fn build_model(
    cfg: &FinderConfig,
    setup: Setup,
    seed: u64,
    device: Device,
) -> Result<(nn::VarStore, Net)> {
    Ok(match setup.arch {
        Arch::Mlp => {
            let sizes = models::fashion_mlp_sizes(&[cfg.hidden]);
            let (vs, mlp) = models::seeded_mlp(seed, &sizes, Activation::Relu, device)?;
            (vs, Net::Mlp(mlp))
        }
        Arch::Cnn => {
            let (vs, cnn) = models::seeded(seed, Kind::Float, device, |root| {
                SmallCnn::new(root, cfg.cnn_channels, 10)
            })?;
            (vs, Net::Cnn(Box::new(cnn)))
        }
    })
}

/// The range test on a fresh model of `setup`, initialised and shuffled from the first seed.
pub fn fresh_range_test(
    cfg: &FinderConfig,
    data: &FashionMnist,
    setup: Setup,
    device: Device,
) -> Result<RangeTestResult> {
    let seed = cfg.seeds[0];
    let (vs, net) = build_model(cfg, setup, seed, device)?;
    run_finder(cfg, setup, &vs, &net, &data.train, seed)
}
