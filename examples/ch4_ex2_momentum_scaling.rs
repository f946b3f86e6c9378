//! Chapter 4, exercise 2: how steps to ε grow with κ for GD, heavy ball and Nesterov.
//! Run it with `cargo run --example ch4_ex2_momentum_scaling`; `--help` lists its flags.
lrbook::exercise_main!(lrbook::chapters::ch4::exercises::MomentumScaling);
