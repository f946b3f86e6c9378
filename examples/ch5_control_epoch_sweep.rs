//! Chapter 5, control experiment: a grid of learning rates at every batch size for the same
//! epochs, and the noise scale at the loss the runs reach.
//! Run it with `cargo run --example ch5_control_epoch_sweep`; `--help` lists its flags.
lrbook::section_main!(lrbook::chapters::ch5::control::EpochBudgetSweep);
