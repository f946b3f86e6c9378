//! Optimizers that take this step's learning rate as an argument, so any schedule plugs in.
//!
//! The [`Optimizer`] trait is the seam between a training loop and an update rule. It is
//! implemented for tch's own `nn::Optimizer` (which sets its LR before each step) and for
//! the rules written out here on tch tensors, each with PyTorch 2.13's semantics and
//! defaults (`torch.optim`, single-tensor code path): [`Sgd`] (momentum, dampening,
//! Nesterov, weight decay), [`Adagrad`], [`RmsProp`] (centered, momentum), [`Adam`] (bias
//! correction, AMSGrad, and AdamW's decoupled weight decay), [`Adamax`], [`NAdam`] and
//! [`RAdam`]. `tests/optim_conformance.rs` checks every one against trajectories recorded
//! from `torch.optim` to 1e-10 relative in f64 ([`fixture`]); [`registry`] builds any of
//! them from a `torch.optim` class name and its keyword arguments.
//!
//! For large batches, [`Lars`] and [`Lamb`] rescale each parameter tensor's step by a
//! trust ratio `‖θ‖ / ‖update‖`. `torch.optim` has neither; they follow timm 1.0.15's
//! `timm.optim.Lars` and `timm.optim.Lamb` (their module docs give the exact update), and
//! `tests/optim_large_batch.rs` checks them against timm's trajectories to 1e-10.
//!
//! Every update runs under `no_grad`, in place, one parameter tensor at a time, so that a
//! reader can follow it line by line against the formula in the book ([`FusedSgd`] and
//! [`FusedAdam`] take the same steps through libtorch's fused kernels, for speed). A
//! parameter whose gradient is undefined is skipped, as in PyTorch.
//!
//! Swapping tch's optimizer for one of these changes two lines: build it over the
//! VarStore's variables, and pass the learning rate to `step` (so a schedule can set it):
//!
//! ```
//! use lrbook::optim::{Optimizer, RAdam, RAdamConfig};
//! use tch::nn::{self, Module};
//! # fn main() -> lrbook::Result<()> {
//! let vs = nn::VarStore::new(tch::Device::Cpu);
//! let model = nn::linear(vs.root(), 3, 1, Default::default());
//! let x = tch::Tensor::ones([8, 3], (tch::Kind::Float, tch::Device::Cpu));
//! let mut opt = RAdam::new(vs.trainable_variables(), RAdamConfig::default())?;
//! for step in 0..10 {
//!     opt.zero_grad();
//!     model.forward(&x).square().mean(tch::Kind::Float).backward();
//!     opt.step(1e-2 * 0.9f64.powi(step))?; // this step's learning rate
//! }
//! assert_eq!(opt.state().len(), 2); // exp_avg and exp_avg_sq, one tensor per parameter
//! # Ok(()) }
//! ```
//!
//! # Passing parameters
//!
//! Every constructor takes the tensors to update as a `Vec<Tensor>`, by value. Pass shallow
//! handles, which share their storage with the model: `vs.trainable_variables()` returns
//! such handles, and `w.shallow_clone()` makes one of a tensor you go on using. The
//! optimizer updates them in place, so every step lands in the model. (A deep copy,
//! `w.copy()`, would train a tensor the model never sees.)
//!
//! ```
//! use lrbook::optim::{Optimizer, Sgd, SgdConfig};
//! # fn main() -> lrbook::Result<()> {
//! let w = tch::Tensor::from_slice(&[1.0f64, -2.0]).set_requires_grad(true);
//! let mut opt = Sgd::new(vec![w.shallow_clone()], SgdConfig::default())?;
//! (&w * &w).sum(tch::Kind::Double).backward(); // gradient 2w
//! opt.step(0.25)?;
//! assert_eq!(Vec::<f64>::try_from(&w.detach())?, [0.5, -1.0]); // w itself moved
//! # Ok(()) }
//! ```
//!
//! # Schedules
//!
//! [`crate::schedule::apply`] drives these rules and tch's `nn::Optimizer` through the same
//! call, the momentum included: it sets SGD's and RMSprop's `momentum`, and `β₁` of the
//! Adam family's `betas`, as PyTorch's `OneCycleLR` and `CyclicLR` do with
//! `cycle_momentum`. `tests/optim_schedule_drive.rs` checks every rule with a momentum
//! against `torch.optim` driven by those schedulers.
use tch::Tensor;

use crate::{validate, Error, Result};

mod adagrad;
mod adam;
mod adam_variants;
pub mod fixture;
pub mod fused;
mod lamb;
mod lars;
pub mod registry;
mod rmsprop;
mod sgd;
mod state;
pub mod tch_nn;

pub use adagrad::{Adagrad, AdagradConfig};
pub use adam::{Adam, AdamConfig};
pub use adam_variants::{Adamax, AdamaxConfig, NAdam, NAdamConfig, RAdam, RAdamConfig};
pub use fused::{FusedAdam, FusedSgd};
pub use lamb::{Lamb, LambConfig};
pub use lars::{Lars, LarsConfig};
pub use registry::{OptimizerSpec, Rule, TorchArgs, Variant};
pub use rmsprop::{RmsProp, RmsPropConfig};
pub use sgd::{Sgd, SgdConfig};
pub use state::{OptimizerState, StateValue};

/// One named piece of an optimizer's state: one tensor per parameter (e.g. Adam's
/// `exp_avg_sq`), for plots of effective learning rates and for memory accounting.
#[derive(Debug)]
pub struct StateBuffer {
    /// PyTorch's name for it (`momentum_buffer`, `exp_avg`, `exp_avg_sq`, …).
    pub name: &'static str,
    /// One tensor per parameter, in parameter order (shallow copies: same storage).
    pub tensors: Vec<Tensor>,
}

impl StateBuffer {
    /// A named buffer of shallow copies of `tensors` (same storage, no copy of the data).
    pub fn of(name: &'static str, tensors: &[Tensor]) -> Self {
        Self {
            name,
            tensors: tensors.iter().map(Tensor::shallow_clone).collect(),
        }
    }

    /// The buffer of the parameters whose `buffers` entry the rule has created (SGD's
    /// momentum buffers appear at the first step); no buffer at all before any exists.
    pub fn created(name: &'static str, buffers: &[Option<Tensor>]) -> Vec<Self> {
        let tensors: Vec<Tensor> = buffers
            .iter()
            .flatten()
            .map(Tensor::shallow_clone)
            .collect();
        if tensors.is_empty() {
            return Vec::new();
        }
        vec![Self { name, tensors }]
    }

    /// Bytes this buffer occupies across all parameters.
    pub fn bytes(&self) -> usize {
        self.tensors
            .iter()
            .map(|t| t.numel() * t.kind().elt_size_in_bytes())
            .sum()
    }
}

/// An update rule over a fixed set of parameter tensors.
///
/// Implemented by every rule of this module and by tch's `nn::Optimizer`, so that one loop,
/// and one [`crate::schedule::apply`], drives either kind (see the module docs).
pub trait Optimizer {
    /// Updates the parameters in place from their stored gradients, with learning rate `lr`.
    fn step(&mut self, lr: f64) -> Result<()>;
    /// Sets every parameter's gradient to zero before the next backward pass.
    fn zero_grad(&mut self);

    /// Sets the learning rate that an optimizer keeps between steps (tch's `nn::Optimizer`,
    /// whose own `step()` and `backward_step` use it). lrbook's rules take the rate in
    /// [`Optimizer::step`] and keep none, so for them this only checks it (finite, `> 0`
    /// and within single precision, as `step` checks it).
    fn set_lr(&mut self, lr: f64) -> Result<()> {
        validate::learning_rate("learning rate", lr)?;
        Ok(())
    }

    /// Sets the momentum for the following steps, for schedules that cycle it, as
    /// PyTorch's `OneCycleLR` and `CyclicLR` do: `momentum` for SGD and RMSprop (which turns
    /// it on when the optimizer was built with none, as in PyTorch), `β₁` of `betas` for
    /// the Adam family. The default, for a rule without momentum (AdaGrad, plain gradient
    /// descent), is an error, as PyTorch's schedulers raise one for such an optimizer.
    fn set_momentum(&mut self, momentum: f64) -> Result<()> {
        Err(no_momentum("this optimizer", momentum))
    }

    /// The momentum the next step uses (`momentum`, or `β₁` of `betas`), or `None` for a
    /// rule without one. tch's `nn::Optimizer` does not report its momentum: `None`.
    fn momentum(&self) -> Option<f64> {
        None
    }

    /// The per-parameter state the rule keeps (empty for plain gradient descent).
    fn state(&self) -> Vec<StateBuffer> {
        Vec::new()
    }

    /// A deep copy of everything the rule carries from step to step, with its current
    /// hyperparameters, for a checkpoint ([`OptimizerState`], [`crate::checkpoint`]). The
    /// default says the optimizer cannot be saved.
    fn save_state(&self) -> Result<OptimizerState> {
        Err(state::unsupported())
    }

    /// Continues from a saved state: afterwards the next step is, bit for bit, the one the
    /// saved optimizer would have taken. The state must come from an optimizer of the same
    /// kind and options over parameters of the same shapes and dtypes; otherwise this is an
    /// error and the optimizer is left unchanged.
    fn load_state(&mut self, state: &OptimizerState) -> Result<()> {
        let _ = state;
        Err(state::unsupported())
    }

    /// Shallow handles on the parameter tensors the rule updates, for gradient clipping
    /// ([`crate::train::clip_grad_norm`]). `None` for tch's `nn::Optimizer`, which does not
    /// expose them.
    fn parameters(&self) -> Option<Vec<Tensor>> {
        None
    }
}

/// `save_state` and `load_state` through the rule's [`state::Checkpointed`] hooks, and
/// `parameters` from its `params`.
macro_rules! checkpoint_hooks {
    () => {
        fn parameters(&self) -> Option<Vec<Tensor>> {
            Some(self.params.iter().map(Tensor::shallow_clone).collect())
        }
        fn save_state(&self) -> Result<super::OptimizerState> {
            Ok(super::state::Checkpointed::export(self))
        }
        fn load_state(&mut self, state: &super::OptimizerState) -> Result<()> {
            super::state::Checkpointed::import(self, state)
        }
    };
}
use checkpoint_hooks;

/// The error for a schedule that cycles momentum on an optimizer that has none.
fn no_momentum(optimizer: &str, momentum: f64) -> Error {
    Error::invalid(
        "momentum",
        format!(
            "a schedule asked for momentum {momentum}, but {optimizer} has no momentum to set \
             (PyTorch's OneCycleLR and CyclicLR refuse it too)"
        ),
        "Turn off the schedule's momentum cycling (cycle_momentum: false in OneCycleConfig \
         or CyclicConfig), or use an optimizer with momentum (SGD, RMSprop or the Adam \
         family).",
    )
}

/// The gradient PyTorch's rules start from: `grad + weight_decay · param` (L2 folded into
/// the gradient), or `None` when the parameter has no gradient and is skipped.
fn l2_grad(param: &Tensor, weight_decay: f64) -> Option<Tensor> {
    let grad = param.grad();
    if !grad.defined() {
        return None;
    }
    Some(if weight_decay != 0.0 {
        grad + param * weight_decay
    } else {
        grad.shallow_clone()
    })
}

/// A moving-average coefficient β in `[0, 1)`.
fn beta(what: &str, b: f64) -> Result<f64> {
    if !(0.0..1.0).contains(&b) {
        return Err(Error::invalid(
            what,
            format!("got {b}, but it must lie in [0, 1)"),
            "Pass a value such as 0.9 or 0.999.",
        ));
    }
    Ok(b)
}

/// The `eps` added to a denominator: a finite number `> 0` within single precision,
/// from `f32::MIN_POSITIVE` (about 1.2e-38) to `f32::MAX`. PyTorch accepts `eps = 0`, but
/// then an entry whose gradient (and so its second moment) is 0 divides 0 by 0 and the
/// weight becomes NaN; a subnormal `eps` fails the same way, since its reciprocal, which
/// the update multiplies by, overflows to ∞ and ∞·0 is NaN. lrbook is stricter and
/// rejects both.
fn denominator_eps(what: &str, eps: f64) -> Result<f64> {
    let (least, most) = (f64::from(f32::MIN_POSITIVE), f64::from(f32::MAX));
    if !eps.is_finite() || eps <= 0.0 || !(least..=most).contains(&eps) {
        return Err(Error::invalid(
            what,
            format!(
                "got {eps}, but it must be a finite number > 0 within single precision \
                 ({least:e} to {most:e})"
            ),
            "Pass a small positive number such as 1e-8; with 0, or a number too small for \
             its reciprocal to be finite, a zero gradient entry turns its weight into NaN.",
        ));
    }
    Ok(eps)
}

/// A heavy-ball momentum coefficient in `[0, 1)`. PyTorch accepts any `momentum >= 0`, but
/// with `momentum >= 1` the buffer never forgets a gradient and grows without bound, so
/// lrbook rejects it.
fn momentum_coefficient(what: &str, momentum: f64) -> Result<f64> {
    if !(0.0..1.0).contains(&momentum) {
        return Err(Error::invalid(
            what,
            format!("got {momentum}, but it must lie in [0, 1)"),
            "Pass 0 for no momentum or a value such as 0.9; at 1 or above the momentum \
             buffer never forgets and grows without bound.",
        ));
    }
    Ok(momentum)
}

/// `base^t` for a step count `t`: `powi` while `t` fits an `i32` (bit for bit what the
/// conformance fixtures were checked with), `powf` above, where `t as i32` would wrap to a
/// negative exponent.
pub(crate) fn pow_count(base: f64, t: u64) -> f64 {
    match i32::try_from(t) {
        Ok(t) => base.powi(t),
        Err(_) => base.powf(t as f64),
    }
}

/// `θ −= update`, in place (callers hold a no-grad guard).
fn descend(param: &mut Tensor, update: &Tensor) -> Result<()> {
    let _ = param.f_sub_(update)?;
    Ok(())
}

/// `θ *= factor`, in place: decoupled weight decay.
fn shrink(param: &mut Tensor, factor: f64) -> Result<()> {
    let _ = param.f_mul_scalar_(factor)?;
    Ok(())
}

/// Zeros shaped like each parameter: fresh optimizer state.
fn zeros_like_all(params: &[Tensor]) -> Vec<Tensor> {
    params.iter().map(Tensor::zeros_like).collect()
}

/// Sets every parameter's gradient to zero.
fn zero_all(params: &mut [Tensor]) {
    for p in params {
        p.zero_grad();
    }
}

/// Plain gradient descent `θ ← θ − η∇L`, without momentum or weight decay.
#[derive(Debug)]
pub struct GradientDescent {
    pub(super) params: Vec<Tensor>,
}

impl GradientDescent {
    /// Gradient descent over `params`: shallow handles that share storage with the model,
    /// such as `vs.trainable_variables()` or `vec![w.shallow_clone()]` (see
    /// [passing parameters](crate::optim#passing-parameters)).
    pub fn new(params: Vec<Tensor>) -> Self {
        GradientDescent { params }
    }
}

impl Optimizer for GradientDescent {
    fn step(&mut self, lr: f64) -> Result<()> {
        validate::learning_rate("learning rate", lr)?;
        let _guard = tch::no_grad_guard();
        for p in &mut self.params {
            let g = p.grad();
            if g.defined() {
                let _ = p.f_sub_(&(g * lr))?;
            }
        }
        Ok(())
    }

    fn zero_grad(&mut self) {
        for p in &mut self.params {
            p.zero_grad();
        }
    }

    fn save_state(&self) -> Result<OptimizerState> {
        Ok(state::Checkpointed::export(self))
    }

    fn load_state(&mut self, state: &OptimizerState) -> Result<()> {
        state::Checkpointed::import(self, state)
    }

    fn parameters(&self) -> Option<Vec<Tensor>> {
        Some(self.params.iter().map(Tensor::shallow_clone).collect())
    }
}

/// tch's built-in optimizers: the learning rate is set, then tch's step runs.
impl Optimizer for tch::nn::Optimizer {
    fn step(&mut self, lr: f64) -> Result<()> {
        Optimizer::set_lr(self, lr)?;
        tch::nn::Optimizer::step(self);
        Ok(())
    }

    fn zero_grad(&mut self) {
        tch::nn::Optimizer::zero_grad(self);
    }

    fn set_lr(&mut self, lr: f64) -> Result<()> {
        validate::learning_rate("learning rate", lr)?;
        tch::nn::Optimizer::set_lr(self, lr);
        Ok(())
    }

    fn set_momentum(&mut self, momentum: f64) -> Result<()> {
        if !(0.0..=1.0).contains(&momentum) {
            return Err(Error::invalid(
                "momentum",
                format!("got {momentum}, but it must lie in [0, 1]"),
                "Pass a momentum such as 0.9.",
            ));
        }
        // Sets SGD's and RMSprop's momentum, Adam's and AdamW's beta1, in every param
        // group. (tch's set_momentum_group throws for Adam after setting beta1.)
        tch::nn::Optimizer::set_momentum(self, momentum);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err<T: std::fmt::Debug>(r: Result<T>) -> String {
        r.expect_err("expected an error").to_string()
    }

    fn params() -> Vec<Tensor> {
        vec![Tensor::from_slice(&[1.0f64, 2.0]).set_requires_grad(true)]
    }

    #[test]
    fn bad_hyper_parameters_are_rejected_with_what_to_do() {
        let e = err(Adam::new(
            params(),
            AdamConfig {
                betas: (1.0, 0.999),
                ..AdamConfig::default()
            },
        ));
        assert!(e.contains("Adam beta1") && e.contains("[0, 1)"), "{e}");
        let e = err(Adam::new(
            params(),
            AdamConfig {
                betas: (0.9, -0.1),
                ..AdamConfig::default()
            },
        ));
        assert!(e.contains("beta2"), "{e}");
        let e = err(Adam::new(
            params(),
            AdamConfig {
                eps: -1e-8,
                ..AdamConfig::default()
            },
        ));
        assert!(e.contains("eps"), "{e}");
        let e = err(Adam::new(
            params(),
            AdamConfig {
                weight_decay: -0.1,
                ..AdamConfig::adamw()
            },
        ));
        assert!(e.contains("weight decay"), "{e}");
        let e = err(Sgd::new(
            params(),
            SgdConfig {
                nesterov: true,
                ..SgdConfig::default()
            },
        ));
        assert!(e.contains("Nesterov needs momentum > 0"), "{e}");
        let cfg = SgdConfig {
            nesterov: true,
            momentum: 0.9,
            dampening: 0.1,
            weight_decay: 0.0,
        };
        assert!(err(Sgd::new(params(), cfg)).contains("dampening"));
        assert!(err(RmsProp::new(
            params(),
            RmsPropConfig {
                alpha: 1.5,
                ..Default::default()
            }
        ))
        .contains("alpha"));
        assert!(err(Adagrad::new(
            params(),
            AdagradConfig {
                lr_decay: f64::NAN,
                ..Default::default()
            }
        ))
        .contains("lr_decay"));
        assert!(err(NAdam::new(
            params(),
            NAdamConfig {
                momentum_decay: -1.0,
                ..Default::default()
            }
        ))
        .contains("momentum_decay"));
        assert!(err(RAdam::new(
            params(),
            RAdamConfig {
                betas: (f64::NAN, 0.999),
                ..Default::default()
            }
        ))
        .contains("beta1"));
        assert!(err(Adamax::new(
            params(),
            AdamaxConfig {
                eps: f64::INFINITY,
                ..Default::default()
            }
        ))
        .contains("eps"));
        // A bad learning rate is caught at the step, for every rule.
        let mut opts: Vec<Box<dyn Optimizer>> = vec![
            Box::new(Sgd::new(params(), SgdConfig::default()).unwrap()),
            Box::new(Adagrad::new(params(), AdagradConfig::default()).unwrap()),
            Box::new(RmsProp::new(params(), RmsPropConfig::default()).unwrap()),
            Box::new(Adam::new(params(), AdamConfig::default()).unwrap()),
            Box::new(Adamax::new(params(), AdamaxConfig::default()).unwrap()),
            Box::new(NAdam::new(params(), NAdamConfig::default()).unwrap()),
            Box::new(RAdam::new(params(), RAdamConfig::default()).unwrap()),
        ];
        for o in &mut opts {
            assert!(err(o.step(-0.1)).contains("learning rate"));
            assert!(err(o.step(f64::NAN)).contains("not a finite number"));
        }
    }

    #[test]
    fn zero_eps_momentum_of_one_and_wild_dampening_are_rejected() {
        // eps = 0 would give 0/0 = NaN wherever a gradient entry is 0: every adaptive rule.
        for eps in [0.0, -1e-8, f64::NAN, f64::INFINITY] {
            let errors = [
                err(Adam::new(
                    params(),
                    AdamConfig {
                        eps,
                        ..AdamConfig::default()
                    },
                )),
                err(Adam::new(
                    params(),
                    AdamConfig {
                        eps,
                        ..AdamConfig::adamw()
                    },
                )),
                err(Adam::new(
                    params(),
                    AdamConfig {
                        eps,
                        amsgrad: true,
                        ..AdamConfig::default()
                    },
                )),
                err(Adamax::new(
                    params(),
                    AdamaxConfig {
                        eps,
                        ..Default::default()
                    },
                )),
                err(NAdam::new(
                    params(),
                    NAdamConfig {
                        eps,
                        ..Default::default()
                    },
                )),
                err(RAdam::new(
                    params(),
                    RAdamConfig {
                        eps,
                        ..Default::default()
                    },
                )),
                err(RmsProp::new(
                    params(),
                    RmsPropConfig {
                        eps,
                        ..Default::default()
                    },
                )),
                err(Adagrad::new(
                    params(),
                    AdagradConfig {
                        eps,
                        ..Default::default()
                    },
                )),
            ];
            for e in errors {
                assert!(e.contains("eps") && e.contains("finite number > 0"), "{e}");
            }
        }
        // A subnormal eps has an infinite reciprocal: rejected like 0.
        for eps in [1e-39, 2.5e-309, 1e39] {
            let e = err(Adam::new(
                params(),
                AdamConfig {
                    eps,
                    ..Default::default()
                },
            ));
            assert!(e.contains("single precision"), "{e}");
        }
        for momentum in [1.0, 1.5, -0.1, f64::NAN] {
            let sgd = SgdConfig {
                momentum,
                ..SgdConfig::default()
            };
            let e = err(Sgd::new(params(), sgd));
            assert!(e.contains("SGD momentum") && e.contains("[0, 1)"), "{e}");
            let rms = RmsPropConfig {
                momentum,
                ..Default::default()
            };
            assert!(err(RmsProp::new(params(), rms)).contains("RMSProp momentum"));
        }
        for dampening in [1.5, -0.1, f64::NAN] {
            let cfg = SgdConfig {
                momentum: 0.9,
                dampening,
                ..SgdConfig::default()
            };
            let e = err(Sgd::new(params(), cfg));
            assert!(e.contains("SGD dampening") && e.contains("[0, 1]"), "{e}");
        }
        let mut sgd = Sgd::new(
            params(),
            SgdConfig {
                momentum: 0.9,
                ..Default::default()
            },
        )
        .unwrap();
        assert!(err(sgd.set_momentum(1.0)).contains("[0, 1)"));
        // Dampening 1 is allowed (PyTorch's range), and the registry checks a given lr.
        let cfg = SgdConfig {
            momentum: 0.9,
            dampening: 1.0,
            ..SgdConfig::default()
        };
        assert!(Sgd::new(params(), cfg).is_ok());
        let spec = Rule::Adam.with(TorchArgs {
            lr: Some(f64::NAN),
            ..TorchArgs::default()
        });
        let e = spec.build(params()).err().expect("an error").to_string();
        assert!(e.contains("torch.optim.Adam lr"), "{e}");
    }

    #[test]
    fn step_counts_past_i32_do_not_wrap() {
        // powi for counts that fit an i32 (bit for bit), powf above.
        for t in [0u64, 1, 2, 10, 1000] {
            assert_eq!(pow_count(0.999, t), 0.999f64.powi(t as i32));
        }
        let big = i32::MAX as u64 + 1; // `as i32` made this -2^31: 0.9^-2^31 = inf
        assert_eq!(pow_count(0.9, big), 0.0);
        assert_eq!(pow_count(0.999, u64::MAX), 0.0);
        assert_eq!(
            pow_count(1.0 - 1e-12, big),
            (1.0 - 1e-12f64).powf(big as f64)
        );
        assert!(pow_count(1.0 - 1e-12, big) > 0.99);
    }

    #[test]
    fn state_is_exposed_and_sized() {
        let p = params();
        let mut adam = Adam::new(
            p.iter().map(Tensor::shallow_clone).collect(),
            AdamConfig {
                amsgrad: true,
                ..AdamConfig::default()
            },
        )
        .unwrap();
        (&p[0] * &p[0]).sum(tch::Kind::Double).backward();
        adam.step(0.1).unwrap();
        let state = adam.state();
        let names: Vec<&str> = state.iter().map(|b| b.name).collect();
        assert_eq!(names, ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"]);
        assert_eq!(
            state.iter().map(StateBuffer::bytes).sum::<usize>(),
            3 * 2 * 8
        );
        // First Adam step: m̂/√v̂ = g/|g|, so the effective LR times m equals lr·sign(g)·…
        let eff = adam.effective_lr(0, 0.1).unwrap();
        assert_eq!(eff.size(), vec![2]);
        assert!(Sgd::new(params(), SgdConfig::default())
            .unwrap()
            .state()
            .is_empty());
    }
    use tch::{Device, Kind};

    #[test]
    fn gradient_descent_subtracts_lr_times_grad() {
        let w = Tensor::from_slice(&[1.0f64, -2.0]).set_requires_grad(true);
        let mut opt = GradientDescent::new(vec![w.shallow_clone()]);
        (&w * &w).sum(Kind::Double).backward(); // grad = 2w
        opt.step(0.25).unwrap();
        assert_eq!(Vec::<f64>::try_from(&w.detach()).unwrap(), vec![0.5, -1.0]);
        opt.zero_grad();
        assert_eq!(
            f64::try_from(w.grad().abs().sum(Kind::Double)).unwrap(),
            0.0
        );
        assert!(opt.step(-1.0).is_err());
        let _ = Device::Cpu;
    }
}
