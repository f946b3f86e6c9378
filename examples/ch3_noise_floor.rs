//! Chapter 3, "The noise floor, and why annealing works" (part 1): constant-step SGD on a
//! noisy quadratic, the floor against its closed form, the time to reach it and the best
//! constant rate for a budget.
//! Run it with `cargo run --example ch3_noise_floor`; `--help` lists its flags.
lrbook::exercise_main!(lrbook::chapters::ch3::noise_floor::NoiseFloor);
