//! The diagnosis on histories that are easy to get wrong: noisy minibatch SGD that is fine,
//! an early spike that recovers, a plateau, a NaN in the middle, plus the bad inputs that
//! must be errors rather than panics.
use lrbook::regimes::{diagnose, diagnose_with, Regime, Thresholds};

/// SplitMix64, so the noise is the same on every machine.
struct Rng(u64);
impl Rng {
    fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A cross-entropy-like curve: 2.3 falling to a floor of 0.4 with time constant `tau`.
fn curve(n: usize, tau: f64) -> Vec<f64> {
    (0..n)
        .map(|t| 0.4 + 1.9 * (-(t as f64) / tau).exp())
        .collect()
}

#[test]
fn noisy_minibatch_sgd_that_is_fine() {
    // ±30% multiplicative noise (uniform), about what a batch of 32 shows.
    let mut rng = Rng(7);
    let noisy: Vec<f64> = curve(600, 60.0)
        .iter()
        .map(|l| l * (1.0 + 0.6 * (rng.uniform() - 0.5)))
        .collect();
    let d = diagnose(&noisy).unwrap();
    assert_eq!(d.regime, Regime::JustRight, "{}", d.reason);
}

#[test]
fn bouncing_is_oscillating_even_when_it_trends_down() {
    // The seed text's log: 0.5 → 0.3 → 0.8 → 0.2 → 1.5, repeated with a slow downward drift.
    let pattern = [0.5, 0.3, 0.8, 0.2, 1.5];
    let log: Vec<f64> = (0..100)
        .map(|t| pattern[t % 5] * (1.0 - 0.002 * t as f64))
        .collect();
    let d = diagnose(&log).unwrap();
    assert_eq!(d.regime, Regime::Oscillating, "{}", d.reason);
}

#[test]
fn early_spike_that_recovers_is_not_divergence() {
    let mut log = curve(300, 30.0);
    log[3] = 40.0; // a 20× spike at step 3
    log[4] = 9.0;
    let d = diagnose(&log).unwrap();
    assert_eq!(d.regime, Regime::JustRight, "{}", d.reason);
}

#[test]
fn plateaus() {
    // The seed text's creep, 0.5001 → 0.5000 → 0.4999 …: falling on a straight line.
    let creep: Vec<f64> = (0..100).map(|t| 0.5001 - 1e-4 * t as f64).collect();
    let d = diagnose(&creep).unwrap();
    assert_eq!(d.regime, Regime::TooSmall, "{}", d.reason);
    // A flat log with a little jitter: no progress at all.
    let mut rng = Rng(3);
    let flat: Vec<f64> = (0..200).map(|_| 0.5 + 1e-4 * rng.uniform()).collect();
    let d = diagnose(&flat).unwrap();
    assert_eq!(d.regime, Regime::TooSmall, "{}", d.reason);
    assert!(d.reason.contains("progress"), "{}", d.reason);
    // A loss that fell and then sits at its floor is the opposite: converged.
    let d = diagnose(&curve(400, 20.0)).unwrap();
    assert_eq!(d.regime, Regime::JustRight, "{}", d.reason);
    // Still on a straight line down: would gain from a larger η.
    let d = diagnose(&curve(400, 800.0)).unwrap();
    assert_eq!(d.regime, Regime::TooSmall, "{}", d.reason);
    assert!(d.reason.contains("still falling"), "{}", d.reason);
}

#[test]
fn nan_in_the_middle_is_skipped_and_reported() {
    let mut log = curve(300, 30.0);
    log[150] = f64::NAN;
    log[151] = f64::INFINITY;
    let d = diagnose(&log).unwrap();
    assert_eq!(d.regime, Regime::JustRight, "{}", d.reason);
    assert!(d.reason.contains("2 non-finite"), "{}", d.reason);
    // A NaN that stays is divergence, at the step it appeared.
    let mut log = curve(300, 30.0);
    for l in log.iter_mut().skip(120) {
        *l = f64::NAN;
    }
    let d = diagnose(&log).unwrap();
    assert_eq!(d.regime, Regime::Diverged);
    assert!(d.reason.contains("step 120"), "{}", d.reason);
}

#[test]
fn slow_blow_up_is_divergence() {
    let log: Vec<f64> = (0..100).map(|t| 1.0 + 0.05 * t as f64).collect();
    let d = diagnose(&log).unwrap();
    assert_eq!(d.regime, Regime::Diverged, "{}", d.reason);
}

#[test]
fn bad_input_gives_clear_errors() {
    let e = diagnose(&[]).unwrap_err().to_string();
    assert!(e.contains("empty"), "{e}");
    let e = diagnose(&[f64::NAN; 10]).unwrap_err().to_string();
    assert!(e.contains("all 10 values are NaN or infinite"), "{e}");
    let e = diagnose(&[1.0, 0.9]).unwrap_err().to_string();
    assert!(e.contains("too few"), "{e}");
    let th = Thresholds {
        floor: Some(f64::NAN),
        ..Thresholds::default()
    };
    assert!(diagnose_with(&curve(50, 5.0), &th).is_err());
}

#[test]
fn known_floor_separates_a_crawl_from_convergence() {
    // Fast drop to a valley, then a slow crawl far above the floor 0 (Rosenbrock-like).
    let crawl: Vec<f64> = (0..1000)
        .map(|t| 20.0 * (-(t as f64) / 10.0).exp() + 3.0 * (-(t as f64) / 5000.0).exp())
        .collect();
    let floor = Thresholds {
        floor: Some(0.0),
        ..Thresholds::default()
    };
    let d = diagnose_with(&crawl, &floor).unwrap();
    assert_eq!(d.regime, Regime::TooSmall, "{}", d.reason);
}
