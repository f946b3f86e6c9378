//! Chapter 4, exercise 1: Adam's uncorrected step, in closed form.
//! Run it with `cargo run --example ch4_ex1_bias_correction`; `--help` lists its flags.
lrbook::exercise_main!(lrbook::chapters::ch4::exercises::BiasCorrection);
