//! Chapter 5, exercise 3: the two-batch estimator against the naive one, on synthetic gradients.
//! Run it with `cargo run --example ch5_ex3_estimator_bias`; `--help` lists its flags.
lrbook::exercise_main!(lrbook::chapters::ch5::exercises::EstimatorBias);
