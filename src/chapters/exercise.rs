//! What every exercise solution shares: its flags with their defaults, written once as a
//! `clap` struct, and one `solve` that the example, the test and the book all call.
//!
//! An exercise example is then one line (see `examples/ch1_ex1_iterates.rs`):
//!
//! ```no_run
//! lrbook::exercise_main!(lrbook::chapters::ch1::exercises::Iterates);
//! ```
use std::path::{Path, PathBuf};

use clap::{Args, Command, FromArgMatches};

use super::Config;
use crate::report::Table;
use crate::{Error, Result};

/// What a solution prints (its tables) and what it drew (figure files).
#[derive(Debug, Default)]
pub struct Solution {
    /// The solution's tables, in the order the book shows them.
    pub tables: Vec<Table>,
    /// The figure files written, if a figures folder was given.
    pub figures: Vec<PathBuf>,
}

impl Solution {
    /// A solution that is tables only.
    pub fn tables(tables: Vec<Table>) -> Self {
        Solution {
            tables,
            figures: Vec::new(),
        }
    }
}

/// One exercise: its own flags (the struct's fields, defaults in their `#[arg]`s) and how
/// to solve it under the chapter flags `cfg`. The struct's doc comment is the example's
/// `--help` text.
pub trait Exercise: Args + FromArgMatches {
    /// The example's name, `chN_exM_slug` (e.g. `"ch1_ex1_iterates"`): it names the chapter
    /// folder the outputs go to and the report's title.
    const NAME: &'static str;

    /// Solves the exercise; draws figures into `figures` when given.
    fn solve(&self, cfg: &Config, figures: Option<&Path>) -> Result<Solution>;

    /// The report title: `"Chapter 1, exercise 1"` for `ch1_ex1_iterates`.
    fn title() -> String {
        let mut parts = Self::NAME.split('_');
        let chapter = parts.next().and_then(|p| p.strip_prefix("ch"));
        let number = parts.next().and_then(|p| p.strip_prefix("ex"));
        match (chapter, number) {
            (Some(c), Some(n)) => format!("Chapter {c}, exercise {n}"),
            _ => Self::NAME.to_string(),
        }
    }

    /// The exercise with every flag at its default: what the book shows and the test pins.
    fn defaults() -> Result<Self> {
        let matches = Self::augment_args(Command::new(Self::NAME).no_binary_name(true))
            .try_get_matches_from(Vec::<String>::new())
            .map_err(|e| Error::invalid(Self::NAME, "defaults", e.to_string()))?;
        Self::from_arg_matches(&matches)
            .map_err(|e| Error::invalid(Self::NAME, "defaults", e.to_string()))
    }
}

/// A book section with its own page and example whose test needs what the run computed, not
/// only its tables. Its [`Exercise::solve`] is [`Section::compute`] followed by
/// [`Section::solution`] (write it with [`solve_section`]), so that
/// [`crate::cli::book_section`] can run it once for both the test and the book.
pub trait Section: Exercise {
    /// What the run computes: the tables and the data behind the figures and claims.
    type Output: serde::Serialize + serde::de::DeserializeOwned;

    /// Runs the section under `cfg`.
    fn compute(&self, cfg: &Config) -> Result<Self::Output>;

    /// The tables of `output`, and its figures drawn into `figures` when given.
    fn solution(output: &Self::Output, figures: Option<&Path>) -> Result<Solution>;
}

/// The [`Exercise::solve`] of a [`Section`]: compute, then tables and figures.
pub fn solve_section<S: Section>(
    section: &S,
    cfg: &Config,
    figures: Option<&Path>,
) -> Result<Solution> {
    S::solution(&section.compute(cfg)?, figures)
}

/// A [`Section::solution`] whose figures are drawn by `draw` (only when a folder is given):
/// `tables`, and the files `draw` wrote.
pub fn drawn_solution(
    tables: Vec<Table>,
    figures: Option<&Path>,
    draw: impl FnOnce(&Path) -> Result<Vec<PathBuf>>,
) -> Result<Solution> {
    Ok(Solution {
        tables,
        figures: figures.map(draw).transpose()?.unwrap_or_default(),
    })
}
