#!/usr/bin/env bash
# Mutation check for the optimizer conformance test: breaks one line of one update rule at
# a time, runs tests/optim_conformance.rs, and restores the file. Every mutation must be
# "killed" (the test fails). Not part of `make test` (a minute or two).
# Usage: scripts/check-optim-mutations.sh
set -uo pipefail
cd "$(dirname "$0")/.."
MUTATION_TEST="cargo test --quiet --test optim_conformance every_update_rule"
source scripts/mutation-harness.sh
run src/optim/sgd.rs "None => d_p.copy()," "None => d_p.copy() * (1.0 - dampening),"
run src/optim/sgd.rs "Some(b) => b * momentum + &d_p * (1.0 - dampening)," "Some(b) => b * momentum + &d_p,"
run src/optim/sgd.rs "d_p + &b * momentum" "&b * momentum"
run src/optim/mod.rs "grad + param * weight_decay" "grad + param * (2.0 * weight_decay)"
run src/optim/adagrad.rs "lr / (1.0 + (self.steps - 1) as f64 * c.lr_decay)" "lr / (1.0 + self.steps as f64 * c.lr_decay)"
run src/optim/adagrad.rs "let std = sum.sqrt() + c.eps;" "let std = (&*sum + c.eps).sqrt();"
run src/optim/rmsprop.rs "(&*v - &*m * &*m).sqrt()" "v.sqrt()"
run src/optim/rmsprop.rs "*m = &*m * c.alpha + &g * (1.0 - c.alpha);" "*m = &*m * c.alpha + &g;"
run src/optim/rmsprop.rs "*b = &*b * c.momentum + g / rms;" "*b = &*b * c.momentum + g / rms * (1.0 - c.momentum);"
run src/optim/adam.rs "tmp.f_mul_scalar_(lr / bias_correction1)" "tmp.f_mul_scalar_(lr)"
run src/optim/adam.rs "tmp.f_div_scalar_(bias_correction2.sqrt())" "tmp.f_div_scalar_(1.0)"
run src/optim/adam.rs "v_max.f_copy_(tmp)?;" "v_max.f_copy_(v)?;"
run src/optim/adam.rs "shrink(&mut self.params[i], 1.0 - lr * c.weight_decay)?;" "shrink(&mut self.params[i], 1.0 - c.weight_decay)?;"
run src/optim/adam.rs "let _ = tmp.f_add_scalar_(c.eps)?;" "let _ = tmp.f_add_scalar_(c.eps * 1e4)?;"
run src/optim/adam_variants.rs "*u = (&*u * beta2).maximum(&(g.abs() + c.eps));" "*u = (&*u * beta2).maximum(&g.abs()) + c.eps;"
run src/optim/adam_variants.rs "let clr = lr / (1.0 - pow_count(beta1, self.steps));" "let clr = lr;"
run src/optim/adam_variants.rs "let mu_product_next = self.mu_product * mu_next;" "let mu_product_next = self.mu_product * mu;"
run src/optim/adam_variants.rs "0.96f64.powf((t + 1.0) * c.momentum_decay)" "0.96f64.powf(t * c.momentum_decay)"
run src/optim/adam_variants.rs "let update = if rho_t > 5.0 {" "let update = if rho_t > 4.0 {"
run src/optim/adam_variants.rs "m_hat * lr * adaptive * rect" "m_hat * lr * adaptive"
run src/optim/adam_variants.rs "let m_hat = &self.exp_avgs[i] / bias_correction1;" "let m_hat = self.exp_avgs[i].shallow_clone();"
# Driven by a momentum-cycling schedule through schedule::apply (tests/optim_schedule_drive.rs):
# every rule must use the β₁ or momentum the schedule set, in every formula PyTorch uses it.
MUTATION_TEST="cargo test --quiet --test optim_schedule_drive"
run src/optim/adam.rs "let bias_correction1 = 1.0 - pow_count(beta1, t);" "let bias_correction1 = 1.0 - pow_count(0.9, t);"
run src/optim/adam_variants.rs "let mu = beta1 * (1.0" "let mu = 0.9 * (1.0"
run src/optim/adam_variants.rs "let bias_correction1 = 1.0 - beta1.powf(t);" "let bias_correction1 = 1.0 - 0.9f64.powf(t);"
run src/optim/adam_variants.rs "self.config.betas.0 = beta(\"RAdam beta1\", momentum)?;" "beta(\"RAdam beta1\", momentum)?;"
run src/optim/rmsprop.rs "if self.buffers.is_empty() && momentum > 0.0 {" "if false {"
run src/optim/mod.rs "tch::nn::Optimizer::set_lr(self, lr);" ""
run src/schedule/mod.rs "set_lr_and_momentum(optimizer, step, lr, schedule.momentum(step))?;" "set_lr_and_momentum(optimizer, step, lr, schedule.momentum(step + 1))?;"
# The fused path (src/optim/fused: FusedSgd, FusedAdam and the C++ shim) against the same
# torch.optim fixture (tests/optim_fused.rs).
MUTATION_TEST="cargo test --quiet --test optim_fused fused_rules_match_torch_optim"
run src/optim/fused/mod.rs "[(first, true), (later, false)]" "[(first, false), (later, false)]"
run src/optim/fused/mod.rs "let _ = self.step_count.f_fill_(a.steps as f64)?;" "let _ = self.step_count.f_fill_(1.0)?;"
run src/optim/fused/shim.cpp "    if (decoupled) {" "    if (false) {"
run src/optim/fused/shim.cpp "amsgrad != 0, /*maximize=*/false);" "false, /*maximize=*/false);"
run src/optim/fused/shim.cpp "weight_decay, momentum, lr, dampening," "weight_decay, momentum, lr, 0.0,"
# LARS and LAMB against timm 1.0.15 (tests/optim_large_batch.rs).
MUTATION_TEST="cargo test --quiet --test optim_large_batch lars_and_lamb_match_timm"
run src/optim/lars.rs "let denominator = (&g_norm + &w_norm * c.weight_decay) + c.eps;" "let denominator = &g_norm + c.eps;"
run src/optim/lars.rs "ratio = (ratio / lr).f_clamp_max(1.0)?; // LARC" "ratio = ratio.f_clamp_max(1.0)?; // LARC"
run src/optim/lars.rs "d_p = (&grad + &*p * c.weight_decay) * ratio;" "d_p = &grad * ratio;"
run src/optim/lamb.rs "Ok(Some((global / max_grad_norm).f_clamp_min(1.0)?))" "Ok(Some((global / max_grad_norm).f_clamp_min(0.0)?))"
run src/optim/lamb.rs "let beta3 = if c.grad_averaging { 1.0 - beta1 } else { 1.0 };" "let beta3 = 1.0 - beta1;"
run src/optim/lamb.rs "ratio = ratio.f_clamp_max(1.0)?; // LAMBC" "// LAMBC off"
run src/optim/lamb.rs "let _ = p.f_add_(&(&*p * (-lr * c.weight_decay)))?;" "update += &*p * c.weight_decay;"
run src/optim/lamb.rs "if c.weight_decay != 0.0 || c.always_adapt {" "if c.weight_decay != 0.0 {"
# train::clip_grad_norm against torch.nn.utils.clip_grad_norm_ (tests/optim_large_batch.rs).
MUTATION_TEST="cargo test --quiet --test optim_large_batch clip_grad_norm_matches_torch"
run src/train.rs "let coefficient = ((&total + 1e-6).f_reciprocal()? * max_norm).f_clamp_max(1.0)?;" "let coefficient = (total.f_reciprocal()? * max_norm).f_clamp_max(1.0)?;"
run src/train.rs "let coefficient = ((&total + 1e-6).f_reciprocal()? * max_norm).f_clamp_max(1.0)?;" "let coefficient = ((&total + 1e-6).f_reciprocal()? * max_norm).f_clamp_max(2.0)?;"
finish
