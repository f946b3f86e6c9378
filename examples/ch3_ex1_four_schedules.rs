//! Chapter 3, exercise 1: constant, StepLR, cosine and plateau on the same MLP and budget.
//! Run it with `cargo run --example ch3_ex1_four_schedules`; `--help` lists its flags.
lrbook::exercise_main!(lrbook::chapters::ch3::exercises::FourSchedules);
