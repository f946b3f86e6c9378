//! Adam's relatives: Adamax (infinity norm), NAdam (Nesterov momentum with a warming
//! momentum schedule) and RAdam (variance rectification), as in `torch.optim`.
use tch::Tensor;

use super::{
    beta, denominator_eps, descend, l2_grad, pow_count, shrink, zero_all, zeros_like_all,
    Optimizer, StateBuffer,
};
use crate::{validate, Result};

fn check_adam_like(name: &str, betas: (f64, f64), eps: f64, weight_decay: f64) -> Result<()> {
    beta(&format!("{name} beta1"), betas.0)?;
    beta(&format!("{name} beta2"), betas.1)?;
    denominator_eps(&format!("{name} eps"), eps)?;
    validate::non_negative(&format!("{name} weight decay"), weight_decay)?;
    Ok(())
}

/// Options of [`Adamax`], with PyTorch's defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamaxConfig {
    /// `(β₁, β₂)`: the first moment's decay and the infinity norm's, each in `[0, 1)`
    /// (default `(0.9, 0.999)`). A schedule that cycles momentum sets β₁.
    pub betas: (f64, f64),
    /// Added to `|g|` inside the maximum, finite and `> 0` (default 1e-8).
    pub eps: f64,
    /// L2 penalty folded into the gradient (default 0).
    pub weight_decay: f64,
}

impl Default for AdamaxConfig {
    fn default() -> Self {
        Self {
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.0,
        }
    }
}

/// `torch.optim.Adamax`: Adam with the second moment replaced by an exponentially
/// weighted infinity norm `u = max(β₂u, |g| + ε)`.
#[derive(Debug)]
pub struct Adamax {
    pub(super) params: Vec<Tensor>,
    pub(super) config: AdamaxConfig,
    pub(super) exp_avgs: Vec<Tensor>,
    pub(super) exp_infs: Vec<Tensor>,
    pub(super) steps: u64,
}

impl Adamax {
    /// Adamax over `params`: shallow handles that share storage with the model, such as
    /// `vs.trainable_variables()` or `vec![w.shallow_clone()]` (see
    /// [passing parameters](crate::optim#passing-parameters)).
    pub fn new(params: Vec<Tensor>, config: AdamaxConfig) -> Result<Self> {
        check_adam_like("Adamax", config.betas, config.eps, config.weight_decay)?;
        Ok(Self {
            exp_avgs: zeros_like_all(&params),
            exp_infs: zeros_like_all(&params),
            params,
            config,
            steps: 0,
        })
    }
}

impl Optimizer for Adamax {
    // ANCHOR: adamax_step
    fn step(&mut self, lr: f64) -> Result<()> {
        validate::learning_rate("learning rate", lr)?;
        let _guard = tch::no_grad_guard();
        let c = self.config;
        let (beta1, beta2) = c.betas; // β₁ as a momentum-cycling schedule set it
        self.steps = self.steps.saturating_add(1);
        let clr = lr / (1.0 - pow_count(beta1, self.steps));
        for i in 0..self.params.len() {
            let Some(g) = l2_grad(&self.params[i], c.weight_decay) else {
                continue;
            };
            let m = &mut self.exp_avgs[i];
            *m = &*m * beta1 + &g * (1.0 - beta1);
            let u = &mut self.exp_infs[i];
            *u = (&*u * beta2).maximum(&(g.abs() + c.eps)); // u = max(β₂u, |g| + ε)
            descend(
                &mut self.params[i],
                &(&self.exp_avgs[i] / &self.exp_infs[i] * clr),
            )?;
        }
        Ok(())
    }
    // ANCHOR_END: adamax_step

    fn zero_grad(&mut self) {
        zero_all(&mut self.params);
    }

    super::checkpoint_hooks!();

    fn set_momentum(&mut self, momentum: f64) -> Result<()> {
        self.config.betas.0 = beta("Adamax beta1", momentum)?;
        Ok(())
    }

    fn momentum(&self) -> Option<f64> {
        Some(self.config.betas.0)
    }

    fn state(&self) -> Vec<StateBuffer> {
        vec![
            StateBuffer::of("exp_avg", &self.exp_avgs),
            StateBuffer::of("exp_inf", &self.exp_infs),
        ]
    }
}

/// Options of [`NAdam`], with PyTorch's defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NAdamConfig {
    /// `(β₁, β₂)`, the decays of the first and second moments, each in `[0, 1)` (default
    /// `(0.9, 0.999)`). A schedule that cycles momentum sets β₁.
    pub betas: (f64, f64),
    /// Added to the root of the corrected second moment, finite and `> 0` (default 1e-8).
    pub eps: f64,
    /// Weight decay, L2 or decoupled (default 0).
    pub weight_decay: f64,
    /// ψ of the momentum warm-up `μ_t = β₁(1 − ½·0.96^(tψ))` (default 4e-3).
    pub momentum_decay: f64,
    /// Shrink the weights AdamW-style instead of adding L2 to the gradient (default false).
    pub decoupled_weight_decay: bool,
}

impl Default for NAdamConfig {
    fn default() -> Self {
        Self {
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.0,
            momentum_decay: 4e-3,
            decoupled_weight_decay: false,
        }
    }
}

/// `torch.optim.NAdam` (Dozat 2016, with PyTorch's momentum schedule).
#[derive(Debug)]
pub struct NAdam {
    pub(super) params: Vec<Tensor>,
    pub(super) config: NAdamConfig,
    pub(super) exp_avgs: Vec<Tensor>,
    pub(super) exp_avg_sqs: Vec<Tensor>,
    pub(super) mu_product: f64,
    pub(super) steps: u64,
}

impl NAdam {
    /// NAdam over `params`: shallow handles that share storage with the model, such as
    /// `vs.trainable_variables()` or `vec![w.shallow_clone()]` (see
    /// [passing parameters](crate::optim#passing-parameters)).
    pub fn new(params: Vec<Tensor>, config: NAdamConfig) -> Result<Self> {
        check_adam_like("NAdam", config.betas, config.eps, config.weight_decay)?;
        validate::non_negative("NAdam momentum_decay", config.momentum_decay)?;
        Ok(Self {
            exp_avgs: zeros_like_all(&params),
            exp_avg_sqs: zeros_like_all(&params),
            params,
            config,
            mu_product: 1.0,
            steps: 0,
        })
    }
}

impl Optimizer for NAdam {
    // ANCHOR: nadam_step
    fn step(&mut self, lr: f64) -> Result<()> {
        validate::learning_rate("learning rate", lr)?;
        let _guard = tch::no_grad_guard();
        let c = self.config;
        // β₁ as a momentum-cycling schedule set it: μ_t and μ_{t+1} use this step's β₁, and
        // the product of the μ so far keeps the earlier ones (as in PyTorch).
        let (beta1, beta2) = c.betas;
        self.steps = self.steps.saturating_add(1);
        let t = self.steps as f64;
        let bias_correction2 = 1.0 - beta2.powf(t);
        let mu = beta1 * (1.0 - 0.5 * 0.96f64.powf(t * c.momentum_decay));
        let mu_next = beta1 * (1.0 - 0.5 * 0.96f64.powf((t + 1.0) * c.momentum_decay));
        self.mu_product *= mu;
        let mu_product_next = self.mu_product * mu_next;
        for i in 0..self.params.len() {
            let l2 = if c.decoupled_weight_decay {
                0.0
            } else {
                c.weight_decay
            };
            let Some(g) = l2_grad(&self.params[i], l2) else {
                continue;
            };
            if c.decoupled_weight_decay && c.weight_decay != 0.0 {
                shrink(&mut self.params[i], 1.0 - lr * c.weight_decay)?;
            }
            let m = &mut self.exp_avgs[i];
            *m = &*m * beta1 + &g * (1.0 - beta1);
            let v = &mut self.exp_avg_sqs[i];
            *v = &*v * beta2 + &g * &g * (1.0 - beta2);
            let denom = (&*v / bias_correction2).sqrt() + c.eps;
            // The gradient's share with this step's μ, the momentum's with next step's.
            let from_grad = &g / &denom * (lr * (1.0 - mu) / (1.0 - self.mu_product));
            let from_momentum =
                &self.exp_avgs[i] / &denom * (lr * mu_next / (1.0 - mu_product_next));
            descend(&mut self.params[i], &from_grad)?;
            descend(&mut self.params[i], &from_momentum)?;
        }
        Ok(())
    }
    // ANCHOR_END: nadam_step

    fn zero_grad(&mut self) {
        zero_all(&mut self.params);
    }

    super::checkpoint_hooks!();

    fn set_momentum(&mut self, momentum: f64) -> Result<()> {
        self.config.betas.0 = beta("NAdam beta1", momentum)?;
        Ok(())
    }

    fn momentum(&self) -> Option<f64> {
        Some(self.config.betas.0)
    }

    fn state(&self) -> Vec<StateBuffer> {
        vec![
            StateBuffer::of("exp_avg", &self.exp_avgs),
            StateBuffer::of("exp_avg_sq", &self.exp_avg_sqs),
        ]
    }
}

/// Options of [`RAdam`], with PyTorch's defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RAdamConfig {
    /// `(β₁, β₂)`, the decays of the first and second moments, each in `[0, 1)` (default
    /// `(0.9, 0.999)`). A schedule that cycles momentum sets β₁.
    pub betas: (f64, f64),
    /// Added to the root of the second moment, finite and `> 0` (default 1e-8).
    pub eps: f64,
    /// Weight decay, L2 or decoupled (default 0).
    pub weight_decay: f64,
    /// Shrink the weights AdamW-style instead of adding L2 to the gradient (default false).
    pub decoupled_weight_decay: bool,
}

impl Default for RAdamConfig {
    fn default() -> Self {
        Self {
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.0,
            decoupled_weight_decay: false,
        }
    }
}

/// `torch.optim.RAdam` (Liu et al. 2020): momentum SGD with bias correction while the
/// variance of the adaptive rate is intractable (`ρ_t ≤ 5`), rectified Adam afterwards.
#[derive(Debug)]
pub struct RAdam {
    pub(super) params: Vec<Tensor>,
    pub(super) config: RAdamConfig,
    pub(super) exp_avgs: Vec<Tensor>,
    pub(super) exp_avg_sqs: Vec<Tensor>,
    pub(super) steps: u64,
}

impl RAdam {
    /// RAdam over `params`: shallow handles that share storage with the model, such as
    /// `vs.trainable_variables()` or `vec![w.shallow_clone()]` (see
    /// [passing parameters](crate::optim#passing-parameters)).
    pub fn new(params: Vec<Tensor>, config: RAdamConfig) -> Result<Self> {
        check_adam_like("RAdam", config.betas, config.eps, config.weight_decay)?;
        Ok(Self {
            exp_avgs: zeros_like_all(&params),
            exp_avg_sqs: zeros_like_all(&params),
            params,
            config,
            steps: 0,
        })
    }

    /// `ρ_t`, the length of the approximated simple moving average at step `t`; the
    /// adaptive step is used only when it exceeds 5 (PyTorch's threshold).
    pub fn rho(beta2: f64, t: u64) -> f64 {
        let rho_inf = 2.0 / (1.0 - beta2) - 1.0;
        let b2t = beta2.powf(t as f64);
        rho_inf - 2.0 * t as f64 * b2t / (1.0 - b2t)
    }
}

impl Optimizer for RAdam {
    // ANCHOR: radam_step
    fn step(&mut self, lr: f64) -> Result<()> {
        validate::learning_rate("learning rate", lr)?;
        let _guard = tch::no_grad_guard();
        let c = self.config;
        let (beta1, beta2) = c.betas; // β₁ as a momentum-cycling schedule set it
        self.steps = self.steps.saturating_add(1);
        let t = self.steps as f64;
        let bias_correction1 = 1.0 - beta1.powf(t);
        let bias_correction2 = 1.0 - beta2.powf(t);
        let rho_inf = 2.0 / (1.0 - beta2) - 1.0;
        let rho_t = Self::rho(beta2, self.steps);
        let rect = ((rho_t - 4.0) * (rho_t - 2.0) * rho_inf
            / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))
            .sqrt();
        for i in 0..self.params.len() {
            let l2 = if c.decoupled_weight_decay {
                0.0
            } else {
                c.weight_decay
            };
            let Some(g) = l2_grad(&self.params[i], l2) else {
                continue;
            };
            if c.decoupled_weight_decay && c.weight_decay != 0.0 {
                shrink(&mut self.params[i], 1.0 - lr * c.weight_decay)?;
            }
            let m = &mut self.exp_avgs[i];
            *m = &*m * beta1 + &g * (1.0 - beta1);
            let v = &mut self.exp_avg_sqs[i];
            *v = &*v * beta2 + &g * &g * (1.0 - beta2);
            let m_hat = &self.exp_avgs[i] / bias_correction1;
            let update = if rho_t > 5.0 {
                let adaptive =
                    (self.exp_avg_sqs[i].sqrt() + c.eps).reciprocal() * bias_correction2.sqrt();
                m_hat * lr * adaptive * rect
            } else {
                m_hat * lr // too early to trust v: bias-corrected momentum SGD
            };
            descend(&mut self.params[i], &update)?;
        }
        Ok(())
    }
    // ANCHOR_END: radam_step

    fn zero_grad(&mut self) {
        zero_all(&mut self.params);
    }

    super::checkpoint_hooks!();

    fn set_momentum(&mut self, momentum: f64) -> Result<()> {
        self.config.betas.0 = beta("RAdam beta1", momentum)?;
        Ok(())
    }

    fn momentum(&self) -> Option<f64> {
        Some(self.config.betas.0)
    }

    fn state(&self) -> Vec<StateBuffer> {
        vec![
            StateBuffer::of("exp_avg", &self.exp_avgs),
            StateBuffer::of("exp_avg_sq", &self.exp_avg_sqs),
        ]
    }
}
