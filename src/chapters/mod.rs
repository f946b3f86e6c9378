//! Each chapter's experiment, as one `run(&Config)` per chapter.
//!
//! The example (`examples/chN_*.rs`) parses flags and calls `run`, the snapshot test calls
//! `run` on the quick config, and the book includes the tables `run` produced. So the three
//! can never disagree.
use std::path::PathBuf;

use tch::Device;

pub mod ch1;
pub mod ch2;
pub mod ch3;
pub mod ch4;
pub mod ch5;
pub mod ch6;
pub mod chapter;
pub mod exercise;

/// What every chapter's `run` takes.
#[derive(Clone, Debug)]
pub struct Config {
    /// The small configuration the tests pin (seconds on a CPU).
    pub quick: bool,
    /// Where tensors live.
    pub device: Device,
    /// Seed for everything random.
    pub seed: u64,
    /// Fashion-MNIST folder; `None` searches the usual places (see [`crate::data::fashion_mnist::locate`]).
    pub data_dir: Option<PathBuf>,
}

impl Config {
    /// The quick configuration on the CPU with seed 0: what the snapshot tests run.
    pub fn quick_cpu() -> Self {
        Config {
            quick: true,
            device: Device::Cpu,
            seed: 0,
            data_dir: None,
        }
    }

    /// The seeds of a multi-seed experiment: each listed seed added to [`Config::seed`]
    /// (`--seed`), so that `--seed 100` moves every run to fresh seeds. The listed seeds
    /// are checked to be distinct; an error if a sum does not fit in a `u64`.
    pub fn run_seeds(&self, what: &str, listed: &[u64]) -> crate::Result<Vec<u64>> {
        crate::validate::distinct_seeds(what, listed, 1)?;
        listed
            .iter()
            .map(|&s| {
                s.checked_add(self.seed).ok_or_else(|| {
                    crate::Error::invalid(
                        what,
                        format!("seed {s} plus --seed {} does not fit in 64 bits", self.seed),
                        "Pass smaller seeds.",
                    )
                })
            })
            .collect()
    }

    /// The full configuration on the CPU with seed 0: what the book shows.
    pub fn full_cpu() -> Self {
        Config {
            quick: false,
            ..Self::quick_cpu()
        }
    }
}

/// The chapter folder of an example: `"ch1"` for `ch1_quadratic` or `ch1_ex1_iterates`.
pub fn chapter_folder(example: &str) -> &str {
    example.split('_').next().unwrap_or(example)
}
