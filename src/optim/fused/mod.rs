//! The fused path: SGD and Adam/AdamW as one call into libtorch's fused kernels
//! (`torch._fused_sgd_`, `torch._fused_adam_`, `torch._fused_adamw_`, the kernels behind
//! `torch.optim.SGD(fused=True)` and `torch.optim.Adam(fused=True)`).
//!
//! [`Sgd`] and [`Adam`] spell an update out one tensor operation at a time, so that it can
//! be read against its formula; each operation is a pass over memory and a trip through
//! libtorch's dispatcher. [`FusedSgd`] and [`FusedAdam`] take the same step in one pass per
//! parameter, with every parameter in one call, through a small C++ shim
//! (`src/optim/fused/shim.cpp`, compiled by build.rs against the libtorch that tch links;
//! tch 0.26 does not wrap these kernels).
//!
//! # When to use it
//!
//! Use the fused path when the optimizer step is a noticeable share of a training step:
//! many or large parameter tensors, small batches, or a GPU, where the per-tensor path
//! launches a dozen kernels per parameter. It is a drop-in replacement: the same
//! [`Optimizer`] trait, the same options ([`SgdConfig`], [`AdamConfig`]), the same state
//! and checkpoints (a state saved by [`Adam`] loads into [`FusedAdam`] and back). Keep the
//! per-tensor rules for reading, for the rules that have no fused kernel, and for
//! parameters the kernels do not take.
//!
//! The same update, rounded differently: the kernels compute `β₁m + (1 − β₁)g` where
//! [`Adam`] uses `lerp`, and in f32 they round the step's scalars (the step size, ε) to
//! f32. In f64 the two paths agree to about 1e-14 relative over 1000 steps and both match
//! `torch.optim` to 1e-10 (`tests/optim_fused.rs`); in f32 they drift apart by a few units
//! in the last place per step (about 1e-5 relative after 1000 steps), as PyTorch's own
//! fused and default paths do.
//!
//! Every parameter must be a dense, contiguous floating-point tensor (f16, bf16, f32, f64),
//! all on one device; the constructors check this. The step count reaches the kernel as an
//! f32 scalar, exact up to 2²⁴ (about 16.8 million) steps.
//!
//! ```
//! use lrbook::optim::{AdamConfig, FusedAdam, Optimizer};
//! # fn main() -> lrbook::Result<()> {
//! let w = tch::Tensor::from_slice(&[1.0f64, -2.0]).set_requires_grad(true);
//! let mut opt = FusedAdam::new(vec![w.shallow_clone()], AdamConfig::adamw())?;
//! (&w * &w).sum(tch::Kind::Double).backward();
//! opt.step(1e-2)?; // the first Adam step moves each weight by about lr against its gradient
//! let moved = Vec::<f64>::try_from(&w.detach())?;
//! assert!((moved[0] - (1.0 * (1.0 - 1e-2 * 0.01) - 1e-2)).abs() < 1e-9);
//! # Ok(()) }
//! ```
use tch::{Device, Kind, Tensor};

use super::{
    Adam, AdamConfig, Optimizer, OptimizerSpec, OptimizerState, Rule, Sgd, SgdConfig, StateBuffer,
};
use crate::{validate, Error, Result};

mod ffi;

/// The methods that the fused rules take from the per-tensor rule they wrap (`inner`):
/// state, checkpoints, momentum and parameters are the same.
macro_rules! delegate_to_inner {
    () => {
        fn zero_grad(&mut self) {
            self.inner.zero_grad();
        }
        fn set_momentum(&mut self, momentum: f64) -> Result<()> {
            self.inner.set_momentum(momentum)
        }
        fn momentum(&self) -> Option<f64> {
            self.inner.momentum()
        }
        fn state(&self) -> Vec<StateBuffer> {
            self.inner.state()
        }
        fn save_state(&self) -> Result<OptimizerState> {
            self.inner.save_state()
        }
        fn load_state(&mut self, state: &OptimizerState) -> Result<()> {
            self.inner.load_state(state)
        }
        fn parameters(&self) -> Option<Vec<Tensor>> {
            self.inner.parameters()
        }
    };
}

/// The device of `params`, after checking that the fused kernels take them: dense,
/// contiguous floating-point tensors, all on one device (the CPU when there are none).
fn fused_device(what: &str, params: &[Tensor]) -> Result<Device> {
    let device = params.first().map_or(Device::Cpu, Tensor::device);
    for (i, p) in params.iter().enumerate() {
        let problem = if !matches!(
            p.kind(),
            Kind::Half | Kind::BFloat16 | Kind::Float | Kind::Double
        ) {
            format!(
                "parameter {i} is {:?}, not a floating-point tensor",
                p.kind()
            )
        } else if p.device() != device {
            format!(
                "parameter {i} is on {:?}, parameter 0 on {device:?}",
                p.device()
            )
        } else if p.is_sparse() || !p.is_contiguous() {
            format!("parameter {i} is not a dense contiguous tensor")
        } else {
            continue;
        };
        return Err(Error::invalid(
            what,
            problem,
            "The fused kernels take dense, contiguous f16, bf16, f32 or f64 parameters on \
             one device (a VarStore's variables are); use the per-tensor rule (Sgd, Adam) \
             for others.",
        ));
    }
    Ok(device)
}

/// `torch.optim.SGD(fused=True)`: [`Sgd`]'s update (momentum, dampening, Nesterov, weight
/// decay) in one call to libtorch's fused kernel. See the [module](self) for when to use
/// it.
#[derive(Debug)]
pub struct FusedSgd {
    inner: Sgd,
}

impl FusedSgd {
    /// Fused SGD over `params` (shallow handles, as for [`Sgd::new`]), with `config`'s
    /// options, checked as [`Sgd::new`] checks them.
    pub fn new(params: Vec<Tensor>, config: SgdConfig) -> Result<Self> {
        fused_device("FusedSgd parameters", &params)?;
        Ok(Self {
            inner: Sgd::new(params, config)?,
        })
    }
}

impl Optimizer for FusedSgd {
    fn step(&mut self, lr: f64) -> Result<()> {
        validate::learning_rate("learning rate", lr)?;
        let _guard = tch::no_grad_guard();
        let c = self.inner.config;
        let with_momentum = c.momentum != 0.0;
        // Parameters with a gradient (the others are skipped, as in PyTorch), split by
        // whether their momentum buffer exists yet: a new buffer starts as the gradient
        // (the kernel's first step), an existing one is updated.
        let (mut first, mut later) = (ffi::SgdLists::default(), ffi::SgdLists::default());
        let mut grads = Vec::new(); // keeps the gradient handles alive for the call
        for (p, buf) in self.inner.params.iter().zip(&mut self.inner.buffers) {
            let g = p.grad();
            if !g.defined() {
                continue;
            }
            let is_new = with_momentum && buf.is_none();
            if is_new {
                *buf = Some(p.f_empty_like()?);
            }
            let group = if is_new { &mut first } else { &mut later };
            group.params.push(p.as_ptr());
            group.grads.push(g.as_ptr());
            if let (true, Some(b)) = (with_momentum, buf.as_ref()) {
                group.buffers.push(b.as_ptr());
            }
            grads.push(g);
        }
        let scalars = ffi::SgdScalars {
            lr,
            momentum: c.momentum,
            dampening: c.dampening,
            weight_decay: c.weight_decay,
            nesterov: c.nesterov,
        };
        for (group, is_first_step) in [(first, true), (later, false)] {
            if !group.params.is_empty() {
                // SAFETY: every pointer comes from a tensor of `self.inner` or of `grads`,
                // all alive and unchanged until the call returns.
                unsafe { ffi::sgd(&group, scalars, is_first_step)? };
            }
        }
        Ok(())
    }

    delegate_to_inner!();
}

/// `torch.optim.Adam(fused=True)` and `torch.optim.AdamW(fused=True)`: [`Adam`]'s update
/// (bias correction, AMSGrad, L2 or decoupled weight decay) in one call to libtorch's fused
/// kernel. See the [module](self) for when to use it.
#[derive(Debug)]
pub struct FusedAdam {
    inner: Adam,
    /// The step count `t` as the kernel reads it: an f32 scalar on the parameters' device.
    step_count: Tensor,
}

impl FusedAdam {
    /// Fused Adam over `params` (shallow handles, as for [`Adam::new`]), with `config`'s
    /// options, checked as [`Adam::new`] checks them.
    pub fn new(params: Vec<Tensor>, config: AdamConfig) -> Result<Self> {
        let device = fused_device("FusedAdam parameters", &params)?;
        let mut inner = Adam::new(params, config)?;
        inner.scratch = Vec::new(); // the kernel needs no working memory
        Ok(Self {
            inner,
            step_count: Tensor::f_zeros([], (Kind::Float, device))?,
        })
    }

    /// Steps taken so far (the `t` of the bias corrections).
    pub fn steps(&self) -> u64 {
        self.inner.steps
    }
}

impl Optimizer for FusedAdam {
    fn step(&mut self, lr: f64) -> Result<()> {
        validate::learning_rate("learning rate", lr)?;
        let _guard = tch::no_grad_guard();
        let a = &mut self.inner;
        let c = a.config;
        a.steps = a.steps.saturating_add(1);
        // Parameters with a gradient; the others are skipped, as in PyTorch.
        let mut lists = ffi::AdamLists::default();
        let mut grads = Vec::new(); // keeps the gradient handles alive for the call
        for (i, p) in a.params.iter().enumerate() {
            let g = p.grad();
            if !g.defined() {
                continue;
            }
            lists.params.push(p.as_ptr());
            lists.grads.push(g.as_ptr());
            lists.exp_avgs.push(a.exp_avgs[i].as_ptr());
            lists.exp_avg_sqs.push(a.exp_avg_sqs[i].as_ptr());
            if c.amsgrad {
                lists.max_exp_avg_sqs.push(a.max_exp_avg_sqs[i].as_ptr());
            }
            grads.push(g);
        }
        if grads.is_empty() {
            return Ok(());
        }
        let _ = self.step_count.f_fill_(a.steps as f64)?;
        let scalars = ffi::AdamScalars {
            lr,
            betas: c.betas,
            weight_decay: c.weight_decay,
            eps: c.eps,
            amsgrad: c.amsgrad,
            decoupled: c.decoupled_weight_decay,
        };
        // SAFETY: every pointer comes from a tensor of `self.inner` or from `grads`, all
        // alive and unchanged until the call returns; one entry per parameter in each list.
        unsafe { ffi::adam(&lists, &self.step_count, scalars) }
    }

    delegate_to_inner!();
}

impl OptimizerSpec {
    /// Whether the class has a fused path here: `SGD`, `Adam` and `AdamW`.
    pub fn has_fused_path(&self) -> bool {
        matches!(self.rule, Rule::Sgd | Rule::Adam | Rule::AdamW)
    }

    /// Builds the fused optimizer ([`FusedSgd`], [`FusedAdam`]) over `params`, checked as
    /// [`build`](Self::build) checks it; an error for a class without a fused path.
    pub fn build_fused(&self, params: Vec<Tensor>) -> Result<Box<dyn Optimizer>> {
        self.check_args()?;
        Ok(match self.rule {
            Rule::Sgd => Box::new(FusedSgd::new(params, self.sgd_config())?),
            Rule::Adam | Rule::AdamW => Box::new(FusedAdam::new(params, self.adam_config())?),
            rule => {
                return Err(Error::invalid(
                    "fused optimizer",
                    format!("torch.optim.{rule} has no fused path here"),
                    "Use the fused path for SGD, Adam or AdamW, or build the per-tensor rule \
                     (OptimizerSpec::build).",
                ))
            }
        })
    }
}
