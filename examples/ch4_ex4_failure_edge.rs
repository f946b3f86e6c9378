//! Chapter 4, exercise 4: the largest C at which Adam still fails on Reddi et al.'s problem
//! at a fixed β₂, measured by bisection and in closed form, with AMSGrad run there.
//! Run it with `cargo run --example ch4_ex4_failure_edge`.
lrbook::exercise_main!(lrbook::chapters::ch4::adam_fixes::FailureEdge);
