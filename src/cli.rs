//! The flags every chapter example shares: `--device`, `--quick`, `--out`, `--seed`, `--threads`.
use std::path::PathBuf;

use clap::Args;

use crate::device::DeviceChoice;

/// Flags common to every chapter example. Flatten into an example's own `clap::Parser`.
#[derive(Args, Clone, Debug)]
pub struct CommonArgs {
    /// Where tensors live: `auto` (CUDA if a GPU is visible, else CPU), `cpu` or `cuda`.
    #[arg(long, default_value = "auto", value_parser = parse_device)]
    pub device: DeviceChoice,
    /// The small configuration the tests pin: seconds on a CPU.
    #[arg(long)]
    pub quick: bool,
    /// Output folder: figures go to OUT/figures/chN, tables to OUT/generated/chN.
    /// Default: the book's `book/src` for a full run, `target/quick` with --quick.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Seed for libtorch's random generators.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// CPU threads for libtorch (default: libtorch's choice).
    #[arg(long)]
    pub threads: Option<usize>,
}

fn parse_device(s: &str) -> Result<DeviceChoice, String> {
    s.parse().map_err(|e: crate::Error| e.to_string())
}

impl CommonArgs {
    /// The root output folder (see `--out`).
    pub fn out_root(&self) -> PathBuf {
        match (&self.out, self.quick) {
            (Some(dir), _) => dir.clone(),
            (None, false) => book_src_dir(),
            (None, true) => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target").join("quick"),
        }
    }

    /// Where this chapter's figures go.
    pub fn figures_dir(&self, chapter: &str) -> PathBuf {
        self.out_root().join("figures").join(chapter)
    }

    /// Where this chapter's generated markdown tables go.
    pub fn generated_dir(&self, chapter: &str) -> PathBuf {
        self.out_root().join("generated").join(chapter)
    }

    /// Applies `--threads` and `--seed`, resolves `--device`.
    pub fn init(&self) -> crate::Result<tch::Device> {
        if let Some(t) = self.threads {
            crate::device::set_threads(t);
        }
        crate::device::seed(self.seed);
        self.device.resolve()
    }
}

/// The book's source folder, `book/src` in this repository.
pub fn book_src_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("book").join("src")
}
