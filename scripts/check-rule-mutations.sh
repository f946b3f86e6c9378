#!/usr/bin/env bash
# Mutation check for the library rules behind the chapters (regimes diagnosis, noise-scale
# EMA, shuffle, plateau, grid ratio, batched sweep, power iteration, the finder's rules and
# smoothing against their peers' fixtures): plants one bug at a
# time, runs only non-snapshot tests (unit tests and ch2's scalar-reference test; no
# `pinned_report!`, no insta), and restores the file. Every mutation must be killed. Not
# part of `make test` (about 5 minutes: each mutation rebuilds the library).
# Usage: scripts/check-rule-mutations.sh   (MUTATION_LOG=FILE keeps the test output)
set -uo pipefail
cd "$(dirname "$0")/.."
log="${MUTATION_LOG:-/dev/null}"
n=0
rule_tests() {
    n=$((n + 1))
    echo "=== mutation $n: $target" >>"$log"
    cargo test --quiet --jobs 1 --lib -- regimes:: batch:: data:: hessian:: schedule:: \
        ch1::sharpness ch6::grid_search finder:: 2>&1 | tee -a "$log" &&
        cargo test --quiet --jobs 1 --test finder_rules --test finder_peers 2>&1 | tee -a "$log" &&
        cargo test --quiet --jobs 1 --test ch2_goldilocks batched_sweep_equals_a_scalar_reference \
            2>&1 | tee -a "$log"
}
MUTATION_TEST=rule_tests
source scripts/mutation-harness.sh
# Regimes: the swing, the level, every median, and the end level as means.
run src/regimes.rs "median(&steps)" "(steps.iter().sum::<f64>() / steps.len() as f64)"
run src/regimes.rs "median(half)" "(half.iter().sum::<f64>() / half.len() as f64)"
run src/regimes.rs "v.sort_by(f64::total_cmp);" "let m = v.iter().sum::<f64>() / v.len() as f64; v.iter_mut().for_each(|x| *x = m);"
run src/regimes.rs "let end = median(&v[n - w..]);" "let end = v[n - w..].iter().sum::<f64>() / w as f64;"
# Noise scale: the EMA's bias correction off by one power, either way.
run src/batch.rs "pow_count(self.beta, self.updates as u64)" "pow_count(self.beta, self.updates as u64 + 1)"
run src/batch.rs "pow_count(self.beta, self.updates as u64)" "pow_count(self.beta, self.updates as u64 - 1)"
# Shuffle: a random rotation of 0..n, and Sattolo's algorithm (one-cycle permutations only).
run src/data/batches.rs "SplitMix64::new(seed).shuffle(&mut order);" "order.rotate_left(SplitMix64::new(seed).below(n.max(1) as u64) as usize);"
run src/data/rng.rs "let j = self.below(i as u64 + 1) as usize;" "let j = self.below(i as u64) as usize;"
# Plateau: a NaN metric taken as an improvement, in every mode or in one comparison.
run src/schedule/plateau.rs "if self.is_better(metric) {" "if self.is_better(metric) || metric.is_nan() {"
run src/schedule/plateau.rs "(PlateauMode::Min, ThresholdMode::Rel) => a < best * (1.0 - th)," "(PlateauMode::Min, ThresholdMode::Rel) => !(a >= best * (1.0 - th)),"
# Chapter 6: the ratio divided by the wrong grid point, or the best grid point the worst.
run src/chapters/ch6/grid_search.rs "let best = self.best_grid().1;" "let best = self.grid[0].1;"
run src/chapters/ch6/grid_search.rs "|b, g| if g.1 < b.1 { g } else { b }," "|b, g| if g.1 > b.1 { g } else { b },"
# Chapter 2: a wrong update step in the batched sweep (shared by the one-at-a-time loop).
run src/surfaces.rs "let stepped = &*x - grad * eta_col;" "let stepped = &*x - grad * eta_col * 0.5;"
run src/surfaces.rs "let stepped = &*x - grad * eta_col;" "let stepped = &*x * 0.999 - grad * eta_col;"
# Chapter 1: the sharpness's power iterations cut from 20 to 2, in the chapter and the library;
# the Rayleigh quotient replaced by the norm of H·v.
run src/chapters/ch1/sharpness.rs "max_iters: 20," "max_iters: 2,"
run src/hessian.rs "for _ in 0..opts.max_iters.max(1) {" "for _ in 0..opts.max_iters.clamp(1, 2) {"
run src/hessian.rs "let estimate = dot(&v, &hv)?;" "let estimate = dot(&hv, &hv)?.sqrt();"
# The finder: valley's start clamped at 0 (lrbook's old rule) or its -1 pick taken as the
# first point; skip_start a tenth of what was recorded, not of the planned iterations; the
# window cut only at NaN (fastai's), not at ∞; torch-lr-finder's average started at 0; the
# min_drop = 0 "off" switch ignored.
run src/finder/rules.rs "max_start = i as isize - lds[i] as isize;" "max_start = (i as isize - lds[i] as isize).max(0);"
run src/finder/rules.rs "let i = usize::try_from(i).unwrap_or(n - 1);" "let i = usize::try_from(i).unwrap_or(0);"
run src/finder/rules.rs "skip_start: Some(num_it / 10)," "skip_start: None,"
run src/finder/rules.rs ".position(|l| !l.is_finite())" ".position(|l| l.is_nan())"
run src/finder/smoothing.rs "self.smoothing.seed_with_first && self.count == 1" "self.smoothing.seed_with_first && self.count == 0"
run src/finder/rules.rs "if opts.min_drop > 0.0 && first - min" "if first - min"
finish
