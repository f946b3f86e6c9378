//! Chapter 5, exercise 6: can a rescaling that leaves both functions alone swap which of
//! two networks is the sharper? Solution of the exercise on "Sharp and flat minima, measured".
lrbook::exercise_main!(lrbook::chapters::ch5::sharp_flat::exercise::RescaleOrder);
