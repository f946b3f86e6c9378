//! Chapter 2, exercise 2: diagnose four unlabeled training logs, then check the answers.
//! Run it with `cargo run --example ch2_ex2_diagnose_logs`; `--help` lists its flags.
lrbook::exercise_main!(lrbook::chapters::ch2::exercises::DiagnoseLogs);
