//! Chapter 4, exercise 5: which linear-warmup length makes Adam track RAdam most closely?
//! Run it with `cargo run --example ch4_ex5_warmup_length` (flag `--warmups`).
lrbook::exercise_main!(lrbook::chapters::ch4::adam_fixes::warmup::WarmupLength);
