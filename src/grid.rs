//! Log-spaced grids of learning rates, the two ways the book builds them: by count
//! ([`log_spaced`]: `n` points from `lo` to `hi`) and by step in decades ([`log_grid`]:
//! `10^lo, 10^(lo+step), …, 10^hi`, so half-decade grids hit 1, √10, 10 exactly as printed).
use crate::{validate, Error, Result};

/// `n` (1 to [`validate::MAX_GRID`]) learning rates log-spaced from `lo` to `hi` inclusive.
pub fn log_spaced(lo: f64, hi: f64, n: usize) -> Result<Vec<f64>> {
    validate::learning_rate("lowest learning rate", lo)?;
    validate::learning_rate("highest learning rate", hi)?;
    validate::count_in("number of learning rates", n, validate::MAX_GRID)?;
    if n == 1 {
        return Ok(vec![lo]);
    }
    let (a, b) = (lo.ln(), hi.ln());
    Ok((0..n)
        .map(|i| (a + (b - a) * i as f64 / (n - 1) as f64).exp())
        .collect())
}

/// `10^lo_exp, 10^(lo_exp + step), …` up to `10^hi_exp` inclusive: exponents in decades.
///
/// Each point is `10^(lo_exp + step·i)`, so a grid with `step = 0.5` from `-4` holds
/// `10f64.powf(-4.0 + 0.5 * i)` exactly. Both ends must be valid learning rates (see
/// [`validate::learning_rate`]), and the grid may hold at most [`validate::MAX_GRID`] points.
pub fn log_grid(lo_exp: f64, hi_exp: f64, step: f64) -> Result<Vec<f64>> {
    validate::positive("grid step (decades)", step)?;
    if !(lo_exp.is_finite() && hi_exp.is_finite()) || lo_exp > hi_exp {
        return Err(Error::invalid(
            "grid exponents",
            format!("got 10^{lo_exp} to 10^{hi_exp}"),
            "Give finite exponents with the lower one first, e.g. -4 to 0.",
        ));
    }
    validate::learning_rate(
        &format!("lowest grid point 10^{lo_exp}"),
        10f64.powf(lo_exp),
    )?;
    validate::learning_rate(
        &format!("highest grid point 10^{hi_exp}"),
        10f64.powf(hi_exp),
    )?;
    let n = ((hi_exp - lo_exp) / step).round();
    if n > 10_000.0 {
        return Err(Error::invalid(
            "grid step (decades)",
            format!("{step} gives {n} points from 10^{lo_exp} to 10^{hi_exp}"),
            "Use a step of at least (hi - lo) / 10000.",
        ));
    }
    Ok((0..=n as usize)
        .map(|i| 10f64.powf(lo_exp + step * i as f64))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_grids_are_errors() {
        let e = log_spaced(1e-3, 1.0, usize::MAX).unwrap_err().to_string();
        assert!(e.contains("above the limit of 10000"), "{e}");
        assert!(log_spaced(1e-3, 1.0, 0).is_err());
        let e = log_grid(-4.0, 400.0, 1.0).unwrap_err().to_string();
        assert!(e.contains("highest grid point 10^400"), "{e}");
        let e = log_grid(-400.0, 0.0, 1.0).unwrap_err().to_string();
        assert!(e.contains("lowest grid point 10^-400"), "{e}");
        assert!(log_grid(0.0, 1.0, f64::MIN_POSITIVE).is_err());
        assert_eq!(log_grid(-1.0, 0.0, 0.5).unwrap().len(), 3);
    }

    #[test]
    fn log_grid_is_inclusive_and_exact_at_half_decades() {
        let g = log_grid(-4.0, 0.5, 0.5).unwrap();
        assert_eq!(g.len(), 10);
        assert_eq!(g[0], 1e-4);
        assert_eq!(g[8], 1.0);
        assert!((g[9] - 10f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn log_grid_rejects_bad_steps_and_order() {
        for step in [0.0, -0.5, f64::NAN, f64::INFINITY] {
            assert!(log_grid(-4.0, 0.0, step).is_err(), "step {step}");
        }
        assert!(log_grid(0.0, -4.0, 0.5).is_err());
        assert!(log_grid(f64::NAN, 0.0, 0.5).is_err());
        assert!(log_grid(-4.0, 0.0, 1e-9).is_err());
    }

    #[test]
    fn log_spaced_hits_both_ends() {
        let g = log_spaced(1e-4, 10.0, 11).unwrap();
        assert_eq!(g.len(), 11);
        assert!((g[0] - 1e-4).abs() < 1e-18 && (g[10] - 10.0).abs() < 1e-12);
        assert!((g[2] - 1e-3).abs() < 1e-15);
        assert!(log_spaced(-1.0, 1.0, 3).is_err());
        assert!(log_spaced(1e-3, 1.0, 0).is_err());
    }
}
