//! Chapter 6, exercise 3: do the suggestions depend on the length of the sweep?
//! Run it with `cargo run --example ch6_ex3_sweep_length`; `--help` lists its flags.
lrbook::exercise_main!(lrbook::chapters::ch6::exercises::SweepLength);
