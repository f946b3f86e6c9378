//! Each suggestion rule on tricky curves: a clean U, NaN and ∞ in the middle, early spikes,
//! negative losses, too few points, a flat curve, and malformed input.
use lrbook::finder::{suggest, Rule, SuggestOptions};

/// 100 learning rates from 1e-6 to 10, exponentially spaced, as a range test makes them.
fn lrs() -> Vec<f64> {
    (0..100)
        .map(|k| 1e-6 * 1e7f64.powf(k as f64 / 99.0))
        .collect()
}

/// A clean range-test curve: flat at 2.3 for tiny rates, falling fastest at 10^-2.5, lowest
/// near 10^-1, and blowing up above 1.
fn u_curve(lrs: &[f64]) -> Vec<f64> {
    lrs.iter()
        .map(|lr| {
            let x = lr.log10();
            0.4 + 1.9 / (1.0 + (3.0 * (x + 2.5)).exp()) + 0.02 * (2.5 * (x + 0.5)).exp()
        })
        .collect()
}

fn all(lrs: &[f64], losses: &[f64]) -> Vec<(Rule, f64, usize)> {
    Rule::ALL
        .iter()
        .map(|&r| {
            let s = suggest(r, lrs, losses, &SuggestOptions::default())
                .unwrap_or_else(|e| panic!("{r}: {e}"));
            assert_eq!(s.rule, r);
            (r, s.lr, s.index)
        })
        .collect()
}

fn argmin(v: &[f64]) -> usize {
    (0..v.len()).fold(0, |b, i| if v[i] < v[b] { i } else { b })
}

#[test]
fn clean_u_curve_every_rule_lands_in_the_descent() {
    let (l, c) = (lrs(), u_curve(&lrs()));
    let min_i = argmin(&c[..95]);
    for (rule, lr, index) in all(&l, &c) {
        match rule {
            Rule::Steep => {
                // The steepest segment of the sigmoid is centred on 10^-2.5.
                assert!((lr.log10() + 2.5).abs() < 0.1, "steep at {lr}");
                assert_eq!(lr, l[index]);
            }
            Rule::Minimum => {
                assert_eq!(index, min_i);
                assert_eq!(lr, l[min_i] / 10.0);
            }
            Rule::Valley | Rule::Slide => {
                assert_eq!(lr, l[index]);
            }
        }
        // Every suggestion lies past the flat start and below the minimum.
        assert!(lr > 1e-4 && lr < l[min_i], "{rule}: {lr}");
    }
}

#[test]
fn valley_and_slide_follow_fastais_definitions_on_small_cases() {
    let opts = SuggestOptions {
        skip_start: Some(0),
        skip_end: 0,
        min_points: 2,
        min_drop: 0.0,
        slide_lr_diff: 3,
        ..SuggestOptions::default()
    };
    let l: Vec<f64> = (1..=10).map(|k| k as f64 * 0.01).collect();
    // Longest decreasing subsequence 9, 7, 5, 3, 1 (indices 0, 2, 4, 6, 8) ends at 8 with
    // length 5: the valley is [3, 8], w = 5, pick 3 + ⌊5/3⌋ + ⌊⌊5/3⌋/2⌋ = 3 + 1 + 0 = 4.
    let losses = [9.0, 10.0, 7.0, 8.0, 5.0, 6.0, 3.0, 4.0, 1.0, 2.0];
    let v = suggest(Rule::Valley, &l, &losses, &opts).unwrap();
    assert_eq!(v.index, 4);
    // A strictly decreasing run from index 0 of length 7 ends at 6: fastai's start is
    // 6 − 7 = −1, w = 7, pick −1 + 2 + 1 = 2 (fastai 2.8.12's `valley` gives 0.03 too).
    let losses = [7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0, 1.5, 3.0, 9.0];
    let v = suggest(Rule::Valley, &l, &losses, &opts).unwrap();
    assert_eq!(v.index, 2);
    assert_eq!(v.window, 0..10);
    // The longest run is two points from the start: the start is −1, w = 2, the pick −1,
    // which fastai (Python) reads as the last point.
    let losses = [1.0, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7];
    assert_eq!(suggest(Rule::Valley, &l, &losses, &opts).unwrap().index, 9);
    // Slide with a window of 3: gradients (numpy.gradient) of this curve are
    // [-1, -1, -1, -1, -0.5, 0.5, 1, 3.5, 6, 6]; windows (9,6) |6−1|, (8,5) |6−0.5|,
    // (7,4) |3.5+0.5|, (6,3) |1+1|, (5,2) |0.5+1|, (4,1) |−0.5+1| = 0.5 > thresh, (3,0) 0:
    // the last window that still differed has its left end at 1.
    let losses = [5.0, 4.0, 3.0, 2.0, 1.0, 1.0, 2.0, 3.0, 8.0, 14.0];
    let s = suggest(Rule::Slide, &l, &losses, &opts).unwrap();
    assert_eq!(s.index, 1);
    let adjusted = SuggestOptions {
        slide_adjust: 0.5,
        ..opts.clone()
    };
    assert_eq!(
        suggest(Rule::Slide, &l, &losses, &adjusted).unwrap().lr,
        l[1] * 0.5
    );
    // Steep takes the left end of the steepest segment.
    let losses = [5.0, 4.9, 4.0, 3.9, 3.8, 3.7, 3.6, 3.5, 3.4, 9.0];
    assert_eq!(suggest(Rule::Steep, &l, &losses, &opts).unwrap().index, 1);
}

#[test]
fn nan_or_infinity_in_the_middle_cuts_the_curve_there() {
    let l = lrs();
    let clean = u_curve(&l);
    // As fastai: the window is [100 // 10, 100 − 5) cut at the first bad point, 70.
    let fastais_window = SuggestOptions::for_iterations(100);
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let mut c = clean.clone();
        c[70] = bad;
        c[71] = 1.0; // finite again after the bad point: still ignored
        for &rule in &Rule::ALL {
            let got = suggest(rule, &l, &c, &SuggestOptions::default())
                .unwrap_or_else(|e| panic!("{rule} with {bad}: {e}"));
            assert_eq!(got.window, 10..70, "{rule} with {bad}");
            let prefix = suggest(rule, &l[..75], &clean[..75], &fastais_window).unwrap();
            assert_eq!(got, prefix, "{rule} with {bad}");
            assert!(got.lr.is_finite() && got.loss.is_finite() && got.index < 70);
        }
    }
}

#[test]
fn early_spikes_are_left_out_with_the_first_tenth() {
    let l = lrs();
    let clean = u_curve(&l);
    let mut spiky = clean.clone();
    spiky[1] = 40.0;
    spiky[3] = 25.0;
    spiky[6] = 9.0;
    assert_eq!(all(&l, &spiky), all(&l, &clean));
    // Reading from the very first point, steep is fooled by the fall after a spike: this is
    // why the first tenth is left out by default.
    let from_zero = SuggestOptions {
        skip_start: Some(0),
        ..SuggestOptions::default()
    };
    let fooled = suggest(Rule::Steep, &l, &spiky, &from_zero).unwrap();
    assert_eq!(fooled.index, 1, "{fooled:?}");
}

#[test]
fn negative_losses_give_the_same_suggestions_as_the_shifted_curve() {
    let l = lrs();
    let clean = u_curve(&l);
    let shifted: Vec<f64> = clean.iter().map(|c| c - 3.0).collect();
    assert!(shifted.iter().all(|&c| c < 0.0));
    assert_eq!(all(&l, &shifted), all(&l, &clean));
}

#[test]
fn too_few_points_is_an_error_that_counts_them() {
    let l = lrs();
    let c = u_curve(&l);
    for &rule in &Rule::ALL {
        // 9 points: 0 skipped at the start, 5 at the end, 4 left.
        let err = suggest(rule, &l[40..49], &c[40..49], &SuggestOptions::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("too few points: 9 recorded") && err.contains("4 after"),
            "{rule}: {err}"
        );
        assert!(err.contains(&format!("the {} rule", rule.name())), "{err}");
        // A NaN early leaves too few finite points even in a long curve.
        let mut c2 = c.clone();
        c2[8] = f64::NAN;
        let err = suggest(rule, &l, &c2, &SuggestOptions::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("8 before the first NaN"), "{rule}: {err}");
        assert!(suggest(rule, &[], &[], &SuggestOptions::default()).is_err());
    }
    // Slide needs its window plus one: 20 points leave 13 usable, fewer than 16.
    let err = suggest(
        Rule::Slide,
        &l[40..60],
        &c[40..60],
        &SuggestOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("at least 16"), "{err}");
    assert!(suggest(
        Rule::Steep,
        &l[40..60],
        &c[40..60],
        &SuggestOptions::default()
    )
    .is_ok());
}

#[test]
fn a_flat_curve_gets_no_made_up_learning_rate() {
    let l = lrs();
    let mut noisy_flat: Vec<f64> = (0..100)
        .map(|k| 0.3 + 0.002 * ((k * 37 % 11) as f64 - 5.0))
        .collect();
    for flat in [vec![0.3; 100], noisy_flat.clone()] {
        for &rule in &Rule::ALL {
            let err = suggest(rule, &l, &flat, &SuggestOptions::default())
                .unwrap_err()
                .to_string();
            assert!(err.contains("no descent"), "{rule}: {err}");
            assert!(err.contains("already be trained"), "{err}");
        }
    }
    // Flat, then only rising: still no descent.
    for (k, v) in noisy_flat.iter_mut().enumerate().skip(60) {
        *v += 0.05 * (k - 60) as f64;
    }
    assert!(suggest(Rule::Valley, &l, &noisy_flat, &SuggestOptions::default()).is_err());
}

#[test]
fn malformed_curves_are_rejected_with_the_reason() {
    let l = lrs();
    let c = u_curve(&l);
    let o = SuggestOptions::default();
    let msg = |r: lrbook::Result<_>| {
        r.map(|_: lrbook::finder::Suggestion| ())
            .unwrap_err()
            .to_string()
    };
    assert!(
        msg(suggest(Rule::Steep, &l, &c[..99], &o)).contains("100 learning rates but 99 losses")
    );
    let mut bad = l.clone();
    bad[50] = bad[49];
    assert!(msg(suggest(Rule::Valley, &bad, &c, &o)).contains("must increase"));
    bad[50] = -1.0;
    assert!(msg(suggest(Rule::Minimum, &bad, &c, &o)).contains("learning rate 50 is -1"));
    bad[50] = f64::NAN;
    assert!(msg(suggest(Rule::Slide, &bad, &c, &o)).contains("finite and > 0"));
    let skip_all = SuggestOptions {
        skip_start: Some(100),
        ..o.clone()
    };
    let e = msg(suggest(Rule::Steep, &l, &c, &skip_all));
    assert!(e.contains("0 after leaving out the first 100"), "{e}");
}

#[test]
fn min_drop_zero_turns_the_descent_check_off() {
    let l = lrs();
    let noisy_flat: Vec<f64> = (0..100)
        .map(|k| 0.3 + 0.002 * ((k * 37 % 11) as f64 - 5.0))
        .collect();
    let off = SuggestOptions {
        min_drop: 0.0,
        ..SuggestOptions::default()
    };
    // The default refuses the flat curve; with the check off every rule reads it, as
    // fastai's do (the noise has falling segments, so even steep finds one).
    for &rule in &Rule::ALL {
        assert!(suggest(rule, &l, &noisy_flat, &SuggestOptions::default()).is_err());
        let s = suggest(rule, &l, &noisy_flat, &off).unwrap_or_else(|e| panic!("{rule}: {e}"));
        assert!(s.window.contains(&s.index), "{rule}: {s:?}");
    }
    // Minimum: the first of the lowest points in the window [10, 95).
    let w = &noisy_flat[10..95];
    let lowest = 10 + argmin(w);
    assert_eq!(
        suggest(Rule::Minimum, &l, &noisy_flat, &off).unwrap().index,
        lowest
    );
    // A curve that only rises: its lowest point is the window's first, which the check
    // refuses even at min_drop 0 unless 0 means off. Minimum reads it; steep still finds
    // no descent.
    let rising: Vec<f64> = (0..100).map(|k| 0.3 + 0.001 * k as f64).collect();
    assert_eq!(suggest(Rule::Minimum, &l, &rising, &off).unwrap().index, 10);
    let e = suggest(Rule::Steep, &l, &rising, &off)
        .unwrap_err()
        .to_string();
    assert!(e.contains("no descent"), "{e}");
}

#[test]
fn skip_start_counts_planned_iterations_and_the_window_is_reported() {
    // A test planned for 300 steps that stopped after 100: fastai leaves out 300 // 10 = 30
    // points, a tenth of what was recorded would be 10.
    let l = lrs();
    let c = u_curve(&l);
    let planned = SuggestOptions::for_iterations(300);
    assert_eq!(planned.skip_start, Some(30));
    assert_eq!(planned.window(&c), 30..95);
    assert_eq!(SuggestOptions::default().window(&c), 10..95);
    for &rule in &Rule::ALL {
        let s = suggest(rule, &l, &c, &planned).unwrap();
        assert_eq!(s.window, 30..95, "{rule}");
        assert!(s.index >= 30, "{rule}: {s:?}");
        assert_eq!(
            suggest(rule, &l, &c, &SuggestOptions::default())
                .unwrap()
                .window,
            10..95
        );
    }
    // Steep reads the sigmoid's steepest point, 10^-2.5 (index 49), in both windows;
    // minimum's first lowest point is the same; valley moves with the window's start.
    let steep = |o: &SuggestOptions| suggest(Rule::Steep, &l, &c, o).unwrap().index;
    assert_eq!(steep(&planned), steep(&SuggestOptions::default()));
    let valley = |o: &SuggestOptions| suggest(Rule::Valley, &l, &c, o).unwrap().index;
    assert!(valley(&planned) > valley(&SuggestOptions::default()));
}
