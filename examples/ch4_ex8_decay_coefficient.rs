//! Chapter 4, exercise 8: AdamW against Adam + L2 over the decay coefficient λ, at AdamW's
//! tuned rate. Run it with `cargo run --example ch4_ex8_decay_coefficient`.
lrbook::exercise_main!(lrbook::chapters::ch4::sgd_vs_adam::exercise::DecayCoefficient);
