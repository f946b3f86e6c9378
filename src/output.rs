//! Atomic, recoverable output: every file lrbook writes goes first to a temporary name in
//! its own folder and is renamed into place, so a reader never sees half a file.
//!
//! An example's run opens a [`Session`]. While it is open (on this thread), [`write()`] and
//! [`write_with`] only stage their files; nothing visible changes until
//! [`Session::commit`], after the whole experiment has run and every file is written. The
//! commit then:
//! 1. refuses to replace a file that no lrbook manifest lists (unless told to overwrite);
//! 2. renames every staged file into place;
//! 3. removes the files the previous run of the same example wrote and this one did not;
//! 4. writes the run's manifest, `generated/chN/<example>.manifest.json`: what was written
//!    (path, size, CRC-32), by which command, in which configuration.
//!
//! A run that fails, or is killed, before the commit leaves the previous output as it was:
//! dropping an uncommitted session removes its staged files, and a later session removes
//! staged files a killed run left. Each rename is atomic, so every file is always whole. The
//! commit's switch-over is journalled, so a run killed in the middle of it is completed by
//! the next run in the same folder.
//!
//! Outside a session (in tests, or in a user's own program) [`write()`] still writes through
//! a temporary file and renames it at once.
use std::cell::RefCell;
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// Marks a staged file: `.NAME.lrbook-tmp.PID`, in the final file's folder.
const TMP_MARK: &str = ".lrbook-tmp.";

/// Set to a number N, the session fails as if the disk filled up on its N+1-th file: a
/// hook for the tests that prove a failed run leaves the previous output intact.
pub const FAIL_AFTER_ENV: &str = "LRBOOK_FAIL_AFTER_WRITES";

/// Set to a number of milliseconds, the output pauses that long after staging each file and
/// after each rename of a commit: a hook for the tests that kill a run while it writes.
pub const PAUSE_ENV: &str = "LRBOOK_PAUSE_BETWEEN_WRITES_MS";

/// Names a commit's journal: `.<example>.lrbook-journal` beside the manifest.
const JOURNAL: &str = ".lrbook-journal";

thread_local! {
    static STAGED: RefCell<Option<Staging>> = const { RefCell::new(None) };
}

/// The files an open session has staged.
struct Staging {
    files: Vec<(PathBuf, PathBuf)>,
    fail_after: Option<usize>,
}

/// Writes `bytes` to `path`, creating its folder: staged while a [`Session`] is open on
/// this thread, else written to a temporary name and renamed into place at once.
pub fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    write_with(path, |tmp| {
        std::fs::write(tmp, bytes).map_err(|e| Error::io("write", path, e))
    })
}

/// Like [`write()`] for a writer that needs a file name (a GIF encoder): `fill` writes the
/// temporary file it is given.
pub fn write_with(path: &Path, fill: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    let dir = parent_of(path);
    std::fs::create_dir_all(&dir).map_err(|e| Error::io("create", &dir, e))?;
    injected_failure(path)?;
    let tmp = staged_name(path);
    if let Err(e) = fill(&tmp) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    // A figure's drawing function, if one is running, is recorded for its provenance line.
    crate::provenance::record_write(path);
    let deferred = STAGED.with(|s| match s.borrow_mut().as_mut() {
        Some(staging) => {
            staging.files.retain(|(_, to)| to != path);
            staging.files.push((tmp.clone(), path.to_path_buf()));
            true
        }
        None => false,
    });
    if deferred {
        pause_for_tests();
    } else {
        std::fs::rename(&tmp, path).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            Error::io("write", path, e)
        })?;
    }
    Ok(())
}

/// Writes `bytes` to a temporary name beside `path` and renames it into place, whether or
/// not a session is open.
fn write_now(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = staged_name(path);
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            Error::io("write", path, e)
        })
}

/// Fails the write when the test hook [`FAIL_AFTER_ENV`] says this file is one too many.
fn injected_failure(path: &Path) -> Result<()> {
    STAGED.with(|s| match s.borrow().as_ref() {
        Some(Staging {
            files,
            fail_after: Some(n),
        }) if files.len() >= *n => Err(Error::io(
            "write",
            path,
            std::io::Error::other(format!("failure injected by {FAIL_AFTER_ENV}={n}")),
        )),
        _ => Ok(()),
    })
}

fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn staged_name(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    parent_of(path).join(format!(".{name}{TMP_MARK}{}", std::process::id()))
}

/// One example run's output: opened before the experiment, committed after it.
pub struct Session {
    root: PathBuf,
    folders: Vec<PathBuf>,
    /// Folders this session created, outermost first: an uncommitted session removes
    /// those it left empty.
    created: Vec<PathBuf>,
    manifest: PathBuf,
    example: String,
    command: String,
    configuration: String,
    overwrite: bool,
    committed: bool,
}

/// What the manifest records about one written file.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ManifestFile {
    /// The path under the output root, with `/` separators.
    pub path: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// Its CRC-32, as 8 hexadecimal digits.
    pub crc32: String,
}

/// A run's manifest, `generated/chN/<example>.manifest.json` under the output root.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    /// The example that wrote the files.
    pub example: String,
    /// The command that reruns it.
    pub command: String,
    /// The configuration it ran: quick or full, device, seed.
    pub configuration: String,
    /// Every file the run wrote, sorted by path.
    pub files: Vec<ManifestFile>,
}

impl Session {
    /// Opens a session for `example` writing under `root` into `folders` (relative to
    /// `root`). Checks at once that each folder can be created and written, so that a bad
    /// `--out` fails before any work, and removes files a killed run left staged there.
    pub fn begin(
        root: &Path,
        folders: &[&str],
        example: &str,
        command: &str,
        configuration: &str,
        overwrite: bool,
    ) -> Result<Session> {
        let folders: Vec<PathBuf> = folders.iter().map(|f| root.join(f)).collect();
        let mut created = Vec::new();
        for dir in &folders {
            let mut missing: Vec<PathBuf> = dir
                .ancestors()
                .take_while(|d| !d.as_os_str().is_empty() && !d.exists())
                .map(Path::to_path_buf)
                .collect();
            missing.reverse();
            let checked = check_writable(dir);
            created.extend(missing);
            if let Err(e) = checked {
                remove_empty(&created);
                return Err(e);
            }
            complete_interrupted_commits(dir)?;
            remove_stale_staged(dir);
        }
        let manifest = folders
            .iter()
            .find(|d| d.starts_with(root.join("generated")))
            .unwrap_or(&folders[0])
            .join(format!("{example}.manifest.json"));
        let fail_after = std::env::var(FAIL_AFTER_ENV)
            .ok()
            .and_then(|v| v.parse().ok());
        STAGED.with(|s| {
            *s.borrow_mut() = Some(Staging {
                files: Vec::new(),
                fail_after,
            })
        });
        Ok(Session {
            root: root.to_path_buf(),
            folders,
            created,
            manifest,
            example: example.into(),
            command: command.into(),
            configuration: configuration.into(),
            overwrite,
            committed: false,
        })
    }

    /// Puts every staged file in place and writes the manifest; see the module docs.
    /// Returns the files removed as stale (written by the previous run, not by this one).
    ///
    /// The switch-over is journalled: the renames, the stale files and the new manifest
    /// are first written to `.<example>.lrbook-journal` beside the manifest, then carried
    /// out, then the journal is removed. A run killed during the switch-over leaves the
    /// journal, and the next session in the same folder completes it, so the folder ends
    /// with this run's whole output, never a mix.
    pub fn commit(mut self) -> Result<Vec<PathBuf>> {
        let staged = STAGED.with(|s| {
            s.borrow_mut()
                .as_mut()
                .map(|st| std::mem::take(&mut st.files))
                .unwrap_or_default()
        });
        let known = self.known_files();
        if !self.overwrite {
            if let Some((_, foreign)) = staged
                .iter()
                .find(|(_, to)| to.exists() && !known.contains(to))
            {
                let foreign = foreign.clone();
                remove_all(&staged);
                return Err(Error::invalid(
                    "output",
                    format!(
                        "refusing to replace {}, which no lrbook manifest in {} lists, so \
                         lrbook did not write it",
                        foreign.display(),
                        parent_of(&self.manifest).display()
                    ),
                    "Move the file away, write elsewhere with --out DIR, or pass --overwrite \
                     to replace it.",
                ));
            }
        }
        let mut files = Vec::new();
        for (tmp, to) in &staged {
            files.push(self.describe(tmp, to)?);
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let stale: Vec<PathBuf> = read_manifest(&self.manifest)
            .map(|previous| previous.files)
            .unwrap_or_default()
            .into_iter()
            .filter(|old| !files.iter().any(|f| f.path == old.path))
            .map(|old| self.root.join(&old.path))
            .filter(|path| path.exists())
            .collect();
        let manifest = Manifest {
            example: self.example.clone(),
            command: self.command.clone(),
            configuration: self.configuration.clone(),
            files,
        };
        let journal = Journal {
            renames: staged,
            stale: stale.clone(),
            manifest_path: self.manifest.clone(),
            manifest: format!("{}\n", to_json(&manifest, &self.manifest)?),
        };
        let journal_path = parent_of(&self.manifest).join(format!(".{}{JOURNAL}", self.example));
        STAGED.with(|s| *s.borrow_mut() = None);
        self.committed = true;
        if let Err(e) = write_now(&journal_path, to_json(&journal, &journal_path)?.as_bytes()) {
            remove_all(&journal.renames);
            return Err(e);
        }
        journal.carry_out()?;
        std::fs::remove_file(&journal_path).map_err(|e| Error::io("remove", &journal_path, e))?;
        Ok(stale)
    }

    /// Every file that a manifest in this session's folders lists: what lrbook wrote.
    fn known_files(&self) -> Vec<PathBuf> {
        let mut known = Vec::new();
        for dir in &self.folders {
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.to_string_lossy().ends_with(".manifest.json") {
                    known.push(path.clone());
                    if let Ok(m) = read_manifest(&path) {
                        known.extend(m.files.iter().map(|f| self.root.join(&f.path)));
                    }
                }
            }
        }
        known
    }

    /// The manifest entry of the file staged at `staged` for `path`.
    fn describe(&self, staged: &Path, path: &Path) -> Result<ManifestFile> {
        let bytes = std::fs::read(staged).map_err(|e| Error::io("read", staged, e))?;
        let mut crc = flate2::Crc::new();
        crc.update(&bytes);
        let relative = path.strip_prefix(&self.root).unwrap_or(path);
        Ok(ManifestFile {
            path: relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/"),
            bytes: bytes.len() as u64,
            crc32: format!("{:08x}", crc.sum()),
        })
    }
}

impl Drop for Session {
    /// An uncommitted session (the run failed) removes what it staged: the previous output
    /// stays exactly as it was.
    fn drop(&mut self) {
        if !self.committed {
            let staged = STAGED.with(|s| s.borrow_mut().take());
            if let Some(staging) = staged {
                remove_all(&staging.files);
            }
            remove_empty(&self.created);
        }
    }
}

/// Removes the folders in `created` (outermost first) that are empty, innermost first.
fn remove_empty(created: &[PathBuf]) {
    for dir in created.iter().rev() {
        let _ = std::fs::remove_dir(dir);
    }
}

/// A commit's switch-over, written down before it is carried out (see [`Session::commit`]).
#[derive(serde::Serialize, serde::Deserialize)]
struct Journal {
    /// Staged file → final name.
    renames: Vec<(PathBuf, PathBuf)>,
    /// Files of the previous run that this one did not write.
    stale: Vec<PathBuf>,
    manifest_path: PathBuf,
    /// The new manifest's text.
    manifest: String,
}

impl Journal {
    /// Carries out the switch-over; safe to repeat (a rename already done is skipped).
    fn carry_out(&self) -> Result<()> {
        for (tmp, to) in &self.renames {
            if tmp.exists() {
                std::fs::rename(tmp, to).map_err(|e| Error::io("write", to, e))?;
                pause_for_tests();
            }
        }
        for path in &self.stale {
            let _ = std::fs::remove_file(path);
        }
        write_now(&self.manifest_path, self.manifest.as_bytes())
    }
}

/// Completes the switch-over of a run that was killed during its commit.
fn complete_interrupted_commits(dir: &Path) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if !path.to_string_lossy().ends_with(JOURNAL) {
            continue;
        }
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io("read", &path, e))?;
        // A journal cut short was never acted on: its run's staged files are swept.
        if let Ok(journal) = serde_json::from_str::<Journal>(&text) {
            journal.carry_out()?;
        }
        std::fs::remove_file(&path).map_err(|e| Error::io("remove", &path, e))?;
    }
    Ok(())
}

fn to_json<T: serde::Serialize>(value: &T, path: &Path) -> Result<String> {
    serde_json::to_string_pretty(value)
        .map_err(|e| Error::io("write", path, std::io::Error::other(e)))
}

/// The test hook [`PAUSE_ENV`]: sleeps between the files of a run.
fn pause_for_tests() {
    if let Some(ms) = std::env::var(PAUSE_ENV)
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        std::thread::sleep(std::time::Duration::from_millis(ms.min(10_000)));
    }
}

fn remove_all(staged: &[(PathBuf, PathBuf)]) {
    for (tmp, _) in staged {
        let _ = std::fs::remove_file(tmp);
    }
}

/// Reads a manifest written by [`Session::commit`].
pub fn read_manifest(path: &Path) -> Result<Manifest> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io("read", path, e))?;
    serde_json::from_str(&text).map_err(|e| {
        Error::Data(format!(
            "{} is not an lrbook manifest ({e}). Delete it; the next run writes a new one.",
            path.display()
        ))
    })
}

/// Creates `dir` and proves a file can be written there, or says why not.
fn check_writable(dir: &Path) -> Result<()> {
    let hint = "Pass --out DIR with a folder you can write to.";
    if let Ok(meta) = std::fs::metadata(dir) {
        if !meta.is_dir() {
            return Err(Error::invalid(
                "output folder",
                format!("{} exists but is not a folder", dir.display()),
                hint,
            ));
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| {
        Error::invalid(
            "output folder",
            format!("cannot create {}: {e}", dir.display()),
            hint,
        )
    })?;
    let probe = dir.join(format!(".probe{TMP_MARK}{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(|e| {
        Error::invalid(
            "output folder",
            format!("cannot write into {}: {e}", dir.display()),
            hint,
        )
    })?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// Removes files that a killed run left staged in `dir`.
fn remove_stale_staged(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().contains(TMP_MARK) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("lrbook-output-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = walk(dir)
            .iter()
            .map(|p| p.strip_prefix(dir).unwrap().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    fn walk(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            if e.path().is_dir() {
                out.extend(walk(&e.path()));
            } else {
                out.push(e.path());
            }
        }
        out
    }

    fn session(root: &Path, overwrite: bool) -> Session {
        Session::begin(
            root,
            &["figures/ch9", "generated/ch9"],
            "ch9_demo",
            "cargo run --example ch9_demo",
            "quick",
            overwrite,
        )
        .unwrap()
    }

    #[test]
    fn outside_a_session_a_write_lands_at_once_and_leaves_no_temporary() {
        let root = scratch("plain");
        let path = root.join("a/b.txt");
        write(&path, b"one").unwrap();
        write(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(listing(&root), ["a/b.txt"]);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_failed_run_leaves_the_previous_output_intact() {
        let root = scratch("failed");
        let fig = root.join("figures/ch9/f.svg");
        let table = root.join("generated/ch9/t.md");
        let s = session(&root, false);
        write(&fig, b"fig v1").unwrap();
        write(&table, b"table v1").unwrap();
        // Nothing is visible before the commit.
        assert!(!fig.exists() && !table.exists());
        assert!(s.commit().unwrap().is_empty());
        assert_eq!(std::fs::read(&fig).unwrap(), b"fig v1");
        let manifest = read_manifest(&root.join("generated/ch9/ch9_demo.manifest.json")).unwrap();
        assert_eq!(manifest.files.len(), 2);
        assert_eq!(manifest.files[0].path, "figures/ch9/f.svg");
        assert_eq!(manifest.files[0].bytes, 6);
        // A second run writes one file, then fails: the first run's files stay.
        {
            let _s = session(&root, false);
            write(&fig, b"fig v2").unwrap();
            // the run fails here and the session is dropped uncommitted
        }
        assert_eq!(std::fs::read(&fig).unwrap(), b"fig v1");
        assert_eq!(std::fs::read(&table).unwrap(), b"table v1");
        assert_eq!(
            listing(&root),
            [
                "figures/ch9/f.svg",
                "generated/ch9/ch9_demo.manifest.json",
                "generated/ch9/t.md"
            ]
        );
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn stale_files_go_and_foreign_files_are_not_replaced() {
        let root = scratch("stale");
        let s = session(&root, false);
        write(&root.join("figures/ch9/old.svg"), b"old").unwrap();
        write(&root.join("generated/ch9/t.md"), b"t").unwrap();
        s.commit().unwrap();
        let s = session(&root, false);
        write(&root.join("generated/ch9/t.md"), b"t2").unwrap();
        let stale = s.commit().unwrap();
        assert_eq!(stale, [root.join("figures/ch9/old.svg")]);
        assert!(!root.join("figures/ch9/old.svg").exists());
        // A file the user put there is not replaced without --overwrite.
        std::fs::write(root.join("figures/ch9/mine.svg"), b"user's").unwrap();
        let s = session(&root, false);
        write(&root.join("figures/ch9/mine.svg"), b"ours").unwrap();
        let msg = s.commit().unwrap_err().to_string();
        assert!(
            msg.contains("refusing to replace") && msg.contains("--overwrite"),
            "{msg}"
        );
        assert_eq!(
            std::fs::read(root.join("figures/ch9/mine.svg")).unwrap(),
            b"user's"
        );
        let s = session(&root, true);
        write(&root.join("figures/ch9/mine.svg"), b"ours").unwrap();
        s.commit().unwrap();
        assert_eq!(
            std::fs::read(root.join("figures/ch9/mine.svg")).unwrap(),
            b"ours"
        );
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn an_unwritable_output_folder_fails_before_any_work() {
        let root = scratch("blocked");
        std::fs::create_dir_all(&root).unwrap();
        // A file where the figures folder should be.
        std::fs::write(root.join("figures"), b"").unwrap();
        let msg = Session::begin(&root, &["figures/ch9"], "x", "c", "q", false)
            .err()
            .unwrap()
            .to_string();
        assert!(
            msg.contains("cannot create") && msg.contains("--out"),
            "{msg}"
        );
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn staged_files_of_a_killed_run_are_swept() {
        let root = scratch("killed");
        let dir = root.join("generated/ch9");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(".t.md.lrbook-tmp.12345"), b"half").unwrap();
        let s = session(&root, false);
        s.commit().unwrap();
        assert_eq!(listing(&root), ["generated/ch9/ch9_demo.manifest.json"]);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
