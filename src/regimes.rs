//! Diagnose a loss history: was the learning rate too small, just right, oscillating, or
//! did the run diverge? (chapter 2)
//!
//! [`diagnose`] reads only the losses, step by step, the way you read a training log. It
//! returns a [`Regime`] and a one-line reason that quotes the numbers it used. The rules,
//! in order, with the thresholds of [`Thresholds::default`]:
//!
//! 1. **Diverged** if the log *ends* in NaN or ±∞ (training produced a non-finite loss and
//!    never recovered), or if the end level is more than `diverge_ratio` = 2 times the start
//!    level. The start level is the first loss, taken before any update; the end level is the
//!    median of the last tenth of the log (at least one value), so one spike or one lucky
//!    batch does not move it.
//!    A non-finite value *followed by finite ones* is not divergence. That happens when a
//!    step is skipped (mixed-precision loss scaling skips steps whose gradients overflow);
//!    those values are dropped and the reason says so.
//! 2. **JustRight** at once if the floor `L*` is known (see below) and the gap to it shrank
//!    by `reach` = 10⁻⁴: the run converged, and what rounding does afterwards is irrelevant.
//! 3. **Oscillating** if, over the second half of the log, the loss flips direction
//!    (up, down, up, …) at `alternation` = 90% or more of consecutive steps, by more than 1%
//!    of its level: that is a bounce (a 2-cycle across a valley). Noise flips direction at
//!    about 2/3 of steps, and the chance that it flips at 90% of a hundred steps is below
//!    10⁻⁸. Also **Oscillating** if, over the second half, the typical step-to-step change
//!    (the median of `|L_{t+1} − L_t|`) exceeds `swing_ratio` = 0.5 of the typical level
//!    (the median loss there). Why 0.5: minibatch noise is the fluctuation of a mean of `B`
//!    per-example losses. Classification losses have a per-example coefficient of variation
//!    of about 1 to 2, so for `B ≥ 32` a batch mean moves by at most about 35% of the level.
//!    Swings of half the level are too big to be sampling noise: the iterate is bouncing.
//!    For batches smaller than about 16, raise `swing_ratio`. And **Oscillating** if the
//!    loss jumped above `diverge_ratio` times its start at some step and fell back, yet
//!    ends above half its start: the iterate was thrown out of the valley and never
//!    settled. (A spike that recovers and then keeps falling is fine.)
//! 4. **TooSmall** if the loss barely moved: the end level is within `flat_ratio` = 10% of
//!    the start. A learning rate that works takes far more than a tenth off the initial loss
//!    within a log of a few hundred steps; less than that is a plateau, even if it slopes a
//!    little. Or if it is still falling at more than `still_falling` = 0.5 of its early
//!    pace: the drop over the second half is more than half the drop over the first half.
//!    A curve that converges has done most of its work early (an exponential approach
//!    `e^{−kt}` makes the second half's drop `e^{−kT/2}` times the first's, below 0.5 once the
//!    run lasts 1.4 time constants). A curve that is still close to a straight line would
//!    gain from a larger η, or more steps.
//! 5. **JustRight** otherwise: it fell, most of the fall came early, and it settled
//!    without big swings.
//!
//! When the floor `L*` is known (the test surfaces have `L* = 0`), set
//! [`Thresholds::floor`]: then rule 2 applies, and rule 4 also asks that the gap to the floor shrank by at least
//! `reach` = 10⁻⁴, so a run that dropped fast and then crawls along a valley far above the
//! floor counts as too small.
//!
//! The diagnosis cannot see what the losses do not show. On a quadratic, a learning rate
//! between `1/λmax` and `2/λmax` makes the iterate zig-zag across the valley, yet the loss is
//! a sum of decaying exponentials and falls monotonically: its log reads *just right*. The
//! zig-zag shows in the trajectory, and in the loss only on curved surfaces or real networks.
use crate::{Error, Result};

/// The four regimes of a learning rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Regime {
    /// Progress, but slow: a larger η (or many more steps) would help.
    TooSmall,
    /// Fast progress that settles.
    JustRight,
    /// The loss bounces without settling: lower η.
    Oscillating,
    /// The loss blew up or became NaN: lower η a lot (by 3× to 10×).
    Diverged,
}

impl Regime {
    /// All four, in order of increasing η.
    pub const ALL: [Regime; 4] = [
        Regime::TooSmall,
        Regime::JustRight,
        Regime::Oscillating,
        Regime::Diverged,
    ];

    /// The name the book prints.
    pub fn name(self) -> &'static str {
        match self {
            Regime::TooSmall => "too small",
            Regime::JustRight => "just right",
            Regime::Oscillating => "oscillating",
            Regime::Diverged => "diverged",
        }
    }

    /// What to do about it.
    pub fn remedy(self) -> &'static str {
        match self {
            Regime::TooSmall => "raise η (try 3× to 10×) or train longer",
            Regime::JustRight => "keep η; a schedule can still help at the end",
            Regime::Oscillating => "lower η (try 2× to 3× smaller) or add a decay",
            Regime::Diverged => "lower η by 10×; check for bad data if it persists",
        }
    }
}

/// A regime with the reason for it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Diagnosis {
    /// The verdict.
    pub regime: Regime,
    /// One line, with the numbers behind the verdict.
    pub reason: String,
}

/// The thresholds of [`diagnose_with`]; the module documentation justifies each default.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Thresholds {
    /// Diverged if the end level exceeds this multiple of the start level (`> 1`).
    pub diverge_ratio: f64,
    /// Oscillating if the median step-to-step change in the second half exceeds this
    /// fraction of the median level there.
    pub swing_ratio: f64,
    /// Too small if the end level is within this fraction of the start level (in `(0, 1)`).
    pub flat_ratio: f64,
    /// Too small if the second half's drop exceeds this fraction of the first half's.
    pub still_falling: f64,
    /// The loss's floor `L*`, if known (0 for the test surfaces).
    pub floor: Option<f64>,
    /// With a known floor: too small unless the gap to it shrank by this factor (in `(0, 1)`).
    pub reach: f64,
    /// Fewest finite values a log must have to be diagnosed (unless it diverged).
    pub min_len: usize,
    /// Oscillating if, in the second half, at least this fraction of consecutive changes
    /// flip direction (up, down, up, …) by more than `flat_ratio` of the level (in `(0, 1]`).
    pub alternation: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            diverge_ratio: 2.0,
            swing_ratio: 0.5,
            flat_ratio: 0.1,
            still_falling: 0.5,
            floor: None,
            reach: 1e-4,
            min_len: 8,
            alternation: 0.9,
        }
    }
}

/// Diagnoses `losses` (one per step, oldest first) with the default thresholds.
pub fn diagnose(losses: &[f64]) -> Result<Diagnosis> {
    diagnose_with(losses, &Thresholds::default())
}

/// A regular alternation only counts as a bounce when its steps exceed this fraction of the
/// level, so rounding noise around a floor is not mistaken for one.
pub const MIN_BOUNCE: f64 = 0.01;

fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

fn g(x: f64) -> String {
    crate::report::fmt_sig(x, 3)
}

// ANCHOR: diagnose
/// Diagnoses `losses` with explicit thresholds. Errors (never panics) on an empty log, an
/// all-non-finite log, a log too short to judge, or invalid thresholds.
pub fn diagnose_with(losses: &[f64], th: &Thresholds) -> Result<Diagnosis> {
    check_thresholds(th)?;
    if losses.is_empty() {
        return Err(Error::invalid(
            "loss history",
            "it is empty",
            "Pass the losses of at least a few steps, oldest first.",
        ));
    }
    let finite: Vec<(usize, f64)> = losses
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, l)| l.is_finite())
        .collect();
    if finite.is_empty() {
        return Err(Error::invalid(
            "loss history",
            format!("all {} values are NaN or infinite", losses.len()),
            "There is nothing to diagnose: if training logged these, it diverged from the first \
             step (lower η by 10×); otherwise check how the losses were recorded.",
        ));
    }
    // Rule 1a: the log ends non-finite.
    let last_finite = finite.last().expect("non-empty").0;
    if last_finite + 1 < losses.len() {
        return Ok(Diagnosis {
            regime: Regime::Diverged,
            reason: format!(
                "the loss became {} at step {} and never recovered",
                losses[last_finite + 1],
                last_finite + 1
            ),
        });
    }
    let skipped = losses.len() - finite.len();
    let v: Vec<f64> = finite.iter().map(|p| p.1).collect();
    let n = v.len();
    let w = (n / 10).max(1);
    // The start is the loss before the first update: no learning rate has acted on it yet.
    let start = v[0];
    let end = median(&v[n - w..]);
    // Rule 1b: ended far above where it started.
    if end > th.diverge_ratio * start.abs().max(f64::MIN_POSITIVE) {
        return Ok(Diagnosis {
            regime: Regime::Diverged,
            reason: format!(
                "the loss rose from {} to {} ({}× the start)",
                g(start),
                g(end),
                g(end / start)
            ),
        });
    }
    if n < th.min_len {
        return Err(Error::invalid(
            "loss history",
            format!("it has {n} finite values, too few to judge a trend"),
            format!("Pass at least {} steps.", th.min_len),
        ));
    }
    let note = if skipped > 0 {
        format!(" ({skipped} non-finite value(s) mid-run ignored: the loss recovered after them)")
    } else {
        String::new()
    };
    // With a known floor, a run that got there has converged, whatever rounding does next.
    if let Some(floor) = th.floor {
        let (gap0, gap1) = (start - floor, end - floor);
        if gap1 <= th.reach * gap0 {
            return Ok(Diagnosis {
                regime: Regime::JustRight,
                reason: format!(
                    "reached the floor: the gap to it shrank from {} to {} ({}×)",
                    g(gap0),
                    g(gap1),
                    g(gap1 / gap0)
                ) + &note,
            });
        }
    }
    // Rule 2: big swings, or a regular up-down alternation, in the second half.
    let half = &v[n / 2..];
    let diffs: Vec<f64> = half.windows(2).map(|p| p[1] - p[0]).collect();
    let steps: Vec<f64> = diffs.iter().map(|d| d.abs()).collect();
    // A log of one or two values has no step in its second half: no swing to see.
    let swing = if steps.is_empty() {
        0.0
    } else {
        median(&steps)
    };
    let level = median(half).abs().max(f64::MIN_POSITIVE);
    let flips = diffs.windows(2).filter(|p| p[0] * p[1] < 0.0).count();
    let alternation = flips as f64 / diffs.len().saturating_sub(1).max(1) as f64;
    if alternation >= th.alternation && swing > MIN_BOUNCE * level {
        return Ok(Diagnosis {
            regime: Regime::Oscillating,
            reason: format!(
                "in the second half the loss alternates up and down at {}% of steps, by {} around {}: a bounce, not noise",
                g(100.0 * alternation),
                g(swing),
                g(level)
            ) + &note,
        });
    }
    // Thrown out of the valley and never settled: a jump far above the start, then an end
    // that is still more than half the start.
    let peak = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if peak > th.diverge_ratio * start && end > 0.5 * start {
        let at = v.iter().position(|&l| l == peak).unwrap_or(0);
        return Ok(Diagnosis {
            regime: Regime::Oscillating,
            reason: format!(
                "the loss jumped to {} ({}× the start) at step {at} and fell back, but ended at {}, still over half its start of {}",
                g(peak),
                g(peak / start),
                g(end),
                g(start)
            ) + &note,
        });
    }
    if swing > th.swing_ratio * level {
        return Ok(Diagnosis {
            regime: Regime::Oscillating,
            reason: format!(
                "in the second half the loss moves by {} per step around a level of {} ({}% of it)",
                g(swing),
                g(level),
                g(100.0 * swing / level)
            ) + &note,
        });
    }
    // Rule 3: flat, or still falling at its early pace, or (floor known) far from the floor.
    let mid = median(&v[(n / 2).saturating_sub(w / 2)..(n / 2 + w.div_ceil(2)).min(n)]);
    let (d1, d2) = (start - mid, mid - end);
    if start - end <= th.flat_ratio * start.abs() {
        return Ok(Diagnosis {
            regime: Regime::TooSmall,
            reason: format!(
                "the loss went from {} to {}: less than {}% of progress",
                g(start),
                g(end),
                g(100.0 * th.flat_ratio)
            ) + &note,
        });
    }
    if d2 > th.still_falling * d1 {
        return Ok(Diagnosis {
            regime: Regime::TooSmall,
            reason: format!(
                "still falling at its early pace: {} in the second half against {} in the first",
                g(d2),
                g(d1)
            ) + &note,
        });
    }
    if let Some(floor) = th.floor {
        let (gap0, gap1) = (start - floor, end - floor);
        if gap1 > th.reach * gap0 {
            return Ok(Diagnosis {
                regime: Regime::TooSmall,
                reason: format!(
                    "the gap to the floor only shrank from {} to {} ({}×, short of {})",
                    g(gap0),
                    g(gap1),
                    g(gap1 / gap0),
                    g(th.reach)
                ) + &note,
            });
        }
    }
    Ok(Diagnosis {
        regime: Regime::JustRight,
        reason: format!(
            "fell from {} to {}, {}% of the fall in the first half, and settled",
            g(start),
            g(end),
            g(100.0 * d1 / (d1 + d2).max(f64::MIN_POSITIVE))
        ) + &note,
    })
}
// ANCHOR_END: diagnose

fn check_thresholds(th: &Thresholds) -> Result<()> {
    let positive = [
        ("diverge_ratio", th.diverge_ratio),
        ("swing_ratio", th.swing_ratio),
        ("flat_ratio", th.flat_ratio),
        ("still_falling", th.still_falling),
        ("reach", th.reach),
        ("alternation", th.alternation),
    ];
    for (name, x) in positive {
        crate::validate::positive(&format!("diagnosis threshold {name}"), x)?;
    }
    // Thresholds that contradict the rules they serve: each would give a verdict that the
    // rule's own words deny (a falling run "diverged", every run "too small", …).
    let contradictions = [
        (
            "diverge_ratio",
            th.diverge_ratio <= 1.0,
            format!(
                "got {}, but a run ending at or below its start cannot have diverged: it \
                 must be > 1",
                th.diverge_ratio
            ),
            "Pass a ratio above 1, such as 2 (the default).",
        ),
        (
            "flat_ratio",
            th.flat_ratio >= 1.0,
            format!(
                "got {}, but a fall of 100% or more of the start would still count as flat: \
                 it must be < 1",
                th.flat_ratio
            ),
            "Pass a fraction below 1, such as 0.1 (the default).",
        ),
        (
            "alternation",
            th.alternation > 1.0,
            format!(
                "got {}, but it is a fraction of the steps, so above 1 no log could reach it",
                th.alternation
            ),
            "Pass a fraction in (0, 1], such as 0.9 (the default).",
        ),
        (
            "reach",
            th.reach >= 1.0,
            format!(
                "got {}, but a gap to the floor that did not shrink would count as having \
                 reached it: it must be < 1",
                th.reach
            ),
            "Pass a shrink factor below 1, such as 1e-4 (the default).",
        ),
    ];
    for (name, bad, problem, hint) in contradictions {
        if bad {
            return Err(Error::invalid(
                format!("diagnosis threshold {name}"),
                problem,
                hint,
            ));
        }
    }
    if th.floor.is_some_and(|f| !f.is_finite()) {
        return Err(Error::invalid(
            "diagnosis floor",
            "it is not finite",
            "Pass the loss's known minimum (0 for the test surfaces), or None.",
        ));
    }
    crate::validate::at_least_one("diagnosis min_len", th.min_len)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decay(n: usize, k: f64, floor: f64) -> Vec<f64> {
        (0..n)
            .map(|t| floor + (2.3 - floor) * (-k * t as f64).exp())
            .collect()
    }

    #[test]
    fn clean_curves() {
        assert_eq!(
            diagnose(&decay(200, 0.05, 0.3)).unwrap().regime,
            Regime::JustRight
        );
        assert_eq!(
            diagnose(&decay(200, 0.001, 0.3)).unwrap().regime,
            Regime::TooSmall
        );
        let up: Vec<f64> = (0..50).map(|t| 1.1f64.powi(t)).collect();
        assert_eq!(diagnose(&up).unwrap().regime, Regime::Diverged);
        let bounce: Vec<f64> = (0..60)
            .map(|t| if t % 2 == 0 { 2.0 } else { 0.5 })
            .collect();
        assert_eq!(diagnose(&bounce).unwrap().regime, Regime::Oscillating);
    }

    #[test]
    fn bad_input_errors() {
        assert!(diagnose(&[]).unwrap_err().to_string().contains("empty"));
        let e = diagnose(&[f64::NAN, f64::NAN]).unwrap_err().to_string();
        assert!(e.contains("NaN"), "{e}");
        assert!(diagnose(&[1.0, 0.9, 0.8]).is_err(), "too short");
        let th = Thresholds {
            swing_ratio: -1.0,
            ..Default::default()
        };
        assert!(diagnose_with(&decay(50, 0.1, 0.0), &th).is_err());
    }

    #[test]
    fn tiny_logs_never_panic() {
        // min_len 1 lets one- and two-point logs through to the rules, whose second half
        // then holds no step (this used to index an empty median).
        let th = Thresholds {
            min_len: 1,
            ..Thresholds::default()
        };
        assert!(diagnose_with(&[], &th)
            .unwrap_err()
            .to_string()
            .contains("empty"));
        let one = diagnose_with(&[2.0], &th).unwrap();
        assert_eq!(one.regime, Regime::TooSmall, "{}", one.reason);
        assert!(one.reason.contains("from 2.00 to 2.00"), "{}", one.reason);
        let two = diagnose_with(&[2.0, 1.0], &th).unwrap();
        assert_eq!(two.regime, Regime::JustRight, "{}", two.reason);
        let three = diagnose_with(&[2.0, 1.0, 0.9], &th).unwrap();
        assert_eq!(three.regime, Regime::JustRight, "{}", three.reason);
        let up = diagnose_with(&[1.0, 5.0], &th).unwrap();
        assert_eq!(up.regime, Regime::Diverged, "{}", up.reason);
        // Non-finite values in short logs.
        for log in [
            vec![f64::NAN],
            vec![f64::INFINITY, f64::NEG_INFINITY],
            vec![f64::NAN, f64::INFINITY, f64::NAN],
        ] {
            let e = diagnose_with(&log, &th).unwrap_err().to_string();
            assert!(e.contains("NaN or infinite"), "{e}");
        }
        let d = diagnose_with(&[2.0, f64::NAN], &th).unwrap();
        assert_eq!(d.regime, Regime::Diverged);
        assert!(d.reason.contains("became NaN at step 1"), "{}", d.reason);
        let d = diagnose_with(&[2.0, f64::INFINITY, 1.0], &th).unwrap();
        assert!(
            d.reason.contains("1 non-finite value(s) mid-run ignored"),
            "{}",
            d.reason
        );
        let d = diagnose_with(&[f64::NAN, 2.0, 1.0], &th).unwrap();
        assert_eq!(d.regime, Regime::JustRight, "{}", d.reason);
        // Default min_len: short logs are an error, not a panic.
        for n in 0..4 {
            let log: Vec<f64> = (0..n).map(|t| 2.0 - 0.1 * t as f64).collect();
            assert!(diagnose(&log).is_err(), "{n} points");
        }
        // Extreme finite values.
        let d = diagnose_with(&[f64::MAX, f64::MIN_POSITIVE, 0.0, -f64::MAX], &th).unwrap();
        assert!(!d.reason.is_empty());
    }

    #[test]
    fn contradictory_thresholds_are_rejected() {
        let d = Thresholds::default;
        let cases = [
            (
                Thresholds {
                    diverge_ratio: 0.5,
                    ..d()
                },
                "diverge_ratio",
                "> 1",
            ),
            (
                Thresholds {
                    diverge_ratio: 1.0,
                    ..d()
                },
                "diverge_ratio",
                "> 1",
            ),
            (
                Thresholds {
                    flat_ratio: 1.0,
                    ..d()
                },
                "flat_ratio",
                "< 1",
            ),
            (
                Thresholds {
                    alternation: 1.5,
                    ..d()
                },
                "alternation",
                "fraction",
            ),
            (Thresholds { reach: 2.0, ..d() }, "reach", "< 1"),
            (
                Thresholds {
                    still_falling: f64::NAN,
                    ..d()
                },
                "still_falling",
                "finite",
            ),
            (Thresholds { min_len: 0, ..d() }, "min_len", "at least 1"),
        ];
        let log: Vec<f64> = (0..50).map(|t| 2.0 * 0.9f64.powi(t)).collect();
        for (th, name, part) in cases {
            let e = diagnose_with(&log, &th).unwrap_err().to_string();
            assert!(e.contains(name) && e.contains(part), "{e}");
        }
        // The edges that make sense are allowed.
        let ok = Thresholds {
            alternation: 1.0,
            diverge_ratio: 1.01,
            ..d()
        };
        assert!(diagnose_with(&log, &ok).is_ok());
    }

    /// A run that falls from 2.3 towards `level` over the first half; the second half
    /// repeats `pattern` (then spikes are written over it).
    fn settled(level: f64, pattern: &[f64]) -> Vec<f64> {
        (0..200)
            .map(|t| {
                if t < 100 {
                    level + (2.3 - level) * (-0.1 * t as f64).exp()
                } else {
                    pattern[t % pattern.len()]
                }
            })
            .collect()
    }

    /// The typical swing is a median: eight spikes to 3.0 in a settled second half (16 of
    /// 99 steps of 2.7) leave it at 0, and the run is just right. Their mean, 0.44, would
    /// exceed half the level (0.15) and call it oscillating.
    #[test]
    fn a_few_spikes_do_not_make_the_swing() {
        let mut log = settled(0.3, &[0.3]);
        for t in (105..180).step_by(10) {
            log[t] = 3.0;
        }
        let d = diagnose(&log).unwrap();
        assert_eq!(d.regime, Regime::JustRight, "{}", d.reason);
        // The reason quotes the median end level, 0.3, not the mean of the last tenth.
        assert!(d.reason.contains("from 2.30 to 0.300"), "{}", d.reason);
    }

    /// The typical level is a median: a second half that bounces 0.1, 0.35, 0.6, 0.35
    /// (median step 0.25, median level 0.35) oscillates, and eight spikes to 3.0 do not
    /// hide it. Their mean level, 0.56, would put 0.25 under half of it.
    #[test]
    fn a_few_spikes_do_not_make_the_level() {
        let mut log = settled(0.35, &[0.1, 0.35, 0.6, 0.35]);
        for t in (105..180).step_by(10) {
            log[t] = 3.0;
        }
        let d = diagnose(&log).unwrap();
        assert_eq!(d.regime, Regime::Oscillating, "{}", d.reason);
        assert!(
            d.reason
                .contains("moves by 0.250 per step around a level of 0.350 (71.4% of it)"),
            "{}",
            d.reason
        );
    }

    /// The end level is a median of the last tenth: one spike to 100 there (one bad batch)
    /// leaves it at 0.3; the mean, 5.3, would exceed twice the start and read "diverged".
    #[test]
    fn one_spike_at_the_end_does_not_make_the_end_level() {
        let mut log = settled(0.3, &[0.3]);
        log[190] = 100.0;
        let d = diagnose(&log).unwrap();
        assert_eq!(d.regime, Regime::JustRight, "{}", d.reason);
        assert!(d.reason.contains("from 2.30 to 0.300"), "{}", d.reason);
    }

    #[test]
    fn short_diverged_logs_are_diagnosed() {
        let d = diagnose(&[2.3, 5.0, f64::INFINITY]).unwrap();
        assert_eq!(d.regime, Regime::Diverged);
        assert!(d.reason.contains("step 2"), "{}", d.reason);
    }
}
