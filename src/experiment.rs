//! The Fashion-MNIST MLP experiment that chapters 2 to 6 each run in their own way: which
//! subset, which network, how long. One struct holds those sizes, loads the data once
//! through [`fashion_mnist::load_standardized`] and builds the seeded network through
//! [`models::seeded_mlp`], so no chapter writes its own loader or model constructor.
use std::path::Path;

use tch::{nn, Device, Kind};

use crate::data::fashion_mnist::{self, FashionMnist};
use crate::models::{self, Activation, Mlp};
use crate::Result;

/// The sizes of a Fashion-MNIST experiment with a ReLU MLP.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MlpSetup {
    /// Training examples (the first n of Fashion-MNIST's training set).
    pub train_examples: usize,
    /// Held-out examples (the first n of the test set).
    pub test_examples: usize,
    /// Hidden widths of the ReLU MLP, between 784 inputs and 10 classes.
    pub hidden: Vec<i64>,
    /// Passes over the training set.
    pub epochs: usize,
    /// Examples per step.
    pub batch_size: usize,
}

impl MlpSetup {
    /// The first `train_examples` and `test_examples` of Fashion-MNIST, a ReLU MLP with
    /// `hidden` widths, trained for `epochs` passes in batches of `batch_size`:
    /// `MlpSetup::new(2000, 1000, &[64], 4, 64)` is 2000/1000 examples, `784-64-10`, 4 epochs
    /// of batch 64.
    pub fn new(
        train_examples: usize,
        test_examples: usize,
        hidden: &[i64],
        epochs: usize,
        batch_size: usize,
    ) -> Self {
        MlpSetup {
            train_examples,
            test_examples,
            hidden: hidden.to_vec(),
            epochs,
            batch_size,
        }
    }

    /// The subsets, standardised, on `device`; `data_dir` as `--data-dir` (None: the
    /// installed copy).
    pub fn load_data(&self, data_dir: Option<&Path>, device: Device) -> Result<FashionMnist> {
        fashion_mnist::load_standardized(data_dir, self.train_examples, self.test_examples, device)
    }

    /// The network `784-hidden…-10`, initialised from `seed` on the CPU and moved to `device`.
    pub fn model(&self, seed: u64, device: Device) -> Result<(nn::VarStore, Mlp)> {
        models::seeded_mlp(
            seed,
            &models::fashion_mlp_sizes(&self.hidden),
            Activation::Relu,
            device,
        )
    }

    /// [`MlpSetup::model`] with its parameters in `kind` (the same f32 initialisation,
    /// converted): `Kind::Double` for runs that must round alike on every processor.
    pub fn model_in(&self, seed: u64, kind: Kind, device: Device) -> Result<(nn::VarStore, Mlp)> {
        models::seeded(seed, kind, device, |root| {
            Mlp::new(
                root,
                &models::fashion_mlp_sizes(&self.hidden),
                Activation::Relu,
            )
        })
    }

    /// The network's name in tables, e.g. `784-128-10`.
    pub fn label(&self) -> String {
        models::mlp_label(&self.hidden)
    }
}
