//! The finder against its two peers, run from the installed packages:
//!
//! - fastai 2.8.12's `lr_find` suggestions on 24 curves (tests/fixtures/finder_fastai.json,
//!   written by scripts/reference/finder_fastai.py): lrbook's default suggestions equal
//!   fastai's bit for bit, except where lrbook refuses a curve or cuts at an ∞ (documented
//!   on `SuggestOptions`), and those are asserted as such.
//! - torch-lr-finder 0.2.2's `range_test` (tests/fixtures/finder_torch_lr_finder.json,
//!   written by scripts/reference/finder_torch_lr_finder.py): its learning rates bit for
//!   bit, its smoothed losses to 1e-12 and the step where it stopped.
mod common;

use lrbook::finder::{smooth, suggest, RangeTest, Rule, Smoothing, Stop, SuggestOptions, Sweep};
use serde_json::Value;
use tch::nn::{self, OptimizerConfig};

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json")
}

/// A float the scripts wrote as a string (Python's repr, or "nan", "inf", "-inf"), which
/// `str::parse` reads back bit for bit; serde_json's own float parsing can be an ulp off.
fn num(v: &Value) -> f64 {
    match v.as_str().expect("a float as a string") {
        "nan" => f64::NAN,
        "inf" => f64::INFINITY,
        "-inf" => f64::NEG_INFINITY,
        s => s.parse().expect("a float"),
    }
}

fn nums(v: &Value) -> Vec<f64> {
    v.as_array().expect("an array").iter().map(num).collect()
}

/// fastai's function names, paired with lrbook's rules.
const RULES: [(&str, Rule); 4] = [
    ("valley", Rule::Valley),
    ("slide", Rule::Slide),
    ("minimum", Rule::Minimum),
    ("steep", Rule::Steep),
];

/// fastai's suggestion by `name`: `Ok((lr, index))`, or `Err(its exception)`.
fn fastai(case: &Value, key: &str, name: &str) -> Result<(f64, usize), String> {
    let s = &case[key][name];
    match s["error"].as_str() {
        Some(e) => Err(e.to_string()),
        None => Ok((num(&s["lr"]), s["index"].as_u64().unwrap() as usize)),
    }
}

#[test]
fn the_fastai_fixture_covers_what_the_issue_lists() {
    let f = fixture("finder_fastai.json");
    assert_eq!(f["peer"], "fastai 2.8.12");
    let cases = f["cases"].as_array().unwrap();
    assert!(cases.len() >= 20, "{} curves", cases.len());
    let has = |p: &dyn Fn(&Value) -> bool| cases.iter().any(p);
    assert!(has(&|c| nums(&c["losses"]).iter().any(|v| v.is_nan())));
    assert!(has(&|c| nums(&c["losses"]).iter().any(|v| v.is_infinite())));
    assert!(has(&|c| nums(&c["losses"]).iter().all(|&v| v < 0.0)));
    assert!(has(
        &|c| (c["lrs"].as_array().unwrap().len() as u64) < c["num_it"].as_u64().unwrap()
    ));
}

/// The issue's acceptance test: on every curve, each rule gives fastai's suggestion (the
/// same learning rate, bit for bit, and the same point), or the documented difference.
#[test]
fn default_suggestions_equal_fastais_on_every_curve() {
    let f = fixture("finder_fastai.json");
    let (mut equal, mut refused, mut infinite) = (0, 0, 0);
    for case in f["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let lrs = nums(&case["lrs"]);
        let losses = nums(&case["losses"]);
        let num_it = case["num_it"].as_u64().unwrap() as usize;
        let opts = SuggestOptions::for_iterations(num_it);
        let has_inf = losses.iter().any(|v| v.is_infinite());
        for (fname, rule) in RULES {
            let ours = suggest(rule, &lrs, &losses, &opts);
            let theirs = fastai(case, "fastai", fname);
            match name {
                // No descent: fastai picks a point of the noise, lrbook refuses.
                "flat" => {
                    let e = ours.unwrap_err().to_string();
                    assert!(e.contains("no descent"), "{name} {rule}: {e}");
                    assert!(theirs.is_ok(), "{name} {fname}: {theirs:?}");
                    refused += 1;
                }
                // 3 points after the trim: lrbook needs 5 (16 for slide, where fastai's
                // own slide raises an IndexError).
                "too_short" => {
                    let e = ours.unwrap_err().to_string();
                    assert!(e.contains("too few points: 18 recorded"), "{name}: {e}");
                    assert!(e.contains("3 after leaving out the first 10"), "{e}");
                    assert_eq!(theirs.is_err(), rule == Rule::Slide, "{fname}: {theirs:?}");
                    if let Err(t) = theirs {
                        assert!(t.starts_with("IndexError"), "{t}");
                    }
                    refused += 1;
                }
                // ∞ in the window: lrbook cuts there, fastai only at NaN. lrbook's
                // suggestion is fastai's on the curve with the ∞ written as NaN.
                _ if has_inf => {
                    let s = ours.unwrap_or_else(|e| panic!("{name} {rule}: {e}"));
                    let twin = fastai(case, "fastai_inf_as_nan", fname).unwrap();
                    assert_eq!((s.lr.to_bits(), s.index), (twin.0.to_bits(), twin.1));
                    let first_inf = losses.iter().position(|v| v.is_infinite()).unwrap();
                    assert_eq!(s.window, num_it / 10..first_inf, "{name} {rule}");
                    let theirs = theirs.unwrap();
                    // fastai's differences of ∞ (and ∞ − ∞ = NaN) move steep onto the
                    // first ∞ (torch's argmin takes a NaN as the least) and slide's
                    // gradients past any threshold; valley and minimum never pick an ∞.
                    match rule {
                        Rule::Steep => assert_eq!(theirs.1, first_inf, "{name}"),
                        Rule::Slide => assert!(theirs.1 > s.index + 30, "{name}: {theirs:?}"),
                        _ => assert_eq!(theirs.1, s.index, "{name} {fname}"),
                    }
                    infinite += 1;
                }
                _ => {
                    let s = ours.unwrap_or_else(|e| panic!("{name} {rule}: {e}"));
                    let (lr, index) = theirs.unwrap_or_else(|e| panic!("{name} {fname}: {e}"));
                    assert_eq!(
                        (s.index, s.lr.to_bits()),
                        (index, lr.to_bits()),
                        "{name} {rule}: lrbook {} at {}, fastai {lr} at {index}",
                        s.lr,
                        s.index
                    );
                    equal += 1;
                }
            }
        }
    }
    assert_eq!((equal, refused, infinite), (20 * 4, 2 * 4, 2 * 4));
}

/// fastai's own trim: the start is a tenth of the *planned* iterations, so on curves that
/// stopped early a tenth of the recorded length would read a different window (and, on
/// these, move a suggestion), and NaN ends the window where it starts.
#[test]
fn early_stops_and_nan_tails_read_fastais_window() {
    let f = fixture("finder_fastai.json");
    let case = |n: &str| {
        let c = f["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == n)
            .unwrap()
            .clone();
        (nums(&c["lrs"]), nums(&c["losses"]), c)
    };
    let (lrs, losses, c) = case("early_stop");
    assert_eq!(lrs.len(), 64);
    let planned = SuggestOptions::for_iterations(100);
    let recorded = SuggestOptions::default(); // a tenth of 64
    let valley = suggest(Rule::Valley, &lrs, &losses, &planned).unwrap();
    assert_eq!(valley.window, 10..59);
    assert_eq!(
        Ok(valley.index),
        fastai(&c, "fastai", "valley").map(|s| s.1)
    );
    let moved = suggest(Rule::Valley, &lrs, &losses, &recorded).unwrap();
    assert_eq!(moved.window, 6..59);
    assert!(moved.index < valley.index, "{moved:?} {valley:?}");
    // A NaN tail from step 82: the window is [10, 82), as fastai cuts it.
    let (lrs, losses, c) = case("nan_tail");
    for (fname, rule) in RULES {
        let s = suggest(rule, &lrs, &losses, &SuggestOptions::default()).unwrap();
        assert_eq!(s.window, 10..82);
        assert_eq!(Ok(s.index), fastai(&c, "fastai", fname).map(|s| s.1));
    }
}

/// torch-lr-finder's `range_test`, replayed through lrbook's `RangeTest::run` on a model
/// whose loss is the given raw sequence: the same learning rates (bit for bit), smoothed
/// losses (to 1e-12) and stop; and `smooth` gives the same curve.
#[test]
fn torch_lr_finder_smoothing_and_stop_match_its_range_test() {
    let _guard = common::cpu_single_thread();
    let f = fixture("finder_torch_lr_finder.json");
    assert_eq!(f["peer"], "torch-lr-finder 0.2.2");
    let cases = f["cases"].as_array().unwrap();
    assert!(cases.len() >= 6);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let raw = nums(&case["raw"]);
        let (want_lr, want_loss) = (nums(&case["lr"]), nums(&case["loss"]));
        let smoothing = Smoothing::torch_lr_finder(num(&case["smooth_f"]));
        let test = RangeTest {
            sweep: match case["step_mode"].as_str().unwrap() {
                "exp" => Sweep::Exponential,
                _ => Sweep::Linear,
            },
            smoothing,
            divergence_factor: Some(num(&case["diverge_th"])),
            ..RangeTest::new(num(&case["start_lr"]), num(&case["end_lr"]), raw.len()).unwrap()
        };
        let vs = nn::VarStore::new(tch::Device::Cpu);
        let w = vs.root().var("w", &[1], nn::Init::Const(0.0));
        let w = w.to_kind(tch::Kind::Double);
        let result = test
            .run(
                &vs,
                || nn::Sgd::default().build(&vs, 1e-3),
                0..raw.len(),
                |&k: &usize| (&w * 0.0).sum(tch::Kind::Double) + raw[k],
            )
            .unwrap();
        let got_lr = result.lrs();
        let got = result.smoothed();
        // torch-lr-finder keeps going through a NaN (`NaN > th·best` is false); lrbook
        // stops at it. Up to and including that point they agree.
        let first_nan = want_loss.iter().position(|v| v.is_nan());
        let n = first_nan.map_or(want_loss.len(), |i| i + 1);
        assert_eq!(got.len(), n, "{name}: lrbook stopped after {}", got.len());
        match first_nan {
            Some(i) => assert!(matches!(result.stop, Stop::Diverged { step, .. } if step == i)),
            None if n < raw.len() => {
                assert!(matches!(result.stop, Stop::Diverged { step, .. } if step == n - 1))
            }
            None => assert_eq!(result.stop, Stop::Completed, "{name}"),
        }
        for k in 0..n {
            assert_eq!(got_lr[k].to_bits(), want_lr[k].to_bits(), "{name} lr {k}");
            let (g, w) = (got[k], want_loss[k]);
            assert!(
                (g.is_nan() && w.is_nan()) || (g - w).abs() <= 1e-12 * w.abs().max(1.0),
                "{name} loss {k}: lrbook {g}, torch-lr-finder {w}"
            );
        }
        let smoothed = smooth(&raw, &smoothing).unwrap();
        for k in 0..want_loss.len() {
            let (g, w) = (smoothed[k], want_loss[k]);
            assert!(
                (g.is_nan() && w.is_nan()) || (g - w).abs() <= 1e-12 * w.abs().max(1.0),
                "{name} smooth {k}: lrbook {g}, torch-lr-finder {w}"
            );
        }
    }
}
