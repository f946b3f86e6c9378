//! Gradient descent on quadratics, where everything has a closed form.
//!
//! A quadratic `L(θ) = ½ (θ−θ*)ᵀ H (θ−θ*)` with symmetric positive-definite `H` is the
//! local picture of every smooth loss near a minimum. Gradient descent on it multiplies the
//! error along the eigenvector of eigenvalue `λ` by `1 − ηλ` each step, so the whole story of
//! the learning rate (stability edge, best step, condition number) is in these factors.
//! The runs here use tch autograd in `f64`, so the measured numbers can be set against the
//! closed forms in [`closed_form`] to many digits.
use tch::{Device, Kind, Tensor};

use crate::{validate, Error, Result};

/// Closed-form results for gradient descent and heavy-ball momentum on quadratics.
pub mod closed_form {
    /// The factor `1 − ηa` that multiplies the error `θ−θ*` in each gradient step on
    /// `½a(θ−θ*)²`.
    pub fn error_factor(eta: f64, a: f64) -> f64 {
        1.0 - eta * a
    }

    /// Largest stable step on curvature `a`: the error shrinks iff `0 < η < 2/a`.
    pub fn stability_limit(a: f64) -> f64 {
        2.0 / a
    }

    /// Steps `t` until `|e_t| ≤ tol·|e_0|` when each step multiplies the error by `rate`
    /// in absolute value: `⌈ln tol / ln rate⌉`. `Some(1)` when `rate = 0` (one-step
    /// convergence), `None` when `rate ≥ 1` (never converges). `tol` is in `(0, 1)`.
    ///
    /// At a tie, when `rate^n = tol` exactly (e.g. `rate = 0.1`, `tol = 1e-6`), the
    /// quotient of logarithms can come out as `6.000000000000002` in floating point; a
    /// quotient within `1e-9` of an integer is taken as that integer, the exact answer.
    pub fn iterations_to_tolerance(rate: f64, tol: f64) -> Option<u64> {
        let rate = rate.abs();
        if rate >= 1.0 || rate.is_nan() {
            None
        } else if rate == 0.0 {
            Some(1)
        } else {
            let steps = tol.ln() / rate.ln();
            let nearest = steps.round();
            let steps = if (steps - nearest).abs() <= 1e-9 * nearest.max(1.0) {
                nearest
            } else {
                steps.ceil()
            };
            Some(steps.max(1.0) as u64)
        }
    }

    /// Rate of plain gradient descent on a quadratic with these eigenvalues:
    /// the worst factor `max_i |1 − ηλ_i|`.
    pub fn gd_rate(eta: f64, eigenvalues: &[f64]) -> f64 {
        eigenvalues
            .iter()
            .map(|&l| (1.0 - eta * l).abs())
            .fold(0.0, f64::max)
    }

    /// The best fixed step `2/(λmax+λmin)`, which balances the two extreme factors.
    pub fn best_step(lambda_min: f64, lambda_max: f64) -> f64 {
        2.0 / (lambda_max + lambda_min)
    }

    /// The rate at the best fixed step: `(κ−1)/(κ+1)` with `κ = λmax/λmin`.
    pub fn best_rate(kappa: f64) -> f64 {
        (kappa - 1.0) / (kappa + 1.0)
    }

    /// Polyak's optimal heavy-ball parameters for eigenvalues in `[λmin, λmax]`:
    /// `η = 4/(√λmax+√λmin)²`, `β = ((√κ−1)/(√κ+1))²`, and the rate `(√κ−1)/(√κ+1)`.
    pub fn heavy_ball_optimal(lambda_min: f64, lambda_max: f64) -> (f64, f64, f64) {
        let (s_min, s_max) = (lambda_min.sqrt(), lambda_max.sqrt());
        let eta = 4.0 / (s_max + s_min).powi(2);
        let rate = (s_max - s_min) / (s_max + s_min);
        (eta, rate * rate, rate)
    }

    /// Exact rate of heavy-ball momentum: the spectral radius of the iteration. Along an
    /// eigenvector with eigenvalue `λ` the error obeys `e_{t+1} = (1+β−ηλ)e_t − βe_{t−1}`, whose
    /// factors are the roots of `z² − (1+β−ηλ)z + β = 0`.
    pub fn heavy_ball_rate(eta: f64, beta: f64, eigenvalues: &[f64]) -> f64 {
        eigenvalues
            .iter()
            .map(|&l| {
                let b = 1.0 + beta - eta * l;
                let disc = b * b - 4.0 * beta;
                if disc < 0.0 {
                    beta.sqrt() // complex pair: |z|² = product of roots = β
                } else {
                    let s = disc.sqrt();
                    ((b + s) / 2.0).abs().max(((b - s) / 2.0).abs())
                }
            })
            .fold(0.0, f64::max)
    }

    /// Heavy ball is stable on curvature `a` iff `0 < ηa < 2(1+β)` (for `0 ≤ β < 1`).
    pub fn heavy_ball_stability_limit(a: f64, beta: f64) -> f64 {
        2.0 * (1.0 + beta) / a
    }
}

/// What one fixed step does on the 1-D quadratic `½a(θ−θ*)²`, read off `1 − ηa`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Regime1d {
    /// `0 < η < 1/a`: the error shrinks and keeps its sign.
    Monotone,
    /// `η = 1/a`: the first step lands on the minimum.
    OneStep,
    /// `1/a < η < 2/a`: the error shrinks and flips sign every step.
    Oscillating,
    /// `η = 2/a`: the error flips sign and keeps its size — a 2-cycle.
    Cycle,
    /// `η > 2/a`: the error grows and flips sign.
    Diverging,
}

impl Regime1d {
    /// The regime of step `eta` on curvature `a` (exact comparisons of `ηa` with 1 and 2).
    pub fn classify(eta: f64, a: f64) -> Regime1d {
        let ea = eta * a;
        if ea < 1.0 {
            Regime1d::Monotone
        } else if ea == 1.0 {
            Regime1d::OneStep
        } else if ea < 2.0 {
            Regime1d::Oscillating
        } else if ea == 2.0 {
            Regime1d::Cycle
        } else {
            Regime1d::Diverging
        }
    }

    /// A short lower-case name for tables.
    pub fn name(self) -> &'static str {
        match self {
            Regime1d::Monotone => "monotone",
            Regime1d::OneStep => "one step",
            Regime1d::Oscillating => "oscillating",
            Regime1d::Cycle => "2-cycle",
            Regime1d::Diverging => "diverging",
        }
    }
}

/// `L(θ) = ½ (θ−θ*)ᵀ H (θ−θ*)`, stored as `f64` tensors with the eigenvalues of `H` kept.
#[derive(Debug)]
pub struct Quadratic {
    hessian: Tensor,
    minimizer: Tensor,
    eigenvalues: Vec<f64>,
}

impl Quadratic {
    /// The 1-D quadratic `½a(θ−θ*)²`.
    pub fn one_d(a: f64, theta_star: f64) -> Result<Self> {
        Self::diagonal(&[a], &[theta_star])
    }

    /// `H = diag(eigenvalues)`: the axes are the eigenvectors.
    pub fn diagonal(eigenvalues: &[f64], minimizer: &[f64]) -> Result<Self> {
        check_spectrum(eigenvalues, minimizer)?;
        let hessian = Tensor::from_slice(eigenvalues).diag(0);
        Ok(Quadratic {
            hessian,
            minimizer: Tensor::from_slice(minimizer),
            eigenvalues: eigenvalues.to_vec(),
        })
    }

    /// `H = Q diag(eigenvalues) Qᵀ` with a random rotation `Q` (QR of a Gaussian matrix drawn
    /// on the CPU from `seed`, so every device gets the same `H`).
    pub fn rotated(eigenvalues: &[f64], minimizer: &[f64], seed: u64) -> Result<Self> {
        check_spectrum(eigenvalues, minimizer)?;
        let d = eigenvalues.len() as i64;
        tch::manual_seed(seed as i64);
        let gaussian = Tensor::randn([d, d], (Kind::Double, Device::Cpu));
        let (q, _r) = Tensor::linalg_qr(&gaussian, "reduced");
        let lambda = Tensor::from_slice(eigenvalues).diag(0);
        let hessian = q.matmul(&lambda).matmul(&q.transpose(0, 1));
        let hessian = (&hessian + hessian.transpose(0, 1)) * 0.5; // exactly symmetric
        Ok(Quadratic {
            hessian,
            minimizer: Tensor::from_slice(minimizer),
            eigenvalues: eigenvalues.to_vec(),
        })
    }

    /// Dimension `d`.
    pub fn dim(&self) -> usize {
        self.eigenvalues.len()
    }

    /// The eigenvalues of `H`, as given.
    pub fn eigenvalues(&self) -> &[f64] {
        &self.eigenvalues
    }

    /// Smallest eigenvalue `λmin`.
    pub fn lambda_min(&self) -> f64 {
        self.eigenvalues
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min)
    }

    /// Largest eigenvalue `λmax`, the sharpness.
    pub fn lambda_max(&self) -> f64 {
        self.eigenvalues.iter().copied().fold(0.0, f64::max)
    }

    /// Condition number `κ = λmax/λmin`.
    pub fn condition_number(&self) -> f64 {
        self.lambda_max() / self.lambda_min()
    }

    /// The loss at `theta` (any device; the quadratic's tensors follow it).
    pub fn loss(&self, theta: &Tensor) -> Tensor {
        let device = theta.device();
        OnDevice::new(self, device).loss(theta)
    }

    /// The minimizer `θ*` as a vector.
    pub fn minimizer(&self) -> Vec<f64> {
        to_vec(&self.minimizer)
    }
}

fn check_spectrum(eigenvalues: &[f64], minimizer: &[f64]) -> Result<()> {
    if eigenvalues.is_empty() {
        return Err(Error::invalid(
            "quadratic",
            "no eigenvalues given",
            "Pass at least one curvature.",
        ));
    }
    if eigenvalues.len() != minimizer.len() {
        return Err(Error::invalid(
            "quadratic",
            format!(
                "{} eigenvalues but a minimizer of length {}",
                eigenvalues.len(),
                minimizer.len()
            ),
            "Give one minimizer coordinate per eigenvalue.",
        ));
    }
    for &l in eigenvalues {
        validate::positive("quadratic curvature (eigenvalue)", l)?;
    }
    for &m in minimizer {
        if !m.is_finite() {
            return Err(Error::invalid(
                "minimizer",
                format!("got {m}"),
                "Pass finite coordinates.",
            ));
        }
    }
    Ok(())
}

/// A quadratic's Hessian and minimizer copied to one device once, so that a loop of steps on
/// a GPU does not copy them from the host at every step.
struct OnDevice {
    hessian: Tensor,
    minimizer: Tensor,
}

impl OnDevice {
    fn new(q: &Quadratic, device: Device) -> Self {
        OnDevice {
            hessian: q.hessian.to_device(device),
            minimizer: q.minimizer.to_device(device),
        }
    }

    /// `½ (θ − θ*)ᵀ H (θ − θ*)`.
    fn loss(&self, theta: &Tensor) -> Tensor {
        let e = theta - &self.minimizer;
        e.dot(&self.hessian.mv(&e)) * 0.5
    }
}

fn to_vec(t: &Tensor) -> Vec<f64> {
    Vec::<f64>::try_from(
        t.to_device(Device::Cpu)
            .to_kind(Kind::Double)
            .flatten(0, -1),
    )
    .unwrap_or_default()
}

/// When to stop a run on a quadratic.
#[derive(Clone, Copy, Debug)]
pub struct RunOptions {
    /// Upper bound on the number of steps.
    pub max_steps: usize,
    /// Stop once `‖θ_t−θ*‖ ≤ rel_tol·‖θ_0−θ*‖` (None: run all `max_steps`).
    pub rel_tol: Option<f64>,
    /// Declare divergence once the error exceeds this multiple of the initial error.
    pub blowup: f64,
    /// Keep every iterate (for plotting trajectories); off for long sweeps.
    pub record_iterates: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            max_steps: 1000,
            rel_tol: None,
            blowup: 1e12,
            record_iterates: true,
        }
    }
}

/// The record of one run: errors and losses at every step, iterates if asked.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Trajectory {
    /// `θ_t` for `t = 0..` (empty unless `record_iterates`).
    pub iterates: Vec<Vec<f64>>,
    /// `‖θ_t − θ*‖` for `t = 0..`.
    pub errors: Vec<f64>,
    /// `L(θ_t)` for `t = 0..`.
    pub losses: Vec<f64>,
    /// First step at which the tolerance was met, if it was.
    pub converged_at: Option<usize>,
    /// First step at which the error blew up or became non-finite, if it did.
    pub diverged_at: Option<usize>,
}

impl Trajectory {
    /// Steps taken.
    pub fn steps(&self) -> usize {
        self.errors.len().saturating_sub(1)
    }

    /// The measured asymptotic rate: the geometric mean of `‖e_t‖/‖e_{t−1}‖` over the last
    /// `window` steps with a non-zero error. `None` if there are too few such steps.
    pub fn asymptotic_rate(&self, window: usize) -> Option<f64> {
        let nonzero: Vec<f64> = self
            .errors
            .iter()
            .copied()
            .take_while(|e| *e > 0.0 && e.is_finite())
            .collect();
        if nonzero.len() < window + 1 || window == 0 {
            return None;
        }
        let end = nonzero[nonzero.len() - 1];
        let start = nonzero[nonzero.len() - 1 - window];
        Some((end / start).powf(1.0 / window as f64))
    }
}

/// Checks shared by [`heavy_ball`] and [`sweep`]: `β ∈ [0, 1)`, at least one step, and a
/// start with one coordinate per dimension.
fn check_run(q: &Quadratic, theta0: &[f64], beta: f64, opts: &RunOptions) -> Result<()> {
    if !(0.0..1.0).contains(&beta) {
        return Err(Error::invalid(
            "momentum β",
            format!("got {beta}, but it must be in [0, 1)"),
            "Pass e.g. 0.9, or 0 for plain gradient descent.",
        ));
    }
    validate::at_least_one("max_steps", opts.max_steps)?;
    if theta0.len() != q.dim() {
        return Err(Error::invalid(
            "θ_0",
            format!(
                "has {} coordinates, the quadratic has {}",
                theta0.len(),
                q.dim()
            ),
            "Pass one coordinate per dimension.",
        ));
    }
    Ok(())
}

/// Plain gradient descent `θ ← θ − η∇L(θ)`, the gradient taken by tch autograd.
pub fn gradient_descent(
    q: &Quadratic,
    theta0: &[f64],
    eta: f64,
    opts: RunOptions,
    device: Device,
) -> Result<Trajectory> {
    heavy_ball(q, theta0, eta, 0.0, opts, device)
}

/// Heavy-ball momentum in PyTorch's form: `v ← βv + ∇L(θ)`, `θ ← θ − ηv` (with `v_0 = 0`).
/// `β = 0` is plain gradient descent.
pub fn heavy_ball(
    q: &Quadratic,
    theta0: &[f64],
    eta: f64,
    beta: f64,
    opts: RunOptions,
    device: Device,
) -> Result<Trajectory> {
    validate::learning_rate("learning rate η", eta)?;
    check_run(q, theta0, beta, &opts)?;
    let on_device = OnDevice::new(q, device);
    let minimizer = &on_device.minimizer;
    let mut theta = Tensor::from_slice(theta0)
        .to_device(device)
        .set_requires_grad(true);
    let mut velocity = Tensor::zeros([q.dim() as i64], (Kind::Double, device));
    let eta_tensor = Tensor::from(eta).to_device(device);
    let mut traj = Trajectory::default();
    let e0 = f64::try_from((&theta - minimizer).norm())?;
    for t in 0..=opts.max_steps {
        let loss = on_device.loss(&theta);
        let err = f64::try_from((&theta - minimizer).norm())?;
        traj.errors.push(err);
        traj.losses.push(f64::try_from(&loss)?);
        if opts.record_iterates {
            traj.iterates.push(to_vec(&theta));
        }
        if !err.is_finite() || err > opts.blowup * e0.max(f64::MIN_POSITIVE) {
            traj.diverged_at = Some(t);
            break;
        }
        if let Some(tol) = opts.rel_tol {
            if err <= tol * e0 {
                traj.converged_at = Some(t);
                break;
            }
        }
        if t == opts.max_steps {
            break;
        }
        heavy_ball_step(&loss, &mut theta, &mut velocity, &eta_tensor, beta)?;
    }
    Ok(traj)
}

// ANCHOR: heavy_ball_step
/// One heavy-ball step in place, PyTorch's form: `v ← βv + ∇L(θ)`, then `θ ← θ − ηv`.
/// `β = 0` is plain gradient descent. `eta` broadcasts: a scalar, or one rate per row.
fn heavy_ball_step(
    loss: &Tensor,
    theta: &mut Tensor,
    velocity: &mut Tensor,
    eta: &Tensor,
    beta: f64,
) -> Result<()> {
    let grad = Tensor::f_run_backward(&[loss], &[&*theta], false, false)?.remove(0);
    let _guard = tch::no_grad_guard();
    *velocity = &*velocity * beta + grad; // v ← βv + ∇L(θ)
    let _ = theta.f_sub_(&(&*velocity * eta))?; // θ ← θ − ηv
    Ok(())
}
// ANCHOR_END: heavy_ball_step

/// One learning rate's result in a [`sweep`].
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SweepPoint {
    /// The learning rate.
    pub eta: f64,
    /// First step with `‖e_t‖ ≤ rel_tol·‖e_0‖`, if reached within the budget.
    pub converged_at: Option<usize>,
    /// First step with a non-finite error or one above `blowup·‖e_0‖`, if any.
    pub diverged_at: Option<usize>,
    /// `‖e_T‖/‖e_0‖` at the last step run (NaN or ∞ after a blow-up).
    pub final_ratio: f64,
}

/// Runs heavy ball (`beta = 0`: plain gradient descent) for every learning rate in `etas` at
/// once: the iterates are the rows of one `[m, d]` tensor, so a step is one batched
/// autograd call instead of `m` separate loops. Stops when every row has converged or
/// diverged, or after `opts.max_steps`.
pub fn sweep(
    q: &Quadratic,
    theta0: &[f64],
    etas: &[f64],
    beta: f64,
    opts: RunOptions,
    device: Device,
) -> Result<Vec<SweepPoint>> {
    for &eta in etas {
        validate::learning_rate("learning rate η in the sweep", eta)?;
    }
    check_run(q, theta0, beta, &opts)?;
    let (m, d) = (etas.len() as i64, q.dim() as i64);
    let h = q.hessian.to_device(device);
    let minimizer = q.minimizer.to_device(device);
    let eta_col = Tensor::from_slice(etas).to_device(device).view([m, 1]);
    let mut theta = Tensor::from_slice(theta0)
        .to_device(device)
        .view([1, d])
        .repeat([m, 1])
        .set_requires_grad(true);
    let mut velocity = Tensor::zeros([m, d], (Kind::Double, device));
    let e0 = f64::try_from(
        Tensor::from_slice(theta0)
            .to_device(device)
            .f_sub(&minimizer)?
            .norm(),
    )?;
    let mut points: Vec<SweepPoint> = etas
        .iter()
        .map(|&eta| SweepPoint {
            eta,
            converged_at: None,
            diverged_at: None,
            final_ratio: 1.0,
        })
        .collect();
    for t in 0..=opts.max_steps {
        let e = &theta - &minimizer;
        let ratios = Vec::<f64>::try_from(
            e.detach().norm_scalaropt_dim(2.0, [1i64].as_slice(), false) / e0,
        )?;
        let mut open = 0;
        for (p, &r) in points.iter_mut().zip(&ratios) {
            if p.converged_at.is_some() || p.diverged_at.is_some() {
                continue;
            }
            p.final_ratio = r;
            if !r.is_finite() || r > opts.blowup {
                p.diverged_at = Some(t);
            } else if opts.rel_tol.is_some_and(|tol| r <= tol) {
                p.converged_at = Some(t);
            } else {
                open += 1;
            }
        }
        if open == 0 || t == opts.max_steps {
            break;
        }
        // ANCHOR: batched_step
        // Rows are independent: ½ Σ_rows e_iᵀ H e_i has row i's gradient in row i, and
        // `eta_col` holds one learning rate per row.
        let loss = (e.matmul(&h) * &e).sum(Kind::Double) * 0.5;
        heavy_ball_step(&loss, &mut theta, &mut velocity, &eta_col, beta)?;
        // ANCHOR_END: batched_step
    }
    Ok(points)
}

#[cfg(test)]
mod tests {
    use super::closed_form::*;
    use super::*;

    #[test]
    fn one_d_error_is_multiplied_by_one_minus_eta_a() {
        let q = Quadratic::one_d(4.0, 3.0).unwrap();
        let t = gradient_descent(
            &q,
            &[0.0],
            0.1,
            RunOptions {
                max_steps: 5,
                ..Default::default()
            },
            Device::Cpu,
        )
        .unwrap();
        for (k, e) in t.errors.iter().enumerate() {
            assert!(
                (e - 3.0 * 0.6f64.powi(k as i32)).abs() < 1e-14,
                "step {k}: {e}"
            );
        }
        let one = gradient_descent(
            &q,
            &[0.0],
            0.25,
            RunOptions {
                max_steps: 1,
                ..Default::default()
            },
            Device::Cpu,
        )
        .unwrap();
        assert_eq!(one.iterates[1], vec![3.0]);
    }

    #[test]
    fn measured_iterations_match_closed_form() {
        let a = 4.0;
        let q = Quadratic::one_d(a, 3.0).unwrap();
        for eta in [0.01, 0.1, 0.2, 0.3, 0.45, 0.49] {
            let opts = RunOptions {
                max_steps: 100_000,
                rel_tol: Some(1e-6),
                record_iterates: false,
                ..Default::default()
            };
            let t = gradient_descent(&q, &[0.0], eta, opts, Device::Cpu).unwrap();
            let predicted = iterations_to_tolerance(error_factor(eta, a), 1e-6).unwrap();
            assert_eq!(t.converged_at, Some(predicted as usize), "eta={eta}");
        }
        let t = gradient_descent(
            &q,
            &[0.0],
            0.55,
            RunOptions {
                max_steps: 500,
                ..Default::default()
            },
            Device::Cpu,
        )
        .unwrap();
        assert!(t.diverged_at.is_some());
    }

    #[test]
    fn ties_in_the_closed_form_resolve_to_the_exact_count() {
        assert_eq!(iterations_to_tolerance(-0.10000000000000009, 1e-6), Some(6));
        assert_eq!(iterations_to_tolerance(0.8, 1e-6), Some(62)); // 61.9… rounds up
        assert_eq!(iterations_to_tolerance(0.0, 1e-6), Some(1));
        assert_eq!(iterations_to_tolerance(1.0, 1e-6), None);
    }

    #[test]
    fn regimes_follow_eta_times_a() {
        let names: Vec<&str> = [0.1, 0.25, 0.4, 0.5, 0.6]
            .iter()
            .map(|&e| Regime1d::classify(e, 4.0).name())
            .collect();
        assert_eq!(
            names,
            [
                "monotone",
                "one step",
                "oscillating",
                "2-cycle",
                "diverging"
            ]
        );
    }

    #[test]
    fn best_step_rate_is_kappa_formula_on_a_rotated_quadratic() {
        let eig = [1.0, 3.0, 10.0];
        let q = Quadratic::rotated(&eig, &[1.0, -2.0, 0.5], 7).unwrap();
        let eta = best_step(1.0, 10.0);
        // Stop at 1e-9: near ~1e-16·‖θ*‖, rounding, not the rate, sets the error.
        let opts = RunOptions {
            max_steps: 400,
            rel_tol: Some(1e-9),
            record_iterates: false,
            ..Default::default()
        };
        let t = gradient_descent(&q, &[0.0, 0.0, 0.0], eta, opts, Device::Cpu).unwrap();
        let rate = t.asymptotic_rate(50).unwrap();
        assert!((rate - best_rate(10.0)).abs() < 1e-7, "{rate}");
        assert!((gd_rate(eta, &eig) - 9.0 / 11.0).abs() < 1e-15);
    }

    #[test]
    fn heavy_ball_rate_closed_form_matches_optimum() {
        let (eta, beta, rate) = heavy_ball_optimal(1.0, 100.0);
        assert!((eta - 4.0 / 121.0).abs() < 1e-15);
        assert!((rate - 9.0 / 11.0).abs() < 1e-15);
        assert!((heavy_ball_rate(eta, beta, &[1.0, 10.0, 100.0]) - rate).abs() < 1e-7);
        assert!((heavy_ball_stability_limit(1.0, 0.5) - 3.0).abs() < 1e-15);
    }

    #[test]
    fn batched_sweep_agrees_with_single_runs() {
        let q = Quadratic::rotated(&[1.0, 4.0, 10.0], &[1.0, 2.0, 3.0], 5).unwrap();
        let etas = [0.01, 0.05, 0.1, 0.15, 0.19, 0.21];
        let opts = RunOptions {
            max_steps: 3000,
            rel_tol: Some(1e-6),
            record_iterates: false,
            ..Default::default()
        };
        let points = sweep(&q, &[0.0; 3], &etas, 0.0, opts, Device::Cpu).unwrap();
        for p in &points {
            let single = gradient_descent(&q, &[0.0; 3], p.eta, opts, Device::Cpu).unwrap();
            assert_eq!(p.converged_at, single.converged_at, "eta={}", p.eta);
            assert_eq!(p.diverged_at, single.diverged_at, "eta={}", p.eta);
        }
        assert!(points[5].diverged_at.is_some() && points[4].converged_at.is_some());
    }

    #[test]
    fn bad_inputs_are_errors_not_panics() {
        let q = Quadratic::one_d(1.0, 0.0).unwrap();
        let o = RunOptions::default();
        assert!(gradient_descent(&q, &[1.0], -0.1, o, Device::Cpu)
            .unwrap_err()
            .to_string()
            .contains("learning rate"));
        assert!(gradient_descent(&q, &[1.0], f64::NAN, o, Device::Cpu).is_err());
        assert!(heavy_ball(&q, &[1.0], 0.1, 1.0, o, Device::Cpu).is_err());
        assert!(gradient_descent(&q, &[1.0, 2.0], 0.1, o, Device::Cpu).is_err());
        assert!(Quadratic::one_d(-1.0, 0.0).is_err());
        assert!(Quadratic::diagonal(&[1.0, 2.0], &[0.0]).is_err());
        let zero = RunOptions { max_steps: 0, ..o };
        assert!(gradient_descent(&q, &[1.0], 0.1, zero, Device::Cpu)
            .unwrap_err()
            .to_string()
            .contains("at least 1"));
    }
}
