//! Stochastic gradient descent with momentum, dampening, Nesterov and weight decay
//! (PyTorch's `torch.optim.SGD`).
use tch::Tensor;

use super::{descend, l2_grad, momentum_coefficient, zero_all, Optimizer, StateBuffer};
use crate::{validate, Error, Result};

/// Options of [`Sgd`], with PyTorch's defaults (all zero, no Nesterov).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SgdConfig {
    /// Heavy-ball coefficient μ in `[0, 1)`; 0 is plain SGD. (PyTorch accepts any
    /// `μ >= 0`; at `μ >= 1` the buffer grows without bound, so lrbook rejects it.)
    pub momentum: f64,
    /// Dampening τ of the gradient added to the buffer, in `[0, 1]` (PyTorch accepts any
    /// value; outside `[0, 1]` the gradient's weight `1 − τ` is negative or above 1).
    pub dampening: f64,
    /// L2 penalty folded into the gradient (`>= 0`).
    pub weight_decay: f64,
    /// Nesterov's look-ahead; needs `momentum > 0` and `dampening == 0`.
    pub nesterov: bool,
}

/// `torch.optim.SGD`.
#[derive(Debug)]
pub struct Sgd {
    pub(super) params: Vec<Tensor>,
    pub(super) config: SgdConfig,
    /// Momentum buffers; `None` until the first step, which copies the gradient.
    pub(super) buffers: Vec<Option<Tensor>>,
}

impl Sgd {
    /// SGD over `params`: shallow handles that share storage with the model, such as
    /// `vs.trainable_variables()` or `vec![w.shallow_clone()]` (see
    /// [passing parameters](crate::optim#passing-parameters)).
    pub fn new(params: Vec<Tensor>, config: SgdConfig) -> Result<Self> {
        momentum_coefficient("SGD momentum", config.momentum)?;
        if !(0.0..=1.0).contains(&config.dampening) {
            return Err(Error::invalid(
                "SGD dampening",
                format!("got {}, but it must lie in [0, 1]", config.dampening),
                "Pass 0 (PyTorch's default) or a fraction such as 0.1.",
            ));
        }
        validate::non_negative("SGD weight decay", config.weight_decay)?;
        if config.nesterov && (config.momentum <= 0.0 || config.dampening != 0.0) {
            return Err(Error::invalid(
                "SGD nesterov",
                format!(
                    "Nesterov needs momentum > 0 and dampening = 0, got momentum {} and \
                     dampening {}",
                    config.momentum, config.dampening
                ),
                "Set a momentum such as 0.9 and no dampening, or turn Nesterov off.",
            ));
        }
        let buffers = params.iter().map(|_| None).collect();
        Ok(Self {
            params,
            config,
            buffers,
        })
    }
}

impl Optimizer for Sgd {
    // ANCHOR: sgd_step
    fn step(&mut self, lr: f64) -> Result<()> {
        validate::learning_rate("learning rate", lr)?;
        let _guard = tch::no_grad_guard();
        let c = self.config;
        for (p, buf) in self.params.iter_mut().zip(&mut self.buffers) {
            let Some(mut d_p) = l2_grad(p, c.weight_decay) else {
                continue;
            };
            if c.momentum != 0.0 {
                d_p = heavy_ball(d_p, buf, c.momentum, c.dampening, c.nesterov);
            }
            descend(p, &(d_p * lr))?;
        }
        Ok(())
    }
    // ANCHOR_END: sgd_step

    fn zero_grad(&mut self) {
        zero_all(&mut self.params);
    }

    super::checkpoint_hooks!();

    fn set_momentum(&mut self, momentum: f64) -> Result<()> {
        self.config.momentum = momentum_coefficient("SGD momentum", momentum)?;
        Ok(())
    }

    fn momentum(&self) -> Option<f64> {
        Some(self.config.momentum)
    }

    fn state(&self) -> Vec<StateBuffer> {
        StateBuffer::created("momentum_buffer", &self.buffers)
    }
}

/// PyTorch's SGD momentum on the step direction `d_p`: the buffer starts as the first
/// gradient, then `b ← μb + (1 − dampening)·d_p`; the result is `b`, or `d_p + μb` with
/// Nesterov. LARS applies the same after its trust ratio.
pub(super) fn heavy_ball(
    d_p: Tensor,
    buf: &mut Option<Tensor>,
    momentum: f64,
    dampening: f64,
    nesterov: bool,
) -> Tensor {
    let b = match buf.take() {
        None => d_p.copy(), // first step: the buffer is the gradient itself
        Some(b) => b * momentum + &d_p * (1.0 - dampening),
    };
    let d_p = if nesterov {
        d_p + &b * momentum
    } else {
        b.shallow_clone()
    };
    *buf = Some(b);
    d_p
}
