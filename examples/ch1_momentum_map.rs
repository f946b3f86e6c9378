//! Chapter 1, section "Momentum, mapped": heavy ball's and Nesterov's rates over the (η, β)
//! plane of a quadratic, their edges, Lessard's function and the noise floor of momentum.
//! Run it with `cargo run --example ch1_momentum_map`; `--help` lists its flags.
lrbook::section_main!(lrbook::chapters::ch1::momentum_map::MomentumMapSection);
