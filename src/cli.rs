//! The flags every chapter example shares: `--device`, `--quick`, `--out`, `--seed`, `--threads`.
use std::path::PathBuf;

use clap::{Args, Command, FromArgMatches};

use crate::chapters::chapter::Chapter;
use crate::chapters::exercise::Exercise;
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
    /// Folder with the four Fashion-MNIST IDX files (default: $FASHION_MNIST_DIR, then
    /// /usr/share/datasets/fashion-mnist, then data/fashion-mnist).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
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
            (None, true) => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("target")
                .join("quick"),
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

    /// Applies `--threads` and `--seed`, resolves `--device`, checks `--data-dir`, and
    /// returns the chapter configuration these flags describe.
    pub fn init(&self) -> crate::Result<crate::chapters::Config> {
        if let Some(t) = self.threads {
            crate::validate::at_least_one("--threads", t)?;
            crate::device::set_threads(t);
        }
        crate::device::seed(self.seed);
        let device = self.device.resolve()?;
        if let Some(dir) = &self.data_dir {
            if !dir.is_dir() {
                return Err(crate::Error::Data(format!(
                    "--data-dir {}: no such folder. Point it at the folder holding \
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

    /// Prints `report` as markdown to stdout, writes its tables to this chapter's generated
    /// folder, and says on stderr where everything went. The tail of every example.
    pub fn publish(
        &self,
        chapter: &str,
        report: &crate::report::Report,
        figures: usize,
        started: std::time::Instant,
    ) -> crate::Result<()> {
        println!("{}", report.to_markdown());
        report.write_tables(&self.generated_dir(chapter))?;
        self.announce(chapter, figures, started);
        Ok(())
    }

    /// Prints where the outputs went, to stderr.
    pub fn announce(&self, chapter: &str, figures: usize, started: std::time::Instant) {
        eprintln!(
            "{chapter}: tables in {}, {figures} figure files in {} ({:.1} s)",
            self.generated_dir(chapter).display(),
            self.figures_dir(chapter).display(),
            started.elapsed().as_secs_f64()
        );
    }
}

/// Defines a chapter example's `main`: `lrbook::chapter_main!(lrbook::chapters::ch1::Flags);`
/// is the whole example (see [`chapter_main`]).
#[macro_export]
macro_rules! chapter_main {
    ($chapter:ty) => {
        fn main() -> ::anyhow::Result<()> {
            Ok($crate::cli::chapter_main::<$chapter>()?)
        }
    };
}

/// The whole `main` of a chapter example: parses the common flags and `C`'s own, runs the
/// chapter, draws its figures, prints its tables and writes them to the book's folders.
pub fn chapter_main<C: Chapter>() -> crate::Result<()> {
    let started = std::time::Instant::now();
    let (common, chapter) = parse_flags::<C>(C::NAME);
    let cfg = common.init()?;
    let output = chapter.run(&cfg)?;
    let folder = crate::chapters::chapter_folder(C::NAME);
    let figures = C::write_figures(
        &output,
        &common.figures_dir(folder),
        &common.generated_dir(folder),
    )?;
    common.publish(folder, C::report(&output), figures.len(), started)
}

/// The common flags and `T`'s own, parsed from the command line; exits with clap's message
/// on a bad flag. `T`'s doc comment is the `--help` text: its `augment_args` goes last.
fn parse_flags<T: Args + FromArgMatches>(name: &'static str) -> (CommonArgs, T) {
    let command = T::augment_args(CommonArgs::augment_args(Command::new(name)))
        .version(env!("CARGO_PKG_VERSION"));
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
        fn main() -> ::anyhow::Result<()> {
            Ok($crate::cli::exercise_main::<$exercise>()?)
        }
    };
}

/// The whole `main` of an exercise example: parses the chapter flags and `E`'s own flags,
/// solves `E`, draws its figures, prints its tables and writes them to the book's folders.
pub fn exercise_main<E: Exercise>() -> crate::Result<()> {
    let started = std::time::Instant::now();
    let (common, exercise) = parse_flags::<E>(E::NAME);
    let cfg = common.init()?;
    let chapter = crate::chapters::chapter_folder(E::NAME);
    let figures_dir = common.figures_dir(chapter);
    let solution = exercise.solve(&cfg, Some(&figures_dir))?;
    let figures = solution.figures.len();
    let report = crate::report::Report::with_tables(&E::title(), solution.tables);
    common.publish(chapter, &report, figures, started)
}

/// The book's source folder, `book/src` in this repository.
pub fn book_src_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("book")
        .join("src")
}
