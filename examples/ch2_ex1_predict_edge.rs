//! Chapter 2, exercise 1: predict the stability edge of 1.5·x² + y² + 1.2·x·y, then measure
//! it. Run it with `cargo run --example ch2_ex1_predict_edge`; `--help` lists its flags.
lrbook::exercise_main!(lrbook::chapters::ch2::exercises::PredictEdge);
