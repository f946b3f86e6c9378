//! Chapter 5, exercise 2: the steps/examples trade-off in closed form.
//!
//!     cargo run --example ch5_ex2_tradeoff
fn main() -> anyhow::Result<()> {
    Ok(lrbook::cli::exercise_main::<
        lrbook::chapters::ch5::exercises::ClosedFormTradeoff,
    >()?)
}
