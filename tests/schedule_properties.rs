//! Property tests for `lrbook::schedule`: bounds, monotonicity, periodicity and continuity
//! at phase boundaries, over random valid configurations (64 cases each, a few seconds).
//!
//! Tolerances: values are compared with a slack of `1e-12` relative to the schedule's
//! largest LR. That is ~4 orders of magnitude above the rounding of one closed-form
//! evaluation (a handful of flops, ~1e-16 each) and far below any real change of LR.
use lrbook::schedule::*;
use proptest::prelude::*;

const SLACK: f64 = 1e-12;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 64,
        // Do not write regression files into the source tree (CI checks a clean tree).
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn lrs(s: &dyn LrSchedule, n: usize) -> Vec<f64> {
    (0..n).map(|k| s.lr(k)).collect()
}

fn non_increasing(v: &[f64], scale: f64) -> bool {
    v.windows(2).all(|w| w[1] <= w[0] + SLACK * scale)
}

fn non_decreasing(v: &[f64], scale: f64) -> bool {
    v.windows(2).all(|w| w[1] >= w[0] - SLACK * scale)
}

fn within(v: &[f64], lo: f64, hi: f64) -> bool {
    v.iter()
        .all(|&x| x >= lo - SLACK * hi && x <= hi + SLACK * hi)
}

/// The largest change between consecutive steps.
fn max_jump(v: &[f64]) -> f64 {
    v.windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0, f64::max)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn step_and_exponential_decay_monotonically(
        base in 1e-4f64..1.0, size in 1usize..50, gamma in 0.05f64..=1.0
    ) {
        let step = StepLr::new(base, size, gamma).unwrap();
        let v = lrs(&step, 300);
        prop_assert!(non_increasing(&v, base) && within(&v, 0.0, base));
        let exp = ExponentialLr::new(base, gamma).unwrap();
        let v = lrs(&exp, 300);
        prop_assert!(non_increasing(&v, base) && within(&v, 0.0, base));
        let ms = MultiStepLr::new(base, vec![size, 3 * size, 2 * size], gamma).unwrap();
        prop_assert!(non_increasing(&lrs(&ms, 300), base));
    }

    #[test]
    fn cosine_is_bounded_monotone_within_a_period_and_periodic(
        base in 1e-4f64..1.0, t_max in 1usize..120, min_frac in 0.0f64..1.0
    ) {
        let eta_min = base * min_frac;
        let s = CosineAnnealingLr::new(base, t_max, eta_min).unwrap();
        let v = lrs(&s, 4 * t_max + 1);
        prop_assert!(within(&v, eta_min, base));
        prop_assert!(non_increasing(&v[..=t_max], base));
        // PyTorch's values keep following the cosine: back up to base_lr at 2·T_max.
        prop_assert!(non_decreasing(&v[t_max..=2 * t_max], base));
        prop_assert!((v[2 * t_max] - base).abs() <= SLACK * base);
    }

    #[test]
    fn warm_restarts_are_bounded_and_periodic_with_t_mult_1(
        base in 1e-4f64..1.0, t_0 in 1usize..40, t_mult in 1usize..4, min_frac in 0.0f64..1.0
    ) {
        let eta_min = base * min_frac;
        let s = CosineAnnealingWarmRestarts::new(base, t_0, t_mult, eta_min).unwrap();
        let v = lrs(&s, 400);
        prop_assert!(within(&v, eta_min, base));
        prop_assert!((v[0] - base).abs() <= SLACK * base);
        // Monotone within the first period, restart at base_lr after it.
        prop_assert!(non_increasing(&v[..t_0], base));
        prop_assert!((v[t_0] - base).abs() <= SLACK * base);
        if t_mult == 1 {
            for k in 0..300 {
                prop_assert_eq!(v[k], v[k + t_0]);
            }
        }
    }

    #[test]
    fn triangular_cyclic_is_periodic_bounded_and_continuous(
        base in 1e-4f64..0.1, ratio in 1.0f64..100.0, up in 1usize..30, down in 1usize..30
    ) {
        let max = base * ratio;
        let cfg = CyclicConfig { step_size_down: Some(down), ..CyclicConfig::default() };
        let s = CyclicLr::new(base, max, up, cfg).unwrap();
        let period = up + down;
        let v = lrs(&s, 4 * period + 1);
        prop_assert!(within(&v, base, max));
        prop_assert!((v[up] - max).abs() <= SLACK * max, "peak after step_size_up");
        for k in 0..3 * period {
            prop_assert!((v[k] - v[k + period]).abs() <= SLACK * max);
        }
        // A triangle moves by at most (max − base)/min(up, down) per step.
        let slope = (max - base) / up.min(down) as f64;
        prop_assert!(max_jump(&v) <= slope * (1.0 + 1e-9));
        let m: Vec<f64> = (0..period).map(|k| s.momentum(k).unwrap()).collect();
        prop_assert!(within(&m, 0.8, 0.9));
    }

    #[test]
    fn one_cycle_is_bounded_and_continuous_at_phase_boundaries(
        max_lr in 1e-3f64..1.0, total in 20usize..400, pct in 0.1f64..0.45,
        linear in any::<bool>(), three_phase in any::<bool>()
    ) {
        let cfg = OneCycleConfig {
            pct_start: pct,
            three_phase,
            anneal_strategy: if linear { AnnealStrategy::Linear } else { AnnealStrategy::Cos },
            ..OneCycleConfig::default()
        };
        let s = OneCycleLr::new(max_lr, total, cfg).unwrap();
        // Steps 0..total (step `total`, which PyTorch also allows, extrapolates past min_lr).
        let v = lrs(&s, total);
        let min_lr = max_lr / 25.0 / 1e4;
        prop_assert!(within(&v, min_lr, max_lr));
        let m: Vec<f64> = (0..total).map(|k| s.momentum(k).unwrap()).collect();
        prop_assert!(within(&m, 0.85, 0.95));
        // Continuity: a phase of `len` steps moves by at most max_lr·π/2/len per step (the
        // cosine's steepest slope; linear is gentler), also across a phase boundary.
        let t = total as f64;
        let lens = if three_phase {
            vec![pct * t - 1.0, pct * t - 1.0, t - 1.0 - (2.0 * pct * t - 2.0)]
        } else {
            vec![pct * t - 1.0, t - pct * t]
        };
        let shortest = lens.into_iter().fold(f64::INFINITY, f64::min);
        let bound = max_lr * std::f64::consts::FRAC_PI_2 / shortest;
        prop_assert!(max_jump(&v) <= bound * (1.0 + 1e-9), "jump {} > {}", max_jump(&v), bound);
        prop_assert!(s.try_lr(total).is_ok() && s.try_lr(total + 1).is_err());
    }

    #[test]
    fn warmup_starts_above_zero_and_rises_continuously(
        base in 1e-4f64..1.0, w in 1usize..100, cosine in any::<bool>()
    ) {
        let warm = if cosine { Warmup::cosine(base, w) } else { Warmup::linear(base, w) }.unwrap();
        let v = lrs(&warm, w + 10);
        prop_assert!(v[0] > 0.0, "step 0 must not waste a step at LR 0");
        prop_assert!((v[0] - base / w as f64).abs() <= SLACK * base);
        prop_assert!(non_decreasing(&v, base) && within(&v, 0.0, base));
        prop_assert_eq!(v[w], base);
        // warmup_then: the next schedule starts at its step 0 = base_lr, which is exactly
        // where the warmup arrives, so the boundary step is no bigger than a ramp step.
        let s = warmup_then(w, CosineAnnealingLr::new(base, 50, 0.0).unwrap()).unwrap();
        let v = lrs(&s, w + 50);
        prop_assert_eq!(v[w], base);
        let ramp_step = base / w as f64; // linear ramp increment (1 − 1/w)/w·base, rounded up
        let cos_step = base * std::f64::consts::FRAC_PI_2 / 50.0;
        prop_assert!(max_jump(&v) <= ramp_step.max(cos_step) * (1.0 + 1e-9));
    }

    #[test]
    fn polynomial_and_linear_reach_their_end_and_stay(
        base in 1e-4f64..1.0, total in 1usize..100, power in 0.1f64..4.0,
        start in 0.01f64..=1.0, end in 0.0f64..=1.0
    ) {
        let p = PolynomialLr::new(base, total, power).unwrap();
        let v = lrs(&p, total + 20);
        prop_assert!(non_increasing(&v, base) && within(&v, 0.0, base));
        prop_assert!(v[total..].iter().all(|&x| x == 0.0));
        let l = LinearLr::new(base, start, end, total).unwrap();
        let v = lrs(&l, total + 20);
        let (lo, hi) = (start.min(end) * base, start.max(end) * base);
        prop_assert!(within(&v, lo, hi));
        prop_assert!(v[total..].iter().all(|&x| (x - end * base).abs() <= SLACK * base));
    }

    #[test]
    fn plateau_only_lowers_the_lr_and_respects_min_lr(
        metrics in prop::collection::vec(-1.0f64..1.0, 1..200),
        patience in 0usize..5, cooldown in 0usize..4, factor in 0.05f64..0.95, max_mode in any::<bool>()
    ) {
        let cfg = PlateauConfig {
            mode: if max_mode { PlateauMode::Max } else { PlateauMode::Min },
            patience, cooldown, factor, min_lr: 1e-3,
            ..PlateauConfig::default()
        };
        let mut s = ReduceLrOnPlateau::new(0.1, cfg).unwrap();
        let v: Vec<f64> = metrics.iter().map(|&m| s.step(m)).collect();
        prop_assert!(non_increasing(&v, 0.1) && within(&v, 1e-3, 0.1));
    }

    #[test]
    fn any_step_gives_a_finite_lr(step in any::<usize>()) {
        let schedules: Vec<Box<dyn LrSchedule>> = vec![
            Box::new(StepLr::new(0.1, 3, 0.5).unwrap()),
            Box::new(CosineAnnealingWarmRestarts::new(0.1, 2, 3, 0.0).unwrap()),
            Box::new(CyclicLr::new(0.01, 0.1, 5, CyclicConfig::default()).unwrap()),
            Box::new(OneCycleLr::new(0.1, 100, OneCycleConfig::default()).unwrap()),
            Box::new(TimeBasedDecay::new(0.1, 0.01).unwrap()),
            Box::new(InverseSqrt::new(0.1, 100).unwrap()),
            Box::new(LinearOneCycle::new(0.01, 0.1, 100).unwrap()),
            Box::new(cosine_with_warmup(0.1, 10, 100, 0.0).unwrap()),
        ];
        for s in &schedules {
            let lr = s.lr(step);
            prop_assert!(lr.is_finite() && lr >= 0.0, "{lr}");
        }
    }
}

#[test]
fn time_based_inverse_sqrt_and_linear_one_cycle_have_their_documented_shape() {
    let t = TimeBasedDecay::new(0.1, 0.5).unwrap();
    assert_eq!((t.lr(0), t.lr(2)), (0.1, 0.05));
    let r = InverseSqrt::new(0.1, 100).unwrap();
    assert_eq!(r.lr(0), 0.1);
    assert!((r.lr(300) - 0.05).abs() < 1e-15);
    let c = LinearOneCycle::new(0.01, 0.1, 10).unwrap();
    let v = lrs(&c, 12);
    assert_eq!((v[0], v[5], v[10], v[11]), (0.01, 0.1, 0.01, 0.01));
    assert!(non_decreasing(&v[..=5], 0.1) && non_increasing(&v[5..], 0.1));
}
