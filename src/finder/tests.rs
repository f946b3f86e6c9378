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
