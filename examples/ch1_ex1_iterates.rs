//! Chapter 1, exercise 1: ten steps of gradient descent on L(w) = (w−5)² from w₀ = 0. Run it with
//! `cargo run --example ch1_ex1_iterates`; `--help` lists its flags.
lrbook::exercise_main!(lrbook::chapters::ch1::exercises::Iterates);
