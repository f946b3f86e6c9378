//! Data for the book's experiments: Fashion-MNIST and small synthetic sets.
//!
//! Every data set is a [`Dataset`]: a tensor of inputs and a tensor of targets with the
//! same number of rows. Fashion-MNIST, the synthetic regression and the Gaussian blobs
//! all return this one type, so one training loop serves them all.
//!
//! | function | inputs | targets |
//! |---|---|---|
//! | [`fashion_mnist::load_default`] | `[n, 784]` f32 in `[0, 1]` | `[n]` i64, class 0–9 |
//! | [`synthetic::linear_regression`] | `[n, 1]` f64 in `[-1, 1)` | `[n, 1]` f64 |
//! | [`synthetic::gaussian_blobs`] | `[n, dim]` f32 | `[n]` i64 class |
//!
//! Minibatches come from [`Dataset::batches`]; shuffles and synthetic sets use the small
//! generator in [`rng`], so they are fixed by their seed alone.
use tch::{Device, Tensor};

use crate::{Error, Result};

pub mod batches;
pub mod fashion_mnist;
pub mod rng;
pub mod synthetic;

pub use batches::Batches;
pub use fashion_mnist::FashionMnist;

/// Inputs and targets, one example per row (the first dimension).
///
/// The fields are public so that you can use the tensors directly; the constructor
/// [`Dataset::new`] checks that both have the same number of rows.
#[derive(Debug)]
pub struct Dataset {
    /// The examples: `[n, ...]`, for example `[n, 784]` pixels.
    pub inputs: Tensor,
    /// What the model should predict: `[n]` class indices or `[n, k]` values.
    pub targets: Tensor,
}

/// The train or test part of a data set; the same type as [`Dataset`].
pub type Split = Dataset;

impl Dataset {
    /// Pairs `inputs` and `targets`, checking that they have the same number of rows.
    pub fn new(inputs: Tensor, targets: Tensor) -> Result<Self> {
        match (rows(&inputs), rows(&targets)) {
            (Some(a), Some(b)) if a == b => Ok(Dataset { inputs, targets }),
            _ => Err(Error::invalid(
                "dataset",
                format!(
                    "inputs have shape {:?} but targets have shape {:?}; they need the same \
                     number of rows (first dimension)",
                    inputs.size(),
                    targets.size()
                ),
                "Pass one target per input row.",
            )),
        }
    }

    /// The number of examples (rows).
    pub fn len(&self) -> usize {
        rows(&self.inputs).unwrap_or(0) as usize
    }

    /// Whether the data set has no examples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A copy of the data on `device`, for example `Device::Cuda(0)`.
    ///
    /// Moving the whole set once is much faster than moving each minibatch.
    pub fn to_device(&self, device: Device) -> Dataset {
        Dataset {
            inputs: self.inputs.to_device(device),
            targets: self.targets.to_device(device),
        }
    }

    /// The first `n` examples, for quick runs and tests.
    ///
    /// The result is a view: it shares memory with `self` and copies nothing.
    pub fn subset(&self, n: usize) -> Result<Dataset> {
        if n == 0 || n > self.len() {
            return Err(Error::invalid(
                "subset size",
                format!(
                    "asked for {n} examples, but the data set has {}",
                    self.len()
                ),
                format!("Pass a size from 1 to {}.", self.len()),
            ));
        }
        Ok(Dataset {
            inputs: self.inputs.narrow(0, 0, n as i64),
            targets: self.targets.narrow(0, 0, n as i64),
        })
    }

    /// The inputs as `[n, 1, 28, 28]` images, the layout a convolutional network wants.
    ///
    /// Only for 28×28 single-channel images such as Fashion-MNIST, whose rows hold
    /// 784 pixels.
    pub fn images_2d(&self) -> Result<Tensor> {
        let size = self.inputs.size();
        if size.len() != 2 || size[1] != 784 {
            return Err(Error::invalid(
                "image data",
                format!("inputs have shape {size:?}, but 28x28 images need shape [n, 784]"),
                "Use images_2d only on Fashion-MNIST-like data.",
            ));
        }
        Ok(self.inputs.reshape([-1, 1, 28, 28]))
    }

    /// A second handle to the same tensors (no copy), like [`Tensor::shallow_clone`].
    pub fn shallow_clone(&self) -> Dataset {
        Dataset {
            inputs: self.inputs.shallow_clone(),
            targets: self.targets.shallow_clone(),
        }
    }
}

/// The size of the first dimension, or `None` for a 0-dimensional tensor.
fn rows(t: &Tensor) -> Option<i64> {
    t.size().first().copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Kind;

    fn small() -> Dataset {
        let inputs = Tensor::arange(12, (Kind::Float, Device::Cpu)).view([6, 2]);
        let targets = Tensor::arange(6, (Kind::Int64, Device::Cpu));
        Dataset::new(inputs, targets).unwrap()
    }

    #[test]
    fn new_checks_row_counts() {
        let err = Dataset::new(
            Tensor::zeros([3, 2], tch::kind::FLOAT_CPU),
            Tensor::zeros([4], tch::kind::INT64_CPU),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("[3, 2]") && err.contains("[4]") && err.contains("same"),
            "{err}"
        );
        assert!(Dataset::new(Tensor::from(1.0), Tensor::from(1.0)).is_err());
    }

    #[test]
    fn subset_takes_the_first_rows() {
        let ds = small();
        assert_eq!(ds.len(), 6);
        let sub = ds.subset(2).unwrap();
        assert_eq!(sub.inputs.size(), [2, 2]);
        assert_eq!(Vec::<i64>::try_from(&sub.targets).unwrap(), [0, 1]);
        assert_eq!(
            Vec::<f32>::try_from(sub.inputs.flatten(0, -1)).unwrap(),
            [0.0, 1.0, 2.0, 3.0]
        );
        for bad in [0, 7] {
            let msg = ds.subset(bad).unwrap_err().to_string();
            assert!(
                msg.contains(&format!("asked for {bad} examples")) && msg.contains("from 1 to 6"),
                "{msg}"
            );
        }
    }

    #[test]
    fn images_2d_reshapes_784_columns_only() {
        let ds = Dataset::new(
            Tensor::zeros([3, 784], tch::kind::FLOAT_CPU),
            Tensor::zeros([3], tch::kind::INT64_CPU),
        )
        .unwrap();
        assert_eq!(ds.images_2d().unwrap().size(), [3, 1, 28, 28]);
        assert!(small()
            .images_2d()
            .unwrap_err()
            .to_string()
            .contains("[6, 2]"));
    }

    #[test]
    fn to_device_cpu_keeps_values() {
        let ds = small().to_device(Device::Cpu);
        assert_eq!(ds.targets.int64_value(&[5]), 5);
        assert!(!ds.is_empty());
    }
}
