//! Chapter 4, exercise 1: Adam's uncorrected step, in closed form.
//!
//!     cargo run --example ch4_ex1_bias_correction
fn main() -> anyhow::Result<()> {
    Ok(lrbook::cli::exercise_main::<
        lrbook::chapters::ch4::exercises::BiasCorrection,
    >()?)
}
