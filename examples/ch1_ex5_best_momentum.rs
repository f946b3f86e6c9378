//! Chapter 1, exercise 5: the best (η, β) of heavy ball read off a map of κ = 1000, against
//! Polyak's formula. Run it with `cargo run --example ch1_ex5_best_momentum`.
lrbook::exercise_main!(lrbook::chapters::ch1::momentum_map::BestMomentum);
