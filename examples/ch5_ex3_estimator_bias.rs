//! Chapter 5, exercise 3: the two-batch estimator against the naive one, on synthetic gradients.
//!
//!     cargo run --example ch5_ex3_estimator_bias
fn main() -> anyhow::Result<()> {
    Ok(lrbook::cli::exercise_main::<
        lrbook::chapters::ch5::exercises::EstimatorBias,
    >()?)
}
