//! Chapter 4, section "Tuned SGD against tuned Adam": SGD with momentum, Adam and AdamW, each
//! tuned on a validation split of Fashion-MNIST, compared on the test set over shared seeds
//! for an MLP and a small CNN; AdamW against Adam + L2 at the same λ.
//! Run it with `cargo run --example ch4_sgd_vs_adam`; `--help` lists its flags.
lrbook::section_main!(lrbook::chapters::ch4::sgd_vs_adam::SgdVsAdamSection);
