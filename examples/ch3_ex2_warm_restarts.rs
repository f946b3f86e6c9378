//! Chapter 3, exercise 2: where SGDR restarts and its mean learning rate over a period.
//! Run it with `cargo run --example ch3_ex2_warm_restarts`; `--help` lists its flags.
lrbook::exercise_main!(lrbook::chapters::ch3::exercises::WarmRestarts);
