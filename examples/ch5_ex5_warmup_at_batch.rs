//! Chapter 5, exercise 5: can a longer warmup alone save the linear rule at a batch where it
//! diverges? Run it with `cargo run --example ch5_ex5_warmup_at_batch`.
lrbook::exercise_main!(lrbook::chapters::ch5::large_batch::exercise::WarmupAtBatch);
