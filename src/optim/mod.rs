//! Optimizers that take this step's learning rate as an argument, so any schedule plugs in.
//!
//! The [`Optimizer`] trait is the seam between a training loop and an update rule. It is
//! implemented for tch's own `nn::Optimizer` (which sets its LR before each step) and for
//! the rules written out in this module.
use tch::Tensor;

use crate::{validate, Result};

/// An update rule over a fixed set of parameter tensors.
pub trait Optimizer {
    /// Updates the parameters in place from their stored gradients, with learning rate `lr`.
    fn step(&mut self, lr: f64) -> Result<()>;
    /// Sets every parameter's gradient to zero before the next backward pass.
    fn zero_grad(&mut self);

    /// Sets the momentum (SGD's momentum, Adam's `beta1`) for the following steps, for
    /// schedules that cycle it. The default says the rule has no momentum to set.
    fn set_momentum(&mut self, momentum: f64) -> Result<()> {
        Err(crate::Error::invalid(
            "momentum",
            format!("a schedule asked for momentum {momentum}, but this optimizer has none"),
            "Use an optimizer with momentum (SGD with momentum, Adam), or turn off the \
             schedule's momentum cycling (cycle_momentum: false).",
        ))
    }
}

/// Plain gradient descent `θ ← θ − η∇L`, without momentum or weight decay.
#[derive(Debug)]
pub struct GradientDescent {
    params: Vec<Tensor>,
}

impl GradientDescent {
    /// Gradient descent over these parameters (shallow handles, e.g. from
    /// `VarStore::trainable_variables`).
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
}

/// tch's built-in optimizers: the learning rate is set, then tch's step runs.
impl Optimizer for tch::nn::Optimizer {
    fn step(&mut self, lr: f64) -> Result<()> {
        validate::learning_rate("learning rate", lr)?;
        self.set_lr(lr);
        tch::nn::Optimizer::step(self);
        Ok(())
    }

    fn zero_grad(&mut self) {
        tch::nn::Optimizer::zero_grad(self);
    }

    fn set_momentum(&mut self, momentum: f64) -> Result<()> {
        if !(0.0..=1.0).contains(&momentum) {
            return Err(crate::Error::invalid(
                "momentum",
                format!("got {momentum}, but it must lie in [0, 1]"),
                "Pass a momentum such as 0.9.",
            ));
        }
        // Sets SGD's and RMSprop's momentum, Adam's and AdamW's beta1 (see schedule::apply).
        tch::nn::Optimizer::set_momentum(self, momentum);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
