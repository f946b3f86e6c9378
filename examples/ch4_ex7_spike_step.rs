//! Chapter 4, exercise 7: Adam's largest step after a gradient spike, for your β₂. Run it
//! with `cargo run --example ch4_ex7_spike_step`.
lrbook::exercise_main!(lrbook::chapters::ch4::adam_knobs_steps::SpikeStep);
