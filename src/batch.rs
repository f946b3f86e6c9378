//! Batch size and the learning rate: scaling rules, gradient noise, the gradient noise scale
//! and the critical batch size (chapter 5).
//!
//! - [`ScalingRule`] and [`scaled_lr`]: the linear rule (Goyal et al. 2017), the square-root
//!   rule and no scaling, with validated inputs.
//! - [`flat_gradient`] and [`data_parallel_gradient`]: the minibatch gradient of a model as
//!   one vector, and the same gradient computed as K "workers" would.
//! - [`two_batch_estimate`] and [`NoiseScaleEma`]: McCandlish et al.'s (2018) unbiased
//!   estimators of |G|² and tr(Σ) from gradient norms at two batch sizes, and the simple
//!   noise scale `B_noise = tr(Σ)/|G|²` from their moving averages.
//! - [`optimal_lr`] and [`TradeOff`]: the predicted best learning rate
//!   `ε_opt(B) = ε_max/(1 + B_noise/B)` and the steps/examples trade-off
//!   `(S/S_min − 1)(E/E_min − 1) = 1`, with a least-squares fit of `S_min`, `E_min`.
use tch::nn::ModuleT;
use tch::{Kind, Tensor};

use crate::train::Loss;
use crate::{validate, Error, Result};

/// How the learning rate follows the batch size from a base `(B₀, η₀)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ScalingRule {
    /// η = η₀: the learning rate ignores the batch.
    None,
    /// η = η₀·B/B₀ (Goyal et al. 2017).
    Linear,
    /// η = η₀·√(B/B₀): ×√2 when the batch doubles.
    Sqrt,
}

impl ScalingRule {
    /// The name used in tables.
    pub fn name(self) -> &'static str {
        match self {
            ScalingRule::None => "no scaling",
            ScalingRule::Linear => "linear",
            ScalingRule::Sqrt => "square root",
        }
    }
}

// ANCHOR: scaled_lr
/// The learning rate `rule` gives at batch size `batch`, from the base `(base_batch, base_lr)`.
pub fn scaled_lr(rule: ScalingRule, base_lr: f64, base_batch: usize, batch: usize) -> Result<f64> {
    validate::learning_rate("base learning rate", base_lr)?;
    validate::at_least_one("base batch size", base_batch)?;
    validate::at_least_one("batch size", batch)?;
    let k = batch as f64 / base_batch as f64;
    let lr = match rule {
        ScalingRule::None => base_lr,
        ScalingRule::Linear => base_lr * k,
        ScalingRule::Sqrt => base_lr * k.sqrt(),
    };
    // A batch far from the base can push the rate out of single precision.
    validate::learning_rate(&format!("scaled learning rate at batch {batch}"), lr)
}
// ANCHOR_END: scaled_lr

/// The gradient of `loss` of `model` on `(xs, ys)` (mean over the rows) with respect to
/// `params`, flattened into one f64 vector. Zeroes the parameters' gradients before and after.
pub fn flat_gradient(
    model: &impl ModuleT,
    loss: Loss,
    params: &[Tensor],
    xs: &Tensor,
    ys: &Tensor,
) -> Result<Tensor> {
    if params.is_empty() {
        return Err(Error::invalid(
            "parameters",
            "the list is empty",
            "Pass the model's trainable variables (VarStore::trainable_variables()).",
        ));
    }
    if xs.size().first().copied().unwrap_or(0) == 0 {
        return Err(Error::invalid(
            "minibatch",
            "it has no rows",
            "Pass at least one example.",
        ));
    }
    for p in params {
        p.shallow_clone().zero_grad();
    }
    let l = loss_in_output_precision(loss, &model.forward_t(xs, true), ys);
    l.backward();
    let parts: Vec<Tensor> = params
        .iter()
        .map(|p| p.grad().to_kind(Kind::Double).flatten(0, -1))
        .collect();
    // `cat` copies; the parts may be views of the gradients, which are zeroed next.
    let flat = Tensor::cat(&parts, 0);
    for p in params {
        p.shallow_clone().zero_grad();
    }
    Ok(flat)
}

/// `loss.compute`, except that cross-entropy keeps the output's precision: tch's
/// `cross_entropy_for_logits` takes the log-softmax in f32 even for f64 logits, which would
/// round an f64 demonstration to f32. The mathematics is the same.
fn loss_in_output_precision(loss: Loss, output: &Tensor, targets: &Tensor) -> Tensor {
    match loss {
        Loss::CrossEntropy => output.log_softmax(-1, output.kind()).nll_loss(targets),
        other => other.compute(output, targets),
    }
}

// ANCHOR: data_parallel
/// Data parallelism in simulation: `workers` workers each take an equal, contiguous shard of
/// `(xs, ys)`, compute the gradient of their mean loss, and the results are averaged (an
/// all-reduce). With equal shards this is exactly the gradient of the whole batch.
pub fn data_parallel_gradient(
    model: &impl ModuleT,
    loss: Loss,
    params: &[Tensor],
    xs: &Tensor,
    ys: &Tensor,
    workers: usize,
) -> Result<Tensor> {
    validate::at_least_one("workers", workers)?;
    let n = xs.size().first().copied().unwrap_or(0) as usize;
    if n == 0 || n % workers != 0 {
        return Err(Error::invalid(
            "workers",
            format!("{workers} workers cannot split a batch of {n} into equal shards"),
            "Use a global batch that is a positive multiple of the number of workers.",
        ));
    }
    let b = (n / workers) as i64;
    let mut sum: Option<Tensor> = None;
    for k in 0..workers as i64 {
        let g = flat_gradient(
            model,
            loss,
            params,
            &xs.narrow(0, k * b, b),
            &ys.narrow(0, k * b, b),
        )?;
        sum = Some(match sum {
            Some(s) => s + g,
            None => g,
        });
    }
    Ok(sum.expect("at least one worker") / workers as f64)
}
// ANCHOR_END: data_parallel

/// Unbiased estimates of `|G|²` and `tr(Σ)` from one pair of observations.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NoiseEstimate {
    /// Estimate of the squared norm of the true (full-data) gradient.
    pub g2: f64,
    /// Estimate of the trace of the per-example gradient covariance.
    pub trace: f64,
}

// ANCHOR: two_batch
/// McCandlish et al.'s two-batch estimator. Since `E|g_B|² = |G|² + tr(Σ)/B` for a batch of
/// `B` independent examples, two batch sizes give two equations in the two unknowns:
/// `|G|² ≈ (B_big|g_big|² − B_small|g_small|²)/(B_big − B_small)` and
/// `tr(Σ) ≈ (|g_small|² − |g_big|²)/(1/B_small − 1/B_big)`. Each is unbiased; a single pair
/// is very noisy (either can be negative), so average many before dividing.
pub fn two_batch_estimate(
    b_small: usize,
    g_small_sq: f64,
    b_big: usize,
    g_big_sq: f64,
) -> Result<NoiseEstimate> {
    validate::at_least_one("small batch size", b_small)?;
    if b_big <= b_small {
        return Err(Error::invalid(
            "big batch size",
            format!("got B_big = {b_big} and B_small = {b_small}, but B_big must exceed B_small"),
            "Pass a big batch larger than the small one, e.g. B_small = 32, B_big = 512.",
        ));
    }
    validate::non_negative("|g_small|²", g_small_sq)?;
    validate::non_negative("|g_big|²", g_big_sq)?;
    let (bs, bb) = (b_small as f64, b_big as f64);
    Ok(NoiseEstimate {
        g2: (bb * g_big_sq - bs * g_small_sq) / (bb - bs),
        trace: (g_small_sq - g_big_sq) / (1.0 / bs - 1.0 / bb),
    })
}
// ANCHOR_END: two_batch

/// Exponential moving averages of the two-batch estimates, and their ratio, the simple noise
/// scale `B_noise = tr(Σ)/|G|²`, as McCandlish et al. recommend (average, then divide).
#[derive(Clone, Debug)]
pub struct NoiseScaleEma {
    b_small: usize,
    b_big: usize,
    beta: f64,
    g2: f64,
    trace: f64,
    updates: usize,
}

impl NoiseScaleEma {
    /// Averages over the last ~`1/(1−beta)` observations, `beta` in `[0, 1)`.
    pub fn new(b_small: usize, b_big: usize, beta: f64) -> Result<Self> {
        two_batch_estimate(b_small, 0.0, b_big, 0.0)?;
        if !(0.0..1.0).contains(&beta) {
            return Err(Error::invalid(
                "EMA coefficient",
                format!("got {beta}, but it must lie in [0, 1)"),
                "Pass a coefficient such as 0.95.",
            ));
        }
        Ok(NoiseScaleEma {
            b_small,
            b_big,
            beta,
            g2: 0.0,
            trace: 0.0,
            updates: 0,
        })
    }

    /// Adds one observation of `|g_small|²` and `|g_big|²`.
    pub fn update(&mut self, g_small_sq: f64, g_big_sq: f64) -> Result<()> {
        let e = two_batch_estimate(self.b_small, g_small_sq, self.b_big, g_big_sq)?;
        self.g2 = self.beta * self.g2 + (1.0 - self.beta) * e.g2;
        self.trace = self.beta * self.trace + (1.0 - self.beta) * e.trace;
        self.updates = self.updates.saturating_add(1);
        Ok(())
    }

    /// The bias-corrected averages (as Adam corrects its moments).
    pub fn estimate(&self) -> Option<NoiseEstimate> {
        if self.updates == 0 {
            return None;
        }
        let c = 1.0 - crate::optim::pow_count(self.beta, self.updates as u64);
        Some(NoiseEstimate {
            g2: self.g2 / c,
            trace: self.trace / c,
        })
    }

    /// `tr(Σ)/|G|²` of the averages; `None` before the first update or while the averaged
    /// `|G|²` is not positive.
    pub fn b_noise(&self) -> Option<f64> {
        self.estimate()
            .filter(|e| e.g2 > 0.0)
            .map(|e| e.trace / e.g2)
    }
}

// ANCHOR: optimal_lr
/// The learning rate that minimises the loss of one SGD step at batch `batch` on a locally
/// quadratic loss (McCandlish et al. 2018, eq. 2.6): `ε_opt(B) = ε_max/(1 + B_noise/B)`.
/// Linear in `B` while `B ≪ B_noise`, flat at `ε_max` once `B ≫ B_noise`.
pub fn optimal_lr(eps_max: f64, b_noise: f64, batch: f64) -> Result<f64> {
    validate::learning_rate("ε_max", eps_max)?;
    validate::non_negative("B_noise", b_noise)?;
    validate::positive("batch size", batch)?;
    Ok(eps_max / (1.0 + b_noise / batch))
}
// ANCHOR_END: optimal_lr

/// The steps/examples trade-off `S(B) = S_min(1 + B_crit/B)`, `E(B) = E_min(1 + B/B_crit)`
/// with `B_crit = E_min/S_min`, so that `(S/S_min − 1)(E/E_min − 1) = 1`.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TradeOff {
    /// Fewest steps to the target, approached at very large batches.
    pub s_min: f64,
    /// Fewest examples to the target, approached at very small batches.
    pub e_min: f64,
}

impl TradeOff {
    /// A trade-off with positive `s_min` and `e_min`.
    pub fn new(s_min: f64, e_min: f64) -> Result<Self> {
        validate::positive("S_min", s_min)?;
        validate::positive("E_min", e_min)?;
        Ok(TradeOff { s_min, e_min })
    }

    /// The critical batch `E_min/S_min`: the batch at which both cost twice their minimum.
    pub fn b_crit(&self) -> f64 {
        self.e_min / self.s_min
    }

    /// Predicted steps to the target at batch `b`: `S_min + E_min/b`.
    pub fn steps(&self, b: f64) -> f64 {
        self.s_min + self.e_min / b
    }

    /// Predicted examples to the target at batch `b`: `b·S(b)`.
    pub fn examples(&self, b: f64) -> f64 {
        b * self.steps(b)
    }

    // ANCHOR: fit_tradeoff
    /// Least-squares fit of `S = S_min + E_min·(1/B)` to measured `(B, S)` points: a straight
    /// line in `1/B`. Needs two distinct batch sizes, and a fit with positive intercept and
    /// slope (otherwise the data do not show the trade-off, and the error says so).
    pub fn fit(points: &[(f64, f64)]) -> Result<Self> {
        let pts: Vec<(f64, f64)> = points
            .iter()
            .filter(|p| p.0 > 0.0 && p.1.is_finite())
            .map(|&(b, s)| (1.0 / b, s))
            .filter(|p| p.0.is_finite())
            .collect();
        let n = pts.len() as f64;
        let (mx, my) = (
            pts.iter().map(|p| p.0).sum::<f64>() / n,
            pts.iter().map(|p| p.1).sum::<f64>() / n,
        );
        let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
        if pts.len() < 2 || sxx <= 0.0 {
            return Err(Error::invalid(
                "trade-off data",
                format!("got {} usable points", pts.len()),
                "Pass steps measured at two or more different batch sizes.",
            ));
        }
        let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
        let e_min = sxy / sxx;
        let s_min = my - e_min * mx;
        // `!(x > 0)` also catches a NaN fit (sums that overflowed on huge inputs).
        if !(s_min > 0.0 && e_min > 0.0 && s_min.is_finite() && e_min.is_finite()) {
            return Err(Error::invalid(
                "trade-off fit",
                format!("the line S = S_min + E_min/B fits with S_min = {s_min}, E_min = {e_min}"),
                "Measure more batch sizes on both sides of the critical batch.",
            ));
        }
        Ok(TradeOff { s_min, e_min })
    }
    // ANCHOR_END: fit_tradeoff
}

/// `(S/S_min − 1)(E/E_min − 1)`, which is exactly 1 on the trade-off curve.
pub fn tradeoff_product(t: &TradeOff, steps: f64, examples: f64) -> f64 {
    (steps / t.s_min - 1.0) * (examples / t.e_min - 1.0)
}

/// Least-squares slope of `ln y` against `ln x` (for example variance against batch: −1).
pub fn log_log_slope(points: &[(f64, f64)]) -> Result<f64> {
    let pts: Vec<(f64, f64)> = points
        .iter()
        .filter(|p| p.0 > 0.0 && p.1 > 0.0 && p.0.is_finite() && p.1.is_finite())
        .map(|p| (p.0.ln(), p.1.ln()))
        .collect();
    let n = pts.len() as f64;
    let mx = pts.iter().map(|p| p.0).sum::<f64>() / n;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    if pts.len() < 2 || sxx <= 0.0 {
        return Err(Error::invalid(
            "log-log data",
            format!("got {} usable positive points", pts.len()),
            "Pass two or more points with different positive x.",
        ));
    }
    Ok(pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum::<f64>() / sxx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::rng::SplitMix64;
    use tch::nn::{self, Module};
    use tch::Device;

    #[test]
    fn hostile_inputs_are_errors_not_nan_or_overflow() {
        let e = scaled_lr(ScalingRule::Linear, 1e30, 1, usize::MAX).unwrap_err();
        assert!(e.to_string().contains("scaled learning rate"), "{e}");
        let e = scaled_lr(ScalingRule::Linear, 1e-30, usize::MAX, 1).unwrap_err();
        assert!(e.to_string().contains("single-precision range"), "{e}");
        let e = TradeOff::fit(&[(1.0, f64::MAX), (2.0, -f64::MAX), (4.0, f64::MAX)]);
        assert!(e.is_err(), "{e:?}");
        assert!(TradeOff::fit(&[(1e-320, 1.0), (2.0, 3.0)]).is_err()); // 1/B = ∞
        let mut ema = NoiseScaleEma::new(8, 64, 0.9).unwrap();
        ema.update(3.0, 2.0).unwrap();
        ema.updates = i32::MAX as usize + 1; // `as i32` made the correction 1 − 0.9^−2³¹
        let est = ema.estimate().unwrap();
        assert_eq!(est.g2, ema.g2);
        assert!(est.g2.is_finite() && est.trace.is_finite());
    }

    #[test]
    fn scaling_rules_follow_their_formulas_and_validate() {
        assert_eq!(scaled_lr(ScalingRule::Linear, 0.1, 32, 256).unwrap(), 0.8);
        assert!(
            (scaled_lr(ScalingRule::Sqrt, 0.1, 32, 64).unwrap() - 0.1 * 2f64.sqrt()).abs() < 1e-15
        );
        assert_eq!(scaled_lr(ScalingRule::None, 0.1, 32, 4096).unwrap(), 0.1);
        assert_eq!(scaled_lr(ScalingRule::Linear, 0.1, 32, 16).unwrap(), 0.05);
        let e = scaled_lr(ScalingRule::Linear, 0.1, 32, 0)
            .unwrap_err()
            .to_string();
        assert!(e.contains("batch size") && e.contains("at least 1"), "{e}");
        assert!(scaled_lr(ScalingRule::Linear, -0.1, 32, 64).is_err());
        assert!(scaled_lr(ScalingRule::Sqrt, 0.1, 0, 64).is_err());
    }

    #[test]
    fn two_batch_estimator_inverts_the_expectations_exactly() {
        // E|g_B|² = |G|² + tr(Σ)/B: plugging in the exact expectations returns the truth.
        let (g2, tr) = (2.5, 400.0);
        let e = two_batch_estimate(8, g2 + tr / 8.0, 128, g2 + tr / 128.0).unwrap();
        assert!(
            (e.g2 - g2).abs() < 1e-12 && (e.trace - tr).abs() < 1e-9,
            "{e:?}"
        );
        let msg = two_batch_estimate(64, 1.0, 64, 1.0)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("B_big must exceed B_small"), "{msg}");
        assert!(two_batch_estimate(0, 1.0, 64, 1.0).is_err());
        assert!(two_batch_estimate(8, f64::NAN, 64, 1.0).is_err());
    }

    /// Per-example "gradients" g_i = G + noise, noise ~ N(0, diag(σ²)): |G|² and tr Σ = Σσ²
    /// are known. Averaged over many draws, the two estimators are within a few standard
    /// errors of the truth, while the naive |g_big|² is biased up by tr Σ/B_big.
    #[test]
    fn two_batch_estimator_is_unbiased_on_a_synthetic_distribution() {
        let dim = 20;
        let mean: Vec<f64> = (0..dim).map(|i| 0.1 * (i as f64 - 9.5)).collect();
        let sd: Vec<f64> = (0..dim).map(|i| 0.5 + 0.1 * i as f64).collect();
        let g2: f64 = mean.iter().map(|m| m * m).sum();
        let tr: f64 = sd.iter().map(|s| s * s).sum();
        let mut rng = SplitMix64::new(7);
        let mut batch_sq = |b: usize| -> f64 {
            let mut sum = vec![0.0; dim];
            for _ in 0..b {
                for j in 0..dim {
                    sum[j] += mean[j] + sd[j] * rng.normal();
                }
            }
            sum.iter().map(|s| (s / b as f64).powi(2)).sum()
        };
        let trials = 4000;
        let (mut eg, mut et, mut naive) = (0.0, 0.0, 0.0);
        let mut ema = NoiseScaleEma::new(4, 64, 0.999).unwrap();
        for _ in 0..trials {
            let (s, b) = (batch_sq(4), batch_sq(64));
            let e = two_batch_estimate(4, s, 64, b).unwrap();
            eg += e.g2 / trials as f64;
            et += e.trace / trials as f64;
            naive += b / trials as f64;
            ema.update(s, b).unwrap();
        }
        assert!((eg - g2).abs() < 0.05 * g2, "|G|² {eg} vs {g2}");
        assert!((et - tr).abs() < 0.03 * tr, "tr Σ {et} vs {tr}");
        assert!((naive - (g2 + tr / 64.0)).abs() < 0.03 * naive);
        assert!(naive > 1.1 * g2, "the naive estimate is biased up");
        let b = ema.b_noise().unwrap();
        assert!(
            (b / (tr / g2) - 1.0).abs() < 0.15,
            "B_noise {b} vs {}",
            tr / g2
        );
    }

    #[test]
    fn ema_needs_data_and_valid_settings() {
        let ema = NoiseScaleEma::new(4, 64, 0.9).unwrap();
        assert!(ema.b_noise().is_none());
        assert!(NoiseScaleEma::new(4, 64, 1.0).is_err());
        assert!(NoiseScaleEma::new(64, 4, 0.9).is_err());
        let mut ema = NoiseScaleEma::new(1, 2, 0.5).unwrap();
        ema.update(3.0, 2.0).unwrap(); // |G|² = 1, tr Σ = 2 exactly
        assert!((ema.b_noise().unwrap() - 2.0).abs() < 1e-12);
    }

    /// After k updates the bias-corrected averages are the weighted means
    /// `Σ βᵏ⁻ⁱ eᵢ / Σ βᵏ⁻ⁱ` of the pairs' estimates, computed here term by term. (The ratio
    /// `B_noise` hides the correction, since it divides both averages alike.)
    #[test]
    fn ema_estimate_is_the_bias_corrected_weighted_mean() {
        let beta = 0.9;
        let mut ema = NoiseScaleEma::new(1, 2, beta).unwrap();
        // With B = 1 and 2: |G|² = 2|g_big|² − |g_small|², tr Σ = 2(|g_small|² − |g_big|²).
        let obs = [
            (3.0, 2.0),
            (5.0, 1.5),
            (4.0, 3.5),
            (2.0, 1.9),
            (6.0, 2.5),
            (3.0, 3.0),
        ];
        let mut seen: Vec<(f64, f64)> = Vec::new();
        for &(s, b) in &obs {
            ema.update(s, b).unwrap();
            seen.push((2.0 * b - s, 2.0 * (s - b)));
            let k = seen.len();
            let w: Vec<f64> = (0..k).map(|i| beta.powi((k - 1 - i) as i32)).collect();
            let total: f64 = w.iter().sum();
            let g2 = seen.iter().zip(&w).map(|(e, w)| w * e.0).sum::<f64>() / total;
            let trace = seen.iter().zip(&w).map(|(e, w)| w * e.1).sum::<f64>() / total;
            let est = ema.estimate().unwrap();
            assert!(
                (est.g2 - g2).abs() < 1e-12,
                "k = {k}: |G|² {} vs {g2}",
                est.g2
            );
            assert!(
                (est.trace - trace).abs() < 1e-12,
                "k = {k}: tr Σ {} vs {trace}",
                est.trace
            );
        }
        // One observation is its own average: |G|² = 1, tr Σ = 2.
        let mut one = NoiseScaleEma::new(1, 2, 0.99).unwrap();
        one.update(3.0, 2.0).unwrap();
        let est = one.estimate().unwrap();
        assert!((est.g2 - 1.0).abs() < 1e-12 && (est.trace - 2.0).abs() < 1e-12);
    }

    #[test]
    fn optimal_lr_is_linear_then_flat() {
        let e = |b| optimal_lr(1.0, 100.0, b).unwrap();
        assert!((e(1.0) - 1.0 / 101.0).abs() < 1e-15);
        assert!((e(100.0) - 0.5).abs() < 1e-15);
        assert!((e(2.0) / e(1.0) - 2.0 * 101.0 / 102.0).abs() < 1e-12);
        assert!(e(1e9) > 0.999_999);
        assert!(optimal_lr(0.0, 1.0, 1.0).is_err() && optimal_lr(1.0, -1.0, 1.0).is_err());
        assert!(optimal_lr(1.0, 1.0, 0.0).is_err());
    }

    #[test]
    fn tradeoff_fit_recovers_its_parameters_and_the_product_is_one() {
        let t = TradeOff::new(50.0, 6400.0).unwrap();
        assert_eq!(t.b_crit(), 128.0);
        for b in [16.0, 128.0, 4096.0] {
            assert!((tradeoff_product(&t, t.steps(b), t.examples(b)) - 1.0).abs() < 1e-12);
        }
        assert!(
            (t.steps(128.0) - 100.0).abs() < 1e-12 && (t.examples(128.0) - 12800.0).abs() < 1e-9
        );
        let pts: Vec<(f64, f64)> = [16.0, 64.0, 256.0, 1024.0]
            .iter()
            .map(|&b| (b, t.steps(b)))
            .collect();
        let f = TradeOff::fit(&pts).unwrap();
        assert!((f.s_min - 50.0).abs() < 1e-9 && (f.e_min - 6400.0).abs() < 1e-6);
        assert!(TradeOff::fit(&pts[..1]).is_err());
        // Steps that grow with the batch show no trade-off: the fit says so.
        let e = TradeOff::fit(&[(16.0, 10.0), (64.0, 20.0)])
            .unwrap_err()
            .to_string();
        assert!(e.contains("E_min"), "{e}");
        assert!(TradeOff::new(0.0, 1.0).is_err());
    }

    #[test]
    fn log_log_slope_of_a_power_law() {
        let pts: Vec<(f64, f64)> = [1.0, 4.0, 16.0].iter().map(|&b| (b, 3.0 / b)).collect();
        assert!((log_log_slope(&pts).unwrap() + 1.0).abs() < 1e-12);
        assert!(log_log_slope(&[(1.0, 1.0)]).is_err());
    }

    #[test]
    fn data_parallel_average_equals_the_global_batch_in_f64() {
        tch::manual_seed(3);
        let mut vs = nn::VarStore::new(Device::Cpu);
        let model = nn::seq()
            .add(nn::linear(vs.root() / "a", 5, 7, Default::default()))
            .add_fn(|x| x.tanh())
            .add(nn::linear(vs.root() / "b", 7, 3, Default::default()));
        vs.double();
        let params = vs.trainable_variables();
        let xs = Tensor::randn([24, 5], (Kind::Double, Device::Cpu));
        let ys = Tensor::from_slice(&(0..24).map(|i| i % 3).collect::<Vec<i64>>());
        let whole = flat_gradient(&model, Loss::CrossEntropy, &params, &xs, &ys).unwrap();
        for k in [1, 2, 3, 4, 8, 24] {
            let dp =
                data_parallel_gradient(&model, Loss::CrossEntropy, &params, &xs, &ys, k).unwrap();
            let rel = f64::try_from((&dp - &whole).norm()).unwrap()
                / f64::try_from(whole.norm()).unwrap();
            assert!(rel <= 1e-12, "K = {k}: {rel}");
        }
        let e = data_parallel_gradient(&model, Loss::CrossEntropy, &params, &xs, &ys, 5)
            .unwrap_err()
            .to_string();
        assert!(e.contains("equal shards"), "{e}");
        let _ = model.forward(&xs);
    }
}
