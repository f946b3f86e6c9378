//! Exercise 4: how hard must the gradients be clipped to save a run that diverges?
use std::path::Path;

use super::tables::clip_row;
use super::{data_in_f64, scaled_plan, Contender, Family, RecipeConfig, SeedLosses};
use crate::chapters::ch5::rules::RunPlan;
use crate::chapters::exercise::{Exercise, Solution};
use crate::chapters::Config;
use crate::report::fmt_sig;
use crate::stats;
use crate::{validate, Result};

/// Exercise 4: at the clipping study's setting (SGD with the linear rule and no warmup, at
/// the section's largest batch), clip the gradients at each norm given: which norms keep
/// every seed from diverging, how often does each clip, and which ends lowest?
#[derive(clap::Args, Clone, Debug)]
pub struct ClipNorm {
    /// The clipping norms to try, comma-separated, each a finite number > 0.
    #[arg(long, value_delimiter = ',', default_values_t = vec![0.25, 1.0, 4.0, 16.0])]
    pub norms: Vec<f64>,
}

impl Exercise for ClipNorm {
    const NAME: &'static str = "ch5_ex4_clip_norm";

    fn solve(&self, cfg: &Config, _figures: Option<&Path>) -> Result<Solution> {
        validate::list_len("--norms", &self.norms)?;
        for &n in &self.norms {
            validate::positive("--norms", n)?;
        }
        let c = RecipeConfig::for_config(cfg.quick);
        let seeds = cfg.run_seeds("seeds", &c.seeds)?;
        let data = data_in_f64(&c.ch5.net.load_data(cfg.data_dir.as_deref(), cfg.device)?)?;
        let unclipped = scaled_plan(&c, Contender::ALL[0], c.ch5.base_lr, c.clip_batch, 0.0)?;
        let mut t = crate::table!(
            "large_batch_ex4_clip_norm",
            &format!(
                "Exercise 4: clipping norms at B = {}, SGD with the linear rule and no warmup \
                 (η = {}); clip rate = fraction of steps whose norm exceeded the threshold; {}; {}",
                c.clip_batch,
                fmt_sig(unclipped.lr, 3),
                c.caption(),
                stats::seeds_caption(seeds.len())
            ),
            &[
                "run",
                "seeds diverged",
                "final held-out loss",
                "mean clip rate"
            ],
        );
        for &norm in &self.norms {
            let plan = RunPlan {
                clip_grad_norm: Some(norm),
                ..unclipped
            };
            let res = SeedLosses::measure(&data, &c, Family::Sgd, &plan, &seeds)?;
            t.push(clip_row(
                &format!("clipped at norm {}", fmt_sig(norm, 3)),
                &res,
            ));
        }
        Ok(Solution::tables(vec![t]))
    }
}
