//! Chapter 5, exercise 1: the seeds' exercise, batch sizes 32, 64, 128, 256 with linear scaling from (32, 0.1).
//! Run it with `cargo run --example ch5_ex1_seed_batches`; `--help` lists its flags.
lrbook::exercise_main!(lrbook::chapters::ch5::exercises::SeedBatches);
