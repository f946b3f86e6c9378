//! Chapter 2, exercise 2: diagnose four unlabeled training logs, then check the answers.
//!
//!     cargo run --example ch2_ex2_diagnose_logs
fn main() -> anyhow::Result<()> {
    Ok(lrbook::cli::exercise_main::<
        lrbook::chapters::ch2::exercises::DiagnoseLogs,
    >()?)
}
