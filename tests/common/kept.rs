//! Kept passes: a slow test that passed is not run again while nothing it depends on has
//! changed, so that a warm `make test` does not repeat the full-configuration experiments.
//!
//! A test opts in with its first line,
//! `let Some(pass) = common::kept::unless_passed(TEST) else { return };`, and its last,
//! `pass.keep();`. The pass is keyed on a SHA-256 of:
//! - the test's name and the test executable itself (every line of the library and of the
//!   test compiled into it);
//! - every file under `tests/snapshots/`, `tests/fixtures/`, `book/src/`, `examples/` and
//!   `assets/` (what the tests read at run time: snapshots, ledgers, fixtures, pages,
//!   generated provenance lines; and the example programs that `tests/hostile_inputs.rs`
//!   runs, whose library is the one compiled into the test executable);
//! - the processor and the Fashion-MNIST files (`lrbook::run_cache::machine_identity`);
//! - the environment variables that steer libtorch, insta and lrbook (`ATEN_*`, `MKL_*`,
//!   `OMP_*`, `INSTA_*`, `LRBOOK_*`, `CI`, `FASHION_MNIST_DIR`).
//!
//! Nothing is kept while `INSTA_FORCE_PASS` is set (a forced pass proves nothing) or
//! `LRBOOK_NO_CACHE=1`, which also runs every test. Each reused pass is listed in
//! `target/test-kept-passes.txt`, which `make test` prints at its end.
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A test that has not passed with these inputs yet: [`Pass::keep`] records it at the end.
#[must_use = "call keep() at the end of the test"]
pub struct Pass {
    file: PathBuf,
    key: String,
}

impl Pass {
    /// Records the pass (the test got here, so every assertion before held).
    pub fn keep(self) {
        if recording() {
            if let Some(dir) = self.file.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            let _ = std::fs::write(&self.file, &self.key);
        }
    }
}

/// `None` when `test` already passed with the same inputs (the caller returns at once, and
/// the reuse is listed); otherwise the [`Pass`] to keep at the end.
pub fn unless_passed(test: &str) -> Option<Pass> {
    let key = lrbook::run_cache::sha256_hex(format!("{test}\n{}", inputs_digest()).as_bytes());
    let file = root()
        .join("target/kept-passes")
        .join(lrbook::run_cache::sha256_hex(test.as_bytes()));
    let reuse = !disabled() && std::fs::read_to_string(&file).is_ok_and(|k| k == key);
    if reuse {
        use std::io::Write;
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(root().join("target/test-kept-passes.txt"))
        {
            let _ = writeln!(f, "{test}");
        }
        return None;
    }
    Some(Pass { file, key })
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn set(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0")
}

fn disabled() -> bool {
    set("LRBOOK_NO_CACHE")
}

fn recording() -> bool {
    !disabled() && !set("INSTA_FORCE_PASS")
}

/// The digest of everything but the test's name, computed once per test process.
fn inputs_digest() -> &'static str {
    static DIGEST: OnceLock<String> = OnceLock::new();
    DIGEST.get_or_init(|| {
        let exe = std::env::current_exe()
            .ok()
            .and_then(|p| lrbook::run_cache::file_sha256(&p))
            .unwrap_or_else(|| "no executable".into());
        let mut lines = vec![format!("executable: {exe}")];
        for dir in [
            "tests/snapshots",
            "tests/fixtures",
            "book/src",
            "examples",
            "assets",
        ] {
            let mut files = Vec::new();
            collect(&root().join(dir), &mut files);
            files.sort();
            for f in files {
                let digest =
                    lrbook::run_cache::file_sha256(&f).unwrap_or_else(|| "unreadable".into());
                let name = f.strip_prefix(root()).unwrap_or(&f).display().to_string();
                lines.push(format!("{name}: {digest}"));
            }
        }
        let mut env: Vec<(String, String)> = std::env::vars()
            .filter(|(k, _)| {
                ["ATEN_", "MKL_", "OMP_", "INSTA_", "LRBOOK_"]
                    .iter()
                    .any(|p| k.starts_with(p))
                    || k == "CI"
                    || k == "FASHION_MNIST_DIR"
            })
            .collect();
        env.sort();
        lines.extend(env.iter().map(|(k, v)| format!("env {k}: {v}")));
        lines.extend(lrbook::run_cache::machine_identity(None));
        lrbook::run_cache::sha256_hex(lines.join("\n").as_bytes())
    })
}

/// Every file under `dir`, recursively, skipping files a running test or build stages
/// (`.lrbook-tmp.` names).
fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if !path.to_string_lossy().contains(".lrbook-tmp.") {
            out.push(path);
        }
    }
}
