//! LARS, layer-wise adaptive rate scaling (You, Gitman & Ginsburg 2017), with LARC's
//! optional trust-ratio clipping: timm's `timm.optim.Lars` (timm 1.0.15), which is
//! PyTorch's SGD with the gradient of each parameter tensor rescaled by a trust ratio.
//!
//! Per parameter tensor `θ` with gradient `g`, weight decay `λ`, trust coefficient `η`:
//!
//! - if `λ ≠ 0` or `always_adapt`: `r = η‖θ‖ / (‖g‖ + λ‖θ‖ + ε)`, taken as 1 where
//!   `‖θ‖ = 0` or `‖g‖ = 0`; with `trust_clip` (LARC) `r ← min(r / lr, 1)`; then
//!   `g ← (g + λθ) · r`. Weight decay enters as an L2 term before the rescaling.
//! - otherwise (timm's default, `λ = 0`): no adaptation at all, plain SGD.
//! - then SGD's momentum, dampening and Nesterov on `g`, and `θ −= lr · g`.
//!
//! As in timm, every tensor is adapted, biases and other 1-D tensors included: timm
//! leaves them out only through parameter groups (its optimizer factory), which lrbook's
//! rules do not have; build a second optimizer over them to exclude them. Unlike timm,
//! the stored gradient is not overwritten (the update is the same).
use tch::Tensor;

use super::sgd::heavy_ball;
use super::{denominator_eps, descend, momentum_coefficient, zero_all, Optimizer, StateBuffer};
use crate::{validate, Error, Result};

/// Options of [`Lars`], with `timm.optim.Lars`'s defaults (its default `lr` of 1.0 is the
/// rate you pass to [`Optimizer::step`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LarsConfig {
    /// Heavy-ball coefficient μ in `[0, 1)` (default 0).
    pub momentum: f64,
    /// Dampening τ of the gradient added to the momentum buffer, in `[0, 1]` (default 0).
    pub dampening: f64,
    /// L2 penalty `λ >= 0`, added to the gradient before the trust-ratio rescaling; a
    /// nonzero one also turns the adaptation on (default 0).
    pub weight_decay: f64,
    /// Nesterov's look-ahead; needs `momentum > 0` and `dampening == 0` (default false).
    pub nesterov: bool,
    /// The trust coefficient η, finite and `> 0` (timm's `trust_coeff`, default 0.001).
    pub trust_coeff: f64,
    /// Added to the trust ratio's denominator, finite and `> 0` (default 1e-8).
    pub eps: f64,
    /// LARC's clipping: the ratio becomes `min(r / lr, 1)` (default false).
    pub trust_clip: bool,
    /// Adapt even when `weight_decay` is 0 (default false: then LARS is plain SGD).
    pub always_adapt: bool,
}

impl Default for LarsConfig {
    fn default() -> Self {
        Self {
            momentum: 0.0,
            dampening: 0.0,
            weight_decay: 0.0,
            nesterov: false,
            trust_coeff: 1e-3,
            eps: 1e-8,
            trust_clip: false,
            always_adapt: false,
        }
    }
}

/// `timm.optim.Lars` (see the module docs for the update).
///
/// ```
/// use lrbook::optim::{Lars, LarsConfig, Optimizer};
/// # fn main() -> lrbook::Result<()> {
/// let w = tch::Tensor::from_slice(&[3.0f64, 4.0]).set_requires_grad(true);
/// let config = LarsConfig { always_adapt: true, ..LarsConfig::default() };
/// let mut opt = Lars::new(vec![w.shallow_clone()], config)?;
/// (&w * &w).sum(tch::Kind::Double).backward(); // g = 2w: ‖g‖ = 10, ‖w‖ = 5
/// opt.step(1.0)?; // w −= 1.0 · g · 0.001·5/(10 + 1e-8)
/// let moved = Vec::<f64>::try_from(&w.detach())?;
/// assert!((moved[0] - (3.0 - 6.0 * 5e-3 / (10.0 + 1e-8))).abs() < 1e-15);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Lars {
    pub(super) params: Vec<Tensor>,
    pub(super) config: LarsConfig,
    /// Momentum buffers; `None` until a parameter's first step with momentum.
    pub(super) buffers: Vec<Option<Tensor>>,
}

impl Lars {
    /// LARS over `params`: shallow handles that share storage with the model (see
    /// [passing parameters](crate::optim#passing-parameters)).
    pub fn new(params: Vec<Tensor>, config: LarsConfig) -> Result<Self> {
        momentum_coefficient("LARS momentum", config.momentum)?;
        if !(0.0..=1.0).contains(&config.dampening) {
            return Err(Error::invalid(
                "LARS dampening",
                format!("got {}, but it must lie in [0, 1]", config.dampening),
                "Pass 0 (timm's default) or a fraction such as 0.1.",
            ));
        }
        validate::non_negative("LARS weight decay", config.weight_decay)?;
        let c = config.trust_coeff;
        if !c.is_finite() || c <= 0.0 {
            return Err(Error::invalid(
                "LARS trust_coeff",
                format!("got {c}, but it must be a finite number > 0"),
                "Pass a small positive number such as 0.001 (timm's default).",
            ));
        }
        denominator_eps("LARS eps", config.eps)?;
        if config.nesterov && (config.momentum <= 0.0 || config.dampening != 0.0) {
            return Err(Error::invalid(
                "LARS nesterov",
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

/// `1` where `‖θ‖ = 0` or `‖u‖ = 0`, else `ratio`: the guard timm and apex put on the
/// trust ratio (0-d tensors, so that no value leaves the device).
pub(super) fn guarded(ratio: &Tensor, w_norm: &Tensor, u_norm: &Tensor) -> Result<Tensor> {
    let one = ratio.f_ones_like()?;
    let inner = ratio.f_where_self(&u_norm.f_gt(0.0)?, &one)?;
    Ok(inner.f_where_self(&w_norm.f_gt(0.0)?, &one)?)
}

impl Optimizer for Lars {
    // ANCHOR: lars_step
    fn step(&mut self, lr: f64) -> Result<()> {
        validate::learning_rate("learning rate", lr)?;
        let _guard = tch::no_grad_guard();
        let c = self.config;
        for (p, buf) in self.params.iter_mut().zip(&mut self.buffers) {
            let grad = p.grad();
            if !grad.defined() {
                continue;
            }
            let mut d_p = grad.shallow_clone();
            if c.weight_decay != 0.0 || c.always_adapt {
                let w_norm = p.f_norm()?;
                let g_norm = grad.f_norm()?;
                // η‖θ‖ / (‖g‖ + λ‖θ‖ + ε), in timm's order of operations.
                let denominator = (&g_norm + &w_norm * c.weight_decay) + c.eps;
                let raw = (&w_norm * c.trust_coeff) / denominator;
                let mut ratio = guarded(&raw, &w_norm, &g_norm)?;
                if c.trust_clip {
                    ratio = (ratio / lr).f_clamp_max(1.0)?; // LARC
                }
                d_p = (&grad + &*p * c.weight_decay) * ratio;
            }
            if c.momentum != 0.0 {
                d_p = heavy_ball(d_p, buf, c.momentum, c.dampening, c.nesterov);
            }
            descend(p, &(d_p * lr))?;
        }
        Ok(())
    }
    // ANCHOR_END: lars_step

    fn zero_grad(&mut self) {
        zero_all(&mut self.params);
    }

    super::checkpoint_hooks!();

    fn set_momentum(&mut self, momentum: f64) -> Result<()> {
        self.config.momentum = momentum_coefficient("LARS momentum", momentum)?;
        Ok(())
    }

    fn momentum(&self) -> Option<f64> {
        Some(self.config.momentum)
    }

    fn state(&self) -> Vec<StateBuffer> {
        StateBuffer::created("momentum_buffer", &self.buffers)
    }
}
