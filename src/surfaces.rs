//! Two-dimensional test surfaces for gradient descent (chapter 2): a round bowl, an
//! ill-conditioned ravine and Rosenbrock's banana, as tch functions in `f64` whose gradients
//! come from autograd, with the curvature facts that set their learning-rate limits.
//!
//! The centrepiece is [`sweep`]: it advances one trajectory per learning rate, all of them
//! at once, as the rows of one `[m, 2]` tensor. Rows never interact (the loss is a sum over
//! rows, so row `i` of its gradient is row `i`'s own gradient), so a thousand learning rates
//! cost about what one does. [`sweep_one_at_a_time`] is the naive loop it replaces, kept
//! for the benchmark and for a test that the two agree exactly.
use tch::{Device, Kind, Tensor};

use crate::{validate, Error, Result};

/// Which function a [`Surface`] is.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum SurfaceKind {
    /// `a·x² + b·y² + c·x·y`, a quadratic with Hessian `[[2a, c], [c, 2b]]` everywhere.
    Quadratic {
        /// Coefficient of `x²`.
        a: f64,
        /// Coefficient of `y²`.
        b: f64,
        /// Coefficient of `x·y`.
        c: f64,
    },
    /// `(1 − x)² + 100·(y − x²)²`, minimum 0 at (1, 1).
    Rosenbrock,
}

/// A named 2-D surface with a start point and a plotting window.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Surface {
    /// Short name, e.g. "ravine".
    pub name: String,
    /// The formula, for captions.
    pub formula: String,
    /// The function.
    pub kind: SurfaceKind,
    /// Where every run starts.
    pub start: [f64; 2],
    /// Plotting window `(x_min, x_max, y_min, y_max)`.
    pub window: (f64, f64, f64, f64),
}

/// The curvature facts of a surface at its minimum.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Curvature {
    /// Smallest Hessian eigenvalue at the minimum: sets how fast the flat direction goes.
    pub lambda_min: f64,
    /// Largest Hessian eigenvalue at the minimum: sets the stability edge.
    pub lambda_max: f64,
}

impl Curvature {
    /// The predicted stability edge `2/λmax`: above it, the sharp direction's error grows
    /// by `|1 − ηλmax| > 1` per step near the minimum.
    pub fn edge(&self) -> f64 {
        2.0 / self.lambda_max
    }

    /// The step that balances both directions on a quadratic, `2/(λmin + λmax)`.
    pub fn balanced_step(&self) -> f64 {
        2.0 / (self.lambda_min + self.lambda_max)
    }

    /// The condition number `λmax/λmin`.
    pub fn kappa(&self) -> f64 {
        self.lambda_max / self.lambda_min
    }
}

// ANCHOR: surfaces
impl Surface {
    /// The round bowl `x² + y²`: Hessian 2·I, so both directions have curvature 2.
    pub fn bowl() -> Self {
        Self::quadratic("bowl", 1.0, 1.0, 0.0, [-4.0, 1.5], (-5.0, 5.0, -3.0, 3.0)).expect("valid")
    }

    /// The ravine `0.1·x² + 2·y²`: curvature 0.2 along x (flat) and 4 along y (sharp).
    pub fn ravine() -> Self {
        Self::quadratic("ravine", 0.1, 2.0, 0.0, [-4.0, 1.5], (-5.0, 5.0, -3.0, 3.0))
            .expect("valid")
    }

    /// Rosenbrock's `(1 − x)² + 100·(y − x²)²` from the classic start (−1.2, 1).
    pub fn rosenbrock() -> Self {
        Surface {
            name: "rosenbrock".into(),
            formula: "(1 − x)² + 100·(y − x²)²".into(),
            kind: SurfaceKind::Rosenbrock,
            start: [-1.2, 1.0],
            window: (-2.0, 2.0, -1.0, 3.0),
        }
    }

    /// The chapter's three surfaces.
    pub fn all() -> Vec<Surface> {
        vec![Self::bowl(), Self::ravine(), Self::rosenbrock()]
    }

    /// The quadratic `a·x² + b·y² + c·x·y`; it must be positive definite
    /// (`a > 0`, `4ab > c²`) so that it has a unique minimum at the origin.
    pub fn quadratic(
        name: &str,
        a: f64,
        b: f64,
        c: f64,
        start: [f64; 2],
        window: (f64, f64, f64, f64),
    ) -> Result<Self> {
        if !(a.is_finite() && b.is_finite() && c.is_finite()) || a <= 0.0 || 4.0 * a * b <= c * c {
            return Err(Error::invalid(
                format!("quadratic surface {name}"),
                format!("a = {a}, b = {b}, c = {c} is not positive definite"),
                "Pass finite coefficients with a > 0 and 4ab > c², so the bowl has one minimum.",
            ));
        }
        let mut formula = format!("{}·x² + {}·y²", fmt(a), fmt(b));
        if c != 0.0 {
            formula.push_str(&format!(" + {}·x·y", fmt(c)));
        }
        Ok(Surface {
            name: name.into(),
            formula,
            kind: SurfaceKind::Quadratic { a, b, c },
            start,
            window,
        })
    }

    /// The loss of each row of `xy` (`[m, 2]`, f64) as an `[m]` tensor, differentiable.
    pub fn loss(&self, xy: &Tensor) -> Tensor {
        let x = xy.select(1, 0);
        let y = xy.select(1, 1);
        match self.kind {
            SurfaceKind::Quadratic { a, b, c } => x.square() * a + y.square() * b + (&x * &y) * c,
            SurfaceKind::Rosenbrock => {
                (x.ones_like() - &x).square() + (y - x.square()).square() * 100.0
            }
        }
    }
    // ANCHOR_END: surfaces

    /// The loss at one point, in plain `f64` (for contour grids).
    pub fn value(&self, x: f64, y: f64) -> f64 {
        match self.kind {
            SurfaceKind::Quadratic { a, b, c } => a * x * x + b * y * y + c * x * y,
            SurfaceKind::Rosenbrock => (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2),
        }
    }

    /// The minimizer.
    pub fn minimizer(&self) -> [f64; 2] {
        match self.kind {
            SurfaceKind::Quadratic { .. } => [0.0, 0.0],
            SurfaceKind::Rosenbrock => [1.0, 1.0],
        }
    }

    /// The Hessian at the minimizer, in closed form.
    pub fn hessian_at_minimum(&self) -> [[f64; 2]; 2] {
        match self.kind {
            SurfaceKind::Quadratic { a, b, c } => [[2.0 * a, c], [c, 2.0 * b]],
            // ∂²/∂x² = 2 + 1200x² − 400y, ∂²/∂x∂y = −400x, ∂²/∂y² = 200, at (1, 1).
            SurfaceKind::Rosenbrock => [[802.0, -400.0], [-400.0, 200.0]],
        }
    }

    /// Eigenvalues of [`Surface::hessian_at_minimum`].
    pub fn curvature(&self) -> Curvature {
        let [[p, q], [_, r]] = self.hessian_at_minimum();
        let mean = 0.5 * (p + r);
        let half_gap = (0.25 * (p - r) * (p - r) + q * q).sqrt();
        Curvature {
            lambda_min: mean - half_gap,
            lambda_max: mean + half_gap,
        }
    }
}

fn fmt(x: f64) -> String {
    crate::report::fmt_sig(x, 4)
}

/// Budget and tolerance of a [`sweep`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SweepOptions {
    /// Steps every learning rate runs.
    pub max_steps: usize,
    /// "Reached ε": `‖x_t − x*‖ ≤ rel_tol·‖x_0 − x*‖`.
    pub rel_tol: f64,
    /// A run has diverged once `‖x_t − x*‖ > blowup·‖x_0 − x*‖` (or is not finite); it is
    /// frozen there.
    pub blowup: f64,
}

/// One learning rate's fate in a [`sweep`].
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SweepPoint {
    /// The learning rate.
    pub eta: f64,
    /// Steps to ε: the first step from which the run stayed within ε until the end of the
    /// budget; `None` if it was outside ε at the end.
    pub steps_to_eps: Option<usize>,
    /// The step at which the run blew up, if it did.
    pub diverged_at: Option<usize>,
    /// `‖x_T − x*‖/‖x_0 − x*‖` at the end (at the blow-up for a diverged run).
    pub final_ratio: f64,
}

fn check_sweep(surface: &Surface, etas: &[f64], opts: &SweepOptions) -> Result<()> {
    if etas.is_empty() {
        return Err(Error::invalid(
            "learning rates of the sweep",
            "the list is empty",
            "Pass at least one learning rate, for example log_spaced(1e-4, 10.0, 1000).",
        ));
    }
    for &eta in etas {
        validate::learning_rate("learning rate η in the sweep", eta)?;
    }
    validate::at_least_one("sweep steps", opts.max_steps)?;
    validate::positive("sweep tolerance ε", opts.rel_tol)?;
    validate::positive("sweep blow-up factor", opts.blowup)?;
    if surface.start == surface.minimizer() {
        return Err(Error::invalid(
            format!("start of surface {}", surface.name),
            "it is the minimizer, so there is nothing to descend",
            "Start somewhere else.",
        ));
    }
    Ok(())
}

pub use crate::grid::log_spaced;

/// One gradient-descent step on every row at once: `x ← x − η∇f(x)` with one `η` per row,
/// except rows whose `active` entry is false, which stay put.
// ANCHOR: batched_step
fn batched_step(
    surface: &Surface,
    x: &mut Tensor,
    eta_col: &Tensor,
    active: &Tensor,
) -> Result<()> {
    // The rows are independent, so the gradient of the sum holds each row's own gradient.
    let loss = surface.loss(x).sum(Kind::Double);
    let grad = Tensor::f_run_backward(&[loss], &[&*x], false, false)?.remove(0);
    let _guard = tch::no_grad_guard();
    let stepped = &*x - grad * eta_col;
    let next = stepped.where_self(active, &*x);
    *x = next.detach().set_requires_grad(true);
    Ok(())
}
// ANCHOR_END: batched_step

/// Runs gradient descent from the surface's start with every learning rate in `etas` at
/// once (one row of a tensor each) for `opts.max_steps` steps, and reports each one's steps
/// to ε and blow-up step. The bookkeeping stays on the device too: nothing is read back
/// until the end.
pub fn sweep(
    surface: &Surface,
    etas: &[f64],
    opts: SweepOptions,
    device: Device,
) -> Result<Vec<SweepPoint>> {
    check_sweep(surface, etas, &opts)?;
    let m = etas.len() as i64;
    let opts_f = (Kind::Double, device);
    let x_star = Tensor::from_slice(&surface.minimizer())
        .to_device(device)
        .view([1, 2]);
    let x0 = Tensor::from_slice(&surface.start)
        .to_device(device)
        .view([1, 2]);
    let e0 = f64::try_from((&x0 - &x_star).norm())?;
    let mut x = x0.repeat([m, 1]).set_requires_grad(true);
    let eta_col = Tensor::from_slice(etas).to_device(device).view([m, 1]);
    let never = Tensor::full([m], -1, (Kind::Int64, device));
    let mut diverged_at = never.copy();
    let mut entered_at = never.copy();
    let mut ratio = Tensor::ones([m], opts_f);
    for t in 0..=opts.max_steps {
        let (still, r) = {
            let _guard = tch::no_grad_guard();
            let r = (&x - &x_star).norm_scalaropt_dim(2.0, [1i64].as_slice(), false) / e0;
            let still = diverged_at.lt(0);
            let blown = r.isfinite().logical_not().logical_or(&r.gt(opts.blowup));
            let newly = blown.logical_and(&still);
            diverged_at = diverged_at.where_self(&newly.logical_not(), &never.full_like(t as i64));
            let still = diverged_at.lt(0);
            let inside = r.le(opts.rel_tol).logical_and(&still);
            // Remember when the run last entered the ε-ball; leaving it forgets that.
            let fresh = inside.logical_and(&entered_at.lt(0));
            entered_at = entered_at.where_self(&fresh.logical_not(), &never.full_like(t as i64));
            entered_at = entered_at.where_self(&inside, &never);
            ratio = r.where_self(&still.logical_or(&newly), &ratio);
            (still, r)
        };
        drop(r);
        if t == opts.max_steps {
            break;
        }
        if t % 256 == 0 && !bool::try_from(still.any())? {
            break;
        }
        batched_step(surface, &mut x, &eta_col, &still.view([m, 1]))?;
    }
    let div = Vec::<i64>::try_from(diverged_at)?;
    let ent = Vec::<i64>::try_from(entered_at)?;
    let rat = Vec::<f64>::try_from(ratio)?;
    Ok(etas
        .iter()
        .enumerate()
        .map(|(i, &eta)| SweepPoint {
            eta,
            steps_to_eps: (ent[i] >= 0).then_some(ent[i] as usize),
            diverged_at: (div[i] >= 0).then_some(div[i] as usize),
            final_ratio: rat[i],
        })
        .collect())
}

/// The naive version of [`sweep`]: one learning rate after another, each its own loop over
/// steps with a one-row tensor. Same results; here for the benchmark and the test.
pub fn sweep_one_at_a_time(
    surface: &Surface,
    etas: &[f64],
    opts: SweepOptions,
    device: Device,
) -> Result<Vec<SweepPoint>> {
    check_sweep(surface, etas, &opts)?;
    let mut out = Vec::with_capacity(etas.len());
    for &eta in etas {
        out.extend(sweep(surface, &[eta], opts, device)?);
    }
    Ok(out)
}

/// A recorded run: the iterates and the loss at every step.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Path2d {
    /// The learning rate.
    pub eta: f64,
    /// `x_0, x_1, …` up to the last step run (the blow-up step for a diverged run).
    pub points: Vec<[f64; 2]>,
    /// `f(x_t)` for each point.
    pub losses: Vec<f64>,
}

/// Runs `steps` steps of gradient descent from the start with each of `etas` (together, as
/// one batch), recording every iterate. A run whose iterate leaves `blowup·‖x_0 − x*‖`
/// (or becomes non-finite) stops being recorded there; its last recorded loss is the one
/// that showed the blow-up.
pub fn paths(
    surface: &Surface,
    etas: &[f64],
    steps: usize,
    blowup: f64,
    device: Device,
) -> Result<Vec<Path2d>> {
    check_sweep(
        surface,
        etas,
        &SweepOptions {
            max_steps: steps,
            rel_tol: 1.0,
            blowup,
        },
    )?;
    let m = etas.len() as i64;
    let x_star = surface.minimizer();
    let e0 = dist(surface.start, x_star);
    let mut x = Tensor::from_slice(&surface.start)
        .to_device(device)
        .view([1, 2])
        .repeat([m, 1])
        .set_requires_grad(true);
    let eta_col = Tensor::from_slice(etas).to_device(device).view([m, 1]);
    let mut out: Vec<Path2d> = etas
        .iter()
        .map(|&eta| Path2d {
            eta,
            points: vec![],
            losses: vec![],
        })
        .collect();
    let mut open = vec![true; etas.len()];
    for t in 0..=steps {
        let (xs, ls) = {
            let _guard = tch::no_grad_guard();
            (
                Vec::<f64>::try_from(x.detach().view([-1]))?,
                Vec::<f64>::try_from(surface.loss(&x.detach()))?,
            )
        };
        for (i, p) in out.iter_mut().enumerate() {
            if !open[i] {
                continue;
            }
            let pt = [xs[2 * i], xs[2 * i + 1]];
            p.points.push(pt);
            p.losses.push(ls[i]);
            let d = dist(pt, x_star);
            if !d.is_finite() || d > blowup * e0 {
                open[i] = false;
            }
        }
        if t == steps || !open.iter().any(|&o| o) {
            break;
        }
        let active = Tensor::from_slice(&open).to_device(device).view([m, 1]);
        batched_step(surface, &mut x, &eta_col, &active)?;
    }
    Ok(out)
}

fn dist(a: [f64; 2], b: [f64; 2]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curvature_facts() {
        let c = Surface::ravine().curvature();
        assert!((c.lambda_min - 0.2).abs() < 1e-12 && (c.lambda_max - 4.0).abs() < 1e-12);
        assert!((c.edge() - 0.5).abs() < 1e-12);
        let r = Surface::rosenbrock().curvature();
        // Eigenvalues of [[802, −400], [−400, 200]]: 501 ± √(301² + 400²).
        let h = (301.0f64 * 301.0 + 400.0 * 400.0).sqrt();
        assert!((r.lambda_max - (501.0 + h)).abs() < 1e-9);
        assert!((r.lambda_min - (501.0 - h)).abs() < 1e-9);
    }

    #[test]
    fn autograd_gradient_matches_closed_form() {
        let s = Surface::rosenbrock();
        let x = Tensor::from_slice(&[-1.2, 1.0, 0.5, 0.3])
            .view([2, 2])
            .set_requires_grad(true);
        let g = Tensor::f_run_backward(&[s.loss(&x).sum(Kind::Double)], &[&x], false, false)
            .unwrap()
            .remove(0);
        let g = Vec::<f64>::try_from(g.view([-1])).unwrap();
        for (i, (px, py)) in [(-1.2, 1.0), (0.5, 0.3)].into_iter().enumerate() {
            let gx = -2.0 * (1.0 - px) - 400.0 * px * (py - px * px);
            let gy = 200.0 * (py - px * px);
            assert!((g[2 * i] - gx).abs() < 1e-9 && (g[2 * i + 1] - gy).abs() < 1e-9);
        }
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        let s = Surface::bowl();
        let o = SweepOptions {
            max_steps: 10,
            rel_tol: 1e-3,
            blowup: 1e6,
        };
        for eta in [0.0, -1.0, f64::NAN] {
            let e = sweep(&s, &[0.1, eta], o, Device::Cpu).unwrap_err();
            assert!(e.to_string().contains("learning rate"), "{e}");
        }
        assert!(sweep(&s, &[], o, Device::Cpu).is_err());
        assert!(Surface::quadratic("bad", 1.0, 1.0, 3.0, [1.0, 1.0], (-1., 1., -1., 1.)).is_err());
        assert!(paths(&s, &[-0.1], 5, 1e6, Device::Cpu).is_err());
    }

    #[test]
    fn bowl_sweep_matches_closed_form() {
        // On x² + y² each step multiplies the error by |1 − 2η|.
        let s = Surface::bowl();
        let etas = [0.1, 0.3, 0.5 + 1e-3, 0.9, 1.1];
        let opts = SweepOptions {
            max_steps: 500,
            rel_tol: 1e-4,
            blowup: 1e6,
        };
        let pts = sweep(&s, &etas, opts, Device::Cpu).unwrap();
        for p in &pts[..4] {
            let f = (1.0 - 2.0 * p.eta).abs();
            let n = (1e-4f64.ln() / f.ln()).ceil() as usize;
            assert_eq!(p.steps_to_eps, Some(n), "η = {}", p.eta);
        }
        assert!(pts[4].diverged_at.is_some() && pts[4].steps_to_eps.is_none());
        assert_eq!(
            pts,
            sweep_one_at_a_time(&s, &etas, opts, Device::Cpu).unwrap()
        );
    }
}
