//! What every chapter's main example shares: its own flags (overrides of the chapter's
//! configuration, written once as a `clap` struct), one run, one report and its figures.
//!
//! A chapter example is then one line (see `examples/ch1_quadratic.rs`):
//!
//! ```no_run
//! lrbook::chapter_main!(lrbook::chapters::ch1::Flags);
//! ```
use std::path::{Path, PathBuf};

use clap::{Args, FromArgMatches};

use super::Config;
use crate::report::Report;
use crate::Result;

/// One chapter's experiment as its example runs it. The implementing struct holds the
/// example's own flags; its doc comment is the example's `--help` text.
pub trait Chapter: Args + FromArgMatches {
    /// The example's name, `chN_slug` (e.g. `"ch1_quadratic"`): it names the chapter folder
    /// the outputs go to.
    const NAME: &'static str;
    /// Everything the run computes: the report and the data behind the figures.
    type Output: serde::Serialize + serde::de::DeserializeOwned;

    /// Runs the chapter under `cfg`, with this struct's flags applied to its configuration.
    fn run(&self, cfg: &Config) -> Result<Self::Output>;

    /// The tables the book shows.
    fn report(output: &Self::Output) -> &Report;

    /// Draws the figures into `figures` and writes any other file the book reads (such as
    /// chapter 2's slider data) into `generated`; returns the figure files.
    fn write_figures(
        output: &Self::Output,
        figures: &Path,
        generated: &Path,
    ) -> Result<Vec<PathBuf>>;
}
