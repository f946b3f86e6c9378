//! Chapter 6, exercise 2: without bias correction, the range test stops after about k steps on a flat loss.
//! Run it with `cargo run --example ch6_ex2_bias_correction`; `--help` lists its flags.
lrbook::exercise_main!(lrbook::chapters::ch6::exercises::BiasCorrection);
