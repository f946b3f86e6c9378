//! Hessian-vector products and sharpness (the top Hessian eigenvalue) by power iteration.
//!
//! Sharpness is the curvature that sets the stability edge `η < 2/λmax` of chapter 1. For a
//! network, the Hessian is far too big to form, but `H·v` costs about two backward passes:
//! take the gradient `g` with `create_graph=true`, form the scalar `Σ gᵢ·vᵢ`, and
//! differentiate that again. Power iteration on `v ↦ H·v` then finds `λmax`.
use tch::{Device, Kind, Tensor};

use crate::{Error, Result};

/// Options for [`top_eigenvalue`].
#[derive(Clone, Copy, Debug, serde::Serialize, serde::Deserialize)]
pub struct PowerIteration {
    /// At most this many Hessian-vector products.
    pub max_iters: usize,
    /// Stop when the estimate changes by less than this, relative to its size.
    pub rel_tol: f64,
    /// Seed for the random start vector (drawn on the CPU, so all devices agree).
    pub seed: u64,
}

impl Default for PowerIteration {
    fn default() -> Self {
        PowerIteration {
            max_iters: 100,
            rel_tol: 1e-6,
            seed: 0,
        }
    }
}

/// The result of a power iteration.
#[derive(Debug)]
pub struct Eigenpair {
    /// The eigenvalue of largest magnitude (for the loss Hessians here, the sharpness).
    pub value: f64,
    /// Its unit eigenvector, one tensor per parameter; pass it back as a warm start.
    pub vector: Vec<Tensor>,
    /// Hessian-vector products used.
    pub iterations: usize,
}

/// `H·v` for the Hessian of `loss` with respect to `params`, by double backward.
/// `loss` must have been computed from `params` with gradients enabled.
pub fn hessian_vector_product(
    loss: &Tensor,
    params: &[Tensor],
    v: &[Tensor],
) -> Result<Vec<Tensor>> {
    check_shapes(params, v)?;
    let grads = Tensor::f_run_backward(&[loss], params, true, true)?;
    hvp_from_grads(&grads, params, v)
}

// ANCHOR: hvp
/// `H·v` given gradients taken with `create_graph=true`: differentiate `Σ gᵢ·vᵢ` once more.
fn hvp_from_grads(grads: &[Tensor], params: &[Tensor], v: &[Tensor]) -> Result<Vec<Tensor>> {
    let g_dot_v = grads
        .iter()
        .zip(v)
        .map(|(g, vi)| (g * vi).sum(Kind::Double))
        .reduce(|a, b| a + b)
        .expect("at least one parameter");
    Ok(Tensor::f_run_backward(&[g_dot_v], params, true, false)?)
}
// ANCHOR_END: hvp

/// The eigenvalue of largest magnitude of the Hessian of `loss` w.r.t. `params`, by power
/// iteration from `start` (a warm start, e.g. the previous step's vector) or a seeded random
/// vector. The gradient graph is built once and reused for every product.
pub fn top_eigenvalue(
    loss: &Tensor,
    params: &[Tensor],
    start: Option<&[Tensor]>,
    opts: PowerIteration,
) -> Result<Eigenpair> {
    if params.is_empty() {
        return Err(Error::invalid(
            "parameters",
            "the list is empty",
            "Pass the model's trainable tensors.",
        ));
    }
    let mut v: Vec<Tensor> = match start {
        Some(s) => {
            check_shapes(params, s)?;
            s.iter().map(|t| t.detach()).collect()
        }
        None => {
            tch::manual_seed(opts.seed as i64);
            params
                .iter()
                .map(|p| Tensor::randn(p.size(), (p.kind(), Device::Cpu)).to_device(p.device()))
                .collect()
        }
    };
    normalize(&mut v)?;
    let grads = Tensor::f_run_backward(&[loss], params, true, true)?;
    let mut value = f64::NAN;
    let mut iterations = 0;
    // ANCHOR: power_iteration
    for _ in 0..opts.max_iters.max(1) {
        let hv = hvp_from_grads(&grads, params, &v)?;
        iterations += 1;
        let estimate = dot(&v, &hv)?; // Rayleigh quotient vᵀHv with ‖v‖ = 1
        v = hv;
        normalize(&mut v)?;
        let converged = (estimate - value).abs() <= opts.rel_tol * estimate.abs();
        value = estimate;
        if converged {
            break;
        }
    }
    // ANCHOR_END: power_iteration
    Ok(Eigenpair {
        value,
        vector: v,
        iterations,
    })
}

fn check_shapes(params: &[Tensor], v: &[Tensor]) -> Result<()> {
    if params.len() != v.len() || params.iter().zip(v).any(|(p, x)| p.size() != x.size()) {
        return Err(Error::invalid(
            "direction vector",
            "its tensors do not match the parameters' shapes",
            "Pass one tensor per parameter, of the same shape.",
        ));
    }
    Ok(())
}

fn dot(a: &[Tensor], b: &[Tensor]) -> Result<f64> {
    let mut s = 0.0;
    for (x, y) in a.iter().zip(b) {
        s += f64::try_from((x * y).sum(Kind::Double))?;
    }
    Ok(s)
}

fn normalize(v: &mut [Tensor]) -> Result<()> {
    let norm = dot(v, v)?.sqrt();
    if !norm.is_finite() || norm == 0.0 {
        return Err(Error::invalid(
            "power iteration",
            format!("the vector's norm became {norm}"),
            "The Hessian is zero or non-finite here; check the loss.",
        ));
    }
    for t in v.iter_mut() {
        *t = t.detach() / norm;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quadratic::Quadratic;

    #[test]
    fn top_eigenvalue_of_a_quadratic_is_lambda_max() {
        let q = Quadratic::rotated(&[0.5, 2.0, 7.0, 3.0], &[1.0, 0.0, -1.0, 2.0], 3).unwrap();
        let theta = Tensor::from_slice(&[0.3, 0.1, 0.2, -0.4]).set_requires_grad(true);
        let loss = q.loss(&theta);
        let e = top_eigenvalue(
            &loss,
            std::slice::from_ref(&theta),
            None,
            PowerIteration {
                max_iters: 500,
                rel_tol: 1e-13,
                seed: 1,
            },
        )
        .unwrap();
        assert!((e.value - 7.0).abs() < 1e-9, "{}", e.value);
    }

    /// Power iteration in closed form: on `½Σλᵢθᵢ²` (Hessian diag(λ)) from the warm start
    /// `v₀`, the k-th product's estimate is the Rayleigh quotient of `H^(k−1)v₀`,
    /// `Σv₀ᵢ²λᵢ^(2k−1) / Σv₀ᵢ²λᵢ^(2k−2)`, and the vector returned is `H^k v₀`, normalised.
    #[test]
    fn each_power_iteration_matches_its_closed_form() {
        let lam: [f64; 4] = [1.0, 3.0, 6.0, 10.0];
        let v0: [f64; 4] = [1.0, -2.0, 0.5, 0.25];
        for k in 1..=8 {
            let theta = Tensor::from_slice(&[0.3, -0.2, 0.5, 0.1]).set_requires_grad(true);
            let loss = (Tensor::from_slice(&lam) * &theta * &theta).sum(Kind::Double) * 0.5;
            let e = top_eigenvalue(
                &loss,
                std::slice::from_ref(&theta),
                Some(&[Tensor::from_slice(&v0)]),
                PowerIteration {
                    max_iters: k,
                    rel_tol: 0.0,
                    seed: 0,
                },
            )
            .unwrap();
            let moment =
                |p: i32| -> f64 { lam.iter().zip(&v0).map(|(l, v)| v * v * l.powi(p)).sum() };
            let k32 = k as i32;
            let expected = moment(2 * k32 - 1) / moment(2 * k32 - 2);
            assert_eq!(e.iterations, k);
            assert!(
                (e.value - expected).abs() < 1e-12 * expected,
                "k = {k}: {} vs {expected}",
                e.value
            );
            let norm = moment(2 * k32).sqrt();
            let got = Vec::<f64>::try_from(&e.vector[0]).unwrap();
            for i in 0..4 {
                let want = v0[i] * lam[i].powi(k32) / norm;
                assert!((got[i] - want).abs() < 1e-12, "k = {k}, i = {i}");
            }
        }
    }

    #[test]
    fn hvp_matches_finite_differences_of_the_gradient() {
        tch::manual_seed(0);
        let w = Tensor::randn([3, 4], (Kind::Double, Device::Cpu)).set_requires_grad(true);
        let x = Tensor::randn([5, 4], (Kind::Double, Device::Cpu));
        let f = |w: &Tensor| {
            x.matmul(&w.transpose(0, 1))
                .tanh()
                .pow_tensor_scalar(2)
                .sum(Kind::Double)
        };
        let v = Tensor::randn([3, 4], (Kind::Double, Device::Cpu));
        let hv = hessian_vector_product(&f(&w), std::slice::from_ref(&w), std::slice::from_ref(&v))
            .unwrap()
            .remove(0);
        let grad_at = |w0: &Tensor| {
            let w0 = w0.detach().set_requires_grad(true);
            Tensor::run_backward(&[f(&w0)], &[&w0], false, false).remove(0)
        };
        let h = 1e-6;
        let fd = (grad_at(&(&w.detach() + &v * h)) - grad_at(&(&w.detach() - &v * h))) / (2.0 * h);
        let diff = f64::try_from((&hv - &fd).abs().max()).unwrap();
        assert!(diff < 1e-6, "max |Hv - finite difference| = {diff}");
    }

    #[test]
    fn mismatched_vector_is_an_error() {
        let w = Tensor::ones([2], (Kind::Double, Device::Cpu)).set_requires_grad(true);
        let loss = (&w * &w).sum(Kind::Double);
        let bad = [Tensor::ones([3], (Kind::Double, Device::Cpu))];
        assert!(hessian_vector_product(&loss, std::slice::from_ref(&w), &bad).is_err());
    }
}
