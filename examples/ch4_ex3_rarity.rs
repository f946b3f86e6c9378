//! Chapter 4, exercise 3: AdaGrad against SGD as features get rarer.
//! Run it with `cargo run --example ch4_ex3_rarity`; `--help` lists its flags.
lrbook::exercise_main!(lrbook::chapters::ch4::exercises::Rarity);
