//! Chapter 3, exercise 3: should one-cycle's peak sit above the best constant learning rate?
//! Run it with `cargo run --example ch3_ex3_one_cycle_peak`; `--help` lists its flags.
lrbook::exercise_main!(lrbook::chapters::ch3::exercises::OneCyclePeak);
