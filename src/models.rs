//! Small models on `tch::nn`: multi-layer perceptrons and a small CNN, and [`seeded`]
//! construction, so that every chapter starts a run from the same weights on any device.
use tch::nn::{self, Module};
use tch::{Device, Kind, Tensor};

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

/// A small convolutional network for 28×28 single-channel images (Fashion-MNIST):
/// conv 5×5 (`channels.0` maps) → ReLU → max-pool 2 → conv 5×5 (`channels.1` maps) → ReLU →
/// max-pool 2 → linear to `classes`. Inputs may be `[n, 784]` rows or `[n, 1, 28, 28]` images.
#[derive(Debug)]
pub struct SmallCnn {
    conv1: nn::Conv2D,
    conv2: nn::Conv2D,
    fc: nn::Linear,
}

impl SmallCnn {
    /// Builds the layers under `path` (`conv1`, `conv2`, `fc`) with tch's default
    /// initialisation (PyTorch's `nn.Conv2d` and `nn.Linear`).
    pub fn new(path: &nn::Path, channels: (i64, i64), classes: i64) -> Result<Self> {
        if channels.0 < 1 || channels.1 < 1 || classes < 2 {
            return Err(Error::invalid(
                "CNN sizes",
                format!("got channels {channels:?} and {classes} classes"),
                "Pass at least 1 channel per layer and 2 classes, e.g. (8, 16) and 10.",
            ));
        }
        Ok(SmallCnn {
            conv1: nn::conv2d(path / "conv1", 1, channels.0, 5, Default::default()),
            conv2: nn::conv2d(
                path / "conv2",
                channels.0,
                channels.1,
                5,
                Default::default(),
            ),
            fc: nn::linear(path / "fc", channels.1 * 16, classes, Default::default()),
        })
    }
}

impl Module for SmallCnn {
    fn forward(&self, xs: &Tensor) -> Tensor {
        xs.reshape([-1, 1, 28, 28])
            .apply(&self.conv1)
            .relu()
            .max_pool2d_default(2)
            .apply(&self.conv2)
            .relu()
            .max_pool2d_default(2)
            .flatten(1, -1)
            .apply(&self.fc)
    }
}

/// An [`Mlp`] or a [`SmallCnn`], so one training loop takes either (chapter 6's setups,
/// chapter 4's tuned comparison).
#[derive(Debug)]
pub enum Net {
    /// The MLP.
    Mlp(Mlp),
    /// The CNN.
    Cnn(Box<SmallCnn>),
}

impl Module for Net {
    fn forward(&self, xs: &Tensor) -> Tensor {
        match self {
            Net::Mlp(m) => m.forward(xs),
            Net::Cnn(c) => c.forward(xs),
        }
    }
}

/// `‖θ‖₂` over every trainable variable of `vs`, accumulated in f64 (NaN if a variable
/// cannot be read back).
pub fn weight_norm(vs: &nn::VarStore) -> f64 {
    vs.trainable_variables()
        .iter()
        .map(|t| f64::try_from(t.square().sum(Kind::Double)).unwrap_or(f64::NAN))
        .sum::<f64>()
        .sqrt()
}

/// Fashion-MNIST's input and class counts around `hidden`: `[784, hidden…, 10]`.
pub fn fashion_mlp_sizes(hidden: &[i64]) -> Vec<i64> {
    let mut sizes = vec![784];
    sizes.extend(hidden);
    sizes.push(10);
    sizes
}

/// How tables name a Fashion-MNIST MLP: `784-128-10` for `hidden = [128]`.
pub fn mlp_label(hidden: &[i64]) -> String {
    let sizes: Vec<String> = fashion_mlp_sizes(hidden)
        .iter()
        .map(|s| s.to_string())
        .collect();
    sizes.join("-")
}

/// Builds a model with `build` after seeding libtorch with `seed`, on the CPU, converts its
/// parameters to `kind` and moves them to `device`.
///
/// Initialising on the CPU first means the CPU and a GPU start from the same weights, and
/// one seed gives one network whatever the device. Every chapter builds its models here.
pub fn seeded<M>(
    seed: u64,
    kind: Kind,
    device: Device,
    build: impl FnOnce(&nn::Path) -> Result<M>,
) -> Result<(nn::VarStore, M)> {
    tch::manual_seed(seed as i64);
    let mut vs = nn::VarStore::new(Device::Cpu);
    let model = build(&vs.root())?;
    if kind != Kind::Float {
        vs.set_kind(kind);
    }
    vs.set_device(device);
    Ok((vs, model))
}

/// An f32 [`Mlp`] with `sizes` and `activation`, initialised from `seed` (see [`seeded`]).
pub fn seeded_mlp(
    seed: u64,
    sizes: &[i64],
    activation: Activation,
    device: Device,
) -> Result<(nn::VarStore, Mlp)> {
    seeded(seed, Kind::Float, device, |root| {
        Mlp::new(root, sizes, activation)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn small_cnn_takes_rows_or_images_and_counts_parameters() {
        let vs = nn::VarStore::new(Device::Cpu);
        let cnn = SmallCnn::new(&vs.root(), (4, 8), 10).unwrap();
        let rows = cnn.forward(&Tensor::zeros([3, 784], (Kind::Float, Device::Cpu)));
        let images = cnn.forward(&Tensor::zeros([3, 1, 28, 28], (Kind::Float, Device::Cpu)));
        assert_eq!(rows.size(), vec![3, 10]);
        assert_eq!(images.size(), vec![3, 10]);
        let n: i64 = vs
            .trainable_variables()
            .iter()
            .map(|t| t.numel() as i64)
            .sum();
        assert_eq!(n, (25 * 4 + 4) + (4 * 25 * 8 + 8) + (8 * 16 * 10 + 10));
        assert!(SmallCnn::new(&vs.root(), (0, 8), 10).is_err());
    }

    #[test]
    fn seeded_models_repeat_and_label() {
        let _lock = crate::device::rng_lock();
        let (a, _) =
            seeded_mlp(3, &fashion_mlp_sizes(&[16]), Activation::Relu, Device::Cpu).unwrap();
        let (b, _) = seeded_mlp(3, &[784, 16, 10], Activation::Relu, Device::Cpu).unwrap();
        let (c, _) = seeded(4, Kind::Double, Device::Cpu, |root| {
            Mlp::new(root, &[784, 16, 10], Activation::Relu)
        })
        .unwrap();
        let first = |vs: &nn::VarStore| vs.variables()["layer0.weight"].shallow_clone();
        assert!(first(&a).equal(&first(&b)));
        assert_eq!(first(&c).kind(), Kind::Double);
        assert_ne!(
            first(&a).double_value(&[0, 0]),
            first(&c).double_value(&[0, 0])
        );
        assert_eq!(mlp_label(&[256, 128]), "784-256-128-10");
        assert!(seeded_mlp(0, &[784], Activation::Relu, Device::Cpu).is_err());
    }
}
