//! Helpers shared by the chapter test binaries (each includes this module with `mod common;`).
#![allow(dead_code, unused_macros, unused_imports)]

pub mod kept;
pub mod ledger;

use std::path::PathBuf;

/// One CPU thread, and the lock on libtorch's global random generator: the tests of one
/// binary run in parallel threads, and each seeds and draws.
pub fn cpu_single_thread() -> std::sync::MutexGuard<'static, ()> {
    lrbook::device::set_threads(1);
    lrbook::device::rng_lock()
}

/// Runs a chapter (`$run`, e.g. `ch1::run`) under `$cfg` on one CPU thread, pins its report
/// as the snapshot `$name` beside the calling test's other snapshots, and returns the RNG
/// lock (hold it while the test draws more) with the run.
macro_rules! pinned_report {
    ($run:expr, $cfg:expr, $name:literal) => {{
        let rng = $crate::common::cpu_single_thread();
        let ch = $run(&$cfg).expect(concat!($name, ": the run"));
        $crate::common::with_isa_variant(concat!(env!("CARGO_CRATE_NAME"), "__", $name), || {
            insta::assert_snapshot!($name, ch.report.to_markdown())
        });
        (rng, ch)
    }};
}
pub(crate) use pinned_report;

/// [`pinned_report`] for the full report of chapter `$flags` (e.g. `ch6::Flags`): runs it
/// through `lrbook::cli::book_run`, exactly as `make book` runs its example, so that the one
/// run feeds both this snapshot and the book's tables and figures (the example replays it).
macro_rules! pinned_book_report {
    ($flags:ty, $name:literal) => {{
        let rng = $crate::common::cpu_single_thread();
        let ch = lrbook::cli::book_run::<$flags>().expect(concat!($name, ": the run"));
        insta::assert_snapshot!($name, ch.report.to_markdown());
        (rng, ch)
    }};
}
pub(crate) use pinned_book_report;

/// The CPU's vendor and model as `/proc/cpuinfo` names them (`GenuineIntel`,
/// `AuthenticAMD`), or `unknown` where there is no such file.
pub fn cpu_vendor_and_model() -> (String, String) {
    (cpuinfo_field("vendor_id"), cpuinfo_field("model name"))
}

/// The value of `key` in the first entry of `/proc/cpuinfo`, or `unknown`.
fn cpuinfo_field(key: &str) -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    info.lines()
        .find(|l| l.split(':').next().is_some_and(|k| k.trim() == key))
        .and_then(|l| l.split_once(':'))
        .map_or_else(|| "unknown".to_string(), |(_, v)| v.trim().to_string())
}

/// The snapshot variant of a report whose float32 training runs round differently on Intel
/// and AMD processors even under the pins of `.cargo/config.toml`: `amd` for an AMD
/// `vendor` (the snapshot `…@amd.snap`), none otherwise (the snapshot made on Intel). See
/// CONTRIBUTING.md, "Numbers across machines".
pub fn cpu_snapshot_suffix(vendor: &str) -> Option<&'static str> {
    (vendor == "AuthenticAMD").then_some("amd")
}

/// The variant of snapshot `file` (`<test binary>__<name>`, with the vendor `suffix` of
/// [`cpu_snapshot_suffix`]) for a processor without AVX-512: `avx2` (or `<suffix>-avx2`)
/// where that snapshot exists, else `suffix`. The pins of `.cargo/config.toml` reach
/// libtorch's own kernels and MKL, not oneDNN, whose float32 convolutions run AVX-512 code
/// where the processor has it (`ONEDNN_VERBOSE=1` prints `convolution,jit:avx2` on an AMD
/// EPYC of the Zen 3 generation): chapter 6's CNN runs round differently there than on the
/// AVX-512 machines that made the other snapshots, and only the snapshots that differ have
/// such a variant (CONTRIBUTING.md, "Numbers across machines").
pub fn isa_variant(suffix: Option<&'static str>, file: &str) -> Option<&'static str> {
    let variant: &'static str = match suffix {
        None => "avx2",
        Some("amd") => "amd-avx2",
        Some(other) => return Some(other),
    };
    let has_avx512 = cpuinfo_field("flags")
        .split_whitespace()
        .any(|f| f == "avx512f");
    let snapshot = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(format!("{file}@{variant}.snap"));
    if !has_avx512 && snapshot.exists() {
        Some(variant)
    } else {
        suffix
    }
}

/// Runs `assert` (an `insta::assert_snapshot!` of snapshot `file`, `<test binary>__<name>`)
/// against the snapshot's `@avx2` variant on a processor without AVX-512 where it has one
/// (see [`isa_variant`]), else against the snapshot itself.
pub fn with_isa_variant(file: &str, assert: impl FnOnce()) {
    match isa_variant(None, file) {
        Some(variant) => {
            println!("CPU without AVX-512: compared with the snapshot {file}@{variant}");
            let mut settings = insta::Settings::clone_current();
            settings.set_snapshot_suffix(variant);
            settings.bind(assert);
        }
        None => assert(),
    }
}

/// The vendors on which the reports, ledgers and controls of chapters 3 (the real network), 4,
/// 5 (control) and 6 were made and are pinned, each in its own snapshot (see
/// [`assert_snapshot_on_cpus`]): AMD's `…@amd.snap`, Intel's without a suffix.
pub const PINNED_VENDORS: &[&str] = &["AuthenticAMD", "GenuineIntel"];

/// [`pinned_report`] for a report pinned per vendor, on [`PINNED_VENDORS`] only: runs it under the RNG lock
/// and compares its markdown there; elsewhere the caller's claim checks still run.
macro_rules! pinned_report_per_vendor {
    ($run:expr, $cfg:expr, $name:literal, $test:expr) => {{
        let rng = $crate::common::cpu_single_thread();
        let ch = $run(&$cfg).expect(concat!($name, ": the run"));
        $crate::common::assert_snapshot_on_cpus(
            $test,
            $name,
            &ch.report.to_markdown(),
            $crate::common::PINNED_VENDORS,
        );
        (rng, ch)
    }};
}
pub(crate) use pinned_report_per_vendor;

/// [`pinned_book_report`] pinned per vendor, as [`pinned_report_per_vendor`] is.
macro_rules! pinned_book_report_per_vendor {
    ($flags:ty, $name:literal, $test:expr) => {{
        let rng = $crate::common::cpu_single_thread();
        let ch = lrbook::cli::book_run::<$flags>().expect(concat!($name, ": the run"));
        $crate::common::assert_snapshot_on_cpus(
            $test,
            $name,
            &ch.report.to_markdown(),
            $crate::common::PINNED_VENDORS,
        );
        (rng, ch)
    }};
}
pub(crate) use pinned_book_report_per_vendor;

/// Pins `text` as the snapshot `tests/snapshots/<test binary>__<name>@<suffix>.snap` on the CPU vendors in `pinned_on` (`/proc/cpuinfo`'s
/// `vendor_id`, e.g. `AuthenticAMD`), each with its own snapshot (see
/// [`cpu_snapshot_suffix`]). For a report whose training runs are chaotic at the printed
/// digits and which has been made on some vendors only: on another vendor the caller's claim
/// assertions still run, and the skipped comparison is recorded (see [`record_skip`]) so
/// that `make test` lists it. Returns whether it compared.
pub fn assert_snapshot_on_cpus(test: &str, name: &str, text: &str, pinned_on: &[&str]) -> bool {
    let (vendor, model) = cpu_vendor_and_model();
    if !pinned_on.contains(&vendor.as_str()) {
        record_skip(
            test,
            &format!(
                "snapshot {name} is made on {} only; on {vendor} ({model}) its claims were \
                 asserted but its numbers not compared (CONTRIBUTING.md, 'Numbers across \
                 machines')",
                pinned_on.join(", ")
            ),
        );
        return false;
    }
    let file = format!("{}__{name}", env!("CARGO_CRATE_NAME"));
    let suffix = isa_variant(cpu_snapshot_suffix(&vendor), &file);
    println!(
        "CPU: {vendor} ({model}); compared with the snapshot {file}{}",
        suffix.map(|s| format!("@{s}")).unwrap_or_default()
    );
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_snapshot_suffix(suffix.unwrap_or_default());
    settings.bind(|| insta::assert_snapshot!(file, text));
    true
}

/// Exercise `E` solved with its defaults under `cfg`, as its example runs it.
pub fn solve<E: lrbook::chapters::exercise::Exercise>(
    cfg: &lrbook::chapters::Config,
) -> lrbook::chapters::exercise::Solution {
    let book =
        !cfg.quick && cfg.device == tch::Device::Cpu && cfg.seed == 0 && cfg.data_dir.is_none();
    let solved = if book {
        // The book's configuration: solved as `make book` runs the example, which then
        // replays this run instead of solving again.
        lrbook::cli::book_solve::<E>()
    } else {
        E::defaults().and_then(|ex| ex.solve(cfg, None))
    };
    solved.unwrap_or_else(|e| panic!("{}: {e}", E::NAME))
}

/// The one table of exercise `E` solved with its defaults (see [`solve`]).
pub fn solve_one<E: lrbook::chapters::exercise::Exercise>(
    cfg: &lrbook::chapters::Config,
) -> lrbook::report::Table {
    let mut tables = solve::<E>(cfg).tables;
    assert_eq!(tables.len(), 1, "{} gives {} tables", E::NAME, tables.len());
    tables.remove(0)
}

/// Lists a flag of positive numbers must refuse: empty, a negative, NaN, 0, ∞.
pub fn bad_positive_lists() -> Vec<Vec<f64>> {
    vec![
        vec![],
        vec![1.0, -1.0],
        vec![f64::NAN],
        vec![0.0],
        vec![f64::INFINITY],
    ]
}

/// Solves exercise `ex` under `--quick` once per value of `bad`, each set by `set`, and
/// asserts that every one is an error whose message names `flag`.
pub fn assert_rejected<E: lrbook::chapters::exercise::Exercise, T: Clone + std::fmt::Debug>(
    ex: &mut E,
    flag: &str,
    bad: &[T],
    set: impl Fn(&mut E, T),
) {
    for value in bad {
        set(ex, value.clone());
        let err = ex
            .solve(&lrbook::chapters::Config::quick_cpu(), None)
            .expect_err(flag);
        assert!(err.to_string().contains(flag), "{value:?}: {err}");
    }
}

/// Checks what a chapter's `draw_figures` wrote: every name in `required` is among the
/// files, no file is nearly empty, and every SVG has text in it (the embedded font works).
pub fn check_written_figures(written: &[PathBuf], required: &[&str]) {
    for name in required {
        assert!(written.iter().any(|p| p.ends_with(name)), "{name} missing");
    }
    for p in written {
        let bytes = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert!(bytes.len() > 200, "{} is nearly empty", p.display());
        if p.extension().is_some_and(|e| e == "svg") {
            let text = String::from_utf8_lossy(&bytes);
            assert!(text.contains("<text"), "{} has no text", p.display());
        }
    }
    check_figure_provenance(written, required);
}

/// Pins where the book says each figure comes from: every image in `written` was drawn
/// under a drawing function (`lrbook::drawing!`), and the committed provenance line of each
/// (`book/src/generated/chN/<stem>.provenance.md`, which exists for every image in
/// `required`) names that function and its file. Moving or renaming a drawing function
/// fails here until the book's figures are regenerated.
pub fn check_figure_provenance(written: &[PathBuf], required: &[&str]) {
    let crate_name = env!("CARGO_CRATE_NAME");
    let chapter = &crate_name[..crate_name.find('_').unwrap_or(crate_name.len())];
    let generated = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("book/src/generated")
        .join(chapter);
    let is_image = |p: &std::path::Path| p.extension().is_some_and(|e| e == "svg" || e == "gif");
    for p in written.iter().filter(|p| is_image(p)) {
        let source = lrbook::provenance::drawn_by(p)
            .unwrap_or_else(|| panic!("{} was drawn outside a drawing function", p.display()));
        let stem = p.file_stem().unwrap().to_string_lossy();
        let committed = generated.join(format!("{stem}.provenance.md"));
        let shown = required
            .iter()
            .any(|r| std::path::Path::new(r).file_stem() == p.file_stem());
        match std::fs::read_to_string(&committed) {
            Ok(line) => {
                let names = format!(
                    "<code class=\"provenance-fn\">{}</code> in <code class=\"provenance-file\">{}</code>",
                    source.function, source.file
                );
                assert!(
                    line.contains(&names),
                    "{}: the book says {stem} comes from elsewhere than {} in {}: {line}",
                    committed.display(),
                    source.function,
                    source.file
                );
            }
            Err(e) => assert!(
                !shown,
                "{}: {e} (the book shows {stem})",
                committed.display()
            ),
        }
    }
}

/// The cell of `table` in `row` under the column headed `column`; panics naming the table's
/// columns if there is no such column or row, so a renamed header fails loudly.
pub fn cell<'a>(
    table: &'a lrbook::report::Table,
    row: usize,
    column: &str,
) -> &'a lrbook::report::Cell {
    table.cell(row, column).unwrap_or_else(|| {
        panic!(
            "table '{}' has no row {row} under column '{column}' (columns: {:?}, {} rows)",
            table.id,
            table.columns,
            table.rows.len()
        )
    })
}

/// The number in [`cell`]; panics if the cell is text.
pub fn num(table: &lrbook::report::Table, row: usize, column: &str) -> f64 {
    let c = cell(table, row, column);
    c.value().unwrap_or_else(|| {
        panic!(
            "table '{}' row {row} column '{column}' is text: {c:?}",
            table.id
        )
    })
}

/// The first row of `table` whose cell under `column` renders as `text`.
pub fn row_where(table: &lrbook::report::Table, column: &str, text: &str) -> usize {
    let c = table.column(column).unwrap_or_else(|| {
        panic!(
            "table '{}' has no column '{column}' ({:?})",
            table.id, table.columns
        )
    });
    table
        .rows
        .iter()
        .position(|r| r[c].render() == text)
        .unwrap_or_else(|| panic!("table '{}' has no row with {column} = {text}", table.id))
}

/// Records a skipped check in `target/test-skips.txt`, which `make test` lists at its end.
pub use lrbook::record_skip;

/// Runs `check(cpu, gpu)` on a chapter's quick run on the CPU and on CUDA device 0. Without
/// a GPU it records the skip (see [`record_skip`]) and returns, unless
/// `lrbook::device::cuda_required()`.
pub fn on_cpu_and_cuda<R>(
    test: &str,
    run: impl Fn(&lrbook::chapters::Config) -> lrbook::Result<R>,
    check: impl FnOnce(&R, &R),
) {
    if !tch::Cuda::is_available() {
        assert!(
            !lrbook::device::cuda_required(),
            "{test}: LRBOOK_REQUIRE_CUDA is set but libtorch sees no CUDA GPU (no GPU, no \
             driver, or a build that lost libtorch_cuda: see make test-cuda)"
        );
        record_skip(test, "no CUDA GPU visible to libtorch");
        return;
    }
    let _rng = cpu_single_thread();
    let cpu_cfg = lrbook::chapters::Config::quick_cpu();
    let cpu = run(&cpu_cfg).unwrap_or_else(|e| panic!("{test}: CPU run failed: {e}"));
    let gpu = run(&lrbook::chapters::Config {
        device: tch::Device::Cuda(0),
        ..cpu_cfg
    })
    .unwrap_or_else(|e| panic!("{test}: CUDA run failed: {e}"));
    check(&cpu, &gpu);
}

/// `|a − b| <= tol · max(|a|, |b|)`: relative closeness for CPU-vs-CUDA comparisons.
pub fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * a.abs().max(b.abs()).max(1e-300)
}

/// The file names under `figures/chN/` that the book page of chapter `name` (e.g.
/// `ch4_adaptive`, page `book/src/ch4-adaptive.md`) shows or links, in page order.
pub fn figures_on_the_page(name: &str) -> Vec<String> {
    let page = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("book/src")
        .join(format!("{}.md", name.replace('_', "-")));
    let text = std::fs::read_to_string(&page).unwrap_or_else(|e| panic!("{}: {e}", page.display()));
    let folder = format!("figures/{}/", &name[..name.find('_').unwrap_or(name.len())]);
    let mut names: Vec<String> = Vec::new();
    for (at, _) in text.match_indices(&folder) {
        let rest = &text[at + folder.len()..];
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || "_.-".contains(c)))
            .unwrap_or(rest.len());
        let file = rest[..end].to_string();
        if !file.is_empty() && !names.contains(&file) {
            names.push(file);
        }
    }
    names
}

/// A fresh temporary folder for one test's figures, named after the test and the process.
pub fn figures_dir(test: &str) -> PathBuf {
    std::env::temp_dir().join(format!("lrbook-{test}-{}", std::process::id()))
}

/// A sub-page's section `section` solved under `--quick` into a fresh figures folder: every
/// figure its book page (named after `E::NAME`) shows or links is written, with its data.
pub fn check_section_figures<E: lrbook::chapters::exercise::Exercise>(section: E) {
    let _rng = cpu_single_thread();
    let dir = figures_dir(E::NAME);
    let sol = section
        .solve(&lrbook::chapters::Config::quick_cpu(), Some(&dir))
        .unwrap();
    let on_page = figures_on_the_page(E::NAME);
    assert!(!on_page.is_empty(), "{}: its page shows no figure", E::NAME);
    let required: Vec<&str> = on_page.iter().map(String::as_str).collect();
    check_written_figures(&sol.figures, &required);
    std::fs::remove_dir_all(&dir).ok();
}

// ---- added for ch4 ----

/// The number in `row` under the `nth` column (0-based) headed `column`, for tables that
/// repeat a header under two groups (e.g. "accuracy" for Adam + L2 and for AdamW).
pub fn num_nth(table: &lrbook::report::Table, row: usize, column: &str, nth: usize) -> f64 {
    let c = table
        .columns
        .iter()
        .enumerate()
        .filter(|(_, name)| *name == column)
        .nth(nth)
        .map(|(i, _)| i)
        .unwrap_or_else(|| {
            panic!(
                "table '{}' has no column '{column}' number {nth} (columns: {:?})",
                table.id, table.columns
            )
        });
    let cell = table
        .rows
        .get(row)
        .and_then(|r| r.get(c))
        .unwrap_or_else(|| panic!("table '{}' has no row {row}", table.id));
    cell.value().unwrap_or_else(|| {
        panic!(
            "table '{}' row {row} column '{column}' ({nth}) is text: {cell:?}",
            table.id
        )
    })
}

/// The figure test every chapter has: runs chapter `C` on the quick CPU configuration with
/// its default flags, writes its figures into a fresh folder, checks them with
/// [`check_written_figures`] against every file the chapter's book page shows or links
/// (see [`figures_on_the_page`]) plus `also`, hands the written files to `more` for the
/// chapter's own checks, and removes the folder.
pub fn check_chapter_figures<C>(also: &[&str], more: impl FnOnce(&[PathBuf]))
where
    C: lrbook::chapters::chapter::Chapter + Default,
{
    let on_page = figures_on_the_page(C::NAME);
    assert!(!on_page.is_empty(), "{}'s page shows no figure", C::NAME);
    let mut required: Vec<&str> = on_page.iter().map(String::as_str).collect();
    required.extend_from_slice(also);
    let _rng = cpu_single_thread();
    let cfg = lrbook::chapters::Config::quick_cpu();
    let output = C::default().run(&cfg).expect("the quick run");
    let dir = figures_dir(C::NAME);
    let written = C::write_figures(&output, &dir.join("figures"), &dir.join("generated"))
        .expect("the figures are written");
    check_written_figures(&written, &required);
    more(&written);
    std::fs::remove_dir_all(&dir).ok();
}
