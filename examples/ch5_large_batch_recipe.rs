//! Chapter 5, section "The large-batch recipe": SGD with the linear rule and warmup, LARS,
//! Adam with the √ rule and its linear-rule control, and LAMB from the chapter's base at
//! growing batches; warmup length measured; gradient clipping at a rate that diverges.
//! Run it with `cargo run --example ch5_large_batch_recipe`; `--help` lists its flags.
lrbook::section_main!(lrbook::chapters::ch5::large_batch::LargeBatchRecipe);
