//! Chapter 3, "The noise floor, and why annealing works" (part 2): step decay, cosine and
//! 1/t against the best constant rate at one budget, and the Robbins–Monro conditions.
//! Run it with `cargo run --example ch3_annealing`; `--help` lists its flags.
lrbook::exercise_main!(lrbook::chapters::ch3::annealing::Annealing);
