//! Chapter 3, "The same floor in a real network": the training loss a constant rate
//! plateaus at on the Fashion-MNIST MLP, for a grid of η and B, and its noise-induced part.
//! Run it with `cargo run --example ch3_floor_real_network`; `--help` lists its flags.
lrbook::section_main!(lrbook::chapters::ch3::floor_real_network::FloorNetwork);
