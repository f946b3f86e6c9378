//! Adam with bias correction, its AMSGrad variant, and AdamW's decoupled weight decay
//! (PyTorch's `torch.optim.Adam` and `torch.optim.AdamW`).
use tch::Tensor;

use super::{
    beta, denominator_eps, descend, l2_grad, pow_count, shrink, zero_all, zeros_like_all,
    Optimizer, StateBuffer,
};
use crate::{validate, Result};

/// Options of [`Adam`], with `torch.optim.Adam`'s defaults ([`AdamConfig::adamw`] gives
/// `torch.optim.AdamW`'s).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamConfig {
    /// `(β₁, β₂)`, the decays of the first and second moments, each in `[0, 1)` (default
    /// `(0.9, 0.999)`). A schedule that cycles momentum sets β₁.
    pub betas: (f64, f64),
    /// Added to the root of the corrected second moment, finite and `> 0` (default 1e-8;
    /// PyTorch also accepts 0, which gives NaN wherever a gradient entry is 0).
    pub eps: f64,
    /// Weight decay: an L2 term in the gradient (Adam), or a shrink of the weights by
    /// `1 − η·λ` before the step when `decoupled_weight_decay` (AdamW). Default 0 (Adam),
    /// 0.01 (AdamW).
    pub weight_decay: f64,
    /// AdamW's decoupled weight decay (default false; PyTorch's `Adam` takes the same
    /// keyword, and `AdamW` is `Adam` with it set).
    pub decoupled_weight_decay: bool,
    /// Use the running maximum of the second moment (default false).
    pub amsgrad: bool,
}

impl Default for AdamConfig {
    fn default() -> Self {
        Self {
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.0,
            decoupled_weight_decay: false,
            amsgrad: false,
        }
    }
}

impl AdamConfig {
    /// `torch.optim.AdamW`'s defaults: decoupled weight decay 0.01.
    pub fn adamw() -> Self {
        Self {
            weight_decay: 0.01,
            decoupled_weight_decay: true,
            ..Self::default()
        }
    }
}

/// `torch.optim.Adam` (and `AdamW` with [`AdamConfig::adamw`]).
#[derive(Debug)]
pub struct Adam {
    pub(super) params: Vec<Tensor>,
    pub(super) config: AdamConfig,
    pub(super) exp_avgs: Vec<Tensor>,
    pub(super) exp_avg_sqs: Vec<Tensor>,
    pub(super) max_exp_avg_sqs: Vec<Tensor>,
    /// Working memory for the update, one tensor per parameter (not state: it carries
    /// nothing from one step to the next; the fused path, which needs none, empties it).
    pub(super) scratch: Vec<Tensor>,
    pub(super) steps: u64,
}

impl Adam {
    /// Adam over `params`: shallow handles that share storage with the model, such as
    /// `vs.trainable_variables()` or `vec![w.shallow_clone()]` (see
    /// [passing parameters](crate::optim#passing-parameters)).
    pub fn new(params: Vec<Tensor>, config: AdamConfig) -> Result<Self> {
        beta("Adam beta1", config.betas.0)?;
        beta("Adam beta2", config.betas.1)?;
        denominator_eps("Adam eps", config.eps)?;
        validate::non_negative("Adam weight decay", config.weight_decay)?;
        let exp_avgs = zeros_like_all(&params);
        let exp_avg_sqs = zeros_like_all(&params);
        let max_exp_avg_sqs = if config.amsgrad {
            zeros_like_all(&params)
        } else {
            Vec::new()
        };
        Ok(Self {
            scratch: zeros_like_all(&params),
            params,
            config,
            exp_avgs,
            exp_avg_sqs,
            max_exp_avg_sqs,
            steps: 0,
        })
    }

    /// Steps taken so far (the `t` of the bias corrections).
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// The effective per-element learning rate of parameter `i` for the next update,
    /// `η / (1 − β₁ᵗ) / (√(v_t / (1 − β₂ᵗ)) + ε)`, at base learning rate `lr`: what
    /// multiplies the first moment `m_t` in the step just taken. `None` before any step.
    pub fn effective_lr(&self, i: usize, lr: f64) -> Option<Tensor> {
        if self.steps == 0 {
            return None;
        }
        let c = self.config;
        let (beta1, beta2) = c.betas;
        let t = self.steps;
        let (bc1, bc2) = (1.0 - pow_count(beta1, t), 1.0 - pow_count(beta2, t));
        let v = if c.amsgrad {
            &self.max_exp_avg_sqs[i]
        } else {
            &self.exp_avg_sqs[i]
        };
        Some((v.sqrt() / bc2.sqrt() + c.eps).reciprocal() * (lr / bc1))
    }
}

impl Optimizer for Adam {
    // ANCHOR: adam_step
    fn step(&mut self, lr: f64) -> Result<()> {
        validate::learning_rate("learning rate", lr)?;
        let _guard = tch::no_grad_guard();
        let c = self.config;
        let (beta1, beta2) = c.betas; // β₁ as a momentum-cycling schedule set it
        self.steps = self.steps.saturating_add(1);
        let t = self.steps;
        let bias_correction1 = 1.0 - pow_count(beta1, t);
        let bias_correction2 = 1.0 - pow_count(beta2, t);
        for i in 0..self.params.len() {
            let decoupled = c.decoupled_weight_decay;
            let l2 = if decoupled { 0.0 } else { c.weight_decay };
            let Some(g) = l2_grad(&self.params[i], l2) else {
                continue;
            };
            if decoupled && c.weight_decay != 0.0 {
                shrink(&mut self.params[i], 1.0 - lr * c.weight_decay)?; // AdamW: shrink θ
            }
            // In place, into a scratch buffer kept per parameter: no allocation per step.
            let m = &mut self.exp_avgs[i];
            let _ = m.f_lerp_(&g, 1.0 - beta1)?; // m = β₁m + (1−β₁)g
            let tmp = &mut self.scratch[i];
            let _ = g.f_mul_out(tmp, &g)?; // g²
            let v = &mut self.exp_avg_sqs[i];
            let _ = v.f_lerp_(tmp, 1.0 - beta2)?; // v = β₂v + (1−β₂)g²
            if c.amsgrad {
                let v_max = &mut self.max_exp_avg_sqs[i];
                // AMSGrad: the stored maximum of v never shrinks; the bias correction still
                // divides it, so the denominator itself can shrink (as in PyTorch).
                let _ = v_max.f_maximum_out(tmp, v)?;
                v_max.f_copy_(tmp)?;
            }
            let v_used = if c.amsgrad {
                &self.max_exp_avg_sqs[i]
            } else {
                &self.exp_avg_sqs[i]
            };
            // θ −= η/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε)
            let _ = v_used.f_sqrt_out(tmp)?;
            let _ = tmp.f_div_scalar_(bias_correction2.sqrt())?;
            let _ = tmp.f_add_scalar_(c.eps)?; // tmp = √v̂ + ε
            let _ = tmp.f_reciprocal_()?;
            let _ = tmp.f_mul_(&self.exp_avgs[i])?;
            let _ = tmp.f_mul_scalar_(lr / bias_correction1)?;
            descend(&mut self.params[i], tmp)?;
        }
        Ok(())
    }
    // ANCHOR_END: adam_step

    fn zero_grad(&mut self) {
        zero_all(&mut self.params);
    }

    super::checkpoint_hooks!();

    fn set_momentum(&mut self, momentum: f64) -> Result<()> {
        self.config.betas.0 = beta("Adam beta1", momentum)?;
        Ok(())
    }

    fn momentum(&self) -> Option<f64> {
        Some(self.config.betas.0)
    }

    fn state(&self) -> Vec<StateBuffer> {
        let mut out = vec![
            StateBuffer::of("exp_avg", &self.exp_avgs),
            StateBuffer::of("exp_avg_sq", &self.exp_avg_sqs),
        ];
        if self.config.amsgrad {
            out.push(StateBuffer::of("max_exp_avg_sq", &self.max_exp_avg_sqs));
        }
        out
    }
}
