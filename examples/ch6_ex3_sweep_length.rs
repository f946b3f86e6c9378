//! Chapter 6, exercise 3: do the suggestions depend on the length of the sweep?
//!
//!     cargo run --example ch6_ex3_sweep_length
fn main() -> anyhow::Result<()> {
    Ok(lrbook::cli::exercise_main::<
        lrbook::chapters::ch6::exercises::SweepLength,
    >()?)
}
