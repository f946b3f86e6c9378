//! Chapter 4, section "AMSGrad and RAdam: two repairs to Adam": Adam and AMSGrad on Reddi
//! et al.'s online problem, and RAdam against Adam with an untuned linear warmup.
//! Run it with `cargo run --example ch4_adam_fixes`; `--help` lists its flags.
lrbook::section_main!(lrbook::chapters::ch4::adam_fixes::AdamFixesSection);
