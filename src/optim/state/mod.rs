//! An optimizer's complete state, for checkpoints: [`OptimizerState`].
//!
//! [`Optimizer::save_state`](super::Optimizer::save_state) takes a deep copy of everything a rule carries from one step
//! to the next (its per-parameter buffers, its step count, NAdam's running product of
//! momenta) together with its hyperparameters, which a momentum schedule may have changed
//! since the optimizer was built. [`Optimizer::load_state`](super::Optimizer::load_state) puts such a copy back into a
//! freshly built optimizer of the same kind over parameters of the same shapes, so that the
//! next step is, bit for bit, the step the saved optimizer would have taken.
//! [`crate::checkpoint::Checkpoint`] writes it to a file together with the model.
//!
//! Loading checks everything before it changes anything: the kind (a `torch.optim` class),
//! the options that decide which buffers exist (Nesterov, centered, AMSGrad, decoupled
//! weight decay), the number of parameters, and every tensor's shape and dtype. The
//! hyperparameters (learning-rate-free: momentum, betas, eps, weight decay, …) are taken
//! from the state, as PyTorch's `load_state_dict` takes its `param_groups`, and checked by
//! the rule's constructor.
use std::collections::BTreeMap;

use tch::{Device, Kind, Tensor};

use super::{
    Adagrad, AdagradConfig, Adam, AdamConfig, Adamax, AdamaxConfig, GradientDescent, NAdam,
    NAdamConfig, RAdam, RAdamConfig, RmsProp, RmsPropConfig, Sgd, SgdConfig,
};
use crate::{Error, Result};

/// One exact scalar of an optimizer's state: a hyperparameter, a flag or a counter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum StateValue {
    /// A real number (a hyperparameter, NAdam's product of momenta), kept to the bit.
    F64(f64),
    /// A counter (the step count `t` of the bias corrections).
    U64(u64),
    /// An option that is on or off.
    Bool(bool),
}

/// Everything an optimizer needs to continue exactly where it stopped (see the module).
///
/// The tensors are deep copies on the CPU: saving a state and then stepping the optimizer
/// does not change the saved state.
#[derive(Debug)]
pub struct OptimizerState {
    pub(crate) kind: String,
    pub(crate) flags: Vec<String>,
    pub(crate) values: BTreeMap<String, StateValue>,
    /// Shape and dtype of each parameter the state was taken over, in order.
    pub(crate) params: Vec<(Vec<i64>, Kind)>,
    /// Named buffers, one entry per parameter; `None` where the rule has not created it
    /// (SGD's momentum buffer before a parameter's first gradient).
    pub(crate) buffers: BTreeMap<String, Vec<Option<Tensor>>>,
}

impl OptimizerState {
    /// The kind of optimizer it was taken from: the `torch.optim` class (`"Adam"`,
    /// `"AdamW"`, `"SGD"`, …), or `"GradientDescent"`.
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// The options set that decide which buffers exist (`"amsgrad"`, `"nesterov"`,
    /// `"centered"`, `"decoupled_weight_decay"`).
    pub fn flags(&self) -> &[String] {
        &self.flags
    }

    /// A hyperparameter or counter by name (`"beta1"`, `"steps"`, `"mu_product"`).
    pub fn value(&self, name: &str) -> Option<StateValue> {
        self.values.get(name).copied()
    }

    /// The number of parameters the state covers.
    pub fn param_count(&self) -> usize {
        self.params.len()
    }

    /// A buffer by PyTorch's name (`"exp_avg"`, `"momentum_buffer"`), one entry per
    /// parameter.
    pub fn buffer(&self, name: &str) -> Option<&[Option<Tensor>]> {
        self.buffers.get(name).map(Vec::as_slice)
    }

    /// The kind and flags, as an error message shows them: `Adam (amsgrad)`.
    pub fn describe(&self) -> String {
        describe(&self.kind, &self.flags)
    }

    fn new(kind: &str, flags: &[(&str, bool)], params: &[Tensor]) -> Self {
        Self {
            kind: kind.to_string(),
            flags: set_flags(flags),
            values: BTreeMap::new(),
            params: params.iter().map(|p| (p.size(), p.kind())).collect(),
            buffers: BTreeMap::new(),
        }
    }

    fn with(mut self, name: &str, value: StateValue) -> Self {
        self.values.insert(name.to_string(), value);
        self
    }

    fn with_f64s(self, values: &[(&str, f64)]) -> Self {
        values
            .iter()
            .fold(self, |s, (n, v)| s.with(n, StateValue::F64(*v)))
    }

    fn with_buffer(mut self, name: &str, tensors: &[Tensor]) -> Self {
        let copies = tensors.iter().map(|t| Some(cpu_copy(t))).collect();
        self.buffers.insert(name.to_string(), copies);
        self
    }

    fn with_lazy_buffer(mut self, name: &str, tensors: &[Option<Tensor>]) -> Self {
        let copies = tensors.iter().map(|t| t.as_ref().map(cpu_copy)).collect();
        self.buffers.insert(name.to_string(), copies);
        self
    }

    /// Checks kind, flags, parameter count and shapes against the optimizer loading it.
    fn check_header(&self, kind: &str, flags: &[(&str, bool)], params: &[Tensor]) -> Result<()> {
        let ours = describe(kind, &set_flags(flags));
        if self.kind != kind || self.flags != set_flags(flags) {
            return Err(mismatch(format!(
                "it holds the state of {}, but this optimizer is {ours}",
                self.describe()
            )));
        }
        if self.params.len() != params.len() {
            return Err(mismatch(format!(
                "it holds {ours} state for {} parameter tensors, but this optimizer has {}",
                self.params.len(),
                params.len()
            )));
        }
        for (i, ((shape, kind), p)) in self.params.iter().zip(params).enumerate() {
            if *shape != p.size() || *kind != p.kind() {
                return Err(mismatch(format!(
                    "parameter {i} was {shape:?} {kind:?} when the state was saved, but is \
                     {:?} {:?} here",
                    p.size(),
                    p.kind()
                )));
            }
        }
        Ok(())
    }

    fn f64(&self, name: &str) -> Result<f64> {
        match self.values.get(name) {
            Some(StateValue::F64(x)) => Ok(*x),
            _ => Err(missing(&self.kind, name, "a number")),
        }
    }

    fn u64(&self, name: &str) -> Result<u64> {
        match self.values.get(name) {
            Some(StateValue::U64(x)) => Ok(*x),
            _ => Err(missing(&self.kind, name, "a count")),
        }
    }

    /// The buffer `name` with a tensor for every parameter, each shaped like it.
    fn full_buffer(&self, name: &str, params: &[Tensor]) -> Result<Vec<Tensor>> {
        self.lazy_buffer(name, params)?
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                t.ok_or_else(|| mismatch(format!("buffer {name} lacks parameter {i}'s tensor")))
            })
            .collect()
    }

    /// The buffer `name`, `None` where the saved rule had not created it yet.
    fn lazy_buffer(&self, name: &str, params: &[Tensor]) -> Result<Vec<Option<Tensor>>> {
        let saved = self
            .buffers
            .get(name)
            .ok_or_else(|| missing(&self.kind, name, "a buffer"))?;
        if saved.len() != params.len() {
            return Err(mismatch(format!(
                "buffer {name} has {} tensors for {} parameters",
                saved.len(),
                params.len()
            )));
        }
        saved
            .iter()
            .zip(params)
            .enumerate()
            .map(|(i, (t, p))| t.as_ref().map(|t| restored(name, i, t, p)).transpose())
            .collect()
    }
}

/// β₁, β₂, eps, weight decay and the step count: what the Adam family shares.
struct AdamLike {
    betas: (f64, f64),
    eps: f64,
    weight_decay: f64,
    steps: u64,
}

impl OptimizerState {
    fn with_adam_like(self, a: AdamLike) -> Self {
        self.with_f64s(&[
            ("beta1", a.betas.0),
            ("beta2", a.betas.1),
            ("eps", a.eps),
            ("weight_decay", a.weight_decay),
        ])
        .with("steps", StateValue::U64(a.steps))
    }

    fn adam_like(&self) -> Result<AdamLike> {
        Ok(AdamLike {
            betas: (self.f64("beta1")?, self.f64("beta2")?),
            eps: self.f64("eps")?,
            weight_decay: self.f64("weight_decay")?,
            steps: self.u64("steps")?,
        })
    }

    /// `exp_avg` and `exp_avg_sq`, a tensor per parameter each.
    fn moments(&self, params: &[Tensor]) -> Result<(Vec<Tensor>, Vec<Tensor>)> {
        Ok((
            self.full_buffer("exp_avg", params)?,
            self.full_buffer("exp_avg_sq", params)?,
        ))
    }
}

fn set_flags(flags: &[(&str, bool)]) -> Vec<String> {
    flags
        .iter()
        .filter(|(_, on)| *on)
        .map(|(n, _)| n.to_string())
        .collect()
}

fn describe(kind: &str, flags: &[String]) -> String {
    if flags.is_empty() {
        kind.to_string()
    } else {
        format!("{kind} ({})", flags.join(", "))
    }
}

fn mismatch(problem: String) -> Error {
    Error::invalid(
        "optimizer checkpoint",
        problem,
        "Load a checkpoint into an optimizer built like the one that saved it (same \
         torch.optim class and options) over the same model.",
    )
}

fn missing(kind: &str, name: &str, what: &str) -> Error {
    Error::invalid(
        "optimizer checkpoint",
        format!("the {kind} state lacks {what} named {name:?}: the checkpoint is corrupt"),
        "Save the checkpoint again with this version of lrbook.",
    )
}

/// A deep copy on the CPU, detached from autograd.
fn cpu_copy(t: &Tensor) -> Tensor {
    t.detach().to_device(Device::Cpu).contiguous().copy()
}

/// A saved tensor checked against parameter `p` and copied onto its device.
fn restored(name: &str, i: usize, t: &Tensor, p: &Tensor) -> Result<Tensor> {
    if t.size() != p.size() || t.kind() != p.kind() {
        return Err(mismatch(format!(
            "buffer {name} of parameter {i} is {:?} {:?}, but the parameter is {:?} {:?}",
            t.size(),
            t.kind(),
            p.size(),
            p.kind()
        )));
    }
    let _guard = tch::no_grad_guard();
    let mut out = p.f_zeros_like()?;
    out.f_copy_(t)?;
    Ok(out)
}

/// The hooks each rule implements; `Optimizer::save_state`/`load_state` call them.
pub(super) trait Checkpointed {
    fn export(&self) -> OptimizerState;
    fn import(&mut self, state: &OptimizerState) -> Result<()>;
}

impl Checkpointed for GradientDescent {
    fn export(&self) -> OptimizerState {
        OptimizerState::new("GradientDescent", &[], &self.params)
    }
    fn import(&mut self, s: &OptimizerState) -> Result<()> {
        s.check_header("GradientDescent", &[], &self.params)
    }
}

impl Checkpointed for Sgd {
    fn export(&self) -> OptimizerState {
        let c = &self.config;
        OptimizerState::new("SGD", &[("nesterov", c.nesterov)], &self.params)
            .with_f64s(&[
                ("momentum", c.momentum),
                ("dampening", c.dampening),
                ("weight_decay", c.weight_decay),
            ])
            .with_lazy_buffer("momentum_buffer", &self.buffers)
    }
    fn import(&mut self, s: &OptimizerState) -> Result<()> {
        let nesterov = self.config.nesterov;
        s.check_header("SGD", &[("nesterov", nesterov)], &self.params)?;
        let config = SgdConfig {
            momentum: s.f64("momentum")?,
            dampening: s.f64("dampening")?,
            weight_decay: s.f64("weight_decay")?,
            nesterov,
        };
        Sgd::new(Vec::new(), config)?;
        self.buffers = s.lazy_buffer("momentum_buffer", &self.params)?;
        self.config = config;
        Ok(())
    }
}

impl Checkpointed for Adagrad {
    fn export(&self) -> OptimizerState {
        let c = &self.config;
        OptimizerState::new("Adagrad", &[], &self.params)
            .with_f64s(&[
                ("lr_decay", c.lr_decay),
                ("weight_decay", c.weight_decay),
                ("initial_accumulator_value", c.initial_accumulator_value),
                ("eps", c.eps),
            ])
            .with("steps", StateValue::U64(self.steps))
            .with_buffer("sum", &self.sums)
    }
    fn import(&mut self, s: &OptimizerState) -> Result<()> {
        s.check_header("Adagrad", &[], &self.params)?;
        let config = AdagradConfig {
            lr_decay: s.f64("lr_decay")?,
            weight_decay: s.f64("weight_decay")?,
            initial_accumulator_value: s.f64("initial_accumulator_value")?,
            eps: s.f64("eps")?,
        };
        Adagrad::new(Vec::new(), config)?;
        let (sums, steps) = (s.full_buffer("sum", &self.params)?, s.u64("steps")?);
        (self.config, self.sums, self.steps) = (config, sums, steps);
        Ok(())
    }
}

impl Checkpointed for RmsProp {
    fn export(&self) -> OptimizerState {
        let c = &self.config;
        let mut s = OptimizerState::new("RMSprop", &[("centered", c.centered)], &self.params)
            .with_f64s(&[
                ("alpha", c.alpha),
                ("eps", c.eps),
                ("weight_decay", c.weight_decay),
                ("momentum", c.momentum),
            ])
            .with_buffer("square_avg", &self.square_avgs);
        if c.centered {
            s = s.with_buffer("grad_avg", &self.grad_avgs);
        }
        // Present once momentum was on (from the start, or set by a schedule).
        if !self.buffers.is_empty() {
            s = s.with_buffer("momentum_buffer", &self.buffers);
        }
        s
    }
    fn import(&mut self, s: &OptimizerState) -> Result<()> {
        let centered = self.config.centered;
        s.check_header("RMSprop", &[("centered", centered)], &self.params)?;
        let config = RmsPropConfig {
            alpha: s.f64("alpha")?,
            eps: s.f64("eps")?,
            weight_decay: s.f64("weight_decay")?,
            momentum: s.f64("momentum")?,
            centered,
        };
        RmsProp::new(Vec::new(), config)?;
        let square_avgs = s.full_buffer("square_avg", &self.params)?;
        let grad_avgs = if centered {
            s.full_buffer("grad_avg", &self.params)?
        } else {
            Vec::new()
        };
        let buffers = if s.buffers.contains_key("momentum_buffer") {
            s.full_buffer("momentum_buffer", &self.params)?
        } else if config.momentum > 0.0 {
            return Err(missing(&s.kind, "momentum_buffer", "a buffer"));
        } else {
            Vec::new()
        };
        self.square_avgs = square_avgs;
        self.grad_avgs = grad_avgs;
        self.buffers = buffers;
        self.config = config;
        Ok(())
    }
}

impl Checkpointed for Adam {
    fn export(&self) -> OptimizerState {
        let c = &self.config;
        let kind = if c.decoupled_weight_decay {
            "AdamW"
        } else {
            "Adam"
        };
        let mut s = OptimizerState::new(kind, &[("amsgrad", c.amsgrad)], &self.params)
            .with_adam_like(AdamLike {
                betas: c.betas,
                eps: c.eps,
                weight_decay: c.weight_decay,
                steps: self.steps,
            })
            .with_buffer("exp_avg", &self.exp_avgs)
            .with_buffer("exp_avg_sq", &self.exp_avg_sqs);
        if c.amsgrad {
            s = s.with_buffer("max_exp_avg_sq", &self.max_exp_avg_sqs);
        }
        s
    }
    fn import(&mut self, s: &OptimizerState) -> Result<()> {
        let (decoupled, amsgrad) = (self.config.decoupled_weight_decay, self.config.amsgrad);
        let kind = if decoupled { "AdamW" } else { "Adam" };
        s.check_header(kind, &[("amsgrad", amsgrad)], &self.params)?;
        let a = s.adam_like()?;
        let config = AdamConfig {
            betas: a.betas,
            eps: a.eps,
            weight_decay: a.weight_decay,
            ..self.config
        };
        Adam::new(Vec::new(), config)?;
        let (exp_avgs, exp_avg_sqs) = s.moments(&self.params)?;
        let max_exp_avg_sqs = if amsgrad {
            s.full_buffer("max_exp_avg_sq", &self.params)?
        } else {
            Vec::new()
        };
        (self.exp_avgs, self.exp_avg_sqs) = (exp_avgs, exp_avg_sqs);
        self.max_exp_avg_sqs = max_exp_avg_sqs;
        (self.config, self.steps) = (config, a.steps);
        Ok(())
    }
}

impl Checkpointed for Adamax {
    fn export(&self) -> OptimizerState {
        let c = &self.config;
        OptimizerState::new("Adamax", &[], &self.params)
            .with_adam_like(AdamLike {
                betas: c.betas,
                eps: c.eps,
                weight_decay: c.weight_decay,
                steps: self.steps,
            })
            .with_buffer("exp_avg", &self.exp_avgs)
            .with_buffer("exp_inf", &self.exp_infs)
    }
    fn import(&mut self, s: &OptimizerState) -> Result<()> {
        s.check_header("Adamax", &[], &self.params)?;
        let a = s.adam_like()?;
        let config = AdamaxConfig {
            betas: a.betas,
            eps: a.eps,
            weight_decay: a.weight_decay,
        };
        Adamax::new(Vec::new(), config)?;
        let exp_avgs = s.full_buffer("exp_avg", &self.params)?;
        let exp_infs = s.full_buffer("exp_inf", &self.params)?;
        (self.exp_avgs, self.exp_infs) = (exp_avgs, exp_infs);
        (self.config, self.steps) = (config, a.steps);
        Ok(())
    }
}

impl Checkpointed for NAdam {
    fn export(&self) -> OptimizerState {
        let c = &self.config;
        let flags = [("decoupled_weight_decay", c.decoupled_weight_decay)];
        OptimizerState::new("NAdam", &flags, &self.params)
            .with_adam_like(AdamLike {
                betas: c.betas,
                eps: c.eps,
                weight_decay: c.weight_decay,
                steps: self.steps,
            })
            .with_f64s(&[
                ("momentum_decay", c.momentum_decay),
                ("mu_product", self.mu_product),
            ])
            .with_buffer("exp_avg", &self.exp_avgs)
            .with_buffer("exp_avg_sq", &self.exp_avg_sqs)
    }
    fn import(&mut self, s: &OptimizerState) -> Result<()> {
        let decoupled = self.config.decoupled_weight_decay;
        let flags = [("decoupled_weight_decay", decoupled)];
        s.check_header("NAdam", &flags, &self.params)?;
        let a = s.adam_like()?;
        let config = NAdamConfig {
            betas: a.betas,
            eps: a.eps,
            weight_decay: a.weight_decay,
            momentum_decay: s.f64("momentum_decay")?,
            decoupled_weight_decay: decoupled,
        };
        NAdam::new(Vec::new(), config)?;
        // The product of momenta μ₁⋯μ_t, each in (0, 1): 1 before the first step.
        let mu_product = s.f64("mu_product")?;
        if !(0.0..=1.0).contains(&mu_product) {
            return Err(Error::invalid(
                "optimizer checkpoint",
                format!("NAdam's mu_product is {mu_product}, outside [0, 1]: it is corrupt"),
                "Save the checkpoint again with this version of lrbook.",
            ));
        }
        let (exp_avgs, exp_avg_sqs) = s.moments(&self.params)?;
        (self.exp_avgs, self.exp_avg_sqs) = (exp_avgs, exp_avg_sqs);
        (self.config, self.steps, self.mu_product) = (config, a.steps, mu_product);
        Ok(())
    }
}

impl Checkpointed for RAdam {
    fn export(&self) -> OptimizerState {
        let c = &self.config;
        let flags = [("decoupled_weight_decay", c.decoupled_weight_decay)];
        OptimizerState::new("RAdam", &flags, &self.params)
            .with_adam_like(AdamLike {
                betas: c.betas,
                eps: c.eps,
                weight_decay: c.weight_decay,
                steps: self.steps,
            })
            .with_buffer("exp_avg", &self.exp_avgs)
            .with_buffer("exp_avg_sq", &self.exp_avg_sqs)
    }
    fn import(&mut self, s: &OptimizerState) -> Result<()> {
        let decoupled = self.config.decoupled_weight_decay;
        let flags = [("decoupled_weight_decay", decoupled)];
        s.check_header("RAdam", &flags, &self.params)?;
        let a = s.adam_like()?;
        let config = RAdamConfig {
            betas: a.betas,
            eps: a.eps,
            weight_decay: a.weight_decay,
            decoupled_weight_decay: decoupled,
        };
        RAdam::new(Vec::new(), config)?;
        let (exp_avgs, exp_avg_sqs) = s.moments(&self.params)?;
        (self.exp_avgs, self.exp_avg_sqs) = (exp_avgs, exp_avg_sqs);
        (self.config, self.steps) = (config, a.steps);
        Ok(())
    }
}

/// The default of [`Optimizer::save_state`]: this optimizer cannot be checkpointed.
pub(super) fn unsupported() -> Error {
    Error::invalid(
        "optimizer checkpoint",
        "this optimizer does not expose its state (tch's own nn::Optimizer keeps it inside \
         libtorch)",
        "Use one of lrbook's optimizers (lrbook::optim::Sgd, Adam, …, or OptimizerSpec::build), \
         which save and load their state.",
    )
}

mod large_batch;
#[cfg(test)]
mod tests;
