//! Helpers shared by the chapter test binaries (each includes this module with `mod common;`).
#![allow(dead_code)]

use std::path::PathBuf;

/// One CPU thread, and the lock on libtorch's global random generator: the tests of one
/// binary run in parallel threads, and each seeds and draws.
pub fn cpu_single_thread() -> std::sync::MutexGuard<'static, ()> {
    lrbook::device::set_threads(1);
    lrbook::device::rng_lock()
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
}
