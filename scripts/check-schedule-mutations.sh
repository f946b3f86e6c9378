#!/usr/bin/env bash
# Mutation check for the schedule conformance test: applies one small change at a time to a
# schedule formula, runs tests/schedule_conformance.rs, and restores the file. Every
# mutation must be "killed" (the test fails). Not part of `make test` (about a minute).
# Usage: scripts/check-schedule-mutations.sh
set -uo pipefail
cd "$(dirname "$0")/.."
MUTATION_TEST="cargo test --quiet --test schedule_conformance"
source scripts/mutation-harness.sh
run src/schedule/basic.rs "let decays = (step / self.step_size) as f64;" "let decays = ((step + 1) / self.step_size) as f64;"
run src/schedule/basic.rs "partition_point(|&m| m <= step)" "partition_point(|&m| m < step)"
run src/schedule/basic.rs "self.base_lr * self.gamma.powf(step as f64)" "self.base_lr * self.gamma.powf(step as f64 + 1.0)"
run src/schedule/basic.rs "(1.0 - t / self.total_iters as f64).powf(self.power)" "(1.0 - t / self.total_iters as f64).powf(self.power * 1.01)"
run src/schedule/basic.rs "self.base_lr * (s + (e - s) * t / self.total_iters as f64)" "self.base_lr * (s + (e - s) * t / (self.total_iters as f64 + 1.0))"
run src/schedule/basic.rs "eta_min + (base_lr - eta_min) * (1.0 + (PI * t / period).cos()) / 2.0" "eta_min + (base_lr - eta_min) * (1.0 + (PI * (t + 1.0) / period).cos()) / 2.0"
run src/schedule/basic.rs "t_i = t_i.saturating_mul(self.t_mult);" "t_i = t_i.saturating_mul(self.t_mult) + 1;"
run src/schedule/cycles.rs "AnnealStrategy::Linear => (end - start) * pct + start," "AnnealStrategy::Linear => (end - start) * pct * pct + start,"
run src/schedule/cycles.rs "CyclicMode::Triangular2 => 1.0 / 2f64.powf(cycle - 1.0)," "CyclicMode::Triangular2 => 1.0 / 2f64.powf(cycle),"
run src/schedule/cycles.rs "CyclicMode::ExpRange => self.config.gamma.powf(t)," "CyclicMode::ExpRange => self.config.gamma.powf(t + 1.0),"
run src/schedule/plateau.rs "if self.num_bad_steps > self.config.patience {" "if self.num_bad_steps >= self.config.patience {"
run src/schedule/plateau.rs "self.num_bad_steps = 0; // bad steps during cooldown do not count" "// cooldown ignored"
run src/schedule/compose.rs "(self.parts[i].as_ref(), step - start)" "(self.parts[i].as_ref(), step)"
run src/schedule/compose.rs ".map(|s| s.lr(step) / s.base_lr())" ".map(|s| s.lr(step))"
run src/schedule/plateau.rs "(PlateauMode::Min, ThresholdMode::Rel) => a < best * (1.0 - th)," "(PlateauMode::Min, ThresholdMode::Rel) => a < best * (1.0 - 2.0 * th),"
run src/schedule/plateau.rs "(PlateauMode::Min, ThresholdMode::Abs) => a < best - th," "(PlateauMode::Min, ThresholdMode::Abs) => a < best - 2.0 * th,"
run src/schedule/plateau.rs "(PlateauMode::Max, ThresholdMode::Rel) => a > best * (th + 1.0)," "(PlateauMode::Max, ThresholdMode::Rel) => a > best * (0.5 * th + 1.0),"
run src/schedule/plateau.rs "(PlateauMode::Max, ThresholdMode::Abs) => a > best + th," "(PlateauMode::Max, ThresholdMode::Abs) => a > best + 0.5 * th,"
run src/schedule/cycles.rs "self.config.cycle_momentum.then(|| self.values(step).1)" "self.config.cycle_momentum.then(|| self.values(step + 1).1)"
finish
