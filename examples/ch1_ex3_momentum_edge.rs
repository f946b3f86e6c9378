//! Chapter 1, exercise 3: the stability edge of heavy-ball momentum, measured. Run it with
//! `cargo run --example ch1_ex3_momentum_edge`; `--help` lists its flags.
lrbook::exercise_main!(lrbook::chapters::ch1::exercises::MomentumEdge);
