//! The calls into `shim.cpp` (compiled by build.rs): libtorch's `_fused_adam_`,
//! `_fused_adamw_` and `_fused_sgd_`, which tch 0.26 does not wrap.
//!
//! Each list is an array of torch-sys `C_tensor` pointers (a `torch::Tensor*` each) taken
//! from live tch tensors with [`Tensor::as_ptr`]; the kernels change the tensors' data in
//! place, never the handles. A C++ exception comes back as an error message, never as an
//! abort.
use std::ffi::{c_char, c_int, CStr};

use tch::Tensor;
use torch_sys::C_tensor;

use crate::{Error, Result};

extern "C" {
    fn lrbook_fused_adam(
        params: *const *const C_tensor,
        grads: *const *const C_tensor,
        exp_avgs: *const *const C_tensor,
        exp_avg_sqs: *const *const C_tensor,
        max_exp_avg_sqs: *const *const C_tensor,
        step: *const C_tensor,
        n: usize,
        lr: f64,
        beta1: f64,
        beta2: f64,
        weight_decay: f64,
        eps: f64,
        amsgrad: c_int,
        decoupled: c_int,
    ) -> *mut c_char;

    fn lrbook_fused_sgd(
        params: *const *const C_tensor,
        grads: *const *const C_tensor,
        momentum_buffers: *const *const C_tensor,
        n: usize,
        weight_decay: f64,
        momentum: f64,
        lr: f64,
        dampening: f64,
        nesterov: c_int,
        is_first_step: c_int,
    ) -> *mut c_char;

    fn lrbook_fused_free_error(message: *mut c_char);
}

/// The result of a shim call: `Ok` for a null message, else the message as an error.
fn checked(message: *mut c_char, kernel: &str) -> Result<()> {
    if message.is_null() {
        return Ok(());
    }
    // SAFETY: a non-null result is a NUL-terminated string that the shim allocated with
    // malloc and hands over to us; it is read once and freed by the shim's own `free`.
    let text = unsafe { CStr::from_ptr(message) }
        .to_string_lossy()
        .into_owned();
    unsafe { lrbook_fused_free_error(message) };
    Err(Error::Torch(tch::TchError::Torch(format!(
        "{kernel}: {text}"
    ))))
}

/// The scalars of one fused Adam step.
#[derive(Clone, Copy, Debug)]
pub(super) struct AdamScalars {
    pub lr: f64,
    pub betas: (f64, f64),
    pub weight_decay: f64,
    pub eps: f64,
    pub amsgrad: bool,
    pub decoupled: bool,
}

/// The lists of one fused Adam step, one entry per parameter (`max_exp_avg_sqs` empty
/// without AMSGrad): the handles of live tensors ([`Tensor::as_ptr`]).
#[derive(Default)]
pub(super) struct AdamLists {
    pub params: Vec<*const C_tensor>,
    pub grads: Vec<*const C_tensor>,
    pub exp_avgs: Vec<*const C_tensor>,
    pub exp_avg_sqs: Vec<*const C_tensor>,
    pub max_exp_avg_sqs: Vec<*const C_tensor>,
}

/// `torch._fused_adam_` (or `_fused_adamw_`) over the lists, at step count `step` (a
/// float32 scalar tensor on the parameters' device).
///
/// # Safety
///
/// Every pointer must come from a tensor that lives until this returns; the lists must
/// have one entry per parameter, each shaped like its parameter, on its device.
pub(super) unsafe fn adam(lists: &AdamLists, step: &Tensor, s: AdamScalars) -> Result<()> {
    let n = lists.params.len();
    let amsgrad_len = if s.amsgrad { n } else { 0 };
    if [&lists.grads, &lists.exp_avgs, &lists.exp_avg_sqs]
        .iter()
        .any(|l| l.len() != n)
        || lists.max_exp_avg_sqs.len() != amsgrad_len
    {
        return Err(unequal("fused Adam", n));
    }
    let maxes = if s.amsgrad {
        lists.max_exp_avg_sqs.as_ptr()
    } else {
        std::ptr::null()
    };
    let message = lrbook_fused_adam(
        lists.params.as_ptr(),
        lists.grads.as_ptr(),
        lists.exp_avgs.as_ptr(),
        lists.exp_avg_sqs.as_ptr(),
        maxes,
        step.as_ptr(),
        n,
        s.lr,
        s.betas.0,
        s.betas.1,
        s.weight_decay,
        s.eps,
        c_int::from(s.amsgrad),
        c_int::from(s.decoupled),
    );
    checked(message, "torch._fused_adam_")
}

/// The scalars of one fused SGD step.
#[derive(Clone, Copy, Debug)]
pub(super) struct SgdScalars {
    pub lr: f64,
    pub momentum: f64,
    pub dampening: f64,
    pub weight_decay: f64,
    pub nesterov: bool,
}

/// The lists of one fused SGD step, one entry per parameter (`buffers` empty for momentum
/// 0): the handles of live tensors ([`Tensor::as_ptr`]).
#[derive(Default)]
pub(super) struct SgdLists {
    pub params: Vec<*const C_tensor>,
    pub grads: Vec<*const C_tensor>,
    pub buffers: Vec<*const C_tensor>,
}

/// `torch._fused_sgd_` over the lists. With `is_first_step` the kernel writes each buffer
/// (whatever it held) from its gradient, as PyTorch's first step does.
///
/// # Safety
///
/// As for [`adam`]: live tensors, one entry per parameter in every list.
pub(super) unsafe fn sgd(lists: &SgdLists, s: SgdScalars, is_first_step: bool) -> Result<()> {
    let n = lists.params.len();
    let with_momentum = s.momentum != 0.0;
    if lists.grads.len() != n || lists.buffers.len() != if with_momentum { n } else { 0 } {
        return Err(unequal("fused SGD", n));
    }
    let buffers = if with_momentum {
        lists.buffers.as_ptr()
    } else {
        std::ptr::null()
    };
    let message = lrbook_fused_sgd(
        lists.params.as_ptr(),
        lists.grads.as_ptr(),
        buffers,
        n,
        s.weight_decay,
        s.momentum,
        s.lr,
        s.dampening,
        c_int::from(s.nesterov),
        c_int::from(is_first_step),
    );
    checked(message, "torch._fused_sgd_")
}

fn unequal(kernel: &str, n: usize) -> Error {
    Error::Torch(tch::TchError::Shape(format!(
        "{kernel}: lists of unequal length for {n} parameters"
    )))
}
