//! The flags every chapter example shares: `--device`, `--quick`, `--out`, `--seed`, `--threads`.
use std::path::PathBuf;

use clap::{Args, Command, FromArgMatches};

use crate::chapters::chapter::Chapter;
use crate::chapters::exercise::{Exercise, Section};
use crate::device::DeviceChoice;

mod book;
pub use book::{book_run, book_section, book_solve};

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
    /// Default: the book's `book/src` for a full run on the CPU with seed 0 (the numbers the
    /// snapshot tests pin), `target/quick` with --quick, and `target/runs/full-DEVICE-seedN`
    /// for any other full run. Writing into `book/src` from any other run is refused.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Seed for libtorch's random generators: a whole number from 0 to 2^64 - 1. Chapters
    /// that train over a list of seeds add it to each of them.
    #[arg(long, default_value_t = 0, value_parser = parse_seed)]
    pub seed: u64,
    /// CPU threads for libtorch, 1 to 256 (default: libtorch's choice).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Replace existing files in the output folders that no lrbook manifest lists (by
    /// default the run refuses, so that files lrbook did not write are never lost).
    #[arg(long)]
    pub overwrite: bool,
    /// On CUDA, make runs repeat exactly: cuDNN off, so convolutions use libtorch's own
    /// deterministic kernels without TF32 (slower). No effect on the CPU.
    #[arg(long)]
    pub cuda_deterministic: bool,
    /// Folder with the four Fashion-MNIST IDX files (default: $FASHION_MNIST_DIR, then
    /// /usr/share/datasets/fashion-mnist, then data/fashion-mnist).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

fn parse_device(s: &str) -> Result<DeviceChoice, String> {
    s.parse().map_err(|e: crate::Error| e.to_string())
}

/// A seed: a whole number from 0 to 2^64 - 1, with a message that says so.
pub fn parse_seed(s: &str) -> Result<u64, String> {
    s.trim().parse().map_err(|_| {
        format!(
            "a seed is a whole number from 0 to {}, such as 0 or 42",
            u64::MAX
        )
    })
}

impl CommonArgs {
    /// The root output folder for a run of `cfg` (see `--out`): an error if the run would
    /// write into the book's folders without being the configuration the book shows.
    pub fn out_root(&self, cfg: &crate::chapters::Config) -> crate::Result<PathBuf> {
        let book = book_src_dir();
        if self.out.as_ref().is_some_and(|d| d.as_os_str().is_empty()) {
            return Err(crate::Error::invalid(
                "--out",
                "got an empty folder name",
                "Pass a folder, such as --out /tmp/lrbook, or leave --out out.",
            ));
        }
        match &self.out {
            Some(dir) if same_folder(dir, &book) && !is_book_configuration(cfg) => {
                Err(crate::Error::invalid(
                    "--out",
                    format!(
                        "{} is the book's source folder, whose tables and figures are the full \
                         configuration on the CPU with seed 0 (what the snapshot tests pin); \
                         this run is {}",
                        dir.display(),
                        run_label(cfg)
                    ),
                    "Run with --device cpu --seed 0 and without --quick to rebuild the book's \
                     outputs, or write this run elsewhere with --out DIR.",
                ))
            }
            Some(dir) => Ok(dir.clone()),
            None if cfg.quick => Ok(target_dir().join("quick")),
            None if is_book_configuration(cfg) => Ok(book),
            None => Ok(target_dir().join("runs").join(format!(
                "full-{}-seed{}",
                device_tag(cfg.device),
                cfg.seed
            ))),
        }
    }

    /// Applies `--threads` and `--seed`, resolves `--device`, checks `--data-dir`, and
    /// returns the chapter configuration these flags describe.
    pub fn init(&self) -> crate::Result<crate::chapters::Config> {
        if let Some(t) = self.threads {
            crate::validate::count_in("--threads", t, crate::validate::MAX_THREADS)?;
            crate::device::set_threads(t);
        }
        crate::device::seed(self.seed);
        let device = self.device.resolve()?;
        if self.cuda_deterministic {
            crate::device::cuda_deterministic(true);
        }
        if let Some(dir) = &self.data_dir {
            let problem = match std::fs::metadata(dir) {
                Ok(meta) if meta.is_dir() => None,
                Ok(_) => Some("is a file, not a folder".to_string()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    Some("no such folder".to_string())
                }
                Err(e) => Some(format!("cannot be opened ({e})")),
            };
            if let Some(problem) = problem {
                return Err(crate::Error::Data(format!(
                    "--data-dir {}: {problem}. Point it at the folder holding \
                     train-images-idx3-ubyte.gz and the other three Fashion-MNIST files, \
                     or leave it out to use the installed copy (make setup installs one).",
                    dir.display()
                )));
            }
        }
        Ok(crate::chapters::Config {
            quick: self.quick,
            device,
            seed: self.seed,
            data_dir: self.data_dir.clone(),
        })
    }

    /// How a run's numbers were computed, for the line under each written table and figure
    /// (after the function and file that made it): "computed on DEVICE, seed N, by
    /// `COMMAND`." with the command that reruns it (this process's flags, without `--out`).
    pub fn provenance(&self, name: &str, cfg: &crate::chapters::Config) -> String {
        self.provenance_for(name, cfg, &rerun_flags(std::env::args().skip(1)))
    }

    /// [`CommonArgs::provenance`] for a run whose command-line flags are `flags` (as
    /// [`rerun_flags`] writes them).
    fn provenance_for(
        &self,
        name: &str,
        cfg: &crate::chapters::Config,
        flags: &[String],
    ) -> String {
        let command = command_with(name, flags);
        let exact = if self.cuda_deterministic && cfg.device.is_cuda() {
            ", cuDNN off"
        } else {
            ""
        };
        format!(
            "computed on {}{exact}, seed {}, by `{command}`.",
            crate::device::describe(cfg.device),
            cfg.seed
        )
    }
}

/// A started example: its configuration, where its outputs go and what produced them, and
/// the output session that stages its files until the run has succeeded.
struct Run {
    name: &'static str,
    cfg: crate::chapters::Config,
    out: PathBuf,
    provenance: String,
    started: std::time::Instant,
    session: crate::output::Session,
    /// The key of this run's kept copy (see [`crate::run_cache`]): full runs on the CPU only.
    kept: Option<crate::run_cache::RunKey>,
}

impl Run {
    /// Resolves the flags of example `name` and says on stderr what is about to run where, so
    /// that every run's log names its device.
    fn start(name: &'static str, common: &CommonArgs) -> crate::Result<Run> {
        let started = std::time::Instant::now();
        let cfg = common.init()?;
        let out = common.out_root(&cfg)?;
        let chapter = crate::chapters::chapter_folder(name);
        let session = crate::output::Session::begin(
            &out,
            &[
                &format!("figures/{chapter}"),
                &format!("generated/{chapter}"),
            ],
            name,
            &rerun_command(name),
            &run_label(&cfg),
            common.overwrite,
        )?;
        eprintln!(
            "{name}: {}; outputs under {}",
            run_label(&cfg),
            out.display()
        );
        let flags = rerun_flags(std::env::args().skip(1));
        Ok(Run {
            name,
            provenance: common.provenance_for(name, &cfg, &flags),
            kept: keeps_runs(&cfg)
                .then(|| crate::run_cache::RunKey::new(name, &flags, cfg.data_dir.as_deref())),
            cfg,
            out,
            started,
            session,
        })
    }

    /// `generated/chN/<example>.manifest.json`: the manifest, relative to the output root.
    fn manifest_rel(&self) -> PathBuf {
        manifest_rel(self.name)
    }

    /// Replays the kept run with this run's key, if there is one: its files go through this
    /// run's output session, and its report is printed. Returns the run back when there is
    /// none, to be computed.
    fn replay_kept(self) -> crate::Result<Option<Run>> {
        let Some(key) = &self.kept else {
            return Ok(Some(self));
        };
        let Some(kept) = crate::run_cache::KeptRun::find(key, &self.manifest_rel()) else {
            if let Some(differ) = crate::run_cache::why_not_kept(key) {
                eprintln!(
                    "{}: computing: the kept run of this example was made with other inputs ({})",
                    self.name,
                    differ.join(", ")
                );
            }
            return Ok(Some(self));
        };
        let report = kept.replay(&self.out)?;
        let folder = key.folder();
        self.session.commit()?;
        println!("{report}");
        eprintln!(
            "{}: replayed the kept run {} (same sources, flags, machine and data; \
             {}=1 computes it again) in {:.1} s",
            self.name,
            folder.display(),
            crate::run_cache::NO_CACHE_ENV,
            self.started.elapsed().as_secs_f64(),
        );
        Ok(None)
    }

    fn figures_dir(&self) -> PathBuf {
        self.out
            .join("figures")
            .join(crate::chapters::chapter_folder(self.name))
    }

    fn generated_dir(&self) -> PathBuf {
        self.out
            .join("generated")
            .join(crate::chapters::chapter_folder(self.name))
    }

    /// Prints `report` as markdown to stdout, writes its tables (each with the provenance
    /// line) and the provenance line of each figure in `figures` to the chapter's generated
    /// folder, keeps the run with what it computed (`output`, which a snapshot test reads
    /// back) when it is kept, and says on stderr where everything went.
    fn publish<T: serde::Serialize>(
        self,
        report: &crate::report::Report,
        figures: &[PathBuf],
        output: &T,
    ) -> crate::Result<()> {
        report.write_tables(&self.generated_dir(), Some(&self.provenance))?;
        write_figure_provenance(figures, &self.generated_dir(), &self.provenance)?;
        let figures = figures.len();
        let (generated, figures_dir) = (self.generated_dir(), self.figures_dir());
        let stale = self.session.commit()?;
        let markdown = report.to_markdown();
        println!("{markdown}");
        if let Some(key) = &self.kept {
            let manifest = manifest_rel(self.name);
            if let Err(e) = crate::run_cache::keep(key, &self.out, &manifest, &markdown, output) {
                eprintln!("{}: could not keep this run for reuse ({e})", self.name);
            }
        }
        for path in &stale {
            eprintln!(
                "{}: removed {}, which its previous run wrote and this one did not",
                self.name,
                path.display()
            );
        }
        eprintln!(
            "{}: tables in {}, {figures} figure files in {} ({:.1} s on {})",
            self.name,
            generated.display(),
            figures_dir.display(),
            self.started.elapsed().as_secs_f64(),
            crate::device::describe(self.cfg.device),
        );
        Ok(())
    }
}

/// The image files among `figures`: those the book shows in a `<figure>`.
fn is_image(path: &std::path::Path) -> bool {
    path.extension()
        .is_some_and(|e| e == "svg" || e == "gif" || e == "png")
}

/// Writes `generated/<stem>.provenance.md` for each image in `figures`: the line the book
/// includes under the figure, naming the function that drew it (see
/// [`crate::provenance::Drawing`]) and its file, then `run`. An image drawn outside any
/// drawing function is an error, so that no figure of the book lacks the line.
fn write_figure_provenance(
    figures: &[PathBuf],
    generated: &std::path::Path,
    run: &str,
) -> crate::Result<()> {
    for path in figures.iter().filter(|p| is_image(p)) {
        let source = crate::provenance::drawn_by(path).ok_or_else(|| crate::Error::Plot {
            path: path.clone(),
            message: "was drawn outside a drawing function: add \
                          `let _drawing = crate::drawing!();` as the first line of the \
                          function that draws it, so that the book can say where it comes from"
                .into(),
        })?;
        let stem = path.file_stem().unwrap_or_default().to_string_lossy();
        // The line keeps its leading blank line: included right after `</figure>`, it ends
        // that HTML block, so that the line is Markdown and its command a code span.
        let line = crate::report::provenance_line("Figure", &source, run);
        crate::output::write(
            &generated.join(format!("{stem}.provenance.md")),
            line.as_bytes(),
        )?;
    }
    Ok(())
}

/// The flags `make book` gives every example after `--out book/src`
/// (`scripts/run-examples.py`): the book's configuration, on one CPU thread.
pub const BOOK_FLAGS: [&str; 4] = ["--device", "cpu", "--threads", "1"];

/// Whether a run in `cfg` is kept for reuse (see [`crate::run_cache`]): full runs on the
/// CPU, unless kept runs are turned off.
fn keeps_runs(cfg: &crate::chapters::Config) -> bool {
    crate::run_cache::enabled() && !cfg.quick && cfg.device == tch::Device::Cpu
}

/// `generated/chN/<example>.manifest.json`, relative to the output root.
fn manifest_rel(name: &str) -> PathBuf {
    PathBuf::from("generated")
        .join(crate::chapters::chapter_folder(name))
        .join(format!("{name}.manifest.json"))
}

/// The configuration the book's pages show and the snapshot tests pin: the full
/// configuration on the CPU with seed 0.
pub fn is_book_configuration(cfg: &crate::chapters::Config) -> bool {
    !cfg.quick && cfg.device == tch::Device::Cpu && cfg.seed == 0
}

/// "the full configuration on CUDA:0, seed 3", for logs and messages.
fn run_label(cfg: &crate::chapters::Config) -> String {
    format!(
        "the {} configuration on {}, seed {}",
        if cfg.quick { "quick" } else { "full" },
        crate::device::describe(cfg.device),
        cfg.seed
    )
}

/// `cpu`, `cuda0`: a device as a folder-name part.
fn device_tag(device: tch::Device) -> String {
    match device {
        tch::Device::Cpu => "cpu".into(),
        tch::Device::Cuda(i) => format!("cuda{i}"),
        other => format!("{other:?}").to_lowercase(),
    }
}

/// Whether `a` and `b` name the same existing folder.
fn same_folder(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// `cargo run --example NAME -- FLAGS`: this process's command line without `--out` and
/// `--overwrite`.
fn rerun_command(name: &str) -> String {
    command_with(name, &rerun_flags(std::env::args().skip(1)))
}

/// `cargo run --example NAME -- FLAGS`.
fn command_with(name: &str, flags: &[String]) -> String {
    let mut command = format!("cargo run --example {name}");
    if !flags.is_empty() {
        command.push_str(" -- ");
        command.push_str(&flags.join(" "));
    }
    command
}

/// The flags of a command line with `--out DIR` (or `--out=DIR`) and `--overwrite` removed
/// (where the files go does not change them), each quoted for a POSIX shell where it
/// needs it.
fn rerun_flags(args: impl Iterator<Item = String>) -> Vec<String> {
    let mut kept = Vec::new();
    let mut skip_next = false;
    for arg in args {
        if skip_next {
            skip_next = false;
        } else if arg == "--out" {
            skip_next = true;
        } else if !arg.starts_with("--out=") && arg != "--overwrite" {
            kept.push(shell_quote(&arg));
        }
    }
    kept
}

fn shell_quote(arg: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_.,=/:+@%".contains(c);
    if !arg.is_empty() && arg.chars().all(plain) {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', "'\\''"))
    }
}

fn target_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target")
}

/// Defines a chapter example's `main`: `lrbook::chapter_main!(lrbook::chapters::ch1::Flags);`
/// is the whole example (see [`chapter_main`]).
#[macro_export]
macro_rules! chapter_main {
    ($chapter:ty) => {
        fn main() -> ::std::process::ExitCode {
            $crate::cli::finish($crate::cli::chapter_main::<$chapter>())
        }
    };
}

/// The whole `main` of a chapter example: parses the common flags and `C`'s own, runs the
/// chapter, draws its figures, prints its tables and writes them to the book's folders.
pub fn chapter_main<C: Chapter>() -> crate::Result<()> {
    let (common, chapter) = parse_flags::<C>(C::NAME);
    let Some(run) = Run::start(C::NAME, &common)?.replay_kept()? else {
        return Ok(());
    };
    let output = chapter.run(&run.cfg)?;
    let figures = C::write_figures(&output, &run.figures_dir(), &run.generated_dir())?;
    run.publish(C::report(&output), &figures, &output)
}

/// How an example ends: on an error, one `error: …` line on stderr that says what was wrong
/// and what to do, and exit status 2 for a bad flag or parameter, 1 for anything else
/// (missing data, no GPU, a file that cannot be written). A user error never prints a
/// backtrace, whatever `RUST_BACKTRACE` says; an internal error (libtorch, drawing) also
/// prints the backtrace at this point when `RUST_BACKTRACE` asks for one.
pub fn finish(result: crate::Result<()>) -> std::process::ExitCode {
    use crate::Error;
    let Err(e) = result else {
        return std::process::ExitCode::SUCCESS;
    };
    eprintln!("error: {e}");
    match e {
        Error::InvalidArgument { .. } => std::process::ExitCode::from(2),
        Error::Torch(_) | Error::Plot { .. } => {
            eprintln!(
                "This is an internal error, not a problem with your input: please report it \
                 with the command you ran."
            );
            let trace = std::backtrace::Backtrace::capture();
            if trace.status() == std::backtrace::BacktraceStatus::Captured {
                eprintln!("{trace}");
            }
            std::process::ExitCode::from(1)
        }
        _ => std::process::ExitCode::from(1),
    }
}

/// The common flags and `T`'s own, parsed from the command line; exits with clap's message
/// (status 2) on a bad flag. `T`'s doc comment is the `--help` text: its `augment_args`
/// goes last. Negative numbers parse as values, so `--seed -1` is told what a seed is.
fn parse_flags<T: Args + FromArgMatches>(name: &'static str) -> (CommonArgs, T) {
    let command = T::augment_args(CommonArgs::augment_args(Command::new(name)))
        .version(env!("CARGO_PKG_VERSION"))
        .allow_negative_numbers(true);
    let matches = command.get_matches();
    let parsed = CommonArgs::from_arg_matches(&matches)
        .and_then(|common| Ok((common, T::from_arg_matches(&matches)?)));
    parsed.unwrap_or_else(|e| e.exit())
}

/// Defines an exercise example's `main`: `lrbook::exercise_main!(path::to::TheExercise);`
/// is the whole example (see [`exercise_main`]).
#[macro_export]
macro_rules! exercise_main {
    ($exercise:ty) => {
        fn main() -> ::std::process::ExitCode {
            $crate::cli::finish($crate::cli::exercise_main::<$exercise>())
        }
    };
}

/// The whole `main` of an exercise example: parses the chapter flags and `E`'s own flags,
/// solves `E`, draws its figures, prints its tables and writes them to the book's folders.
pub fn exercise_main<E: Exercise>() -> crate::Result<()> {
    let (common, exercise) = parse_flags::<E>(E::NAME);
    let Some(run) = Run::start(E::NAME, &common)?.replay_kept()? else {
        return Ok(());
    };
    let solution = exercise.solve(&run.cfg, Some(&run.figures_dir()))?;
    let report = crate::report::Report::with_tables(&E::title(), solution.tables);
    run.publish(&report, &solution.figures, &report.tables)
}

/// Defines the `main` of a section's example, whose snapshot test needs what the run
/// computed: `lrbook::section_main!(path::to::TheSection);` is the whole example (see
/// [`section_main`]).
#[macro_export]
macro_rules! section_main {
    ($section:ty) => {
        fn main() -> ::std::process::ExitCode {
            $crate::cli::finish($crate::cli::section_main::<$section>())
        }
    };
}

/// The whole `main` of a [`Section`]'s example: [`exercise_main`], except that a kept run
/// keeps the section's computed output (which [`book_section`] reads back) rather than its
/// tables alone.
pub fn section_main<S: Section>() -> crate::Result<()> {
    let (common, section) = parse_flags::<S>(S::NAME);
    let Some(run) = Run::start(S::NAME, &common)?.replay_kept()? else {
        return Ok(());
    };
    let output = section.compute(&run.cfg)?;
    let solution = S::solution(&output, Some(&run.figures_dir()))?;
    let report = crate::report::Report::with_tables(&S::title(), solution.tables);
    run.publish(&report, &solution.figures, &output)
}

/// The book's source folder, `book/src` in this repository.
pub fn book_src_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("book")
        .join("src")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chapters::Config;

    fn args(out: Option<&str>) -> CommonArgs {
        CommonArgs {
            device: DeviceChoice::Cpu,
            quick: false,
            out: out.map(PathBuf::from),
            seed: 0,
            threads: None,
            overwrite: false,
            cuda_deterministic: false,
            data_dir: None,
        }
    }

    #[test]
    fn only_the_book_configuration_writes_into_the_book() {
        let book = book_src_dir();
        let full = Config::full_cpu();
        assert_eq!(args(None).out_root(&full).unwrap(), book);
        assert_eq!(
            args(Some(book.to_str().unwrap())).out_root(&full).unwrap(),
            book
        );
        let cuda = Config {
            device: tch::Device::Cuda(0),
            ..Config::full_cpu()
        };
        let seed3 = Config {
            seed: 3,
            ..Config::full_cpu()
        };
        assert_eq!(
            args(None).out_root(&cuda).unwrap(),
            target_dir().join("runs/full-cuda0-seed0")
        );
        assert_eq!(
            args(None).out_root(&seed3).unwrap(),
            target_dir().join("runs/full-cpu-seed3")
        );
        assert_eq!(
            args(None).out_root(&Config::quick_cpu()).unwrap(),
            target_dir().join("quick")
        );
        // The book's folder named another way is still the book's folder.
        let roundabout = book.join("..").join("src");
        for cfg in [cuda, seed3, Config::quick_cpu()] {
            let msg = args(Some(roundabout.to_str().unwrap()))
                .out_root(&cfg)
                .unwrap_err()
                .to_string();
            assert!(
                msg.contains("book's source folder") && msg.contains("--device cpu --seed 0"),
                "{msg}"
            );
        }
        // Built in code rather than parsed (clap refuses an empty value itself).
        let msg = args(Some("")).out_root(&full).unwrap_err().to_string();
        assert!(msg.contains("empty folder name"), "{msg}");
        assert_eq!(
            args(Some("/tmp/elsewhere"))
                .out_root(&Config::quick_cpu())
                .unwrap(),
            PathBuf::from("/tmp/elsewhere")
        );
    }

    #[test]
    fn the_rerun_command_drops_out_and_quotes_what_needs_it() {
        let flags = |a: &[&str]| rerun_flags(a.iter().map(|s| s.to_string()));
        assert_eq!(
            flags(&["--out", "book/src", "--device", "cpu", "--threads", "1"]),
            ["--device", "cpu", "--threads", "1"]
        );
        assert_eq!(flags(&["--out=x", "--quick", "--overwrite"]), ["--quick"]);
        assert_eq!(
            flags(&["--lrs", "a b", "it's"]),
            ["--lrs", "'a b'", "'it'\\''s'"]
        );
        assert_eq!(flags(&["--seeds", "0,1,2"]), ["--seeds", "0,1,2"]);
    }

    /// A section's example keeps the section's output (which its test reads back after
    /// `make book`) only through `section_main!`; through `exercise_main!` it would keep the
    /// tables alone, and the test would compute the whole run again.
    #[test]
    fn every_sections_example_keeps_its_output() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        crate::run_cache::collect_files(&root.join("src"), &mut files);
        let sources: Vec<String> = files
            .iter()
            .filter(|path| path.extension().is_some_and(|e| e == "rs"))
            .map(|path| std::fs::read_to_string(path).unwrap())
            .collect();
        let sections: Vec<String> = sources
            .iter()
            .flat_map(|s| s.lines())
            .filter_map(|l| l.trim().strip_prefix("impl Section for "))
            .map(|l| l.trim_end_matches(" {").to_string())
            .collect();
        assert!(sections.len() >= 9, "{sections:?}");
        let examples: Vec<String> = std::fs::read_dir(root.join("examples"))
            .unwrap()
            .flatten()
            .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
            .collect();
        for section in &sections {
            let run_by: Vec<&String> = examples
                .iter()
                .filter(|e| e.contains(&format!("::{section});")))
                .collect();
            assert_eq!(run_by.len(), 1, "{section}: one example runs it");
            assert!(
                run_by[0].contains("lrbook::section_main!("),
                "{section}: its example must be `lrbook::section_main!(…)`"
            );
        }
    }
}
