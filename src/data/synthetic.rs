//! Small synthetic data sets whose true answer is known.
//!
//! Every set is drawn from [`SplitMix64`] seeded with the `seed` argument, never from
//! libtorch's global generator: the same seed gives the same tensors, bit for bit,
//! whatever else the program did before.
use tch::Tensor;

use super::rng::SplitMix64;
use super::Dataset;
use crate::{validate, Error, Result};

/// The slope of the line behind [`linear_regression`].
pub const TRUE_SLOPE: f64 = 2.0;
/// The intercept of the line behind [`linear_regression`].
pub const TRUE_INTERCEPT: f64 = 1.0;

/// Points on the line `y = 2x + 1` plus Gaussian noise, for the analytic chapters.
///
/// - inputs `x`: `[n, 1]`, f64, uniform in `[-1, 1)`;
/// - targets `y`: `[n, 1]`, f64, `y = TRUE_SLOPE * x + TRUE_INTERCEPT + noise_std * z`
///   with `z` standard normal.
///
/// With `noise_std = 0` the points lie exactly on the line. Since `x` has variance 1/3,
/// least squares recovers the slope to within about `noise_std * sqrt(3 / n)` and the
/// intercept to within about `noise_std / sqrt(n)` (one standard error).
pub fn linear_regression(n: usize, noise_std: f64, seed: u64) -> Result<Dataset> {
    validate::at_least_one("number of points", n)?;
    validate::non_negative("noise standard deviation", noise_std)?;
    let mut rng = SplitMix64::new(seed);
    let mut x = Vec::with_capacity(n);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let xi = rng.uniform_in(-1.0, 1.0);
        x.push(xi);
        y.push(TRUE_SLOPE * xi + TRUE_INTERCEPT + noise_std * rng.normal());
    }
    let shape = [n as i64, 1];
    Dataset::new(
        Tensor::from_slice(&x).view(shape),
        Tensor::from_slice(&y).view(shape),
    )
}

/// Gaussian blobs: `classes` clouds of points in `dim` dimensions, one per class.
///
/// Each class has a centre whose coordinates are standard normal, so two centres are
/// about `sqrt(2 * dim)` apart. Each point is its class centre plus `spread` times a
/// standard normal vector: `spread = 0.1` gives well separated blobs, `spread = 1`
/// overlapping ones.
///
/// - inputs: `[n_per_class * classes, dim]`, f32;
/// - targets: `[n_per_class * classes]`, i64; row `i` belongs to class `i % classes`,
///   so every prefix of the set (see [`Dataset::subset`]) is balanced.
pub fn gaussian_blobs(
    n_per_class: usize,
    classes: usize,
    dim: usize,
    spread: f64,
    seed: u64,
) -> Result<Dataset> {
    validate::at_least_one("points per class", n_per_class)?;
    validate::at_least_one("dimension", dim)?;
    validate::non_negative("spread", spread)?;
    if classes < 2 {
        return Err(Error::invalid(
            "number of classes",
            format!("got {classes}, but a classification needs at least 2"),
            "Pass 2 or more classes.",
        ));
    }
    let mut rng = SplitMix64::new(seed);
    let centres: Vec<Vec<f64>> = (0..classes)
        .map(|_| (0..dim).map(|_| rng.normal()).collect())
        .collect();

    let n = n_per_class * classes;
    let mut inputs = Vec::with_capacity(n * dim);
    let mut targets = Vec::with_capacity(n);
    for i in 0..n {
        let class = i % classes;
        for &c in &centres[class] {
            inputs.push((c + spread * rng.normal()) as f32);
        }
        targets.push(class as i64);
    }
    Dataset::new(
        Tensor::from_slice(&inputs).view([n as i64, dim as i64]),
        Tensor::from_slice(&targets),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Kind;

    fn values(t: &Tensor) -> Vec<f64> {
        Vec::<f64>::try_from(t.to_kind(Kind::Double).flatten(0, -1)).unwrap()
    }

    /// Least-squares line through `(x, y)`: returns `(slope, intercept)`.
    fn fit_line(x: &[f64], y: &[f64]) -> (f64, f64) {
        let n = x.len() as f64;
        let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
        let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
        let sxx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
        let slope = sxy / sxx;
        (slope, my - slope * mx)
    }

    #[test]
    fn linear_regression_recovers_the_line() {
        let (n, noise) = (10_000, 0.5);
        let data = linear_regression(n, noise, 0).unwrap();
        assert_eq!(data.inputs.size(), [10_000, 1]);
        assert_eq!(data.targets.size(), [10_000, 1]);
        assert_eq!(data.inputs.kind(), Kind::Double);
        let (x, y) = (values(&data.inputs), values(&data.targets));
        assert!(x.iter().all(|v| (-1.0..1.0).contains(v)));

        // Standard errors: slope noise*sqrt(3/n) = 0.0087, intercept noise/sqrt(n) = 0.005.
        // Five standard errors would be exceeded by chance about once in 1.7 million.
        let (slope, intercept) = fit_line(&x, &y);
        assert!(
            (slope - TRUE_SLOPE).abs() < 5.0 * noise * (3.0 / n as f64).sqrt(),
            "slope {slope}"
        );
        assert!(
            (intercept - TRUE_INTERCEPT).abs() < 5.0 * noise / (n as f64).sqrt(),
            "intercept {intercept}"
        );

        // The residuals have the noise's standard deviation (standard error 0.5/sqrt(2n) = 0.0035).
        let rss: f64 = x
            .iter()
            .zip(&y)
            .map(|(a, b)| (b - slope * a - intercept).powi(2))
            .sum();
        let residual_std = (rss / (n as f64 - 2.0)).sqrt();
        assert!(
            (residual_std - noise).abs() < 0.02,
            "residual std {residual_std}"
        );
    }

    #[test]
    fn noiseless_points_lie_on_the_line() {
        let data = linear_regression(50, 0.0, 3).unwrap();
        let err = (&data.targets - (&data.inputs * TRUE_SLOPE + TRUE_INTERCEPT))
            .abs()
            .max()
            .double_value(&[]);
        assert!(err < 1e-15, "{err}");
    }

    #[test]
    fn seeds_fix_the_data() {
        let a = linear_regression(100, 0.1, 7).unwrap();
        let b = linear_regression(100, 0.1, 7).unwrap();
        let c = linear_regression(100, 0.1, 8).unwrap();
        assert!(a.inputs.equal(&b.inputs) && a.targets.equal(&b.targets));
        assert!(!a.inputs.equal(&c.inputs));
        // Drawing from libtorch's global generator in between changes nothing.
        tch::manual_seed(123);
        let _ = Tensor::randn([10], tch::kind::FLOAT_CPU);
        let d = gaussian_blobs(5, 3, 2, 0.5, 1).unwrap();
        let _ = Tensor::randn([10], tch::kind::FLOAT_CPU);
        let e = gaussian_blobs(5, 3, 2, 0.5, 1).unwrap();
        assert!(d.inputs.equal(&e.inputs) && d.targets.equal(&e.targets));
        assert!(!d
            .inputs
            .equal(&gaussian_blobs(5, 3, 2, 0.5, 2).unwrap().inputs));
    }

    #[test]
    fn blobs_have_the_documented_shape_and_spread() {
        let (per_class, classes, dim, spread) = (2000, 3, 4, 0.25);
        let data = gaussian_blobs(per_class, classes, dim, spread, 42).unwrap();
        assert_eq!(data.inputs.size(), [6000, 4]);
        assert_eq!(data.inputs.kind(), Kind::Float);
        assert_eq!(data.targets.kind(), Kind::Int64);
        let labels = Vec::<i64>::try_from(&data.targets).unwrap();
        assert_eq!(&labels[..7], [0, 1, 2, 0, 1, 2, 0]);

        for class in 0..classes as i64 {
            let mask = data.targets.eq(class);
            let points = data.inputs.index_select(0, &mask.nonzero().squeeze_dim(1));
            assert_eq!(points.size(), [2000, 4]);
            // Per-coordinate std around the class mean is `spread` (standard error ≈ 0.004).
            let std = values(&points.std_dim(0, true, false));
            assert!(
                std.iter().all(|s| (s - spread).abs() < 0.02),
                "class {class}: {std:?}"
            );
        }
    }

    #[test]
    fn bad_arguments_are_explained() {
        let msg = linear_regression(0, 0.1, 0).unwrap_err().to_string();
        assert!(
            msg.contains("number of points") && msg.contains("at least 1"),
            "{msg}"
        );
        assert!(linear_regression(10, -1.0, 0)
            .unwrap_err()
            .to_string()
            .contains("noise standard deviation"));
        assert!(linear_regression(10, f64::NAN, 0).is_err());
        let msg = gaussian_blobs(10, 1, 2, 0.1, 0).unwrap_err().to_string();
        assert!(msg.contains("at least 2"), "{msg}");
        assert!(gaussian_blobs(10, 2, 0, 0.1, 0)
            .unwrap_err()
            .to_string()
            .contains("dimension"));
        assert!(gaussian_blobs(0, 2, 2, 0.1, 0).is_err());
    }
}
