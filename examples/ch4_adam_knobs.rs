//! Chapter 4, section "NAdam, AdaMax, ε and β₂: Adam's other dials": NAdam as Nesterov inside
//! Adam, AdaMax as the ∞-norm limit, and what ε and β₂ do to the size of Adam's step.
//! Run it with `cargo run --example ch4_adam_knobs`; `--help` lists its flags.
lrbook::section_main!(lrbook::chapters::ch4::adam_knobs::AdamKnobsSection);
