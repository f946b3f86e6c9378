//! Chapter 4, exercise 3: AdaGrad against SGD as features get rarer.
//!
//!     cargo run --example ch4_ex3_rarity
fn main() -> anyhow::Result<()> {
    Ok(lrbook::cli::exercise_main::<
        lrbook::chapters::ch4::exercises::Rarity,
    >()?)
}
