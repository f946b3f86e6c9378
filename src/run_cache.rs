//! The book's runs, kept and replayed: each full-configuration experiment runs once per
//! `make test`, and an unchanged one not at all.
//!
//! A full run on the CPU (an example's, or the one a snapshot test makes in the book's
//! configuration through [`crate::cli::book_run`]) stores what it wrote under
//! `target/book-runs/<example>/<key>/`: the files, exactly as its output session committed
//! them (its manifest with their CRC-32s included), the report it printed, and what it
//! computed (the chapter's or section's output, or the exercise's tables), encoded with
//! postcard, every `f64` by its bits. A later example run whose [`RunKey`] is the same
//! replays those files through its own output session instead of computing them again, and
//! says so on stderr; a later snapshot test reads the computed output back
//! ([`KeptRun::output`]) and checks its claims on it. So the run happens once, whichever of
//! `make book` and `make test` comes first.
//!
//! The key is a SHA-256 of everything the files depend on, never a timestamp:
//! - [`source_hash`], of the contents of `src/`, `examples/`, `assets/`, `tests/fixtures/`,
//!   `Cargo.toml`, `Cargo.lock`, `build.rs`, `.cargo/config.toml` and the wheel's
//!   `torch/version.py`, read when the run starts: any edit to the library changes every
//!   key;
//! - the example's name and its flags (without `--out` and `--overwrite`);
//! - libtorch's thread count, and the environment variables that steer its kernels
//!   (`ATEN_*`, `MKL_*`, `OMP_*`, `LRBOOK_*` but those that only schedule runs, `FASHION_MNIST_DIR`);
//! - the processor: vendor, model and instruction-set flags from `/proc/cpuinfo`;
//! - the contents of the four Fashion-MNIST files the run would read.
//!
//! Only full runs on the CPU are kept (CUDA runs are not bit-reproducible in general, and
//! quick runs take seconds). `LRBOOK_NO_CACHE=1` turns replay off.
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::output::{read_manifest, Manifest};
use crate::{Error, Result};

/// SHA-256 of the sources, fixtures, lock file and libtorch version this checkout builds
/// from, read at run time from `CARGO_MANIFEST_DIR` (cargo rebuilds a binary before it runs
/// it, so they are the sources it was built from): the contents of `src/`, `examples/`,
/// `assets/`, `tests/fixtures/`, `Cargo.toml`, `Cargo.lock`, `build.rs`,
/// `.cargo/config.toml` and the wheel's `torch/version.py`. Computed once per process.
pub fn source_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in ["src", "examples", "assets", "tests/fixtures"] {
            collect_files(&root.join(dir), &mut files);
        }
        for file in ["Cargo.toml", "Cargo.lock", "build.rs", ".cargo/config.toml"] {
            files.push(root.join(file));
        }
        files.sort();
        let mut hasher = Sha256::new();
        for path in &files {
            let name = path.strip_prefix(root).unwrap_or(path);
            hasher.update(name.to_string_lossy().as_bytes());
            hasher.update([0]);
            match std::fs::read(path) {
                Ok(bytes) => {
                    hasher.update((bytes.len() as u64).to_le_bytes());
                    hasher.update(&bytes);
                }
                Err(_) => hasher.update(b"absent"),
            }
        }
        // libtorch's version, by content (the folder it is found in does not matter).
        let version = std::env::var_os("LIBTORCH")
            .map(|l| Path::new(&l).join("version.py"))
            .and_then(|p| std::fs::read(p).ok())
            .unwrap_or_default();
        hasher.update(b"torch/version.py\0");
        hasher.update(&version);
        hex(&hasher.finalize())
    })
}

/// Every file under `dir`, recursively (none if it does not exist).
pub(crate) fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// The `LRBOOK_*` settings that choose whether and how runs are scheduled, not what they
/// compute: left out of the key, so that a test run by plain `cargo test`
/// (`LRBOOK_CARGO_TEST=1`) or a book built with `LRBOOK_JOBS=1` reuses the same runs.
const NOT_IN_KEY: [&str; 3] = [NO_CACHE_ENV, "LRBOOK_CARGO_TEST", "LRBOOK_JOBS"];

/// Set to `1`, example runs neither replay nor store kept runs.
pub const NO_CACHE_ENV: &str = "LRBOOK_NO_CACHE";

/// The file, in a kept run's folder, that holds the report the run printed.
const REPORT_FILE: &str = "report.md";
/// The file that holds what the run computed: the output's type name, then the output
/// (see [`encode_output`]).
const OUTPUT_FILE: &str = "output.bin";
/// The file that lists what went into the key, for a person asking why a run was not reused.
const INPUTS_FILE: &str = "inputs.txt";
/// The folder that holds the written files, laid out as under `--out`.
const FILES_DIR: &str = "files";

/// What a kept run is keyed on: the SHA-256 and the text it was computed from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunKey {
    /// The example, `chN_slug`.
    pub example: String,
    /// Hex SHA-256 of [`RunKey::inputs`].
    pub hex: String,
    /// One `name: value` line per input (file contents as their own SHA-256).
    pub inputs: String,
}

impl RunKey {
    /// The key of a run of `example` with `flags` (its command-line flags without `--out`
    /// and `--overwrite`), reading the Fashion-MNIST files from `data_dir` (or where
    /// [`crate::data::fashion_mnist::locate`] finds them).
    pub fn new(example: &str, flags: &[String], data_dir: Option<&Path>) -> RunKey {
        let mut lines = vec![
            format!("source: {}", source_hash()),
            format!("example: {example}"),
            format!("flags: {flags:?}"),
            format!("libtorch threads: {}", tch::get_num_threads()),
        ];
        let mut env: Vec<(String, String)> = std::env::vars()
            .filter(|(k, _)| {
                ["ATEN_", "MKL_", "OMP_", "LRBOOK_"]
                    .iter()
                    .any(|p| k.starts_with(p))
                    || k == "FASHION_MNIST_DIR"
            })
            .filter(|(k, _)| !NOT_IN_KEY.contains(&k.as_str()))
            .collect();
        env.sort();
        lines.extend(env.iter().map(|(k, v)| format!("env {k}: {v}")));
        lines.extend(machine_identity(data_dir));
        let inputs = lines.join("\n") + "\n";
        RunKey {
            example: example.to_string(),
            hex: hex(&Sha256::digest(inputs.as_bytes())),
            inputs,
        }
    }

    /// The folder this run is kept in: `target/book-runs/<example>/<hex>`.
    pub fn folder(&self) -> PathBuf {
        cache_root().join(&self.example).join(&self.hex)
    }
}

/// Whether kept runs are in use in this process (not when [`NO_CACHE_ENV`] is `1`, nor
/// while the output tests' failure hooks are set).
pub fn enabled() -> bool {
    let set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty() && v != "0");
    !set(NO_CACHE_ENV) && !set(crate::output::FAIL_AFTER_ENV) && !set(crate::output::PAUSE_ENV)
}

/// `target/book-runs` in this repository.
pub fn cache_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("book-runs")
}

/// A kept run, found for a key.
#[derive(Debug)]
pub struct KeptRun {
    folder: PathBuf,
    manifest: Manifest,
}

impl KeptRun {
    /// The kept run for `key`, if there is a whole one (its manifest reads and every file
    /// it lists is there with its recorded size).
    pub fn find(key: &RunKey, manifest_rel: &Path) -> Option<KeptRun> {
        let folder = key.folder();
        let manifest = read_manifest(&folder.join(FILES_DIR).join(manifest_rel)).ok()?;
        let whole = folder.join(REPORT_FILE).is_file()
            && folder.join(OUTPUT_FILE).is_file()
            && manifest.files.iter().all(|f| {
                std::fs::metadata(folder.join(FILES_DIR).join(&f.path))
                    .is_ok_and(|m| m.len() == f.bytes)
            });
        whole.then_some(KeptRun { folder, manifest })
    }

    /// Writes every kept file under `out` through [`crate::output::write`] (so that an open
    /// output session stages it), after checking its CRC-32 against the manifest. Returns
    /// the report the run printed.
    pub fn replay(&self, out: &Path) -> Result<String> {
        for f in &self.manifest.files {
            let from = self.folder.join(FILES_DIR).join(&f.path);
            let bytes = std::fs::read(&from).map_err(|e| Error::io("read", &from, e))?;
            let mut crc = flate2::Crc::new();
            crc.update(&bytes);
            if format!("{:08x}", crc.sum()) != f.crc32 {
                return Err(Error::Data(format!(
                    "{} does not match the CRC-32 its kept run recorded. Delete {} (or run \
                     with {NO_CACHE_ENV}=1) to compute the run again.",
                    from.display(),
                    self.folder.display()
                )));
            }
            crate::output::write(&out.join(&f.path), &bytes)?;
        }
        let report = self.folder.join(REPORT_FILE);
        std::fs::read_to_string(&report).map_err(|e| Error::io("read", &report, e))
    }

    /// What the kept run computed, read back as a `T` (see [`decode_output`]); an error if
    /// it holds another type or does not decode.
    pub fn output<T: DeserializeOwned>(&self) -> Result<T> {
        let path = self.folder.join(OUTPUT_FILE);
        let bytes = std::fs::read(&path).map_err(|e| Error::io("read", &path, e))?;
        decode_output(&bytes).map_err(|e| {
            Error::Data(format!(
                "{}: {e}. Delete {} (or run with {NO_CACHE_ENV}=1) to compute the run again.",
                path.display(),
                self.folder.display()
            ))
        })
    }
}

/// `output` as a kept run stores it: its type's name, then the value, encoded with postcard
/// (every `f64` by its bits, so that NaN and the infinities of a diverged run come back as
/// they were).
pub fn encode_output<T: Serialize>(output: &T) -> Result<Vec<u8>> {
    postcard::to_stdvec(&(std::any::type_name::<T>(), output))
        .map_err(|e| Error::Data(format!("could not encode a run's output for keeping: {e}")))
}

/// The `T` that [`encode_output`] wrote into `bytes`: an error that says why when they hold
/// another type, end early, or go on after it.
pub fn decode_output<T: DeserializeOwned>(bytes: &[u8]) -> std::result::Result<T, String> {
    let (name, rest) = postcard::take_from_bytes::<String>(bytes)
        .map_err(|e| format!("the output's type name does not decode ({e})"))?;
    let expected = std::any::type_name::<T>();
    if name != expected {
        return Err(format!("it holds a {name}, not a {expected}"));
    }
    let (output, rest) = postcard::take_from_bytes::<T>(rest)
        .map_err(|e| format!("the {expected} does not decode ({e})"))?;
    if !rest.is_empty() {
        return Err(format!("{} bytes follow the {expected}", rest.len()));
    }
    Ok(output)
}

/// Keeps the run whose output session just committed under `out` (its manifest at
/// `out/manifest_rel`) as the run for `key`, with the report it printed and what it
/// computed (`output`, stored by [`encode_output`]); replaces any other kept run of the same
/// example. Copies into a temporary folder, then renames it into place, so a kept run is
/// whole or absent.
pub fn keep<T: Serialize>(
    key: &RunKey,
    out: &Path,
    manifest_rel: &Path,
    report: &str,
    output: &T,
) -> Result<()> {
    let folder = key.folder();
    if KeptRun::find(key, manifest_rel).is_some() {
        return Ok(());
    }
    let output = encode_output(output)?;
    let parent = folder.parent().expect("a kept run's folder has a parent");
    let tmp = parent.join(format!(
        ".{}.tmp-{}-{:?}",
        key.hex,
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_dir_all(&tmp);
    let copy = || -> Result<()> {
        let manifest = read_manifest(&out.join(manifest_rel))?;
        let paths = manifest
            .files
            .iter()
            .map(|f| PathBuf::from(&f.path))
            .chain([manifest_rel.to_path_buf()]);
        for rel in paths {
            let (from, to) = (out.join(&rel), tmp.join(FILES_DIR).join(&rel));
            let dir = to.parent().expect("a file has a folder");
            std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
            std::fs::copy(&from, &to).map_err(|e| Error::io("copy", &from, e))?;
        }
        let write = |name: &str, bytes: &[u8]| {
            let path = tmp.join(name);
            std::fs::write(&path, bytes).map_err(|e| Error::io("write", &path, e))
        };
        write(OUTPUT_FILE, &output)?;
        write(REPORT_FILE, report.as_bytes())?;
        write(INPUTS_FILE, key.inputs.as_bytes())
    };
    if let Err(e) = copy() {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    // Only the newest run of an example is kept.
    if let Ok(entries) = std::fs::read_dir(parent) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if !name.starts_with('.') && name != key.hex {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
    if std::fs::rename(&tmp, &folder).is_err() {
        // Another process kept the same run first: its copy is the same.
        let _ = std::fs::remove_dir_all(&tmp);
    }
    Ok(())
}

/// Why the kept run of `key.example` that is there, if any, does not match `key`: the names
/// of the inputs that differ (such as `source` or `env MKL_CBWR`). `None` when there is no
/// other kept run of that example. For the line an example prints when it computes.
pub fn why_not_kept(key: &RunKey) -> Option<Vec<String>> {
    let parent = key.folder().parent()?.to_path_buf();
    let other = std::fs::read_dir(&parent)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.join(INPUTS_FILE).is_file()
                && p.file_name()
                    .is_some_and(|n| n.to_string_lossy() != key.hex)
        })?;
    let theirs = std::fs::read_to_string(other.join(INPUTS_FILE)).ok()?;
    let mine: std::collections::HashSet<&str> = key.inputs.lines().collect();
    let theirs: std::collections::HashSet<&str> = theirs.lines().collect();
    let mut differ: Vec<String> = mine
        .symmetric_difference(&theirs)
        .map(|l| l.split(": ").next().unwrap_or(l).to_string())
        .collect();
    differ.sort();
    differ.dedup();
    Some(differ)
}

/// The processor (vendor, model, instruction-set flags) and the SHA-256 of each
/// Fashion-MNIST file in `data_dir` (or where the loader finds them), one `name: value` line
/// each: what a kept result depends on besides the code and the flags.
pub fn machine_identity(data_dir: Option<&Path>) -> Vec<String> {
    let mut lines = cpu_identity();
    lines.extend(data_identity(data_dir));
    lines
}

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// The processor's vendor, model and flags, from the first entry of `/proc/cpuinfo`.
fn cpu_identity() -> Vec<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let first = info.split("\n\n").next().unwrap_or_default();
    ["vendor_id", "model name", "flags"]
        .iter()
        .map(|key| {
            let value = first
                .lines()
                .find(|l| l.split(':').next().is_some_and(|k| k.trim() == *key))
                .and_then(|l| l.split_once(':'))
                .map_or("unknown", |(_, v)| v.trim());
            format!("cpu {key}: {value}")
        })
        .collect()
}

/// The SHA-256 of each Fashion-MNIST file in `data_dir` (or the located folder), or why
/// there is none: the key then still differs from that of a run that had the data.
fn data_identity(data_dir: Option<&Path>) -> Vec<String> {
    let dir = match data_dir {
        Some(d) => Ok(d.to_path_buf()),
        None => crate::data::fashion_mnist::locate(),
    };
    let Ok(dir) = dir else {
        return vec!["data: not found".to_string()];
    };
    // The loader reads NAME.gz, or NAME where there is no NAME.gz: both are keyed.
    crate::data::fashion_mnist::FILES
        .iter()
        .flat_map(|name| [format!("{name}.gz"), name.to_string()])
        .map(|file| {
            let digest = file_sha256(&dir.join(&file)).unwrap_or_else(|| "absent".to_string());
            format!("data {file}: {digest}")
        })
        .collect()
}

/// Hex SHA-256 of the file at `path`, read in pieces; `None` if it cannot be read.
pub fn file_sha256(path: &Path) -> Option<String> {
    let mut file = std::fs::File::open(path).ok()?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Some(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_changes_with_each_input_and_only_with_them() {
        let flags = |f: &[&str]| f.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let a = RunKey::new("ch9_x", &flags(&["--device", "cpu"]), None);
        assert_eq!(a, RunKey::new("ch9_x", &flags(&["--device", "cpu"]), None));
        assert_ne!(
            a.hex,
            RunKey::new("ch9_y", &flags(&["--device", "cpu"]), None).hex
        );
        assert_ne!(
            a.hex,
            RunKey::new("ch9_x", &flags(&["--seed", "1"]), None).hex
        );
        let empty = tempfile_dir("key-data");
        assert_ne!(
            a.hex,
            RunKey::new("ch9_x", &flags(&["--device", "cpu"]), Some(&empty)).hex
        );
        assert!(a.inputs.contains(source_hash()) && a.hex.len() == 64);
    }

    #[test]
    fn a_kept_run_replays_its_files_and_a_damaged_one_is_refused() {
        let out = tempfile_dir("keep-out");
        let session = crate::output::Session::begin(
            &out,
            &["figures/ch9", "generated/ch9"],
            "ch9_kept",
            "cmd",
            "cfg",
            false,
        )
        .unwrap();
        crate::output::write(&out.join("generated/ch9/t.md"), b"| a |").unwrap();
        crate::output::write(&out.join("figures/ch9/f.svg"), b"<svg/>").unwrap();
        session.commit().unwrap();
        let manifest_rel = Path::new("generated/ch9/ch9_kept.manifest.json");
        let key = RunKey::new(
            "ch9_kept",
            &[format!("unit test {}", std::process::id())],
            None,
        );
        let _ = std::fs::remove_dir_all(key.folder());
        assert!(KeptRun::find(&key, manifest_rel).is_none());
        let computed = (
            vec![1.5, f64::NAN, f64::NEG_INFINITY, -0.0],
            "diverged".to_string(),
        );
        keep(&key, &out, manifest_rel, "report text", &computed).unwrap();
        let kept = KeptRun::find(&key, manifest_rel).expect("kept");
        // What the run computed comes back bit for bit, NaN and the infinities included, and
        // only as the type it was kept as.
        let (xs, label): (Vec<f64>, String) = kept.output().unwrap();
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&xs), bits(&computed.0));
        assert_eq!(label, "diverged");
        let e = kept.output::<Vec<f64>>().unwrap_err().to_string();
        assert!(
            e.contains("not a alloc::vec::Vec<f64>") && e.contains("Delete"),
            "{e}"
        );

        let again = tempfile_dir("keep-again");
        assert_eq!(kept.replay(&again).unwrap(), "report text");
        assert_eq!(
            std::fs::read(again.join("generated/ch9/t.md")).unwrap(),
            b"| a |"
        );
        // A kept file changed on disk (same size) is refused, not replayed.
        std::fs::write(key.folder().join("files/figures/ch9/f.svg"), b"<svG/>").unwrap();
        let e = kept.replay(&tempfile_dir("keep-bad")).unwrap_err();
        assert!(e.to_string().contains("CRC-32"), "{e}");
        // Damaged or cut short, the output is refused with what to do.
        let output = key.folder().join(OUTPUT_FILE);
        let bytes = std::fs::read(&output).unwrap();
        std::fs::write(&output, &bytes[..bytes.len() - 3]).unwrap();
        let e = kept.output::<(Vec<f64>, String)>().unwrap_err().to_string();
        assert!(e.contains("does not decode") && e.contains("Delete"), "{e}");
        std::fs::write(&output, [bytes.as_slice(), &[0]].concat()).unwrap();
        let e = kept.output::<(Vec<f64>, String)>().unwrap_err().to_string();
        assert!(e.contains("1 bytes follow"), "{e}");
        // A kept file gone: the run is not whole, so it is not found.
        std::fs::remove_file(key.folder().join("files/generated/ch9/t.md")).unwrap();
        assert!(KeptRun::find(&key, manifest_rel).is_none());
        let _ = std::fs::remove_dir_all(key.folder().parent().unwrap());
    }

    #[test]
    fn a_float_kind_is_kept_by_name_and_read_back() {
        #[derive(serde::Serialize, serde::Deserialize)]
        struct WithKind(#[serde(with = "kind_serde")] tch::Kind);
        for kind in [tch::Kind::Float, tch::Kind::Double] {
            let bytes = encode_output(&WithKind(kind)).unwrap();
            assert_eq!(decode_output::<WithKind>(&bytes).unwrap().0, kind);
        }
        // A kind no chapter keeps is an error (postcard drops the message naming it).
        let e = encode_output(&WithKind(tch::Kind::Int64)).unwrap_err();
        assert!(e.to_string().contains("could not encode"), "{e}");
    }

    fn tempfile_dir(tag: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("lrbook-run-cache-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}

/// A `&'static str` field of a kept run's output (a file name, a method's name). Spelled
/// through this alias so that serde's derive does not take it for a string borrowed from
/// the input (which would tie the whole output to a `'static` input); it is read with
/// [`leak_str`].
pub type StaticName = &'static str;

/// Deserializes a `&'static str` field of a kept run's output (a file name, a method's
/// name) by leaking the string: a replayed run is read once per process, and its few short
/// names live as long as the process anyway.
pub fn leak_str<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<&'static str, D::Error> {
    let s: String = serde::Deserialize::deserialize(d)?;
    Ok(Box::leak(s.into_boxed_str()))
}

/// (De)serializes a [`tch::Kind`] field of a kept run's output as its name (`Float`,
/// `Double`): tch's `Kind` has no serde support of its own.
pub mod kind_serde {
    use tch::Kind;

    /// The kinds a chapter's configuration holds.
    const KINDS: [(Kind, &str); 2] = [(Kind::Float, "Float"), (Kind::Double, "Double")];

    /// Writes `kind` as its name.
    pub fn serialize<S: serde::Serializer>(kind: &Kind, s: S) -> Result<S::Ok, S::Error> {
        let name = KINDS.iter().find(|(k, _)| k == kind).map(|(_, n)| *n);
        match name {
            Some(name) => s.serialize_str(name),
            None => Err(serde::ser::Error::custom(format!(
                "kind {kind:?} is not one a kept run stores"
            ))),
        }
    }

    /// Reads a kind written by [`serialize`].
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Kind, D::Error> {
        let name: String = serde::Deserialize::deserialize(d)?;
        KINDS
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(k, _)| *k)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown kind {name}")))
    }
}
