//! Runs in the book's configuration from inside a test process: the snapshot tests call
//! these, so that one run feeds both the test and the book. Whichever comes first computes
//! it and keeps it (see [`crate::run_cache`]): after a test, the example replays the kept
//! files; after the example (`make book`), the test reads back what the run computed.
use std::path::PathBuf;

use clap::{Args, Command, FromArgMatches};

use super::{
    command_with, keeps_runs, manifest_rel, rerun_flags, run_label, write_figure_provenance,
    CommonArgs, BOOK_FLAGS,
};
use crate::chapters::chapter::Chapter;
use crate::chapters::exercise::Exercise;

/// Runs chapter `C` in this process exactly as `make book` runs its example (every flag at
/// its default, then [`BOOK_FLAGS`]), and keeps what the example would write with what the
/// run computed, so that the example replays it instead of running again (see
/// [`crate::run_cache`]). Where that run is already kept (`make book` ran the example
/// first), reads back what it computed instead of running it again. The snapshot tests call
/// this for the full report: one run feeds both the snapshot and the book. Returns what the
/// run computed. Sets libtorch to one thread, as the example does.
pub fn book_run<C: Chapter>() -> crate::Result<C::Output> {
    let flags = defaults_of::<C>(C::NAME)?;
    let staging = match BookStaging::begin::<C::Output>(C::NAME)? {
        Begun::Kept(output) => return Ok(output),
        Begun::Compute(staging) => staging,
    };
    let output = flags.run(&staging.cfg)?;
    if let Some(dirs) = staging.dirs() {
        let figures = C::write_figures(&output, &dirs.0, &dirs.1)?;
        staging.finish(C::report(&output), &figures, &output)?;
    }
    Ok(output)
}

/// [`book_run`] for exercise (or sub-page) `E`: solves it with its defaults as `make book`
/// runs its example (or reads back the tables of that run where it is kept), keeps the
/// files the example would write, and returns the solution (its `figures` empty: the drawn
/// files are kept, not left in place).
pub fn book_solve<E: Exercise>() -> crate::Result<crate::chapters::exercise::Solution> {
    let exercise = E::defaults()?;
    let staging = match BookStaging::begin::<Vec<crate::report::Table>>(E::NAME)? {
        Begun::Kept(tables) => return Ok(crate::chapters::exercise::Solution::tables(tables)),
        Begun::Compute(staging) => staging,
    };
    let Some((figures, _)) = staging.dirs() else {
        return exercise.solve(&staging.cfg, None);
    };
    let mut solution = exercise.solve(&staging.cfg, Some(&figures))?;
    let report = crate::report::Report::with_tables(&E::title(), solution.tables.clone());
    staging.finish(
        &report,
        &std::mem::take(&mut solution.figures),
        &report.tables,
    )?;
    Ok(solution)
}

/// [`book_solve`] for a [`Section`](crate::chapters::exercise::Section), whose test needs
/// what the run computed: runs it with its defaults as `make book` runs its example (or
/// reads back what that run computed where it is kept), keeps the files the example would
/// write, and returns the computed output.
pub fn book_section<S: crate::chapters::exercise::Section>() -> crate::Result<S::Output> {
    let section = S::defaults()?;
    let staging = match BookStaging::begin::<S::Output>(S::NAME)? {
        Begun::Kept(output) => return Ok(output),
        Begun::Compute(staging) => staging,
    };
    let output = section.compute(&staging.cfg)?;
    if let Some((figures, _)) = staging.dirs() {
        let solution = S::solution(&output, Some(&figures))?;
        let report = crate::report::Report::with_tables(&S::title(), solution.tables);
        staging.finish(&report, &solution.figures, &output)?;
    }
    Ok(output)
}

/// How a book-configuration run in a test process begins: with what its kept run computed,
/// or with the run still to compute.
enum Begun<T> {
    /// The kept run's output, read back.
    Kept(T),
    /// No kept run to read (or runs are not kept): compute, staging the files to keep.
    Compute(Box<BookStaging>),
}

/// `T` with every flag at its default.
fn defaults_of<T: Args + FromArgMatches>(name: &'static str) -> crate::Result<T> {
    let matches = T::augment_args(Command::new(name).no_binary_name(true))
        .try_get_matches_from(Vec::<String>::new())
        .map_err(|e| crate::Error::invalid(name, "defaults", e.to_string()))?;
    T::from_arg_matches(&matches)
        .map_err(|e| crate::Error::invalid(name, "defaults", e.to_string()))
}

/// A book-configuration run inside a test process: its configuration, and, unless its kept
/// copy already exists (or runs are not kept), an output session staging into a private
/// folder under `target/book-runs/<example>/`.
struct BookStaging {
    name: &'static str,
    cfg: crate::chapters::Config,
    provenance: String,
    staged: Option<(crate::run_cache::RunKey, PathBuf, crate::output::Session)>,
}

impl BookStaging {
    /// Reads back the kept run of example `name` as a `T` where there is one, else starts
    /// the staging of a run to compute (none when runs are not kept). A kept run that does
    /// not read back as a `T` is computed again, with a line on stderr that says why.
    fn begin<T: serde::de::DeserializeOwned>(name: &'static str) -> crate::Result<Begun<T>> {
        let flags: Vec<String> = BOOK_FLAGS.iter().map(|f| f.to_string()).collect();
        let common = CommonArgs::from_arg_matches(
            &CommonArgs::augment_args(Command::new(name).no_binary_name(true))
                .try_get_matches_from(&flags)
                .map_err(|e| crate::Error::invalid(name, "BOOK_FLAGS", e.to_string()))?,
        )
        .map_err(|e| crate::Error::invalid(name, "BOOK_FLAGS", e.to_string()))?;
        // What `common.init()` makes of these flags, without seeding libtorch's global
        // generator: another test thread may be drawing from it, and every chapter seeds
        // its own draws (the example's seed 0 changes nothing, as the snapshots, pinned here
        // and compared with the book's tables by check-book-numbers.py, show).
        crate::device::set_threads(1);
        let cfg = crate::chapters::Config::full_cpu();
        debug_assert!(common.threads == Some(1) && common.seed == cfg.seed);
        let flags = rerun_flags(flags.into_iter());
        let provenance = common.provenance_for(name, &cfg, &flags);
        let key = keeps_runs(&cfg).then(|| crate::run_cache::RunKey::new(name, &flags, None));
        let kept = key.as_ref().and_then(|key| {
            crate::run_cache::KeptRun::find(key, &manifest_rel(name)).map(|kept| (key, kept))
        });
        if let Some((key, kept)) = &kept {
            match kept.output::<T>() {
                Ok(output) => {
                    eprintln!(
                        "{name}: read back the kept run {} (made by its example or an \
                         earlier test, with the same sources, flags, machine and data; {}=1 \
                         computes it again)",
                        key.folder().display(),
                        crate::run_cache::NO_CACHE_ENV
                    );
                    return Ok(Begun::Kept(output));
                }
                Err(e) => eprintln!("{name}: computing the run again: {e}"),
            }
        }
        let staged = match key {
            Some(key) if kept.is_none() => {
                let root = key.folder().with_file_name(format!(
                    ".staging-{}-{:?}",
                    std::process::id(),
                    std::thread::current().id()
                ));
                let _ = std::fs::remove_dir_all(&root);
                let chapter = crate::chapters::chapter_folder(name);
                let session = crate::output::Session::begin(
                    &root,
                    &[
                        &format!("figures/{chapter}"),
                        &format!("generated/{chapter}"),
                    ],
                    name,
                    &command_with(name, &flags),
                    &run_label(&cfg),
                    true,
                )?;
                Some((key, root, session))
            }
            _ => None,
        };
        Ok(Begun::Compute(Box::new(BookStaging {
            name,
            cfg,
            provenance,
            staged,
        })))
    }

    /// The figures and generated folders to draw into, when this run is to be kept.
    fn dirs(&self) -> Option<(PathBuf, PathBuf)> {
        let chapter = crate::chapters::chapter_folder(self.name);
        self.staged.as_ref().map(|(_, root, _)| {
            (
                root.join("figures").join(chapter),
                root.join("generated").join(chapter),
            )
        })
    }

    /// Writes the tables and figure provenance lines as the example does, commits, keeps
    /// the run with what it computed (`output`, as the example keeps it), and removes the
    /// staging folder.
    fn finish<T: serde::Serialize>(
        self,
        report: &crate::report::Report,
        figures: &[PathBuf],
        output: &T,
    ) -> crate::Result<()> {
        let Some((generated, (key, root, session))) = self.dirs().map(|d| d.1).zip(self.staged)
        else {
            return Ok(());
        };
        let kept = (|| {
            report.write_tables(&generated, Some(&self.provenance))?;
            write_figure_provenance(figures, &generated, &self.provenance)?;
            session.commit()?;
            crate::run_cache::keep(
                &key,
                &root,
                &manifest_rel(self.name),
                &report.to_markdown(),
                output,
            )
        })();
        let _ = std::fs::remove_dir_all(&root);
        kept
    }
}
