//! The rules that read a learning rate off a range test's curve, after fastai's
//! `fastai.callback.schedule` (v2): `steep`, `minimum`, `valley` and `slide`.
use std::fmt;

use crate::report::fmt_sig;
use crate::{validate, Error, Result};

/// The suggestion rules, after fastai's `fastai.callback.schedule` (v2): `steep`,
/// `minimum`, `valley` and `slide`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rule {
    /// The steepest descent: the learning rate where the smoothed loss falls fastest per
    /// decade, `argmin_i (L[i+1] − L[i]) / (log lr[i+1] − log lr[i])`, at the left end of
    /// that segment (fastai's `steep`).
    Steep,
    /// A tenth of the learning rate at the minimum of the smoothed loss (fastai's `minimum`):
    /// the minimum itself is already too close to the blow-up.
    Minimum,
    /// fastai's `valley`: find the longest strictly decreasing subsequence of the smoothed
    /// loss, ending at index `e` with length `m`; treat `[e − m, e]` as the valley (fastai
    /// does so even when the subsequence skips points; the start is clamped at 0, where
    /// fastai's would wrap to −1), and pick the point a third plus a sixth of the way in,
    /// `start + ⌊w/3⌋ + ⌊w/6⌋` with `w = e − start`.
    Valley,
    /// fastai's `slide`: with `g` the loss's gradient per index (central differences, as
    /// `numpy.gradient`), slide a window of `lr_diff` points leftwards from the end of the
    /// curve while `|g[right] − g[left]| > thresh`; suggest the left end of the last window
    /// that still differed (times `adjust`). `thresh` is in loss units, so this rule depends
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
#[derive(Clone, Debug, PartialEq)]
pub struct SuggestOptions {
    /// Leave out this fraction of the finite points at the start (default 0.1, as fastai's
    /// `num_it // 10`): the first batches' spikes and the average's warm-up.
    pub skip_start: f64,
    /// Leave out this many points at the end (default 5, as fastai): the blow-up.
    pub skip_end: usize,
    /// The fewest points a rule may read (default 5); below it, an error.
    pub min_points: usize,
    /// A curve whose loss never falls below its first usable value by more than this
    /// fraction of its size (default 0.05; finite and `>= 0`) has no descent to read: an
    /// error, not a guess.
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
            skip_start: 0.1,
            skip_end: 5,
            min_points: 5,
            min_drop: 0.05,
            slide_lr_diff: 15,
            slide_thresh: 0.005,
            slide_adjust: 1.0,
        }
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
}

/// Reads a learning rate off a range-test curve by `rule`. `losses` should be smoothed.
///
/// The curve is cut at its first NaN or ∞, then `opts.skip_start` and `opts.skip_end` are
/// left out. Errors (with what to do) for: mismatched lengths, learning rates that are not
/// finite, positive and increasing, too few usable points, and a curve with no descent.
pub fn suggest(
    rule: Rule,
    lrs: &[f64],
    losses: &[f64],
    opts: &SuggestOptions,
) -> Result<Suggestion> {
    let (start, end) = usable_window(rule, lrs, losses, opts)?;
    let suggestion = read_rule(rule, &lrs[start..end], &losses[start..end], start, opts)?;
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

/// The rule itself, on the usable window `l`, `w` that starts at index `start`.
fn read_rule(
    rule: Rule,
    l: &[f64],
    w: &[f64],
    start: usize,
    opts: &SuggestOptions,
) -> Result<Suggestion> {
    let pick = |i: usize, lr: f64| Suggestion {
        rule,
        lr,
        index: start + i,
        loss: w[i],
    };
    Ok(match rule {
        // ANCHOR: steep
        Rule::Steep => {
            let (i, slope) = (0..w.len() - 1)
                .map(|i| (i, (w[i + 1] - w[i]) / (l[i + 1].log10() - l[i].log10())))
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
            let mut max_end = 0;
            for i in 1..n {
                for j in 0..i {
                    if w[i] < w[j] && lds[i] < lds[j] + 1 {
                        lds[i] = lds[j] + 1;
                    }
                }
                if lds[max_end] < lds[i] {
                    max_end = i;
                }
            }
            let max_start = max_end.saturating_sub(lds[max_end]);
            let sections = (max_end - max_start) / 3;
            let i = max_start + sections + sections / 2;
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
                if (g[right] - g[left]).abs() <= opts.slide_thresh {
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

/// The index range `[start, end)` the rules read; checks everything first.
fn usable_window(
    rule: Rule,
    lrs: &[f64],
    losses: &[f64],
    opts: &SuggestOptions,
) -> Result<(usize, usize)> {
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
    if !(0.0..1.0).contains(&opts.skip_start) {
        return Err(Error::invalid(
            "skip_start",
            format!("got {}, but it must lie in [0, 1)", opts.skip_start),
            "Pass 0.1 (fastai's tenth).",
        ));
    }
    check_options(opts)?;
    let finite = losses
        .iter()
        .position(|l| !l.is_finite())
        .unwrap_or(losses.len());
    let start = (finite as f64 * opts.skip_start).floor() as usize;
    let end = finite.saturating_sub(opts.skip_end);
    let usable = end.saturating_sub(start);
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
                 after leaving out the first {} and the last {}; this rule needs at least {needed}",
                losses.len(),
                start,
                opts.skip_end.min(finite),
            ),
            "Run more iterations (100 or more), or start the sweep lower so that the loss \
             blows up later.",
        ));
    }
    let w = &losses[start..end];
    let (first, min) = (w[0], w.iter().copied().fold(f64::INFINITY, f64::min));
    let scale = first.abs().max(min.abs()).max(f64::MIN_POSITIVE);
    if first - min <= opts.min_drop * scale {
        return Err(no_descent(rule, w));
    }
    Ok((start, end))
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
            "Pass 0.05 (the default), or 0 to accept any descent.",
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
