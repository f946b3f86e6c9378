//! Statistics for comparisons over seeds: one place, so every table in the book uses the
//! same test.
//!
//! The book compares training recipes run with the *same* seeds (the same initial weights
//! and the same batch order). The right test is therefore paired: take the per-seed
//! differences `dᵢ = aᵢ − bᵢ`, and compare their mean with its standard error using
//! Student's t with `n − 1` degrees of freedom. With 3 to 5 seeds the t critical value
//! (4.30 at df 2, 2.78 at df 4, for 95%) is far above the normal's 1.96, so a z-style
//! "twice the standard error" bar calls too many differences real.
//!
//! - [`student_t_cdf`] and [`t_critical`]: the t distribution, from the regularized
//!   incomplete beta function (continued fraction), checked against a quadrature reference
//!   (`scripts/reference/student_t.py`) and published table values.
//! - [`mean_ci`]: a mean with its t confidence interval.
//! - [`paired`]: the paired comparison: mean difference, its CI, t, df and two-sided p.
use crate::report::Cell;
use crate::{Error, Result};

/// The confidence level every table in the book uses.
pub const LEVEL: f64 = 0.95;

/// Arithmetic mean (NaN for an empty slice).
pub fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// Sample standard deviation, with `n − 1` in the denominator (0 for fewer than 2 values).
pub fn sample_sd(xs: &[f64]) -> f64 {
    if xs.len() < 2 {
        return 0.0;
    }
    let m = mean(xs);
    let ss: f64 = xs.iter().map(|x| (x - m).powi(2)).sum();
    (ss / (xs.len() - 1) as f64).sqrt()
}

/// `ln Γ(x)` for `x > 0` (Lanczos, g = 7, 9 terms; relative error below 1e-14).
fn ln_gamma(x: f64) -> f64 {
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x)Γ(1−x) = π / sin(πx).
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let t = x + 7.5;
    let series = C[1..]
        .iter()
        .enumerate()
        .fold(C[0], |s, (i, c)| s + c / (x + i as f64 + 1.0));
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + series.ln()
}

/// The continued fraction of the incomplete beta function (modified Lentz), valid for
/// `x < (a + 1)/(a + b + 2)`.
fn beta_continued_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let mut c = 1.0;
    let mut d = 1.0 - (a + b) * x / (a + 1.0);
    d = if d.abs() < TINY { TINY } else { d };
    d = 1.0 / d;
    let mut h = d;
    for m in 1..=400 {
        let m = m as f64;
        for numerator in [
            m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0)),
        ] {
            d = 1.0 + numerator * d;
            d = if d.abs() < TINY { TINY } else { d };
            c = 1.0 + numerator / c;
            c = if c.abs() < TINY { TINY } else { c };
            d = 1.0 / d;
            h *= d * c;
        }
        if (d * c - 1.0).abs() < 1e-16 {
            break;
        }
    }
    h
}

/// The regularized incomplete beta function `I_x(a, b)` for `0 ≤ x ≤ 1`, `a, b > 0`.
fn regularized_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    if x < (a + 1.0) / (a + b + 2.0) {
        ln_front.exp() * beta_continued_fraction(a, b, x) / a
    } else {
        1.0 - ln_front.exp() * beta_continued_fraction(b, a, 1.0 - x) / b
    }
}

/// `P(T ≤ t)` for Student's t with `df` degrees of freedom.
pub fn student_t_cdf(t: f64, df: f64) -> f64 {
    if t.is_nan() {
        return f64::NAN;
    }
    if t.is_infinite() {
        return if t > 0.0 { 1.0 } else { 0.0 };
    }
    // P(|T| > |t|) = I_{df/(df+t²)}(df/2, 1/2).
    let tail = 0.5 * regularized_beta(df / 2.0, 0.5, df / (df + t * t));
    if t > 0.0 {
        1.0 - tail
    } else {
        tail
    }
}

/// The two-sided critical value: the `t > 0` with `P(|T| > t) = 1 − level` at `df` degrees
/// of freedom (2.776 for 95% at df 4). Found by bisection on the CDF, to about 1e-13.
pub fn t_critical(level: f64, df: usize) -> Result<f64> {
    if !(level > 0.0 && level < 1.0) {
        return Err(Error::invalid(
            "confidence level",
            format!("{level} is not strictly between 0 and 1"),
            "use 0.95 for a 95% interval",
        ));
    }
    if df < 1 {
        return Err(Error::invalid(
            "degrees of freedom",
            "a t critical value needs at least 1 (that is, 2 seeds)",
            "pass at least 2 seeds",
        ));
    }
    let df = df as f64;
    let upper_tail = (1.0 - level) / 2.0;
    let tail = |t: f64| 1.0 - student_t_cdf(t, df);
    let (mut lo, mut hi) = (0.0, 1.0);
    while tail(hi) > upper_tail {
        lo = hi;
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if tail(mid) > upper_tail {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-15 * hi {
            break;
        }
    }
    Ok(0.5 * (lo + hi))
}

fn check_sample(what: &str, xs: &[f64]) -> Result<()> {
    if xs.len() < 2 {
        return Err(Error::invalid(
            what,
            format!(
                "it needs at least 2 seeds to estimate the seed noise, got {}",
                xs.len()
            ),
            "pass more seeds",
        ));
    }
    if let Some(x) = xs.iter().find(|x| !x.is_finite()) {
        return Err(Error::invalid(
            what,
            format!("a value is not finite ({x}): a run diverged"),
            "report the run as diverged, and compare the runs that did not",
        ));
    }
    Ok(())
}

/// A mean over seeds with its Student-t confidence interval.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MeanCi {
    /// Number of values (seeds).
    pub n: usize,
    /// Their mean.
    pub mean: f64,
    /// Their sample standard deviation.
    pub sd: f64,
    /// Half the width of the interval: `t_crit(level, n−1) · sd/√n`.
    pub half_width: f64,
}

/// The mean of `xs` with its `level` confidence interval (t with `n − 1` df).
pub fn mean_ci(xs: &[f64], level: f64) -> Result<MeanCi> {
    check_sample("confidence interval", xs)?;
    let n = xs.len();
    let sd = sample_sd(xs);
    Ok(MeanCi {
        n,
        mean: mean(xs),
        sd,
        half_width: t_critical(level, n - 1)? * sd / (n as f64).sqrt(),
    })
}

impl MeanCi {
    /// The interval's ends, `mean ∓ half_width`.
    pub fn interval(&self) -> (f64, f64) {
        (self.mean - self.half_width, self.mean + self.half_width)
    }

    /// "0.500 ± 0.030": the mean to 3 significant digits, the half-width to 2.
    pub fn text(&self) -> String {
        format!(
            "{} ± {}",
            crate::report::fmt_sig(self.mean, 3),
            crate::report::fmt_sig(self.half_width, 2)
        )
    }
}

/// The 95% interval of `xs` where one exists: two or more values, all finite (a diverged run
/// is +∞); `None` otherwise. Tables and figures of losses over seeds show it.
pub fn spread(xs: &[f64]) -> Option<MeanCi> {
    if xs.len() < 2 || xs.iter().any(|x| !x.is_finite()) {
        return None;
    }
    mean_ci(xs, LEVEL).ok()
}

// ANCHOR: paired
/// A paired comparison of `a` against `b` over the same seeds: the per-seed differences
/// `a[i] − b[i]`, their mean, its confidence interval, and the t statistic.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Paired {
    /// Number of pairs (shared seeds).
    pub n: usize,
    /// Mean of the differences `a − b`.
    pub mean_diff: f64,
    /// Sample standard deviation of the differences.
    pub sd_diff: f64,
    /// `mean_diff / (sd_diff/√n)`; ±∞ when every difference is the same non-zero number.
    pub t: f64,
    /// Degrees of freedom, `n − 1`.
    pub df: usize,
    /// Two-sided p-value, `P(|T| ≥ |t|)`.
    pub p_value: f64,
    /// The confidence interval of the mean difference, `mean ± t_crit · sd/√n`.
    pub ci: (f64, f64),
}

impl Paired {
    /// Whether the interval excludes 0 (equivalently `|t| > t_crit`): the difference is
    /// beyond the seed noise at the chosen level.
    pub fn beyond_noise(&self) -> bool {
        self.ci.0 > 0.0 || self.ci.1 < 0.0
    }

    /// "yes" or "no", for a table's verdict column.
    pub fn verdict(&self) -> &'static str {
        if self.beyond_noise() {
            "yes"
        } else {
            "no"
        }
    }
}

/// Compares `a` with `b`, run with the same seeds in the same order, at `level` (0.95).
pub fn paired(a: &[f64], b: &[f64], level: f64) -> Result<Paired> {
    if a.len() != b.len() {
        return Err(Error::invalid(
            "paired comparison",
            format!("the sides have {} and {} values", a.len(), b.len()),
            "pass one value per shared seed on each side, in the same seed order",
        ));
    }
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    check_sample("paired comparison", &d)?;
    let n = d.len();
    let (m, sd) = (mean(&d), sample_sd(&d));
    let se = sd / (n as f64).sqrt();
    let df = n - 1;
    let t = if se > 0.0 {
        m / se
    } else if m == 0.0 {
        0.0
    } else {
        m.signum() * f64::INFINITY
    };
    let crit = t_critical(level, df)?;
    Ok(Paired {
        n,
        mean_diff: m,
        sd_diff: sd,
        t,
        df,
        p_value: 2.0 * student_t_cdf(-t.abs(), df as f64),
        ci: (m - crit * se, m + crit * se),
    })
}
// ANCHOR_END: paired

/// An interval as a table shows it: `lo to hi`, each with `digits` significant digits.
pub fn interval_text(lo: f64, hi: f64, digits: usize) -> String {
    format!(
        "{} to {}",
        crate::report::fmt_sig(lo, digits),
        crate::report::fmt_sig(hi, digits)
    )
}

/// The header of a paired comparison's t column, with its degrees of freedom.
pub fn paired_t_column(n_seeds: usize) -> String {
    format!("paired t (df {})", n_seeds.saturating_sub(1))
}

/// The sentence every multi-seed caption ends with: how many seeds, and the test.
pub fn seeds_caption(n_seeds: usize) -> String {
    if n_seeds < 2 {
        return format!(
            "{n_seeds} seed: no interval and no test of the seed noise; run more seeds for one"
        );
    }
    format!(
        "{n_seeds} seeds, shared by every row; ± is the 95% Student-t interval of the mean \
         (df {}), and a difference is beyond the seed noise when the 95% interval of the \
         paired per-seed differences excludes 0",
        n_seeds.saturating_sub(1)
    )
}

/// The cells of one paired comparison: the mean difference, its 95% interval, t, and the
/// verdict.
pub fn paired_cells(p: &Paired) -> [Cell; 4] {
    [
        Cell::num(p.mean_diff, 2),
        Cell::Text(interval_text(p.ci.0, p.ci.1, 2)),
        Cell::num(p.t, 3),
        Cell::from(p.verdict()),
    ]
}

#[cfg(test)]
mod tests;
