//! LAMB, layer-wise adaptive moments (You et al. 2019), as NVIDIA's FusedLAMB computes it:
//! timm's `timm.optim.Lamb` (timm 1.0.15).
//!
//! Each step first divides every gradient by `max(‖g‖_global / max_grad_norm, 1)`, where
//! `‖g‖_global` is the L2 norm over all parameters' gradients (skipped when
//! `max_grad_norm` is `None`). Then, per parameter tensor `θ`, with `t` the step count:
//!
//! - `m = β₁m + β₃g` with `β₃ = 1 − β₁` (`grad_averaging`, default) or 1;
//!   `v = β₂v + (1 − β₂)g²`;
//! - `u = (m / c₁) / (√v / √c₂ + ε)` with bias corrections `c₁ = 1 − β₁ᵗ`, `c₂ = 1 − β₂ᵗ`
//!   (`bias_correction`, default), or `c₁ = c₂ = 1`;
//! - weight decay `λ`: `u += λθ` (default), or, with `decoupled_decay`, `θ −= lr·λ·θ` first;
//! - if `λ ≠ 0` or `always_adapt`: `u *= r` with the trust ratio `r = ‖θ‖ / ‖u‖`, taken as
//!   1 where either norm is 0, and clipped to `min(r, 1)` with `trust_clip` (LAMBC); with
//!   `λ = 0` and no `always_adapt` the step is Adam's, unscaled;
//! - `θ −= lr · u`.
//!
//! timm's default weight decay is 0.01, so the default step adapts. Every tensor is
//! adapted, biases included (timm excludes them only through parameter groups). timm's
//! `caution` option is not implemented. Unlike timm, the stored gradients are not
//! overwritten by the clipping (the update is the same).
use tch::Tensor;

use super::lars::guarded;
use super::{beta, denominator_eps, descend, pow_count, zero_all, zeros_like_all};
use super::{Optimizer, StateBuffer};
use crate::{validate, Error, Result};

/// Options of [`Lamb`], with `timm.optim.Lamb`'s defaults (its default `lr` is 1e-3).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LambConfig {
    /// `(β₁, β₂)`, each in `[0, 1)` (default `(0.9, 0.999)`). A momentum schedule sets β₁.
    pub betas: (f64, f64),
    /// Added to `√v̂`, finite and `> 0` (default 1e-6).
    pub eps: f64,
    /// Weight decay `λ >= 0` (default 0.01); a nonzero one turns the trust ratio on.
    pub weight_decay: f64,
    /// Divide `m` and `v` by the bias corrections `1 − βᵗ` (default true).
    pub bias_correction: bool,
    /// Weigh the gradient by `1 − β₁` in `m` (default true).
    pub grad_averaging: bool,
    /// Clip the global gradient norm to this value before the step, finite and `> 0`
    /// (default `Some(1.0)`); `None` turns it off.
    pub max_grad_norm: Option<f64>,
    /// LAMBC: clip the trust ratio at 1 (default false).
    pub trust_clip: bool,
    /// Apply the trust ratio even when `weight_decay` is 0 (default false).
    pub always_adapt: bool,
    /// Decay the weights directly, `θ −= lr·λ·θ`, instead of adding `λθ` to the update
    /// (default false).
    pub decoupled_decay: bool,
}

impl Default for LambConfig {
    fn default() -> Self {
        Self {
            betas: (0.9, 0.999),
            eps: 1e-6,
            weight_decay: 0.01,
            bias_correction: true,
            grad_averaging: true,
            max_grad_norm: Some(1.0),
            trust_clip: false,
            always_adapt: false,
            decoupled_decay: false,
        }
    }
}

/// `timm.optim.Lamb` (see the module docs for the update).
///
/// ```
/// use lrbook::optim::{Lamb, LambConfig, Optimizer};
/// # fn main() -> lrbook::Result<()> {
/// let w = tch::Tensor::from_slice(&[3.0f64, 4.0]).set_requires_grad(true);
/// let mut opt = Lamb::new(vec![w.shallow_clone()], LambConfig::default())?;
/// (&w * &w).sum(tch::Kind::Double).backward();
/// opt.step(0.1)?;
/// // The trust ratio scales the step to lr·‖w‖ = 0.5, whatever the gradient's size.
/// let moved = (tch::Tensor::from_slice(&[3.0f64, 4.0]) - w.detach()).norm();
/// assert!((f64::try_from(moved)? - 0.5).abs() < 1e-12);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Lamb {
    pub(super) params: Vec<Tensor>,
    pub(super) config: LambConfig,
    pub(super) exp_avgs: Vec<Tensor>,
    pub(super) exp_avg_sqs: Vec<Tensor>,
    pub(super) steps: u64,
}

impl Lamb {
    /// LAMB over `params`: shallow handles that share storage with the model (see
    /// [passing parameters](crate::optim#passing-parameters)).
    pub fn new(params: Vec<Tensor>, config: LambConfig) -> Result<Self> {
        check(&config)?;
        Ok(Self {
            exp_avgs: zeros_like_all(&params),
            exp_avg_sqs: zeros_like_all(&params),
            params,
            config,
            steps: 0,
        })
    }

    /// Steps taken so far (the `t` of the bias corrections).
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// `max(‖g‖_global / max_grad_norm, 1)`, what every gradient is divided by.
    fn clip_divisor(&self, max_grad_norm: f64) -> Result<Option<Tensor>> {
        let norms = self
            .params
            .iter()
            .map(Tensor::grad)
            .filter(Tensor::defined)
            .map(|g| g.f_norm())
            .collect::<std::result::Result<Vec<_>, _>>()?;
        if norms.is_empty() {
            return Ok(None);
        }
        let global = Tensor::f_stack(&norms, 0)?.f_norm()?;
        Ok(Some((global / max_grad_norm).f_clamp_min(1.0)?))
    }
}

/// The checks of [`Lamb::new`], also run on a loaded checkpoint's options.
pub(super) fn check(c: &LambConfig) -> Result<()> {
    beta("LAMB beta1", c.betas.0)?;
    beta("LAMB beta2", c.betas.1)?;
    denominator_eps("LAMB eps", c.eps)?;
    validate::non_negative("LAMB weight decay", c.weight_decay)?;
    if let Some(m) = c.max_grad_norm {
        if !m.is_finite() || m <= 0.0 {
            return Err(Error::invalid(
                "LAMB max_grad_norm",
                format!("got {m}, but it must be a finite number > 0"),
                "Pass a norm such as 1.0 (timm's default), or None to turn the clipping off.",
            ));
        }
    }
    Ok(())
}

impl Optimizer for Lamb {
    // ANCHOR: lamb_step
    fn step(&mut self, lr: f64) -> Result<()> {
        validate::learning_rate("learning rate", lr)?;
        let _guard = tch::no_grad_guard();
        let c = self.config;
        let (beta1, beta2) = c.betas;
        let beta3 = if c.grad_averaging { 1.0 - beta1 } else { 1.0 };
        let divisor = match c.max_grad_norm {
            Some(m) => self.clip_divisor(m)?,
            None => None,
        };
        self.steps = self.steps.saturating_add(1);
        let (bc1, bc2) = if c.bias_correction {
            let t = self.steps;
            (1.0 - pow_count(beta1, t), 1.0 - pow_count(beta2, t))
        } else {
            (1.0, 1.0)
        };
        for i in 0..self.params.len() {
            let mut g = self.params[i].grad();
            if !g.defined() {
                continue;
            }
            if let Some(d) = &divisor {
                g = g.f_div(d)?;
            }
            let m = &mut self.exp_avgs[i];
            let _ = m.f_mul_scalar_(beta1)?.f_add_(&(&g * beta3))?;
            let v = &mut self.exp_avg_sqs[i];
            let _ = v.f_mul_scalar_(beta2)?.f_add_(&(&g * &g * (1.0 - beta2)))?;
            let denom = (self.exp_avg_sqs[i].f_sqrt()? / bc2.sqrt()) + c.eps;
            let mut update = (&self.exp_avgs[i] / bc1) / denom;
            let p = &mut self.params[i];
            if c.weight_decay != 0.0 {
                if c.decoupled_decay {
                    let _ = p.f_add_(&(&*p * (-lr * c.weight_decay)))?;
                } else {
                    update += &*p * c.weight_decay;
                }
            }
            if c.weight_decay != 0.0 || c.always_adapt {
                let w_norm = p.f_norm()?;
                let u_norm = update.f_norm()?;
                let mut ratio = guarded(&(&w_norm / &u_norm), &w_norm, &u_norm)?;
                if c.trust_clip {
                    ratio = ratio.f_clamp_max(1.0)?; // LAMBC
                }
                update *= ratio;
            }
            descend(p, &(update * lr))?;
        }
        Ok(())
    }
    // ANCHOR_END: lamb_step

    fn zero_grad(&mut self) {
        zero_all(&mut self.params);
    }

    super::checkpoint_hooks!();

    fn set_momentum(&mut self, momentum: f64) -> Result<()> {
        self.config.betas.0 = beta("LAMB beta1", momentum)?;
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
