//! RMSProp (PyTorch's `torch.optim.RMSprop`), with its centered and momentum options.
use tch::Tensor;

use super::{
    beta, denominator_eps, descend, l2_grad, momentum_coefficient, zero_all, zeros_like_all,
    Optimizer, StateBuffer,
};
use crate::{validate, Result};

/// Options of [`RmsProp`], with PyTorch's defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RmsPropConfig {
    /// Decay α of the squared-gradient average, in `[0, 1)` (default 0.99).
    pub alpha: f64,
    /// Added to the root of the average, finite and `> 0` (default 1e-8).
    pub eps: f64,
    /// L2 penalty folded into the gradient (default 0).
    pub weight_decay: f64,
    /// Momentum on the scaled step, in `[0, 1)` (default 0).
    pub momentum: f64,
    /// Divide by the estimated standard deviation instead of the RMS (default false).
    pub centered: bool,
}

impl Default for RmsPropConfig {
    fn default() -> Self {
        Self {
            alpha: 0.99,
            eps: 1e-8,
            weight_decay: 0.0,
            momentum: 0.0,
            centered: false,
        }
    }
}

/// `torch.optim.RMSprop`.
#[derive(Debug)]
pub struct RmsProp {
    pub(super) params: Vec<Tensor>,
    pub(super) config: RmsPropConfig,
    pub(super) square_avgs: Vec<Tensor>,
    pub(super) grad_avgs: Vec<Tensor>,
    pub(super) buffers: Vec<Tensor>,
}

impl RmsProp {
    /// RMSProp over `params`: shallow handles that share storage with the model, such as
    /// `vs.trainable_variables()` or `vec![w.shallow_clone()]` (see
    /// [passing parameters](crate::optim#passing-parameters)).
    pub fn new(params: Vec<Tensor>, config: RmsPropConfig) -> Result<Self> {
        beta("RMSProp alpha", config.alpha)?;
        denominator_eps("RMSProp eps", config.eps)?;
        validate::non_negative("RMSProp weight decay", config.weight_decay)?;
        momentum_coefficient("RMSProp momentum", config.momentum)?;
        let square_avgs = zeros_like_all(&params);
        let grad_avgs = if config.centered {
            zeros_like_all(&params)
        } else {
            Vec::new()
        };
        let buffers = if config.momentum > 0.0 {
            zeros_like_all(&params)
        } else {
            Vec::new()
        };
        Ok(Self {
            params,
            config,
            square_avgs,
            grad_avgs,
            buffers,
        })
    }
}

impl Optimizer for RmsProp {
    // ANCHOR: rmsprop_step
    fn step(&mut self, lr: f64) -> Result<()> {
        validate::learning_rate("learning rate", lr)?;
        let _guard = tch::no_grad_guard();
        let c = self.config;
        for i in 0..self.params.len() {
            let Some(g) = l2_grad(&self.params[i], c.weight_decay) else {
                continue;
            };
            let v = &mut self.square_avgs[i];
            *v = &*v * c.alpha + &g * &g * (1.0 - c.alpha); // v = αv + (1−α)g²
            let rms = if c.centered {
                let m = &mut self.grad_avgs[i];
                *m = &*m * c.alpha + &g * (1.0 - c.alpha); // m = αm + (1−α)g
                (&*v - &*m * &*m).sqrt() // √(v − m²): the standard deviation
            } else {
                v.sqrt()
            } + c.eps;
            if c.momentum > 0.0 {
                let b = &mut self.buffers[i];
                *b = &*b * c.momentum + g / rms;
                descend(&mut self.params[i], &(&*b * lr))?;
            } else {
                descend(&mut self.params[i], &(g / rms * lr))?;
            }
        }
        Ok(())
    }
    // ANCHOR_END: rmsprop_step

    fn zero_grad(&mut self) {
        zero_all(&mut self.params);
    }

    super::checkpoint_hooks!();

    fn set_momentum(&mut self, momentum: f64) -> Result<()> {
        momentum_coefficient("RMSProp momentum", momentum)?;
        if self.buffers.is_empty() && momentum > 0.0 {
            self.buffers = zeros_like_all(&self.params);
        }
        self.config.momentum = momentum;
        Ok(())
    }

    fn momentum(&self) -> Option<f64> {
        Some(self.config.momentum)
    }

    fn state(&self) -> Vec<StateBuffer> {
        let mut out = vec![StateBuffer::of("square_avg", &self.square_avgs)];
        if !self.grad_avgs.is_empty() {
            out.push(StateBuffer::of("grad_avg", &self.grad_avgs));
        }
        if !self.buffers.is_empty() {
            out.push(StateBuffer::of("momentum_buffer", &self.buffers));
        }
        out
    }
}
