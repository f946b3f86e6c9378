//! Chapter 1, exercise 2: how much the best fixed step 2/(λmax+λmin) saves over 1/λmax. Run it with
//! `cargo run --example ch1_ex2_best_fixed_step`; `--help` lists its flags.
lrbook::exercise_main!(lrbook::chapters::ch1::exercises::BestFixedStep);
