//! Chapter 4, exercise 2: how steps to ε grow with κ for GD, heavy ball and Nesterov.
//!
//!     cargo run --example ch4_ex2_momentum_scaling
fn main() -> anyhow::Result<()> {
    Ok(lrbook::cli::exercise_main::<
        lrbook::chapters::ch4::exercises::MomentumScaling,
    >()?)
}
