//! Chapter 5, section "Sharp and flat minima, measured": sharpness and test accuracy at a
//! small and a large learning rate and batch, paired over seeds; Dinh et al.'s rescaling;
//! the large batch trained for as many steps as the small one (Hoffer et al.).
//! Run it with `cargo run --example ch5_sharp_flat`; `--help` lists its flags.
lrbook::section_main!(lrbook::chapters::ch5::sharp_flat::SharpFlatSection);
