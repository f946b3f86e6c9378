//! Constant-step and scheduled SGD on a quadratic with gradient noise of known covariance:
//! the closed forms (stationary variance, noise floor, exact expected loss under any
//! learning-rate sequence) and many seeded chains run as one batched `f64` tensor to check
//! them against.
//!
//! The loss is `f(θ) = ½ Σᵢ λᵢ θᵢ²` (a diagonal Hessian: any quadratic, in its eigenbasis).
//! A minibatch of `B` examples gives the gradient `λᵢθᵢ + ξᵢ` with independent
//! `ξᵢ ~ N(0, σᵢ²/B)`: the per-example noise covariance `Σ = diag(σ²)`, averaged over `B`.
//!
//! ```
//! use lrbook::noisy_quadratic::NoisyQuadratic;
//! # fn main() -> lrbook::Result<()> {
//! let q = NoisyQuadratic::new(vec![1.0, 0.1], vec![1.0, 1.0])?;
//! // η σ²/(2B(2 − ηλ)) summed over the directions.
//! let floor = q.floor(0.1, 10)?;
//! assert!((floor - (0.1 / (20.0 * 1.9) + 0.1 / (20.0 * 1.99))).abs() < 1e-15);
//! # Ok(()) }
//! ```
use tch::{Device, Kind, Tensor};

use crate::{validate, Error, Result};

/// `f(θ) = ½ Σ λᵢ θᵢ²` with minibatch gradient noise `N(0, σᵢ²/B)` in direction `i`.
#[derive(Clone, Debug, PartialEq)]
pub struct NoisyQuadratic {
    lambdas: Vec<f64>,
    sigmas: Vec<f64>,
}

impl NoisyQuadratic {
    /// The quadratic with curvatures `lambdas` (finite, `> 0`) and per-example gradient-noise
    /// standard deviations `sigmas` (finite, `>= 0`), one of each per direction.
    pub fn new(lambdas: Vec<f64>, sigmas: Vec<f64>) -> Result<Self> {
        validate::at_least_one("number of directions", lambdas.len())?;
        validate::count_in("number of directions", lambdas.len(), validate::MAX_GRID)?;
        if lambdas.len() != sigmas.len() {
            return Err(Error::invalid(
                "noisy quadratic",
                format!(
                    "got {} curvatures and {} noise levels",
                    lambdas.len(),
                    sigmas.len()
                ),
                "Pass one noise level σᵢ per curvature λᵢ.",
            ));
        }
        for &l in &lambdas {
            validate::positive("curvature λ", l)?;
        }
        for &s in &sigmas {
            validate::non_negative("noise level σ", s)?;
        }
        Ok(NoisyQuadratic { lambdas, sigmas })
    }

    /// `d` curvatures log-spaced from `lambda_min` to `lambda_max`, with noise `σᵢ² = λᵢ`: the
    /// gradient covariance equal to the Hessian, as it is near the minimum of a
    /// well-specified log-likelihood (the Fisher information).
    pub fn log_spectrum(d: usize, lambda_min: f64, lambda_max: f64) -> Result<Self> {
        validate::count_in("number of directions", d, validate::MAX_GRID)?;
        validate::positive("λ_min", lambda_min)?;
        validate::positive("λ_max", lambda_max)?;
        validate::range("spectrum", lambda_min, lambda_max)?;
        let lambdas: Vec<f64> = if d == 1 {
            vec![lambda_min]
        } else {
            let r = (lambda_max / lambda_min).ln();
            (0..d)
                .map(|i| lambda_min * (r * i as f64 / (d - 1) as f64).exp())
                .collect()
        };
        let sigmas = lambdas.iter().map(|l| l.sqrt()).collect();
        Self::new(lambdas, sigmas)
    }

    /// The curvatures λᵢ.
    pub fn lambdas(&self) -> &[f64] {
        &self.lambdas
    }

    /// The per-example noise standard deviations σᵢ.
    pub fn sigmas(&self) -> &[f64] {
        &self.sigmas
    }

    /// Number of directions.
    pub fn dims(&self) -> usize {
        self.lambdas.len()
    }

    /// The smallest curvature, which sets the slowest mode.
    pub fn lambda_min(&self) -> f64 {
        self.lambdas.iter().copied().fold(f64::INFINITY, f64::min)
    }

    /// The largest curvature, which sets the stability edge `2/λ_max`.
    pub fn lambda_max(&self) -> f64 {
        self.lambdas.iter().copied().fold(0.0, f64::max)
    }

    /// `f(θ) = ½ Σ λᵢ θᵢ²`.
    pub fn loss(&self, theta: &[f64]) -> f64 {
        0.5 * self
            .lambdas
            .iter()
            .zip(theta)
            .map(|(l, t)| l * t * t)
            .sum::<f64>()
    }

    fn check_step(&self, eta: f64, batch: usize) -> Result<()> {
        validate::learning_rate("learning rate η", eta)?;
        validate::at_least_one("batch size B", batch)?;
        let edge = 2.0 / self.lambda_max();
        if eta >= edge {
            return Err(Error::invalid(
                "learning rate η",
                format!(
                    "got {eta}, at or above the stability edge 2/λ_max = {edge}: constant-step \
                     SGD diverges and has no stationary distribution"
                ),
                "Pass η below 2/λ_max.",
            ));
        }
        Ok(())
    }

    // ANCHOR: stationary
    /// The stationary variance of `θᵢ` under constant step `η` and batch `B`:
    /// `η σᵢ² / (B λᵢ (2 − ηλᵢ))`, the fixed point of `m ← (1−ηλᵢ)² m + η²σᵢ²/B`.
    /// An error (diverged) when `ηλ_max ≥ 2`.
    pub fn stationary_variance(&self, eta: f64, batch: usize) -> Result<Vec<f64>> {
        self.check_step(eta, batch)?;
        let b = batch as f64;
        Ok(self
            .lambdas
            .iter()
            .zip(&self.sigmas)
            .map(|(&l, &s)| eta * s * s / (b * l * (2.0 - eta * l)))
            .collect())
    }

    /// The noise floor: the stationary expected loss `Σ ½λᵢ·Var θᵢ = Σ ησᵢ²/(2B(2−ηλᵢ))`.
    /// For small `ηλ` it is `η·tr(Σ)/(4B)`: proportional to `η/B`.
    pub fn floor(&self, eta: f64, batch: usize) -> Result<f64> {
        let var = self.stationary_variance(eta, batch)?;
        Ok(self
            .lambdas
            .iter()
            .zip(&var)
            .map(|(l, v)| 0.5 * l * v)
            .sum())
    }
    // ANCHOR_END: stationary

    // ANCHOR: recursion
    /// The exact expected loss `E f(θ_t)` for `t = 0..=etas.len()` when step `t` uses
    /// `etas[t]`, from `θ_0 = theta0`: the second moment `mᵢ = E θᵢ²` obeys
    /// `mᵢ ← (1−ηₜλᵢ)² mᵢ + ηₜ² σᵢ²/B` exactly (the noise is independent of `θ_t`).
    /// A value past `f64::MAX` is `+∞` (diverged).
    pub fn expected_loss(&self, theta0: &[f64], batch: usize, etas: &[f64]) -> Result<Vec<f64>> {
        self.check_theta0(theta0)?;
        validate::at_least_one("batch size B", batch)?;
        for &eta in etas {
            validate::non_negative("learning rate η", eta)?;
        }
        let b = batch as f64;
        let mut m: Vec<f64> = theta0.iter().map(|t| t * t).collect();
        let loss = |m: &[f64]| {
            let l: f64 = 0.5 * self.lambdas.iter().zip(m).map(|(l, m)| l * m).sum::<f64>();
            if l.is_finite() {
                l
            } else {
                f64::INFINITY
            }
        };
        let mut out = Vec::with_capacity(etas.len() + 1);
        out.push(loss(&m));
        for &eta in etas {
            for ((mi, &l), &s) in m.iter_mut().zip(&self.lambdas).zip(&self.sigmas) {
                let a = 1.0 - eta * l;
                *mi = a * a * *mi + eta * eta * s * s / b;
            }
            out.push(loss(&m));
        }
        Ok(out)
    }
    // ANCHOR_END: recursion

    /// The expected loss after the whole sequence: the last value of
    /// [`NoisyQuadratic::expected_loss`].
    pub fn final_expected_loss(&self, theta0: &[f64], batch: usize, etas: &[f64]) -> Result<f64> {
        Ok(*self
            .expected_loss(theta0, batch, etas)?
            .last()
            .expect("holds θ_0's loss"))
    }

    fn check_theta0(&self, theta0: &[f64]) -> Result<()> {
        if theta0.len() != self.dims() || theta0.iter().any(|t| !t.is_finite()) {
            return Err(Error::invalid(
                "starting point θ₀",
                format!(
                    "got {} coordinates (all must be finite), but the quadratic has {} directions",
                    theta0.len(),
                    self.dims()
                ),
                "Pass one finite coordinate per direction.",
            ));
        }
        Ok(())
    }
}

/// One group of chains: its batch size and its learning rate at every step.
#[derive(Clone, Debug, PartialEq)]
pub struct ChainGroup {
    /// Batch size `B` (the noise variance is `σ²/B`).
    pub batch: usize,
    /// `etas[t]` is the learning rate of step `t`; every group of one run has the same length.
    pub etas: Vec<f64>,
}

impl ChainGroup {
    /// A constant learning rate `eta` for `steps` steps.
    pub fn constant(batch: usize, eta: f64, steps: usize) -> Self {
        ChainGroup {
            batch,
            etas: vec![eta; steps],
        }
    }

    /// The learning rates `schedule.lr(0..steps)` of any [`crate::schedule::LrSchedule`].
    pub fn scheduled(
        batch: usize,
        schedule: &dyn crate::schedule::LrSchedule,
        steps: usize,
    ) -> Self {
        ChainGroup {
            batch,
            etas: (0..steps).map(|t| schedule.lr(t)).collect(),
        }
    }
}

/// What [`run_chains`] measures, per group.
#[derive(Clone, Debug, PartialEq)]
pub struct ChainRun {
    /// `mean_loss[g][t]`: the mean over group `g`'s chains of `f(θ_t)`, `t = 0..=steps`
    /// (`+∞` once a chain diverged).
    pub mean_loss: Vec<Vec<f64>>,
    /// `window_loss[g][c]`: chain `c`'s loss averaged over the steps `t` of the window
    /// (empty when no window was asked for).
    pub window_loss: Vec<Vec<f64>>,
    /// `final_loss[g][c]`: chain `c`'s loss after the last step.
    pub final_loss: Vec<Vec<f64>>,
}

impl ChainRun {
    /// Whether any chain of group `g` ended non-finite.
    pub fn diverged(&self, g: usize) -> bool {
        self.final_loss[g].iter().any(|l| !l.is_finite())
    }
}

/// Runs `chains` independent SGD chains per group from `theta0`, every group and chain as
/// one `[groups, chains, d]` `f64` tensor, seeded by `seed`. Step `t`:
/// `θ ← θ − ηₜ(λ⊙θ + ξ)`, `ξ ~ N(0, σ²/B)` drawn fresh for every chain. Records each
/// group's chain-mean loss at every step, and each chain's loss averaged over the steps
/// `t ∈ window` (e.g. `Some(2000..=4000)`, `t` counting from `θ_0`; `None` for no window).
pub fn run_chains(
    q: &NoisyQuadratic,
    groups: &[ChainGroup],
    chains: usize,
    theta0: &[f64],
    window: Option<std::ops::RangeInclusive<usize>>,
    seed: u64,
    device: Device,
) -> Result<ChainRun> {
    validate::at_least_one("number of chain groups", groups.len())?;
    validate::count_in("--chains", chains, validate::MAX_STEPS)?;
    q.check_theta0(theta0)?;
    let steps = groups[0].etas.len();
    validate::count_in("steps", steps, validate::MAX_STEPS)?;
    for g in groups {
        validate::at_least_one("batch size B", g.batch)?;
        if g.etas.len() != steps {
            return Err(Error::invalid(
                "chain groups",
                "the groups have learning-rate sequences of different lengths",
                "Give every group the same number of steps.",
            ));
        }
        for &eta in &g.etas {
            validate::non_negative("learning rate η", eta)?;
        }
    }
    let (n, d) = (groups.len() as i64, q.dims() as i64);
    validate::product(
        "groups x chains x directions",
        groups.len() * chains,
        q.dims(),
        1 << 28,
    )?;
    crate::device::seed(seed);
    let opts = (Kind::Double, device);
    let lambda = Tensor::from_slice(q.lambdas())
        .to_device(device)
        .view([1, 1, d]);
    let half_lambda = &lambda * 0.5;
    // Per group and direction: σᵢ/√B.
    let scale: Vec<f64> = groups
        .iter()
        .flat_map(|g| q.sigmas().iter().map(move |s| s / (g.batch as f64).sqrt()))
        .collect();
    let scale = Tensor::from_slice(&scale).to_device(device).view([n, 1, d]);
    // etas[t][g] as one [steps, groups, 1, 1] tensor, indexed once per step.
    let etas: Vec<f64> = (0..steps)
        .flat_map(|t| groups.iter().map(move |g| g.etas[t]))
        .collect();
    let etas = Tensor::from_slice(&etas)
        .to_device(device)
        .view([steps as i64, n, 1, 1]);
    let mut theta = Tensor::from_slice(theta0)
        .to_device(device)
        .view([1, 1, d])
        .expand([n, chains as i64, d], false)
        .contiguous();
    let chain_loss =
        |theta: &Tensor| (theta * theta * &half_lambda).sum_dim_intlist(-1, false, Kind::Double);
    let mut means = vec![chain_loss(&theta).mean_dim(-1, false, Kind::Double)];
    let mut window_sum = Tensor::zeros([n, chains as i64], opts);
    let mut window_len = 0usize;
    #[allow(clippy::reversed_empty_ranges)]
    let window = window.unwrap_or(1..=0); // empty: no step is in it
    if window.contains(&0) {
        window_sum += chain_loss(&theta);
        window_len += 1;
    }
    // ANCHOR: chain_step
    for t in 0..steps {
        let noise = Tensor::randn([n, chains as i64, d], opts) * &scale;
        let grad = &theta * &lambda + noise;
        theta -= etas.get(t as i64) * grad;
        let loss = chain_loss(&theta);
        means.push(loss.mean_dim(-1, false, Kind::Double));
        if window.contains(&(t + 1)) {
            window_sum += &loss;
            window_len += 1;
        }
    }
    // ANCHOR_END: chain_step
    let means = Tensor::stack(&means, 1); // [groups, steps + 1]
    let mean_loss = to_rows(&means)?;
    let window_loss = if window_len == 0 {
        vec![Vec::new(); groups.len()]
    } else {
        to_rows(&(window_sum / window_len as f64))?
    };
    let final_loss = to_rows(&chain_loss(&theta))?;
    Ok(ChainRun {
        mean_loss,
        window_loss,
        final_loss,
    })
}

/// A `[rows, cols]` f64 tensor as rows of values, NaN and overflow read as `+∞` (diverged).
fn to_rows(t: &Tensor) -> Result<Vec<Vec<f64>>> {
    let t = t.to_device(Device::Cpu).contiguous();
    let cols = t.size()[1] as usize;
    let flat = Vec::<f64>::try_from(t.flatten(0, -1))?;
    Ok(flat
        .chunks(cols.max(1))
        .map(|r| {
            r.iter()
                .map(|&x| if x.is_finite() { x } else { f64::INFINITY })
                .collect()
        })
        .collect())
}

/// The first `t` with `losses[t] <= level`, if any.
pub fn first_below(losses: &[f64], level: f64) -> Option<usize> {
    losses.iter().position(|&l| l <= level)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_input_is_rejected() {
        assert!(NoisyQuadratic::new(vec![], vec![]).is_err());
        assert!(NoisyQuadratic::new(vec![1.0], vec![1.0, 2.0]).is_err());
        assert!(NoisyQuadratic::new(vec![0.0], vec![1.0]).is_err());
        assert!(NoisyQuadratic::new(vec![f64::NAN], vec![1.0]).is_err());
        assert!(NoisyQuadratic::new(vec![1.0], vec![-1.0]).is_err());
        assert!(NoisyQuadratic::log_spectrum(4, 1.0, 0.1).is_err());
        let q = NoisyQuadratic::new(vec![1.0, 4.0], vec![1.0, 1.0]).unwrap();
        for (eta, b) in [(0.5, 1), (0.6, 1), (-0.1, 1), (f64::NAN, 1), (0.1, 0)] {
            assert!(q.floor(eta, b).is_err(), "η = {eta}, B = {b}");
        }
        let err = q.floor(0.5, 1).unwrap_err().to_string();
        assert!(err.contains("stability edge"), "{err}");
        assert!(q.expected_loss(&[1.0], 1, &[0.1]).is_err());
        assert!(q.expected_loss(&[1.0, 1.0], 1, &[-0.1]).is_err());
        let g = ChainGroup::constant(1, 0.1, 10);
        assert!(run_chains(
            &q,
            std::slice::from_ref(&g),
            0,
            &[1.0, 1.0],
            None,
            0,
            Device::Cpu
        )
        .is_err());
        let short = ChainGroup::constant(1, 0.1, 9);
        assert!(run_chains(&q, &[g, short], 2, &[1.0, 1.0], None, 0, Device::Cpu).is_err());
    }

    #[test]
    fn recursion_converges_to_the_closed_form_floor() {
        let q = NoisyQuadratic::log_spectrum(5, 0.1, 1.0).unwrap();
        for (eta, b) in [(0.05, 1), (0.5, 8), (1.9, 32)] {
            let losses = q.expected_loss(&[1.0; 5], b, &vec![eta; 20_000]).unwrap();
            let floor = q.floor(eta, b).unwrap();
            let last = *losses.last().unwrap();
            assert!((last - floor).abs() <= 1e-12 * floor, "{last} vs {floor}");
        }
        // Small η: the floor is η tr(Σ)/(4B) to first order.
        let floor = q.floor(1e-6, 4).unwrap();
        let trace: f64 = q.sigmas().iter().map(|s| s * s).sum();
        assert!((floor / (1e-6 * trace / 16.0) - 1.0).abs() < 1e-5);
    }

    #[test]
    fn chains_follow_the_exact_recursion() {
        let q = NoisyQuadratic::new(vec![1.0, 0.25], vec![1.0, 2.0]).unwrap();
        let groups = [
            ChainGroup::constant(4, 0.2, 200),
            ChainGroup::constant(16, 0.5, 200),
        ];
        let run = run_chains(
            &q,
            &groups,
            4000,
            &[2.0, -1.0],
            Some(100..=200),
            7,
            Device::Cpu,
        )
        .unwrap();
        for (g, group) in groups.iter().enumerate() {
            let exact = q
                .expected_loss(&[2.0, -1.0], group.batch, &group.etas)
                .unwrap();
            for t in [0, 5, 50, 200] {
                let (m, e) = (run.mean_loss[g][t], exact[t]);
                assert!((m / e - 1.0).abs() < 0.06, "group {g} step {t}: {m} vs {e}");
            }
            let w = crate::stats::mean(&run.window_loss[g]);
            let floor = q.floor(group.etas[0], group.batch).unwrap();
            assert!((w / floor - 1.0).abs() < 0.05, "{w} vs {floor}");
            assert!(!run.diverged(g));
        }
        // No noise and σ = 0: the chains are gradient descent, (1 − ηλ)^t exactly.
        let q0 = NoisyQuadratic::new(vec![1.0], vec![0.0]).unwrap();
        let run = run_chains(
            &q0,
            &[ChainGroup::constant(1, 0.5, 3)],
            2,
            &[1.0],
            Some(0..=3),
            0,
            Device::Cpu,
        )
        .unwrap();
        assert_eq!(run.mean_loss[0], vec![0.5, 0.125, 0.03125, 0.0078125]);
    }

    #[test]
    fn a_step_past_the_edge_reads_as_diverged() {
        let q = NoisyQuadratic::new(vec![1.0], vec![1.0]).unwrap();
        let run = run_chains(
            &q,
            &[ChainGroup::constant(1, 3.0, 2000)],
            3,
            &[1.0],
            None,
            0,
            Device::Cpu,
        )
        .unwrap();
        assert!(run.diverged(0));
        let exact = q.expected_loss(&[1.0], 1, &[3.0; 2000]).unwrap();
        assert_eq!(*exact.last().unwrap(), f64::INFINITY);
    }
}
