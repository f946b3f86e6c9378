//! Small models on `tch::nn`: linear maps and multi-layer perceptrons.
use tch::nn::{self, Module};
use tch::Tensor;

use crate::{Error, Result};

/// The nonlinearity between an MLP's layers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    /// `max(0, x)`.
    Relu,
    /// `tanh(x)`: smooth, so its Hessian is well defined everywhere (chapter 1's sharpness).
    Tanh,
}

/// A fully connected network `sizes[0] → sizes[1] → … → sizes[n]` with `activation`
/// between layers and none after the last.
#[derive(Debug)]
pub struct Mlp {
    layers: Vec<nn::Linear>,
    activation: Activation,
}

impl Mlp {
    /// Builds the layers under `path` (named `layer0`, `layer1`, …) with tch's default
    /// initialisation (uniform ±1/√fan_in, as PyTorch's `nn.Linear`).
    pub fn new(path: &nn::Path, sizes: &[i64], activation: Activation) -> Result<Self> {
        if sizes.len() < 2 || sizes.iter().any(|&s| s < 1) {
            return Err(Error::invalid(
                "MLP sizes",
                format!("got {sizes:?}"),
                "Give at least an input and an output size, all >= 1, e.g. [784, 128, 10].",
            ));
        }
        let layers = sizes
            .windows(2)
            .enumerate()
            .map(|(i, w)| nn::linear(path / format!("layer{i}"), w[0], w[1], Default::default()))
            .collect();
        Ok(Mlp { layers, activation })
    }
}

impl Module for Mlp {
    fn forward(&self, xs: &Tensor) -> Tensor {
        let last = self.layers.len() - 1;
        let mut h = xs.shallow_clone();
        for (i, layer) in self.layers.iter().enumerate() {
            h = layer.forward(&h);
            if i < last {
                h = match self.activation {
                    Activation::Relu => h.relu(),
                    Activation::Tanh => h.tanh(),
                };
            }
        }
        h
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind};

    #[test]
    fn mlp_shapes_and_parameter_count() {
        let vs = nn::VarStore::new(Device::Cpu);
        let mlp = Mlp::new(&vs.root(), &[784, 32, 10], Activation::Tanh).unwrap();
        let out = mlp.forward(&Tensor::zeros([5, 784], (Kind::Float, Device::Cpu)));
        assert_eq!(out.size(), vec![5, 10]);
        let n: i64 = vs
            .trainable_variables()
            .iter()
            .map(|t| t.numel() as i64)
            .sum();
        assert_eq!(n, 784 * 32 + 32 + 32 * 10 + 10);
        assert!(Mlp::new(&vs.root(), &[784], Activation::Relu).is_err());
    }
}
