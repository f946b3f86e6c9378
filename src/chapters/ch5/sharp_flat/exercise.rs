//! Exercise 6: can a rescaling that leaves both functions alone swap which of two networks
//! is the sharper?
use std::path::Path;

use super::{rescaled, train_condition, Condition, SharpFlatConfig};
use crate::chapters::ch5::large_batch::data_in_f64;
use crate::chapters::exercise::{Exercise, Solution};
use crate::chapters::Config;
use crate::report::{fmt_sig, Cell};
use crate::{validate, Error, Result};

/// The smallest and largest α the exercise accepts: beyond them the rescaled weights span
/// more than twelve orders of magnitude.
pub const ALPHA_LIMITS: (f64, f64) = (1e-3, 1e3);

/// Exercise 6: train the page's base network and its large-η network on the first seed,
/// rescale each by every α given (layer 1 × α, layer 2 ÷ α, the same function), and measure
/// the sharpness of each. Which network is sharper at α = 1, and can a rescaling of one of
/// them reverse the order?
#[derive(clap::Args, Clone, Debug)]
pub struct RescaleOrder {
    /// The factors α, comma-separated, each from 0.001 to 1000.
    #[arg(long, value_delimiter = ',', default_values_t = vec![0.1, 0.316, 1.0, 3.16, 10.0])]
    pub alphas: Vec<f64>,
}

impl Exercise for RescaleOrder {
    const NAME: &'static str = "ch5_ex6_rescale_order";

    fn solve(&self, cfg: &Config, _figures: Option<&Path>) -> Result<Solution> {
        validate::list_len("--alphas", &self.alphas)?;
        let (lo, hi) = ALPHA_LIMITS;
        for &a in &self.alphas {
            validate::positive("--alphas", a)?;
            if !(lo..=hi).contains(&a) {
                return Err(Error::invalid(
                    "--alphas",
                    format!("got {a}, outside {lo} to {hi}"),
                    format!("Pass factors from {lo} to {hi}."),
                ));
            }
        }
        let c = SharpFlatConfig::for_config(cfg.quick);
        c.validate()?;
        let seed = cfg.run_seeds("seeds", &c.seeds)?[0];
        let data = data_in_f64(&c.ch5.net.load_data(cfg.data_dir.as_deref(), cfg.device)?)?;
        let probe = data.train.subset(c.probe)?;
        let mut columns = Vec::new();
        for condition in [Condition::Base, Condition::LargeLr] {
            let t = train_condition(&data, &c, condition, seed)?;
            columns.push(rescaled(&t, &data, &probe, &c, seed, &self.alphas)?);
        }
        let mut t = crate::table!(
            "sharp_flat_ex6_rescale_order",
            &format!(
                "Exercise 6: the base network (η₀ = {}) and the large-η network (η = {}) of \
                 seed {seed}, each rescaled by α (layer 1 × α, layer 2 ÷ α); {}",
                fmt_sig(c.ch5.base_lr, 3),
                fmt_sig(c.large_lrs[0], 3),
                c.caption()
            ),
            &["α", "base λmax", "large-η λmax", "large-η ÷ base"],
        );
        for (base, large) in columns[0].iter().zip(&columns[1]) {
            t.push(vec![
                Cell::num(base.alpha, 3),
                Cell::num(base.sharpness, 3),
                Cell::num(large.sharpness, 3),
                Cell::num(large.sharpness / base.sharpness, 3),
            ]);
        }
        Ok(Solution::tables(vec![t]))
    }
}
