//! Chapter 3, exercise 4: halve η or double B? The floor, the steps and the examples.
//! Run it with `cargo run --example ch3_ex4_halve_or_double`; `--help` lists its flags.
lrbook::exercise_main!(lrbook::chapters::ch3::noise_floor::HalveOrDouble);
