//! Unit tests of the range test and its rules.
use super::*;

#[test]
fn sweeps_hit_both_ends_exactly() {
    let t = RangeTest::new(1e-6, 1.0, 7).unwrap();
    assert_eq!(t.lr_at(0), 1e-6);
    assert!((t.lr_at(6) - 1.0).abs() < 1e-15);
    assert!((t.lr_at(3) - 1e-3).abs() < 1e-15);
    let lin = RangeTest {
        sweep: Sweep::Linear,
        ..RangeTest::new(0.1, 0.7, 4).unwrap()
    };
    let got: Vec<f64> = (0..4).map(|k| lin.lr_at(k)).collect();
    for (g, w) in got.iter().zip([0.1, 0.3, 0.5, 0.7]) {
        assert!((g - w).abs() < 1e-15, "{got:?}");
    }
    let two = RangeTest::new(0.01, 1.0, 2).unwrap();
    assert_eq!(two.lr_at(0), 0.01);
    assert_eq!(two.lr_at(1), 1.0);
}

#[test]
fn bias_corrected_average_of_a_constant_is_that_constant() {
    let mut t = Tracker::new(Smoothing::default(), Some(4.0));
    for _ in 0..50 {
        let (s, stop) = t.push(2.5);
        assert!((s - 2.5).abs() < 1e-12, "{s}");
        assert!(!stop);
    }
    let mut raw = Tracker::new(
        Smoothing {
            beta: 0.9,
            bias_correction: false,
            seed_with_first: false,
        },
        None,
    );
    for k in 1..=20 {
        let (s, _) = raw.push(2.0);
        assert!((s - 2.0 * (1.0 - 0.9f64.powi(k))).abs() < 1e-12);
    }
}

#[test]
fn divergence_is_k_times_the_best_and_negative_losses_do_not_trip_it() {
    let no_smoothing = Smoothing {
        beta: 0.0,
        bias_correction: true,
        seed_with_first: false,
    };
    let mut t = Tracker::new(no_smoothing, Some(4.0));
    assert!(!t.push(1.0).1);
    assert!(!t.push(0.5).1);
    assert!(!t.push(2.0).1); // exactly 4 × 0.5 is not above it
    assert!(t.push(2.0001).1);
    let mut neg = Tracker::new(no_smoothing, Some(4.0));
    assert!(!neg.push(-1.0).1);
    assert!(!neg.push(-0.5).1); // fastai's `s > 4·best` would stop here
    assert!(!neg.push(1.9).1);
    assert!(neg.push(2.1).1); // best + 3·|best| = 2
    let mut nan = Tracker::new(Smoothing::default(), None);
    assert!(!nan.push(1e30).1);
    assert!(nan.push(f64::NAN).1);
}

#[test]
fn hostile_settings_are_rejected_with_what_to_do() {
    let msg = |r: Result<RangeTest>| r.unwrap_err().to_string();
    assert!(msg(RangeTest::new(1.0, 1.0, 100)).contains("the sweep must go up"));
    assert!(msg(RangeTest::new(10.0, 1e-3, 100)).contains("start_lr < end_lr"));
    assert!(msg(RangeTest::new(1e-4, 1.0, 0)).contains("at least 2 steps"));
    let m = msg(RangeTest::new(1e-4, 1.0, usize::MAX));
    assert!(m.contains("above the limit of 10000000"), "{m}");
    assert!(RangeTest::new(1e-4, 1.0, validate::MAX_STEPS).is_ok());
    for beta in [1.0, -0.1, f64::NAN, f64::INFINITY] {
        let t = RangeTest {
            smoothing: Smoothing {
                beta,
                ..Smoothing::default()
            },
            ..RangeTest::new(1e-4, 1.0, 100).unwrap()
        };
        assert!(t
            .validate()
            .unwrap_err()
            .to_string()
            .contains("smoothing beta"));
    }
}

#[test]
fn torch_lr_finder_smoothing_starts_at_the_first_loss() {
    // smooth_f = 0.25: 4, then 0.25·8 + 0.75·4 = 5, then 0.25·1 + 0.75·5 = 4.
    let s = smooth(&[4.0, 8.0, 1.0], &Smoothing::torch_lr_finder(0.25)).unwrap();
    assert_eq!(s, [4.0, 5.0, 4.0]);
    // smooth_f = 0 is no smoothing, as in torch-lr-finder.
    let raw = [3.0, 1.0, 2.0];
    assert_eq!(smooth(&raw, &Smoothing::torch_lr_finder(0.0)).unwrap(), raw);
    // fastai's: zero-started and debiased, 2·(1 − 0.9)/(1 − 0.9) = 2 at the first point.
    let f = Smoothing {
        beta: 0.9,
        ..Smoothing::default()
    };
    let s = smooth(&[2.0, 4.0], &f).unwrap();
    assert!((s[0] - 2.0).abs() < 1e-15);
    assert!(
        (s[1] - (0.9 * 0.2 + 0.4) / (1.0 - 0.81)).abs() < 1e-15,
        "{s:?}"
    );
    // The two starts cannot be combined, and beta is checked.
    let both = Smoothing {
        seed_with_first: true,
        ..Smoothing::default()
    };
    let e = smooth(&raw, &both).unwrap_err().to_string();
    assert!(e.contains("seed_with_first and bias_correction"), "{e}");
    let t = RangeTest {
        smoothing: both,
        ..RangeTest::new(1e-4, 1.0, 100).unwrap()
    };
    assert!(t.validate().is_err());
    assert!(smooth(&raw, &Smoothing::torch_lr_finder(1.5)).is_err());
    assert!(smooth(&raw, &Smoothing::torch_lr_finder(f64::NAN)).is_err());
}

#[test]
fn the_tracker_counts_past_i32_without_wrapping() {
    let mut t = Tracker::new(Smoothing::default(), Some(4.0));
    t.push(2.0);
    t.count = i32::MAX as u64; // the next push is count 2^31, which `as i32` wrapped
    let (s, stop) = t.push(2.0);
    assert!(s.is_finite() && !stop, "{s}");
    // By then 0.98^t is 0: the bias correction divides by 1.
    assert_eq!(s, 0.98 * t.average / 0.98);
    t.count = u64::MAX;
    assert!(t.push(2.0).0.is_finite());
}

#[test]
fn rule_options_are_checked_and_suggestions_stay_positive() {
    let lrs: Vec<f64> = (0..100).map(|i| 1e-5 * 1.1f64.powi(i)).collect();
    let losses: Vec<f64> = (0..100)
        .map(|i| 2.0 - 1.5 * (i as f64 / 60.0).min(1.0) + (i as f64 / 90.0).powi(8))
        .collect();
    let d = SuggestOptions::default();
    let check = |opts: SuggestOptions, part: &str| {
        for rule in Rule::ALL {
            let e = suggest(rule, &lrs, &losses, &opts).unwrap_err().to_string();
            assert!(e.contains(part), "{rule}: {e}");
        }
    };
    for adjust in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        check(
            SuggestOptions {
                slide_adjust: adjust,
                ..d.clone()
            },
            "adjust",
        );
    }
    for drop in [f64::NAN, -0.1, f64::INFINITY] {
        check(
            SuggestOptions {
                min_drop: drop,
                ..d.clone()
            },
            "min_drop",
        );
    }
    check(
        SuggestOptions {
            slide_lr_diff: 0,
            ..d.clone()
        },
        "lr_diff 0",
    );
    // A window as long as usize: too few points, not an overflow.
    let e = suggest(
        Rule::Slide,
        &lrs,
        &losses,
        &SuggestOptions {
            slide_lr_diff: usize::MAX,
            ..d.clone()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("too few points"), "{e}");
    // The defaults still read the curve; an adjust that overflows is an error, not ∞.
    let slide = suggest(Rule::Slide, &lrs, &losses, &d).unwrap();
    assert!(slide.lr > 0.0 && slide.lr.is_finite());
    let huge = SuggestOptions {
        slide_adjust: f64::MAX,
        ..d.clone()
    };
    let e = suggest(Rule::Slide, &lrs, &losses, &huge)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("after the rule's scaling") && e.contains("single-precision range"),
        "{e}"
    );
}
