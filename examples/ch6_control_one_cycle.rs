//! Chapter 6, control experiment: one-cycle's peak and annealing taken apart, on fresh seeds.
//! Run it with `cargo run --example ch6_control_one_cycle`; `--help` lists its flags.
lrbook::section_main!(lrbook::chapters::ch6::control::OneCycleControl);
