//! The rules that read a learning rate off a range test's curve, after fastai's
//! `fastai.callback.schedule` (v2): `steep`, `minimum`, `valley` and `slide`.
use std::fmt;
use std::ops::Range;

use crate::report::fmt_sig;
use crate::{validate, Error, Result};

/// The suggestion rules, after fastai's `fastai.callback.schedule` (v2): `steep`,
/// `minimum`, `valley` and `slide`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Rule {
    /// The steepest descent: the learning rate where the smoothed loss falls fastest per
    /// unit of `ln lr`, `argmin_i (L[i+1] − L[i]) / (ln lr[i+1] − ln lr[i])` (the first on
    /// ties), at the left end of that segment (fastai's `steep`).
    Steep,
    /// A tenth of the learning rate at the minimum of the smoothed loss (the first on ties;
    /// fastai's `minimum`): the minimum itself is already too close to the blow-up.
    Minimum,
    /// fastai's `valley`, step for step: for each point `i`, `lds[i]` grows to the length
    /// of the longest strictly decreasing subsequence ending there; the first point whose
    /// `lds` beats the best so far becomes the end `e` of the valley, and its start is `e −
    /// lds[e]` *as it was at that moment* (fastai updates both inside its inner loop, so the
    /// start can lag a later growth of `lds[e]`, and it is −1 when the curve falls from its
    /// first point). The valley is `[start, e]` even when the subsequence skips points, and
    /// the pick lies a third plus a sixth of the way in: `start + ⌊w/3⌋ + ⌊w/3/2⌋` with `w =
    /// e − start`. A pick of −1 (a valley of two points starting at −1) is, as in Python,
    /// the last point read.
    Valley,
    /// fastai's `slide`: with `g` the loss's gradient per index (central differences, as
    /// `numpy.gradient`), slide a window of `lr_diff` points leftwards from the end of the
    /// curve while `|g[right] − g[left]| > thresh`; suggest the left end of the last window
    /// that still differed, or of the first window if none did (times `adjust`). `thresh` is in loss units, so this rule depends
    /// on the scale of the loss.
    Slide,
}

impl Rule {
    /// The four rules, in the order of the book's tables.
    pub const ALL: [Rule; 4] = [Rule::Steep, Rule::Minimum, Rule::Valley, Rule::Slide];

    /// The name in tables and legends.
    pub fn name(self) -> &'static str {
        match self {
            Rule::Steep => "steep",
            Rule::Minimum => "minimum/10",
            Rule::Valley => "valley",
            Rule::Slide => "slide",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which part of the curve the rules read, and the rules' parameters.
///
/// The rules read the points `[skip_start, min(len − skip_end, first NaN or ∞))` of the
/// curve (see [`SuggestOptions::window`]), as fastai's `lr_find` reads `[num_it // 10 : −5]`
/// cut at the first NaN. With `skip_start` from [`SuggestOptions::for_iterations`] (which
/// [`RangeTestResult::suggest`](super::RangeTestResult::suggest) uses), every rule gives
/// fastai 2.8.12's suggestion bit for bit (`tests/finder_peers.rs`), with three deliberate
/// differences:
///
/// - **∞.** lrbook also cuts at the first ∞ (or −∞); fastai cuts only at NaN, so with an ∞
///   in its window its `steep` and `slide` read differences of ∞ (and NaN) and pick points in
///   or next to the blow-up. lrbook's suggestion on such a curve is fastai's on the same
///   curve with the ∞ written as NaN.
/// - **A non-finite value before the window** (a curve that is not a running average) ends
///   the curve there, so the window is empty: an error, where fastai reads past it.
/// - **Refusals.** Fewer usable points than [`SuggestOptions::min_points`] (fastai needs 1
///   for `minimum` and `valley`, 2 for `steep`), or a curve that never falls by
///   [`SuggestOptions::min_drop`] (fastai suggests a point on a flat curve too): an error,
///   never a made-up learning rate. ([`Rule::Slide`] needs `slide_lr_diff + 1` points in
///   both: with fewer, fastai's raises an `IndexError`.)
///
/// fastai computes in float32 (its `tensor` turns every float list into float32), lrbook in
/// f64; the fixture's curves are float32 values, read exactly by both. Where two of steep's
/// slopes tie exactly in exact arithmetic, rounding alone decides between them, in either
/// precision; the fixture's curves have no such ties.
#[derive(Clone, Debug, PartialEq)]
pub struct SuggestOptions {
    /// Leave out this many points at the start: the first batches' spikes and the
    /// average's warm-up. fastai leaves out `num_it // 10`, a tenth of the *planned*
    /// iterations, which [`SuggestOptions::for_iterations`] sets. `None` (the default) takes
    /// a tenth of the curve's recorded length, which is the same for a test that ran all its
    /// iterations; [`RangeTestResult`](super::RangeTestResult) fills in its planned count.
    pub skip_start: Option<usize>,
    /// Leave out this many points at the end of the recorded curve (default 5, as fastai):
    /// the blow-up.
    pub skip_end: usize,
    /// The fewest points a rule may read (default 5); below it, an error.
    pub min_points: usize,
    /// A curve whose loss never falls below its first usable value by more than this
    /// fraction of its size (default 0.05; finite and `>= 0`) has no descent to read: an
    /// error, not a guess. 0 turns the check off (as fastai has none): the rules then read
    /// any curve, and only [`Rule::Steep`] still refuses one that nowhere falls.
    pub min_drop: f64,
    /// [`Rule::Slide`]'s window, in points, at least 1 (default 15, fastai's `lr_diff`).
    pub slide_lr_diff: usize,
    /// [`Rule::Slide`]'s gradient threshold, in loss units (default 0.005, fastai's).
    pub slide_thresh: f64,
    /// [`Rule::Slide`]'s multiplier on its result, finite and `> 0` (default 1, fastai's
    /// `adjust_value`).
    pub slide_adjust: f64,
}

impl Default for SuggestOptions {
    fn default() -> Self {
        SuggestOptions {
            skip_start: None,
            skip_end: 5,
            min_points: 5,
            min_drop: 0.05,
            slide_lr_diff: 15,
            slide_thresh: 0.005,
            slide_adjust: 1.0,
        }
    }
}

impl SuggestOptions {
    /// The defaults, with fastai's `skip_start = num_it // 10` for a range test planned
    /// for `num_it` iterations, whether or not it ran them all.
    ///
    /// ```
    /// use lrbook::finder::SuggestOptions;
    /// assert_eq!(SuggestOptions::for_iterations(300).skip_start, Some(30));
    /// assert_eq!(SuggestOptions::default().skip_start, None); // a tenth of what was recorded
    /// ```
    pub fn for_iterations(num_it: usize) -> Self {
        SuggestOptions {
            skip_start: Some(num_it / 10),
            ..SuggestOptions::default()
        }
    }

    /// The index range of `losses` the rules read: from `skip_start` to `skip_end` before
    /// the end, and no further than the first NaN or ∞. Empty (`start..start`) when nothing
    /// is left.
    pub fn window(&self, losses: &[f64]) -> Range<usize> {
        let start = self.skip_start.unwrap_or(losses.len() / 10);
        let finite = losses
            .iter()
            .position(|l| !l.is_finite())
            .unwrap_or(losses.len());
        let end = losses.len().saturating_sub(self.skip_end).min(finite);
        start..end.max(start)
    }
}

/// A suggested learning rate, and the point of the curve it was read from.
#[derive(Clone, Debug, PartialEq)]
pub struct Suggestion {
    /// The rule.
    pub rule: Rule,
    /// The suggested learning rate.
    pub lr: f64,
    /// Index (into the whole curve) of the point the rule picked; for
    /// [`Rule::Minimum`] that is the minimum, ten times the suggestion.
    pub index: usize,
    /// The smoothed loss at that point.
    pub loss: f64,
    /// The part of the curve the rule read (indices into the whole curve; see
    /// [`SuggestOptions::window`]).
    pub window: Range<usize>,
}

/// Reads a learning rate off a range-test curve by `rule`. `losses` should be smoothed.
///
/// The rules read [`SuggestOptions::window`]: `opts.skip_start` and `opts.skip_end` left
/// out, and nothing from the first NaN or ∞ on. Errors (with what to do) for: mismatched
/// lengths, learning rates that are not finite, positive and increasing, too few usable
/// points, and a curve with no descent. [`SuggestOptions`] lists where this differs from
/// fastai, on purpose.
pub fn suggest(
    rule: Rule,
    lrs: &[f64],
    losses: &[f64],
    opts: &SuggestOptions,
) -> Result<Suggestion> {
    let window = usable_window(rule, lrs, losses, opts)?;
    let suggestion = read_rule(rule, lrs, losses, window, opts)?;
    let range = validate::MIN_LEARNING_RATE..=validate::MAX_LEARNING_RATE;
    if !range.contains(&suggestion.lr) {
        return Err(Error::invalid(
            format!("range-test curve for the {} rule", rule.name()),
            format!(
                "the rule picked learning rate {} at point {}, which turns into {:e} after \
                 the rule's scaling, outside the single-precision range [{:e}, {:e}] of a \
                 learning rate",
                lrs[suggestion.index],
                suggestion.index,
                suggestion.lr,
                range.start(),
                range.end()
            ),
            "Sweep learning rates well inside the floating-point range (1e-7 to 10), and \
             pass a slide adjust near 1.",
        ));
    }
    Ok(suggestion)
}

/// The rule itself, on the usable `window` of the curve.
fn read_rule(
    rule: Rule,
    lrs: &[f64],
    losses: &[f64],
    window: Range<usize>,
    opts: &SuggestOptions,
) -> Result<Suggestion> {
    let (l, w) = (&lrs[window.clone()], &losses[window.clone()]);
    let pick = |i: usize, lr: f64| Suggestion {
        rule,
        lr,
        index: window.start + i,
        loss: w[i],
        window: window.clone(),
    };
    Ok(match rule {
        // ANCHOR: steep
        Rule::Steep => {
            let (i, slope) = (0..w.len() - 1)
                .map(|i| (i, (w[i + 1] - w[i]) / (l[i + 1].ln() - l[i].ln())))
                .fold((0, f64::INFINITY), |b, s| if s.1 < b.1 { s } else { b });
            if slope >= 0.0 {
                return Err(no_descent(rule, w));
            }
            pick(i, l[i])
        }
        // ANCHOR_END: steep
        Rule::Minimum => {
            let i = argmin(w);
            pick(i, l[i] / 10.0)
        }
        // ANCHOR: valley
        Rule::Valley => {
            let n = w.len();
            let mut lds = vec![1usize; n]; // longest decreasing subsequence ending at i
            let (mut max_start, mut max_end) = (0isize, 0usize);
            for i in 1..n {
                for j in 0..i {
                    if w[i] < w[j] && lds[i] < lds[j] + 1 {
                        lds[i] = lds[j] + 1;
                    }
                    // Inside the j loop, as fastai: the start is lds[i] at this moment.
                    if lds[max_end] < lds[i] {
                        max_end = i;
                        max_start = i as isize - lds[i] as isize; // -1 if falling from 0
                    }
                }
            }
            let sections = (max_end as isize - max_start) / 3; // ⌊·⌋: the width is >= 0
            let i = max_start + sections + sections / 2;
            let i = usize::try_from(i).unwrap_or(n - 1); // only -1: Python's last point
            pick(i, l[i])
        }
        // ANCHOR_END: valley
        // ANCHOR: slide
        Rule::Slide => {
            let n = w.len();
            let g: Vec<f64> = (0..n)
                .map(|i| match i {
                    0 => w[1] - w[0],
                    _ if i == n - 1 => w[n - 1] - w[n - 2],
                    _ => (w[i + 1] - w[i - 1]) / 2.0,
                })
                .collect();
            let (mut right, mut left) = (n - 1, n - 1 - opts.slide_lr_diff);
            let mut found = left;
            loop {
                // fastai's `while |…| > thresh`, which a NaN also ends.
                let differ = (g[right] - g[left]).abs() > opts.slide_thresh;
                if !differ {
                    break;
                }
                found = left;
                if left == 0 {
                    break;
                }
                right -= 1;
                left -= 1;
            }
            pick(found, l[found] * opts.slide_adjust)
        } // ANCHOR_END: slide
    })
}

fn argmin(w: &[f64]) -> usize {
    (0..w.len()).fold(0, |b, i| if w[i] < w[b] { i } else { b })
}

/// The index range the rules read; checks everything first.
fn usable_window(
    rule: Rule,
    lrs: &[f64],
    losses: &[f64],
    opts: &SuggestOptions,
) -> Result<Range<usize>> {
    let what = format!("range-test curve for the {} rule", rule.name());
    if lrs.len() != losses.len() {
        return Err(Error::invalid(
            what,
            format!(
                "got {} learning rates but {} losses",
                lrs.len(),
                losses.len()
            ),
            "Pass one loss per learning rate.",
        ));
    }
    if let Some(i) = (0..lrs.len()).find(|&i| !(lrs[i].is_finite() && lrs[i] > 0.0)) {
        return Err(Error::invalid(
            what,
            format!("learning rate {i} is {}", lrs[i]),
            "Learning rates must be finite and > 0.",
        ));
    }
    if let Some(i) = (1..lrs.len()).find(|&i| lrs[i] <= lrs[i - 1]) {
        return Err(Error::invalid(
            what,
            format!(
                "learning rates must increase, but lr[{i}] = {} <= lr[{}] = {}",
                lrs[i],
                i - 1,
                lrs[i - 1]
            ),
            "Pass the learning rates in the order the sweep used them.",
        ));
    }
    check_options(opts)?;
    let finite = losses
        .iter()
        .position(|l| !l.is_finite())
        .unwrap_or(losses.len());
    let window = opts.window(losses);
    let usable = window.len();
    let needed = match rule {
        Rule::Slide => opts.min_points.max(opts.slide_lr_diff.saturating_add(1)),
        _ => opts.min_points,
    }
    .max(2);
    if usable < needed {
        return Err(Error::invalid(
            what,
            format!(
                "too few points: {} recorded, {finite} before the first NaN or ∞, {usable} \
                 after leaving out the first {} and the last {} (and any NaN or ∞); this \
                 rule needs at least {needed}",
                losses.len(),
                window.start,
                opts.skip_end,
            ),
            "Run more iterations (100 or more), or start the sweep lower so that the loss \
             blows up later.",
        ));
    }
    let w = &losses[window.clone()];
    let (first, min) = (w[0], w.iter().copied().fold(f64::INFINITY, f64::min));
    let scale = first.abs().max(min.abs()).max(f64::MIN_POSITIVE);
    if opts.min_drop > 0.0 && first - min <= opts.min_drop * scale {
        return Err(no_descent(rule, w));
    }
    Ok(window)
}

/// The rules' own parameters: each finite and in its range.
fn check_options(opts: &SuggestOptions) -> Result<()> {
    if !opts.slide_thresh.is_finite() || opts.slide_thresh < 0.0 {
        return Err(Error::invalid(
            "slide options",
            format!(
                "got thresh {}, but it must be a finite number >= 0",
                opts.slide_thresh
            ),
            "Pass a finite thresh >= 0 (0.005, fastai's).",
        ));
    }
    if !opts.slide_adjust.is_finite() || opts.slide_adjust <= 0.0 {
        return Err(Error::invalid(
            "slide options",
            format!(
                "got adjust {}, but it must be a finite number > 0 (it multiplies the \
                 suggested learning rate)",
                opts.slide_adjust
            ),
            "Pass a finite adjust > 0 (1, fastai's).",
        ));
    }
    if opts.slide_lr_diff == 0 {
        return Err(Error::invalid(
            "slide options",
            "got lr_diff 0, but the sliding window needs at least 1 point between its ends",
            "Pass lr_diff 15 (fastai's), or another count of 1 or more.",
        ));
    }
    if !opts.min_drop.is_finite() || opts.min_drop < 0.0 {
        return Err(Error::invalid(
            "min_drop",
            format!(
                "got {}, but it must be a finite number >= 0 (a fraction of the loss)",
                opts.min_drop
            ),
            "Pass 0.05 (the default), or 0 to turn the check off.",
        ));
    }
    Ok(())
}

fn no_descent(rule: Rule, w: &[f64]) -> Error {
    let min = w.iter().copied().fold(f64::INFINITY, f64::min);
    Error::invalid(
        format!("range-test curve for the {} rule", rule.name()),
        format!(
            "the curve has no descent to read: the smoothed loss goes from {} to a minimum \
             of {}",
            fmt_sig(w[0], 4),
            fmt_sig(min, 4)
        ),
        "A flat curve means the loss cannot fall any faster at a larger learning rate: the \
         model may already be trained (the finder is for a model about to be trained), or \
         start_lr is already too high. Start the sweep lower or use a fresh model.",
    )
}
