// lrbook's bridge to libtorch's fused optimizer kernels (`at::_fused_adam_`,
// `at::_fused_adamw_`, `at::_fused_sgd_`), which tch 0.26 does not wrap: its generator skips
// operators that update lists of tensors in place. Compiled by build.rs against the headers
// of the libtorch that torch-sys links (the torch wheel in .venv), and called from
// src/optim/fused/ffi.rs.
//
// Every tensor arrives as the `torch::Tensor*` behind a tch `Tensor` (torch-sys's
// `C_tensor`). No C++ exception leaves this file: each entry point returns nullptr on
// success, or an error message allocated with malloc that the caller frees with
// lrbook_fused_free_error.
#include <ATen/core/Tensor.h>
#include <ATen/ops/_fused_adam.h>
#include <ATen/ops/_fused_adamw.h>
#include <ATen/ops/_fused_sgd.h>

#include <cstdlib>
#include <cstring>
#include <exception>
#include <vector>

namespace {

char *copy_message(const char *what) {
  size_t n = std::strlen(what);
  char *out = static_cast<char *>(std::malloc(n + 1));
  if (out != nullptr) {
    std::memcpy(out, what, n + 1);
  }
  return out;
}

// The tensors behind `n` handles, as the list an ATen operator takes.
std::vector<at::Tensor> list(at::Tensor *const *handles, size_t n) {
  std::vector<at::Tensor> out;
  if (handles == nullptr) {
    return out;
  }
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(*handles[i]);
  }
  return out;
}

template <typename F> char *guarded(F &&body) {
  try {
    body();
    return nullptr;
  } catch (const c10::Error &e) {
    return copy_message(e.what_without_backtrace());
  } catch (const std::exception &e) {
    return copy_message(e.what());
  } catch (...) {
    return copy_message("unknown C++ exception in libtorch's fused optimizer kernel");
  }
}

} // namespace

extern "C" {

// One Adam (or, with `decoupled`, AdamW) step over `n` parameters. `max_exp_avg_sqs` is
// read only with `amsgrad` (null otherwise). `step` is one float32 scalar tensor holding the
// step count t, on the parameters' device, used for every parameter.
char *lrbook_fused_adam(at::Tensor *const *params, at::Tensor *const *grads,
                        at::Tensor *const *exp_avgs, at::Tensor *const *exp_avg_sqs,
                        at::Tensor *const *max_exp_avg_sqs, const at::Tensor *step,
                        size_t n, double lr, double beta1, double beta2,
                        double weight_decay, double eps, int amsgrad, int decoupled) {
  return guarded([&] {
    auto p = list(params, n);
    auto g = list(grads, n);
    auto m = list(exp_avgs, n);
    auto v = list(exp_avg_sqs, n);
    auto v_max = amsgrad ? list(max_exp_avg_sqs, n) : std::vector<at::Tensor>();
    std::vector<at::Tensor> steps(n, *step);
    if (decoupled) {
      at::_fused_adamw_(p, g, m, v, v_max, steps, lr, beta1, beta2, weight_decay, eps,
                        amsgrad != 0, /*maximize=*/false);
    } else {
      at::_fused_adam_(p, g, m, v, v_max, steps, lr, beta1, beta2, weight_decay, eps,
                       amsgrad != 0, /*maximize=*/false);
    }
  });
}

// One SGD step over `n` parameters. `momentum_buffers` is null for momentum 0; with
// `is_first_step` the kernel fills each buffer with its gradient (PyTorch's first step).
char *lrbook_fused_sgd(at::Tensor *const *params, at::Tensor *const *grads,
                       at::Tensor *const *momentum_buffers, size_t n, double weight_decay,
                       double momentum, double lr, double dampening, int nesterov,
                       int is_first_step) {
  return guarded([&] {
    auto p = list(params, n);
    auto g = list(grads, n);
    auto b = list(momentum_buffers, n);
    at::_fused_sgd_(p, g, b, weight_decay, momentum, lr, dampening, nesterov != 0,
                    /*maximize=*/false, is_first_step != 0);
  });
}

void lrbook_fused_free_error(char *message) { std::free(message); }

} // extern "C"
