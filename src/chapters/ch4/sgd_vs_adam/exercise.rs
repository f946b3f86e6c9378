//! Exercise 8: AdamW against Adam + L2 over the decay coefficient λ.
use std::path::Path;

use super::tables::{seeds_list, spread_cell};
use super::{
    decoupled_shrink, load_splits, steps_per_run, tune, Arch, Method, Runner, TunedConfig,
};
use crate::chapters::exercise::{Exercise, Solution};
use crate::chapters::Config;
use crate::report::{fmt_sig, Cell};
use crate::stats::{self, LEVEL};
use crate::{validate, Error, Result};

/// The largest λ the exercise accepts: at the grids' largest Adam rate, 0.01, AdamW's
/// shrink factor `1 − ηλ` is then 0.9 per step.
pub const MAX_DECAY: f64 = 10.0;

/// Exercise 8: at the page's setting, AdamW and Adam + L2 at each decay coefficient λ
/// given, both at AdamW's tuned rate (tuned once, at the page's λ, on the validation split):
/// test accuracy and final weight norm, paired over the page's seeds. Where does coupling
/// the decay to Adam's normalisation start to matter?
#[derive(clap::Args, Clone, Debug)]
pub struct DecayCoefficient {
    /// The network: mlp or cnn.
    #[arg(long, value_enum, default_value_t = Arch::Mlp)]
    pub model: Arch,
    /// The decay coefficients λ, comma-separated, each from 0 to 10.
    #[arg(long, value_delimiter = ',', default_values_t = vec![0.001, 0.01, 0.1, 1.0])]
    pub decays: Vec<f64>,
}

impl Exercise for DecayCoefficient {
    const NAME: &'static str = "ch4_ex8_decay_coefficient";

    fn solve(&self, cfg: &Config, _figures: Option<&Path>) -> Result<Solution> {
        validate::list_len("--decays", &self.decays)?;
        for &d in &self.decays {
            validate::non_negative("--decays", d)?;
            if d > MAX_DECAY {
                return Err(Error::invalid(
                    "--decays",
                    format!("got {d}, but λ may be at most {MAX_DECAY}"),
                    "Pass coefficients from 0 to 10, such as 0.001,0.01,0.1,1.",
                ));
            }
        }
        let page = TunedConfig::for_config(cfg.quick);
        let seeds = cfg.run_seeds("seeds", &page.seeds)?;
        let tune_seed = cfg.run_seeds("tuning seed", &[page.tune_seed])?[0];
        let splits = load_splits(&page, cfg)?;
        let lr = tune(
            &mut Runner::new(&splits, &page),
            self.model,
            Method::AdamW,
            tune_seed,
        )?
        .1;
        let n = seeds.len();
        let steps = steps_per_run(&page);
        let mut t = crate::table!(
            "sgd_vs_adam_ex8_decay",
            &format!(
                "Exercise 8: AdamW − Adam + L2 over λ on the {}, both at AdamW's rate η = {} \
                 (tuned at λ = {} on the validation split, seed {tune_seed}); test accuracy \
                 and final ‖θ‖₂ over the seeds {}; T = {steps} steps; {}; {}",
                self.model.name(&page),
                fmt_sig(lr, 3),
                fmt_sig(page.decay, 2),
                seeds_list(&seeds),
                page.caption(),
                stats::seeds_caption(n)
            ),
            &[
                "λ",
                "(1 − ηλ)^T",
                "AdamW test accuracy",
                "Adam + L2 test accuracy",
                "difference",
                "95% CI",
                &stats::paired_t_column(n),
                "beyond noise?",
                "AdamW ‖θ‖₂",
                "Adam + L2 ‖θ‖₂",
                "norm difference, 95% CI",
            ],
        );
        for &decay in &self.decays {
            let c = TunedConfig {
                decay,
                ..page.clone()
            };
            let mut runner = Runner::new(&splits, &c);
            let mut side = |method| -> Result<(Vec<f64>, Vec<f64>)> {
                let o = seeds
                    .iter()
                    .map(|&s| runner.run(self.model, method, lr, s))
                    .collect::<Result<Vec<_>>>()?;
                Ok((
                    o.iter().map(|o| o.test_accuracy).collect(),
                    o.iter().map(|o| o.weight_norm).collect(),
                ))
            };
            let (w_acc, w_norm) = side(Method::AdamW)?;
            let (l_acc, l_norm) = side(Method::AdamL2)?;
            let mut row = vec![
                Cell::num(decay, 2),
                Cell::num(decoupled_shrink(lr, decay, steps), 4),
                spread_cell(&w_acc),
                spread_cell(&l_acc),
            ];
            match stats::paired(&w_acc, &l_acc, LEVEL) {
                Ok(p) => row.extend(stats::paired_cells(&p)),
                Err(_) => row.extend([(); 4].map(|_| Cell::from("—"))),
            }
            row.push(spread_cell(&w_norm));
            row.push(spread_cell(&l_norm));
            row.push(match stats::paired(&w_norm, &l_norm, LEVEL) {
                Ok(p) => Cell::Text(stats::interval_text(p.ci.0, p.ci.1, 3)),
                Err(_) => Cell::from("—"),
            });
            t.push(row);
        }
        Ok(Solution::tables(vec![t]))
    }
}
