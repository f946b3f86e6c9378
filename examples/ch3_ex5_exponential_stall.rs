//! Chapter 3, exercise 5: exponential decay with a fixed factor stalls.
//! Run it with `cargo run --example ch3_ex5_exponential_stall`; `--help` lists its flags.
lrbook::exercise_main!(lrbook::chapters::ch3::annealing::ExponentialStall);
