//! Checks shared by every configurable piece: learning rates, step counts, ranges, seeds.
//! Each returns [`Error::InvalidArgument`] with a message a reader can act on.
//!
//! The documented upper limits ([`MAX_THREADS`], [`MAX_STEPS`], …) bound the work one
//! command can ask for. They are generous (far above anything the book runs) and are
//! enforced with an error that names the limit, never by a silent clamp.
use crate::{Error, Result};

/// The largest learning rate (or other step size) accepted: `f32::MAX`. libtorch holds an
/// optimizer's rate and the network's weights in single precision, so a larger value would
/// become infinity there.
pub const MAX_LEARNING_RATE: f64 = f32::MAX as f64;
/// The smallest learning rate accepted: `f32::MIN_POSITIVE` (about 1.2e-38). A smaller rate
/// rounds to zero or loses its precision in single precision, and training would silently
/// stand still.
pub const MIN_LEARNING_RATE: f64 = f32::MIN_POSITIVE as f64;
/// The most CPU threads `--threads` accepts.
pub const MAX_THREADS: usize = 256;
/// The most optimization steps one run (or one schedule) may take.
pub const MAX_STEPS: usize = 10_000_000;
/// The most epochs one run may take.
pub const MAX_EPOCHS: usize = 10_000;
/// The most points in one grid or list given on the command line (learning rates, seeds,
/// batch sizes, sweep points).
pub const MAX_GRID: usize = 10_000;

/// A learning rate must be finite, strictly positive, and representable in single
/// precision: between [`MIN_LEARNING_RATE`] and [`MAX_LEARNING_RATE`].
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
    if !(MIN_LEARNING_RATE..=MAX_LEARNING_RATE).contains(&lr) {
        return Err(Error::invalid(
            what,
            format!(
                "got {lr}, outside the single-precision range [{MIN_LEARNING_RATE:e}, \
                 {MAX_LEARNING_RATE:e}] that libtorch holds learning rates and weights in"
            ),
            "Pass a positive number such as 0.01.",
        ));
    }
    Ok(lr)
}

/// A number in `[0, 1)`, such as a momentum coefficient or an EMA decay β.
pub fn unit_interval(what: &str, x: f64) -> Result<f64> {
    if !(0.0..1.0).contains(&x) {
        return Err(Error::invalid(
            what,
            format!("got {x}, but it must lie in [0, 1)"),
            "Pass a number from 0 up to, but not including, 1 (0.9 is typical).",
        ));
    }
    Ok(x)
}

/// A count that must be at least 1 and at most `max` (one of the documented limits).
pub fn count_in(what: &str, n: usize, max: usize) -> Result<usize> {
    at_least_one(what, n)?;
    if n > max {
        return Err(Error::invalid(
            what,
            format!("got {n}, above the limit of {max}"),
            format!("Pass at most {max}."),
        ));
    }
    Ok(n)
}

/// A list given on the command line: not empty, at most [`MAX_GRID`] entries.
pub fn list_len<T>(what: &str, list: &[T]) -> Result<()> {
    if list.is_empty() {
        return Err(Error::invalid(
            what,
            "got an empty list",
            "Pass at least one value, separated by commas.",
        ));
    }
    if list.len() > MAX_GRID {
        return Err(Error::invalid(
            what,
            format!("got {} values, above the limit of {MAX_GRID}", list.len()),
            format!("Pass at most {MAX_GRID} values."),
        ));
    }
    Ok(())
}

/// Seeds over which a statistic is taken: at least `min` of them, all distinct (a repeated
/// seed repeats the same run and would shrink the spread to a false zero).
pub fn distinct_seeds(what: &str, seeds: &[u64], min: usize) -> Result<()> {
    list_len(what, seeds)?;
    if seeds.len() < min {
        return Err(Error::invalid(
            what,
            format!(
                "got {} seed(s), but a spread over seeds needs at least {min}",
                seeds.len()
            ),
            format!("Pass {min} or more distinct seeds, such as 0,1,2."),
        ));
    }
    for (i, s) in seeds.iter().enumerate() {
        if seeds[..i].contains(s) {
            return Err(Error::invalid(
                what,
                format!("seed {s} is given twice; a repeated seed repeats the same run"),
                "Pass distinct seeds, such as 0,1,2.",
            ));
        }
    }
    Ok(())
}

/// `a * b` for counts that come from flags, or an error naming both factors.
pub fn product(what: &str, a: usize, b: usize, max: usize) -> Result<usize> {
    match a.checked_mul(b) {
        Some(p) if p <= max => Ok(p),
        _ => Err(Error::invalid(
            what,
            format!("{a} x {b} is above the limit of {max}"),
            "Ask for fewer steps: lower one of the two factors.",
        )),
    }
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
    fn learning_rates_must_fit_single_precision() {
        for bad in [4e38, 1e308, 1e-39, 1e-300] {
            let msg = learning_rate("--peak-lr", bad).unwrap_err().to_string();
            assert!(msg.contains("single-precision range"), "{msg}");
        }
        assert_eq!(learning_rate("lr", 3e38).unwrap(), 3e38);
        assert_eq!(learning_rate("lr", 1e-37).unwrap(), 1e-37);
    }

    #[test]
    fn limits_lists_seeds_and_products() {
        assert!(unit_interval("momentum", 1.0).is_err());
        assert!(unit_interval("momentum", -0.1).is_err());
        assert!(unit_interval("momentum", f64::NAN).is_err());
        assert_eq!(unit_interval("momentum", 0.0).unwrap(), 0.0);
        let msg = count_in("--threads", 10_000, MAX_THREADS)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("above the limit of 256"), "{msg}");
        assert!(count_in("--threads", 0, MAX_THREADS).is_err());
        assert!(list_len::<f64>("--etas", &[]).is_err());
        assert!(list_len("--etas", &vec![0.1; MAX_GRID + 1]).is_err());
        let msg = distinct_seeds("--seeds", &[0, 0], 2)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("seed 0 is given twice"), "{msg}");
        let msg = distinct_seeds("--seeds", &[0], 2).unwrap_err().to_string();
        assert!(msg.contains("at least 2"), "{msg}");
        assert!(distinct_seeds("--seeds", &[3, 1, 2], 2).is_ok());
        assert!(product("steps", usize::MAX, 2, MAX_STEPS).is_err());
        assert!(product("steps", 1000, 10_001, MAX_STEPS).is_err());
        assert_eq!(
            product("steps", 1000, 10_000, MAX_STEPS).unwrap(),
            MAX_STEPS
        );
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
