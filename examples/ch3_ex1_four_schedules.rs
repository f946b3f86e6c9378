//! Chapter 3, exercise 1: constant, StepLR, cosine and plateau on the same MLP and budget.
//!
//!     cargo run --example ch3_ex1_four_schedules
fn main() -> anyhow::Result<()> {
    Ok(lrbook::cli::exercise_main::<
        lrbook::chapters::ch3::exercises::FourSchedules,
    >()?)
}
