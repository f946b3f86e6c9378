//! Chapter 6, exercise 1: the LR finder on Fashion-MNIST, on the training and on the held-out loss.
//!
//!     cargo run --example ch6_ex1_fashion_mnist
fn main() -> anyhow::Result<()> {
    Ok(lrbook::cli::exercise_main::<
        lrbook::chapters::ch6::exercises::FashionMnistFinder,
    >()?)
}
