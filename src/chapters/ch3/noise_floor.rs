//! The noise floor of constant-step SGD on a noisy quadratic (issue 15). (Being written.)
