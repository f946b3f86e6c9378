//! Exercise 4: how hard must the gradients be clipped to save a run that diverges?
use std::path::Path;

use super::tables::{clip_row, warmup_columns, warmup_rows};
use super::{data_in_f64, scaled_plan, warmup_runs, Contender, Family, RecipeConfig, SeedLosses};
use crate::chapters::ch5::rules::RunPlan;
use crate::chapters::exercise::{Exercise, Solution};
use crate::chapters::Config;
use crate::report::fmt_sig;
use crate::stats;
use crate::{validate, Error, Result};

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

/// Exercise 5: at the section's largest batch the linear rule diverges even after one epoch
/// of warmup. Can a longer warmup alone save it? Train SGD with the linear rule at `--batch`,
/// warming up from η₀ over each length given, over the section's seeds.
#[derive(clap::Args, Clone, Debug)]
pub struct WarmupAtBatch {
    /// The batch size, at most the section's training images (default: the section's
    /// largest batch, 2048; 128 with --quick).
    #[arg(long)]
    pub batch: Option<usize>,
    /// Warmup lengths in epochs, comma-separated, each from 0 to the run's epochs (default:
    /// 0, ¼, ½ and ¾ of the run: 0,1,2,3 epochs; 0,0.5,1,1.5 with --quick).
    #[arg(long, value_delimiter = ',')]
    pub warmup_epochs: Option<Vec<f64>>,
}

impl Exercise for WarmupAtBatch {
    const NAME: &'static str = "ch5_ex5_warmup_at_batch";

    fn solve(&self, cfg: &Config, _figures: Option<&Path>) -> Result<Solution> {
        let c = RecipeConfig::for_config(cfg.quick);
        let batch = self.batch.unwrap_or(c.clip_batch);
        validate::count_in("--batch", batch, c.ch5.net.train_examples)?;
        let epochs = c.ch5.net.epochs as f64;
        let lengths = match &self.warmup_epochs {
            Some(list) => list.clone(),
            None => [0.0, 0.25, 0.5, 0.75].map(|f| f * epochs).to_vec(),
        };
        validate::list_len("--warmup-epochs", &lengths)?;
        for &w in &lengths {
            validate::non_negative("--warmup-epochs", w)?;
            if w > epochs {
                return Err(Error::invalid(
                    "--warmup-epochs",
                    format!("got {w}, but a run here trains {epochs} epochs"),
                    format!("Pass lengths from 0 to {epochs}."),
                ));
            }
        }
        let seeds = cfg.run_seeds("seeds", &c.seeds)?;
        let data = data_in_f64(&c.ch5.net.load_data(cfg.data_dir.as_deref(), cfg.device)?)?;
        let runs = warmup_runs(&data, &c, batch, &lengths, &seeds)?;
        let lr = runs.first().map_or(f64::NAN, |r| r.1.lr);
        let columns = warmup_columns(seeds.len());
        let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
        let mut t = crate::table!(
            "large_batch_ex5_warmup_at_batch",
            &format!(
                "Exercise 5: warmup length at B = {} ({} steps per epoch), SGD with the linear \
                 rule (η = {}), warmup linear from η₀ = {}; each row paired against the row \
                 above; {}; {}",
                batch,
                c.steps_per_epoch(batch),
                fmt_sig(lr, 3),
                fmt_sig(c.ch5.base_lr, 3),
                c.caption(),
                stats::seeds_caption(seeds.len())
            ),
            &columns,
        );
        warmup_rows(&mut t, c.steps_per_epoch(batch), &runs);
        Ok(Solution::tables(vec![t]))
    }
}
