//! Chapter 5, exercise 2: the steps/examples trade-off in closed form.
//! Run it with `cargo run --example ch5_ex2_tradeoff`; `--help` lists its flags.
lrbook::exercise_main!(lrbook::chapters::ch5::exercises::ClosedFormTradeoff);
