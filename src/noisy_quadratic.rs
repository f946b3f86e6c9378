//! Constant-step SGD on a quadratic with gradient noise of known covariance (issue 15): batched chains in f64 and the closed forms they are checked against. (Being written.)
