//! Chapter 1, exercise 1: ten steps of gradient descent on L(w) = (w−5)² from w₀ = 0.
//!
//!     cargo run --example ch1_ex1_iterates
fn main() -> anyhow::Result<()> {
    Ok(lrbook::cli::exercise_main::<
        lrbook::chapters::ch1_exercises::Iterates,
    >()?)
}
