//! Checkpoints of the large-batch rules, [`Lars`] and [`Lamb`].
use super::{AdamLike, Checkpointed, OptimizerState, StateValue};
use crate::optim::{lamb, Lamb, LambConfig, Lars, LarsConfig};
use crate::Result;

impl Checkpointed for Lars {
    fn export(&self) -> OptimizerState {
        let c = &self.config;
        let flags = [
            ("nesterov", c.nesterov),
            ("trust_clip", c.trust_clip),
            ("always_adapt", c.always_adapt),
        ];
        OptimizerState::new("Lars", &flags, &self.params)
            .with_f64s(&[
                ("momentum", c.momentum),
                ("dampening", c.dampening),
                ("weight_decay", c.weight_decay),
                ("trust_coeff", c.trust_coeff),
                ("eps", c.eps),
            ])
            .with_lazy_buffer("momentum_buffer", &self.buffers)
    }
    fn import(&mut self, s: &OptimizerState) -> Result<()> {
        let c = self.config;
        let flags = [
            ("nesterov", c.nesterov),
            ("trust_clip", c.trust_clip),
            ("always_adapt", c.always_adapt),
        ];
        s.check_header("Lars", &flags, &self.params)?;
        let config = LarsConfig {
            momentum: s.f64("momentum")?,
            dampening: s.f64("dampening")?,
            weight_decay: s.f64("weight_decay")?,
            trust_coeff: s.f64("trust_coeff")?,
            eps: s.f64("eps")?,
            ..c
        };
        Lars::new(Vec::new(), config)?;
        self.buffers = s.lazy_buffer("momentum_buffer", &self.params)?;
        self.config = config;
        Ok(())
    }
}

/// The flags of a LAMB that decide its update's form (they must match on loading).
fn lamb_flags(c: &LambConfig) -> [(&'static str, bool); 6] {
    [
        ("bias_correction", c.bias_correction),
        ("grad_averaging", c.grad_averaging),
        ("max_grad_norm", c.max_grad_norm.is_some()),
        ("trust_clip", c.trust_clip),
        ("always_adapt", c.always_adapt),
        ("decoupled_decay", c.decoupled_decay),
    ]
}

impl Checkpointed for Lamb {
    fn export(&self) -> OptimizerState {
        let c = &self.config;
        let mut s = OptimizerState::new("Lamb", &lamb_flags(c), &self.params)
            .with_adam_like(AdamLike {
                betas: c.betas,
                eps: c.eps,
                weight_decay: c.weight_decay,
                steps: self.steps,
            })
            .with_buffer("exp_avg", &self.exp_avgs)
            .with_buffer("exp_avg_sq", &self.exp_avg_sqs);
        if let Some(m) = c.max_grad_norm {
            s = s.with("max_grad_norm", StateValue::F64(m));
        }
        s
    }
    fn import(&mut self, s: &OptimizerState) -> Result<()> {
        s.check_header("Lamb", &lamb_flags(&self.config), &self.params)?;
        let a = s.adam_like()?;
        let max_grad_norm = match self.config.max_grad_norm {
            Some(_) => Some(s.f64("max_grad_norm")?),
            None => None,
        };
        let config = LambConfig {
            betas: a.betas,
            eps: a.eps,
            weight_decay: a.weight_decay,
            max_grad_norm,
            ..self.config
        };
        lamb::check(&config)?;
        let (exp_avgs, exp_avg_sqs) = s.moments(&self.params)?;
        (self.exp_avgs, self.exp_avg_sqs) = (exp_avgs, exp_avg_sqs);
        (self.config, self.steps) = (config, a.steps);
        Ok(())
    }
}
