//! Chapter 4, exercise 6: the gradient scale at which Adam's step falls to half of η, for
//! your ε. Run it with `cargo run --example ch4_ex6_half_step`.
lrbook::exercise_main!(lrbook::chapters::ch4::adam_knobs_steps::HalfStep);
