//! Chapter 2, exercise 1: predict the stability edge of 1.5·x² + y² + 1.2·x·y, then measure it.
//!
//!     cargo run --example ch2_ex1_predict_edge
fn main() -> anyhow::Result<()> {
    Ok(lrbook::cli::exercise_main::<
        lrbook::chapters::ch2::exercises::PredictEdge,
    >()?)
}
