//! AdaGrad (PyTorch's `torch.optim.Adagrad`): per-parameter rates from the running sum
//! of squared gradients.
use tch::Tensor;

use super::{denominator_eps, descend, l2_grad, no_momentum, zero_all, Optimizer, StateBuffer};
use crate::{validate, Result};

/// Options of [`Adagrad`], with PyTorch's defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdagradConfig {
    /// The LR at step t is `lr / (1 + (t − 1) · lr_decay)` (default 0).
    pub lr_decay: f64,
    /// L2 penalty folded into the gradient (default 0).
    pub weight_decay: f64,
    /// Starting value of the accumulator (default 0).
    pub initial_accumulator_value: f64,
    /// Added to the root of the accumulator, finite and `> 0` (default 1e-10).
    pub eps: f64,
}

impl Default for AdagradConfig {
    fn default() -> Self {
        Self {
            lr_decay: 0.0,
            weight_decay: 0.0,
            initial_accumulator_value: 0.0,
            eps: 1e-10,
        }
    }
}

/// `torch.optim.Adagrad`.
#[derive(Debug)]
pub struct Adagrad {
    pub(super) params: Vec<Tensor>,
    pub(super) config: AdagradConfig,
    pub(super) sums: Vec<Tensor>,
    pub(super) steps: u64,
}

impl Adagrad {
    /// AdaGrad over `params`: shallow handles that share storage with the model, such as
    /// `vs.trainable_variables()` or `vec![w.shallow_clone()]` (see
    /// [passing parameters](crate::optim#passing-parameters)).
    pub fn new(params: Vec<Tensor>, config: AdagradConfig) -> Result<Self> {
        validate::non_negative("AdaGrad lr_decay", config.lr_decay)?;
        validate::non_negative("AdaGrad weight decay", config.weight_decay)?;
        validate::non_negative(
            "AdaGrad initial accumulator value",
            config.initial_accumulator_value,
        )?;
        denominator_eps("AdaGrad eps", config.eps)?;
        let sums = params
            .iter()
            .map(|p| p.full_like(config.initial_accumulator_value))
            .collect();
        Ok(Self {
            params,
            config,
            sums,
            steps: 0,
        })
    }
}

impl Optimizer for Adagrad {
    // ANCHOR: adagrad_step
    fn step(&mut self, lr: f64) -> Result<()> {
        validate::learning_rate("learning rate", lr)?;
        let _guard = tch::no_grad_guard();
        let c = self.config;
        self.steps = self.steps.saturating_add(1);
        let clr = lr / (1.0 + (self.steps - 1) as f64 * c.lr_decay);
        for (p, sum) in self.params.iter_mut().zip(&mut self.sums) {
            let Some(g) = l2_grad(p, c.weight_decay) else {
                continue;
            };
            *sum = &*sum + &g * &g; // G_t = G_{t−1} + g_t²
            let std = sum.sqrt() + c.eps;
            descend(p, &(g / std * clr))?; // θ −= η g / (√G + ε)
        }
        Ok(())
    }
    // ANCHOR_END: adagrad_step

    fn zero_grad(&mut self) {
        zero_all(&mut self.params);
    }

    super::checkpoint_hooks!();

    /// AdaGrad has no momentum: an error that says to turn the schedule's cycling off.
    fn set_momentum(&mut self, momentum: f64) -> Result<()> {
        Err(no_momentum("AdaGrad", momentum))
    }

    fn state(&self) -> Vec<StateBuffer> {
        vec![StateBuffer::of("sum", &self.sums)]
    }
}
