//! Chapter 3, exercise 6: predict the noise-induced excess at a new (η, B) with the η/B of
//! grid points, and run it to check.
//! Run it with `cargo run --example ch3_ex6_equal_ratio`; `--help` lists its flags.
lrbook::exercise_main!(lrbook::chapters::ch3::floor_real_network::EqualRatio);
