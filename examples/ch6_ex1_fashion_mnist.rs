//! Chapter 6, exercise 1: the LR finder on Fashion-MNIST, on the training and on the held-out loss.
//! Run it with `cargo run --example ch6_ex1_fashion_mnist`; `--help` lists its flags.
lrbook::exercise_main!(lrbook::chapters::ch6::exercises::FashionMnistFinder);
