//! Checks shared by every configurable piece: learning rates, step counts, ranges.
//! Each returns [`Error::InvalidArgument`] with a message a reader can act on.
use crate::{Error, Result};

/// A learning rate must be finite and strictly positive.
pub fn learning_rate(what: &str, lr: f64) -> Result<f64> {
    if !lr.is_finite() {
        return Err(Error::invalid(
            what,
            format!("got {lr}, which is not a finite number"),
            "Pass a positive number such as 0.01.",
        ));
    }
    if lr <= 0.0 {
        return Err(Error::invalid(
            what,
            format!("got {lr}, but a learning rate must be > 0"),
            "Pass a positive number such as 0.01.",
        ));
    }
    Ok(lr)
}

/// A finite number that is `>= 0`.
pub fn non_negative(what: &str, x: f64) -> Result<f64> {
    if !x.is_finite() || x < 0.0 {
        return Err(Error::invalid(
            what,
            format!("got {x}, but it must be a finite number >= 0"),
            "Pass 0 or a positive number.",
        ));
    }
    Ok(x)
}

/// A finite number that is `> 0`.
pub fn positive(what: &str, x: f64) -> Result<f64> {
    if !x.is_finite() || x <= 0.0 {
        return Err(Error::invalid(
            what,
            format!("got {x}, but it must be a finite number > 0"),
            "Pass a positive number.",
        ));
    }
    Ok(x)
}

/// A count (steps, a period, a size) that must be at least 1.
pub fn at_least_one(what: &str, n: usize) -> Result<usize> {
    if n == 0 {
        return Err(Error::invalid(
            what,
            "got 0, but it must be at least 1",
            "Pass a count of 1 or more.",
        ));
    }
    Ok(n)
}

/// A range `min..=max` of finite numbers with `min <= max`.
pub fn range(what: &str, min: f64, max: f64) -> Result<(f64, f64)> {
    if !min.is_finite() || !max.is_finite() {
        return Err(Error::invalid(
            what,
            format!("got min={min}, max={max}; both must be finite"),
            "Pass finite bounds.",
        ));
    }
    if min > max {
        return Err(Error::invalid(
            what,
            format!("got min={min} > max={max}"),
            "Swap the bounds so that min <= max.",
        ));
    }
    Ok((min, max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learning_rate_rejects_bad_values_with_reason() {
        for bad in [-0.1, 0.0, f64::NAN, f64::INFINITY] {
            let msg = learning_rate("learning rate", bad).unwrap_err().to_string();
            assert!(msg.starts_with("invalid learning rate: got"), "{msg}");
            assert!(msg.contains("Pass a positive number"), "{msg}");
        }
        assert_eq!(learning_rate("lr", 0.5).unwrap(), 0.5);
    }

    #[test]
    fn range_rejects_min_above_max() {
        let msg = range("learning-rate range", 1.0, 0.1)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("min=1 > max=0.1"), "{msg}");
        assert!(range("r", 0.1, 1.0).is_ok());
        assert!(range("r", f64::NAN, 1.0).is_err());
    }

    #[test]
    fn counts_must_be_positive() {
        assert!(at_least_one("steps", 0)
            .unwrap_err()
            .to_string()
            .contains("at least 1"));
        assert_eq!(at_least_one("steps", 3).unwrap(), 3);
        assert!(non_negative("wd", -1e-3).is_err());
        assert!(positive("a", 0.0).is_err());
    }
}
