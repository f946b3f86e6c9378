//! Chapter 5, exercise 4: how hard must the gradients be clipped to save a large-batch run
//! that diverges? Run it with `cargo run --example ch5_ex4_clip_norm`.
lrbook::exercise_main!(lrbook::chapters::ch5::large_batch::exercise::ClipNorm);
