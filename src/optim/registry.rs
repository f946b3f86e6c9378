//! The optimizer registry: which `torch.optim` class each rule of this module is, and how
//! to build one from PyTorch's keyword arguments.
//!
//! [`Rule`] is the class (`torch.optim.RMSprop` is [`Rule::RmsProp`]; LARS and LAMB, which
//! `torch.optim` lacks, are timm's `timm.optim.Lars` and `timm.optim.Lamb`), [`TorchArgs`]
//! its keyword arguments (unset ones take the defaults of that class), and
//! [`OptimizerSpec`] the two together, ready to [`build`](OptimizerSpec::build). An unknown
//! class name, or an argument the class does not take, is an error that lists the known
//! ones: nothing falls through to a default rule.
//!
//! ```
//! use lrbook::optim::{OptimizerSpec, Rule, TorchArgs};
//! # fn main() -> lrbook::Result<()> {
//! let w = tch::Tensor::from_slice(&[1.0f64, 2.0]).set_requires_grad(true);
//! // torch.optim.SGD([w], lr=0.1, momentum=0.9, nesterov=True)
//! let spec = Rule::Sgd.with(TorchArgs {
//!     lr: Some(0.1),
//!     momentum: Some(0.9),
//!     nesterov: true,
//!     ..TorchArgs::default()
//! });
//! let mut opt = spec.build(vec![w.shallow_clone()])?;
//! (&w * &w).sum(tch::Kind::Double).backward();
//! opt.step(spec.lr())?;
//! assert_eq!(spec.variant().name(), "SGD, Nesterov");
//! assert!("Adadelta".parse::<Rule>().is_err());
//! # Ok(()) }
//! ```
use std::fmt;
use std::str::FromStr;

use serde_json::Value;
use tch::Tensor;

use super::{
    Adagrad, AdagradConfig, Adam, AdamConfig, Adamax, AdamaxConfig, Lamb, LambConfig, Lars,
    LarsConfig, NAdam, NAdamConfig, Optimizer, RAdam, RAdamConfig, RmsProp, RmsPropConfig, Sgd,
    SgdConfig,
};
use crate::{validate, Error, Result};

/// A `torch.optim` class that this module implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    /// `torch.optim.SGD`: [`Sgd`].
    Sgd,
    /// `torch.optim.Adagrad`: [`Adagrad`].
    Adagrad,
    /// `torch.optim.RMSprop`: [`RmsProp`].
    RmsProp,
    /// `torch.optim.Adam`: [`Adam`].
    Adam,
    /// `torch.optim.AdamW`: [`Adam`] with decoupled weight decay.
    AdamW,
    /// `torch.optim.Adamax`: [`Adamax`].
    Adamax,
    /// `torch.optim.NAdam`: [`NAdam`].
    NAdam,
    /// `torch.optim.RAdam`: [`RAdam`].
    RAdam,
    /// `timm.optim.Lars`: [`Lars`].
    Lars,
    /// `timm.optim.Lamb`: [`Lamb`].
    Lamb,
}

impl Rule {
    /// Every rule, in the order the book lists them.
    pub const ALL: [Rule; 10] = [
        Rule::Sgd,
        Rule::Adagrad,
        Rule::RmsProp,
        Rule::Adam,
        Rule::AdamW,
        Rule::Adamax,
        Rule::NAdam,
        Rule::RAdam,
        Rule::Lars,
        Rule::Lamb,
    ];

    /// The class name, as in `torch.optim.RMSprop` (`Lars` and `Lamb` for timm's).
    pub fn torch_class(self) -> &'static str {
        match self {
            Rule::Sgd => "SGD",
            Rule::Adagrad => "Adagrad",
            Rule::RmsProp => "RMSprop",
            Rule::Adam => "Adam",
            Rule::AdamW => "AdamW",
            Rule::Adamax => "Adamax",
            Rule::NAdam => "NAdam",
            Rule::RAdam => "RAdam",
            Rule::Lars => "Lars",
            Rule::Lamb => "Lamb",
        }
    }

    /// PyTorch 2.13's default learning rate of the class (timm 1.0.15's for LARS and LAMB).
    pub fn default_lr(self) -> f64 {
        match self {
            Rule::Adagrad | Rule::RmsProp => 1e-2,
            Rule::Adamax | Rule::NAdam => 2e-3,
            Rule::Sgd | Rule::Adam | Rule::AdamW | Rule::RAdam | Rule::Lamb => 1e-3,
            Rule::Lars => 1.0,
        }
    }

    /// The keyword arguments the class takes here, besides `params`.
    pub fn arguments(self) -> &'static [&'static str] {
        match self {
            Rule::Sgd => &["lr", "momentum", "dampening", "weight_decay", "nesterov"],
            Rule::Adagrad => &[
                "lr",
                "lr_decay",
                "weight_decay",
                "initial_accumulator_value",
                "eps",
            ],
            Rule::RmsProp => &["lr", "alpha", "eps", "weight_decay", "momentum", "centered"],
            Rule::Adam => &[
                "lr",
                "betas",
                "eps",
                "weight_decay",
                "amsgrad",
                "decoupled_weight_decay",
            ],
            Rule::AdamW => &["lr", "betas", "eps", "weight_decay", "amsgrad"],
            Rule::Adamax => &["lr", "betas", "eps", "weight_decay"],
            Rule::NAdam => &[
                "lr",
                "betas",
                "eps",
                "weight_decay",
                "momentum_decay",
                "decoupled_weight_decay",
            ],
            Rule::RAdam => &[
                "lr",
                "betas",
                "eps",
                "weight_decay",
                "decoupled_weight_decay",
            ],
            Rule::Lars => &[
                "lr",
                "momentum",
                "dampening",
                "weight_decay",
                "nesterov",
                "trust_coeff",
                "eps",
                "trust_clip",
                "always_adapt",
            ],
            Rule::Lamb => &[
                "lr",
                "bias_correction",
                "betas",
                "eps",
                "weight_decay",
                "grad_averaging",
                "max_grad_norm",
                "trust_clip",
                "always_adapt",
                "decoupled_decay",
            ],
        }
    }

    /// This rule with the keyword arguments `args`.
    pub fn with(self, args: TorchArgs) -> OptimizerSpec {
        OptimizerSpec { rule: self, args }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.torch_class())
    }
}

/// The class by PyTorch's name, in any case (`"RMSprop"`, `"rmsprop"`); an unknown name is
/// an error that lists the known ones.
impl FromStr for Rule {
    type Err = Error;

    fn from_str(name: &str) -> Result<Rule> {
        Rule::ALL
            .into_iter()
            .find(|r| r.torch_class().eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                let known: Vec<&str> = Rule::ALL.iter().map(|r| r.torch_class()).collect();
                Error::invalid(
                    "optimizer",
                    format!("unknown torch.optim class {name:?}"),
                    format!("Use one of {} (any case).", known.join(", ")),
                )
            })
    }
}

/// `torch.optim`'s keyword arguments. An unset one (`None`, `false`) takes PyTorch's
/// default for the class; a set one must be among the class's [`Rule::arguments`].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TorchArgs {
    /// Base learning rate (passed to each `step`; see [`OptimizerSpec::lr`]).
    pub lr: Option<f64>,
    /// `(β₁, β₂)` of the Adam family.
    pub betas: Option<(f64, f64)>,
    /// Added to the denominator (finite and `> 0` here; PyTorch also takes 0).
    pub eps: Option<f64>,
    /// L2 penalty, or the decoupled decay of AdamW and of `decoupled_weight_decay`.
    pub weight_decay: Option<f64>,
    /// SGD's heavy-ball coefficient, or RMSprop's momentum.
    pub momentum: Option<f64>,
    /// SGD's dampening.
    pub dampening: Option<f64>,
    /// SGD's Nesterov look-ahead.
    pub nesterov: bool,
    /// RMSprop's decay of the squared-gradient average.
    pub alpha: Option<f64>,
    /// RMSprop's centered variant.
    pub centered: bool,
    /// Adagrad's learning-rate decay.
    pub lr_decay: Option<f64>,
    /// Adagrad's starting accumulator.
    pub initial_accumulator_value: Option<f64>,
    /// Adam's and AdamW's AMSGrad variant.
    pub amsgrad: bool,
    /// NAdam's momentum warm-up ψ.
    pub momentum_decay: Option<f64>,
    /// Adam's, NAdam's and RAdam's AdamW-style decay (`Adam` with it is `AdamW`).
    pub decoupled_weight_decay: bool,
    /// LARS's trust coefficient η.
    pub trust_coeff: Option<f64>,
    /// LARS's (LARC) and LAMB's (LAMBC) clipping of the trust ratio.
    pub trust_clip: bool,
    /// LARS's and LAMB's trust ratio even without weight decay.
    pub always_adapt: bool,
    /// LAMB's bias correction (`None`: on, timm's default).
    pub bias_correction: Option<bool>,
    /// LAMB's `1 − β₁` weight on the gradient (`None`: on, timm's default).
    pub grad_averaging: Option<bool>,
    /// LAMB's global gradient-norm clip: `None` takes timm's default of 1.0, `Some(None)`
    /// turns it off (Python's `max_grad_norm=None`).
    pub max_grad_norm: Option<Option<f64>>,
    /// LAMB's decoupled weight decay (timm's `decoupled_decay`).
    pub decoupled_decay: bool,
}

impl TorchArgs {
    /// The names of the arguments that are set.
    pub fn set_names(&self) -> Vec<&'static str> {
        let numbers = [
            ("lr", self.lr),
            ("betas", self.betas.map(|b| b.0)),
            ("eps", self.eps),
            ("weight_decay", self.weight_decay),
            ("momentum", self.momentum),
            ("dampening", self.dampening),
            ("alpha", self.alpha),
            ("lr_decay", self.lr_decay),
            ("initial_accumulator_value", self.initial_accumulator_value),
            ("momentum_decay", self.momentum_decay),
            ("trust_coeff", self.trust_coeff),
            ("max_grad_norm", self.max_grad_norm.map(|_| 0.0)),
        ];
        let flags = [
            ("nesterov", self.nesterov),
            ("centered", self.centered),
            ("amsgrad", self.amsgrad),
            ("decoupled_weight_decay", self.decoupled_weight_decay),
            ("trust_clip", self.trust_clip),
            ("always_adapt", self.always_adapt),
            ("bias_correction", self.bias_correction.is_some()),
            ("grad_averaging", self.grad_averaging.is_some()),
            ("decoupled_decay", self.decoupled_decay),
        ];
        numbers
            .iter()
            .filter(|(_, v)| v.is_some())
            .map(|(n, _)| *n)
            .chain(flags.iter().filter(|(_, v)| *v).map(|(n, _)| *n))
            .collect()
    }

    /// Reads keyword arguments written as a JSON object, as
    /// `scripts/reference/optimizers.py` records them (`{"betas": [0.8, 0.99], "amsgrad":
    /// true}`), for the class `rule`: a key the class does not take, or a value of the
    /// wrong type, is an error.
    pub fn from_json(rule: Rule, kwargs: &Value) -> Result<TorchArgs> {
        let object = kwargs.as_object().ok_or_else(|| {
            Error::invalid(
                "optimizer arguments",
                format!("expected a JSON object, got {kwargs}"),
                "Write the keyword arguments as {\"name\": value, ...}.",
            )
        })?;
        let mut args = TorchArgs::default();
        for (key, value) in object {
            let bad = |expected: &str| {
                Error::invalid(
                    format!("torch.optim.{rule} argument {key}"),
                    format!("got {value}"),
                    format!("Give {expected}."),
                )
            };
            let number = || value.as_f64().ok_or_else(|| bad("a number"));
            let flag = || value.as_bool().ok_or_else(|| bad("true or false"));
            let name = rule.arguments().iter().find(|a| **a == key.as_str());
            match name.copied() {
                Some("lr") => args.lr = Some(number()?),
                Some("betas") => {
                    let pair = value.as_array().and_then(|b| match b.as_slice() {
                        [b1, b2] => Some((b1.as_f64()?, b2.as_f64()?)),
                        _ => None,
                    });
                    args.betas = Some(pair.ok_or_else(|| bad("two numbers, [β₁, β₂]"))?);
                }
                Some("eps") => args.eps = Some(number()?),
                Some("weight_decay") => args.weight_decay = Some(number()?),
                Some("momentum") => args.momentum = Some(number()?),
                Some("dampening") => args.dampening = Some(number()?),
                Some("nesterov") => args.nesterov = flag()?,
                Some("alpha") => args.alpha = Some(number()?),
                Some("centered") => args.centered = flag()?,
                Some("lr_decay") => args.lr_decay = Some(number()?),
                Some("initial_accumulator_value") => {
                    args.initial_accumulator_value = Some(number()?)
                }
                Some("amsgrad") => args.amsgrad = flag()?,
                Some("momentum_decay") => args.momentum_decay = Some(number()?),
                Some("decoupled_weight_decay") => args.decoupled_weight_decay = flag()?,
                Some("trust_coeff") => args.trust_coeff = Some(number()?),
                Some("trust_clip") => args.trust_clip = flag()?,
                Some("always_adapt") => args.always_adapt = flag()?,
                Some("bias_correction") => args.bias_correction = Some(flag()?),
                Some("grad_averaging") => args.grad_averaging = Some(flag()?),
                Some("max_grad_norm") if value.is_null() => args.max_grad_norm = Some(None),
                Some("max_grad_norm") => args.max_grad_norm = Some(Some(number()?)),
                Some("decoupled_decay") => args.decoupled_decay = flag()?,
                _ => return Err(unknown_argument(rule, key)),
            }
        }
        Ok(args)
    }
}

fn unknown_argument(rule: Rule, name: &str) -> Error {
    Error::invalid(
        format!("torch.optim.{rule} argument"),
        format!("{rule} takes no argument {name:?} here"),
        format!("Use one of {}.", rule.arguments().join(", ")),
    )
}

/// The update rules the book tells apart: a class, or a class with the option that
/// changes its update (momentum, Nesterov, centering, AMSGrad).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Variant {
    /// Plain SGD.
    Sgd,
    /// SGD with heavy-ball momentum.
    SgdMomentum,
    /// SGD with Nesterov momentum.
    SgdNesterov,
    /// Adagrad.
    Adagrad,
    /// RMSprop (with or without momentum).
    RmsProp,
    /// Centered RMSprop.
    RmsPropCentered,
    /// Adam.
    Adam,
    /// Adam with AMSGrad.
    AdamAmsgrad,
    /// AdamW, or Adam with `decoupled_weight_decay` (with or without AMSGrad).
    AdamW,
    /// Adamax.
    Adamax,
    /// NAdam.
    NAdam,
    /// RAdam.
    RAdam,
    /// LARS (timm's).
    Lars,
    /// LAMB (timm's).
    Lamb,
}

impl Variant {
    /// Every variant, in the order the book lists them.
    pub const ALL: [Variant; 14] = [
        Variant::Sgd,
        Variant::SgdMomentum,
        Variant::SgdNesterov,
        Variant::Adagrad,
        Variant::RmsProp,
        Variant::RmsPropCentered,
        Variant::Adam,
        Variant::AdamAmsgrad,
        Variant::AdamW,
        Variant::Adamax,
        Variant::NAdam,
        Variant::RAdam,
        Variant::Lars,
        Variant::Lamb,
    ];

    /// The name tables show, e.g. `"SGD, Nesterov"`.
    pub fn name(self) -> &'static str {
        match self {
            Variant::Sgd => "SGD",
            Variant::SgdMomentum => "SGD, momentum",
            Variant::SgdNesterov => "SGD, Nesterov",
            Variant::Adagrad => "AdaGrad",
            Variant::RmsProp => "RMSProp",
            Variant::RmsPropCentered => "RMSProp, centered",
            Variant::Adam => "Adam",
            Variant::AdamAmsgrad => "Adam, AMSGrad",
            Variant::AdamW => "AdamW",
            Variant::Adamax => "Adamax",
            Variant::NAdam => "NAdam",
            Variant::RAdam => "RAdam",
            Variant::Lars => "LARS",
            Variant::Lamb => "LAMB",
        }
    }

    /// The `torch.optim` class it is a variant of.
    pub fn rule(self) -> Rule {
        match self {
            Variant::Sgd | Variant::SgdMomentum | Variant::SgdNesterov => Rule::Sgd,
            Variant::Adagrad => Rule::Adagrad,
            Variant::RmsProp | Variant::RmsPropCentered => Rule::RmsProp,
            Variant::Adam | Variant::AdamAmsgrad => Rule::Adam,
            Variant::AdamW => Rule::AdamW,
            Variant::Adamax => Rule::Adamax,
            Variant::NAdam => Rule::NAdam,
            Variant::RAdam => Rule::RAdam,
            Variant::Lars => Rule::Lars,
            Variant::Lamb => Rule::Lamb,
        }
    }
}

/// A `torch.optim` class with its keyword arguments: what to build.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OptimizerSpec {
    /// The class.
    pub rule: Rule,
    /// Its keyword arguments.
    pub args: TorchArgs,
}

impl From<Rule> for OptimizerSpec {
    /// The class with PyTorch's defaults.
    fn from(rule: Rule) -> Self {
        rule.with(TorchArgs::default())
    }
}

impl OptimizerSpec {
    /// The class named `name` (see [`Rule`]'s `FromStr`) with the JSON keyword arguments
    /// `kwargs` (see [`TorchArgs::from_json`]).
    pub fn from_json(name: &str, kwargs: &Value) -> Result<Self> {
        let rule: Rule = name.parse()?;
        Ok(rule.with(TorchArgs::from_json(rule, kwargs)?))
    }

    /// The base learning rate: the one given, or the class's default.
    pub fn lr(&self) -> f64 {
        self.args.lr.unwrap_or(self.rule.default_lr())
    }

    /// Which of the book's update rules this is.
    pub fn variant(&self) -> Variant {
        let a = &self.args;
        match self.rule {
            Rule::Sgd if a.nesterov => Variant::SgdNesterov,
            Rule::Sgd if a.momentum.unwrap_or(0.0) > 0.0 => Variant::SgdMomentum,
            Rule::Sgd => Variant::Sgd,
            Rule::Adagrad => Variant::Adagrad,
            Rule::RmsProp if a.centered => Variant::RmsPropCentered,
            Rule::RmsProp => Variant::RmsProp,
            Rule::Adam if a.decoupled_weight_decay => Variant::AdamW,
            Rule::Adam if a.amsgrad => Variant::AdamAmsgrad,
            Rule::Adam => Variant::Adam,
            Rule::AdamW => Variant::AdamW,
            Rule::Adamax => Variant::Adamax,
            Rule::NAdam => Variant::NAdam,
            Rule::RAdam => Variant::RAdam,
            Rule::Lars => Variant::Lars,
            Rule::Lamb => Variant::Lamb,
        }
    }

    /// Checks that every set argument is one the class takes, and a given `lr`.
    pub(super) fn check_args(&self) -> Result<()> {
        if let Some(name) = self
            .args
            .set_names()
            .into_iter()
            .find(|n| !self.rule.arguments().contains(n))
        {
            return Err(unknown_argument(self.rule, name));
        }
        if let Some(lr) = self.args.lr {
            validate::learning_rate(&format!("torch.optim.{} lr", self.rule), lr)?;
        }
        Ok(())
    }

    /// SGD's options from the arguments (PyTorch's defaults for unset ones).
    pub(super) fn sgd_config(&self) -> SgdConfig {
        let a = &self.args;
        SgdConfig {
            momentum: a.momentum.unwrap_or(0.0),
            dampening: a.dampening.unwrap_or(0.0),
            weight_decay: a.weight_decay.unwrap_or(0.0),
            nesterov: a.nesterov,
        }
    }

    /// Adam's or AdamW's options from the arguments (the class's defaults for unset ones).
    pub(super) fn adam_config(&self) -> AdamConfig {
        let a = &self.args;
        let base = if self.rule == Rule::AdamW {
            AdamConfig::adamw()
        } else {
            AdamConfig::default()
        };
        AdamConfig {
            betas: a.betas.unwrap_or(base.betas),
            eps: a.eps.unwrap_or(base.eps),
            weight_decay: a.weight_decay.unwrap_or(base.weight_decay),
            amsgrad: a.amsgrad,
            decoupled_weight_decay: base.decoupled_weight_decay || a.decoupled_weight_decay,
        }
    }

    /// Builds the optimizer over `params`; an argument the class does not take, or a value
    /// out of its range (including a given `lr`), is an error.
    pub fn build(&self, params: Vec<Tensor>) -> Result<Box<dyn Optimizer>> {
        self.check_args()?;
        let a = &self.args;
        let betas = a.betas.unwrap_or((0.9, 0.999));
        let eps = |default| a.eps.unwrap_or(default);
        let weight_decay = |default| a.weight_decay.unwrap_or(default);
        Ok(match self.rule {
            Rule::Sgd => Box::new(Sgd::new(params, self.sgd_config())?),
            Rule::Adagrad => Box::new(Adagrad::new(
                params,
                AdagradConfig {
                    lr_decay: a.lr_decay.unwrap_or(0.0),
                    weight_decay: weight_decay(0.0),
                    initial_accumulator_value: a.initial_accumulator_value.unwrap_or(0.0),
                    eps: eps(1e-10),
                },
            )?),
            Rule::RmsProp => Box::new(RmsProp::new(
                params,
                RmsPropConfig {
                    alpha: a.alpha.unwrap_or(0.99),
                    eps: eps(1e-8),
                    weight_decay: weight_decay(0.0),
                    momentum: a.momentum.unwrap_or(0.0),
                    centered: a.centered,
                },
            )?),
            Rule::Adam | Rule::AdamW => Box::new(Adam::new(params, self.adam_config())?),
            Rule::Adamax => Box::new(Adamax::new(
                params,
                AdamaxConfig {
                    betas,
                    eps: eps(1e-8),
                    weight_decay: weight_decay(0.0),
                },
            )?),
            Rule::NAdam => Box::new(NAdam::new(
                params,
                NAdamConfig {
                    betas,
                    eps: eps(1e-8),
                    weight_decay: weight_decay(0.0),
                    momentum_decay: a.momentum_decay.unwrap_or(4e-3),
                    decoupled_weight_decay: a.decoupled_weight_decay,
                },
            )?),
            Rule::RAdam => Box::new(RAdam::new(
                params,
                RAdamConfig {
                    betas,
                    eps: eps(1e-8),
                    weight_decay: weight_decay(0.0),
                    decoupled_weight_decay: a.decoupled_weight_decay,
                },
            )?),
            Rule::Lars => {
                let d = LarsConfig::default();
                Box::new(Lars::new(
                    params,
                    LarsConfig {
                        momentum: a.momentum.unwrap_or(d.momentum),
                        dampening: a.dampening.unwrap_or(d.dampening),
                        weight_decay: weight_decay(d.weight_decay),
                        nesterov: a.nesterov,
                        trust_coeff: a.trust_coeff.unwrap_or(d.trust_coeff),
                        eps: eps(d.eps),
                        trust_clip: a.trust_clip,
                        always_adapt: a.always_adapt,
                    },
                )?)
            }
            Rule::Lamb => {
                let d = LambConfig::default();
                Box::new(Lamb::new(
                    params,
                    LambConfig {
                        betas,
                        eps: eps(d.eps),
                        weight_decay: weight_decay(d.weight_decay),
                        bias_correction: a.bias_correction.unwrap_or(d.bias_correction),
                        grad_averaging: a.grad_averaging.unwrap_or(d.grad_averaging),
                        max_grad_norm: a.max_grad_norm.unwrap_or(d.max_grad_norm),
                        trust_clip: a.trust_clip,
                        always_adapt: a.always_adapt,
                        decoupled_decay: a.decoupled_decay,
                    },
                )?)
            }
        })
    }
}

#[cfg(test)]
mod tests;
