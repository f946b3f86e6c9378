//! Chapter 3, exercise 2: where SGDR restarts and its mean learning rate over a period.
//!
//!     cargo run --example ch3_ex2_warm_restarts
fn main() -> anyhow::Result<()> {
    Ok(lrbook::cli::exercise_main::<
        lrbook::chapters::ch3::exercises::WarmRestarts,
    >()?)
}
