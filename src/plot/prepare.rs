//! Turns a [`LineChart`]'s data into what gets drawn: axis ranges, tick positions and labels,
//! and clipped polylines. Everything here works in *axis space*: the value itself on a linear
//! axis, `log10` of it on a log axis, so log and linear axes share one clipping and one range
//! rule. Every guard against non-finite values, non-positive values on log axes and degenerate
//! ranges lives in this file; the drawing code only ever sees finite numbers inside the box.
use super::{LineChart, LineStyle, Marker, Scale, PALETTE};
use crate::{Error, Result};

/// Axis-space bounds are kept inside ±this, so that a span never overflows to infinity.
const AXIS_LIMIT: f64 = 1e300;

/// Maps a data value to axis space, or `None` when the axis cannot show it
/// (NaN, ±inf, or a value `<= 0` on a log axis).
pub(crate) fn to_axis(v: f64, scale: Scale) -> Option<f64> {
    match scale {
        Scale::Linear => v.is_finite().then_some(v),
        Scale::Log => (v.is_finite() && v > 0.0).then(|| v.log10()),
    }
}

/// Inverse of [`to_axis`].
pub(crate) fn from_axis(t: f64, scale: Scale) -> f64 {
    match scale {
        Scale::Linear => t,
        Scale::Log => 10f64.powf(t),
    }
}

/// One resolved axis: bounds and ticks in axis space, plus how tick labels are written.
#[derive(Clone, Debug)]
pub(crate) struct Axis {
    pub scale: Scale,
    pub lo: f64,
    pub hi: f64,
    /// Labelled ticks (bold grid lines), axis space.
    pub ticks: Vec<f64>,
    /// Unlabelled light grid lines, axis space.
    pub minor: Vec<f64>,
    pub format: TickFormat,
}

impl Axis {
    /// The tick label for an axis-space value.
    pub fn label(&self, t: f64) -> String {
        self.format.format(from_axis(t, self.scale))
    }

    /// Where `t` sits between the bounds, 0 at `lo` and 1 at `hi`.
    pub fn frac(&self, t: f64) -> f64 {
        (t - self.lo) / (self.hi - self.lo)
    }

    fn contains(&self, t: f64) -> bool {
        t >= self.lo && t <= self.hi
    }
}

/// A series ready to draw: polylines and points in axis space, all inside the plot box.
#[derive(Clone, Debug)]
pub(crate) struct PreparedSeries {
    pub name: String,
    pub style: LineStyle,
    pub rgb: (u8, u8, u8),
    /// Polylines of two or more points, clipped to the box (empty for [`LineStyle::Points`]).
    pub lines: Vec<Vec<(f64, f64)>>,
    /// Data points drawn as dots: every point inside the box for the styles with dots, and
    /// for line styles the isolated points (between two skipped ones) that no line shows.
    pub dots: Vec<(f64, f64)>,
}

/// A marker ready to draw, in axis space; markers the axes cannot show are dropped.
#[derive(Clone, Debug)]
pub(crate) enum PreparedMarker {
    VLine { x: f64, label: String },
    HLine { y: f64, label: String },
    Point { x: f64, y: f64, label: String },
}

/// The whole chart, resolved.
#[derive(Clone, Debug)]
pub(crate) struct Prepared {
    pub x: Axis,
    pub y: Axis,
    pub series: Vec<PreparedSeries>,
    pub markers: Vec<PreparedMarker>,
}

/// A corner of the plot box, for the legend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Corner {
    UpperRight,
    UpperLeft,
    LowerRight,
    LowerLeft,
}

impl Prepared {
    /// Resolves ranges, ticks, colours and clipped runs. Fails only on an invalid explicit range.
    pub fn new(chart: &LineChart, x_ticks: usize, y_ticks: usize) -> Result<Self> {
        let (xs, ys) = (chart.x_scale, chart.y_scale);
        let x_explicit = explicit_range(chart.x_range, xs, "x range", &chart.title)?;
        let y_explicit = explicit_range(chart.y_range, ys, "y range", &chart.title)?;

        // Runs of valid points in axis space, split wherever a point cannot be shown.
        let raw_runs: Vec<Vec<Vec<(f64, f64)>>> = chart
            .series
            .iter()
            .map(|s| split_runs(&s.points, xs, ys))
            .collect();
        let all_points = || raw_runs.iter().flatten().flatten().copied();
        let in_range = |r: Option<(f64, f64)>, v: f64| r.map_or(true, |(a, b)| v >= a && v <= b);

        // Auto range of one axis: from the points visible under the other axis's explicit
        // range, and from the markers.
        let x_values = all_points()
            .filter(|&(_, y)| in_range(y_explicit, y))
            .map(|(x, _)| x)
            .chain(chart.markers.iter().filter_map(|m| match m {
                Marker::VLine { x, .. } => to_axis(*x, xs),
                Marker::Point { x, .. } => to_axis(*x, xs),
                Marker::HLine { .. } => None,
            }));
        let y_values = all_points()
            .filter(|&(x, _)| in_range(x_explicit, x))
            .map(|(_, y)| y)
            .chain(chart.markers.iter().filter_map(|m| match m {
                Marker::HLine { y, .. } => to_axis(*y, ys),
                Marker::Point { y, .. } => to_axis(*y, ys),
                Marker::VLine { .. } => None,
            }));
        let (x_lo, x_hi) = x_explicit.unwrap_or_else(|| auto_range(x_values, xs));
        let (y_lo, y_hi) = y_explicit.unwrap_or_else(|| auto_range(y_values, ys));
        let x = make_axis(xs, x_lo, x_hi, x_ticks);
        let y = make_axis(ys, y_lo, y_hi, y_ticks);

        let colors = assign_colors(chart.series.iter().map(|s| s.color));
        let series = chart
            .series
            .iter()
            .zip(raw_runs)
            .zip(colors)
            .map(|((s, runs), color)| {
                let inside = |&(px, py): &(f64, f64)| x.contains(px) && y.contains(py);
                let lines = match s.style {
                    LineStyle::Points => Vec::new(),
                    _ => runs.iter().flat_map(|r| clip_polyline(r, &x, &y)).collect(),
                };
                let dots = match s.style {
                    LineStyle::Points | LineStyle::SolidWithPoints => {
                        runs.iter().flatten().copied().filter(inside).collect()
                    }
                    _ => runs
                        .iter()
                        .filter(|r| r.len() == 1)
                        .flatten()
                        .copied()
                        .filter(inside)
                        .collect(),
                };
                PreparedSeries {
                    name: s.name.clone(),
                    style: s.style,
                    rgb: PALETTE[color],
                    lines,
                    dots,
                }
            })
            .collect();

        let markers =
            chart
                .markers
                .iter()
                .filter_map(|m| match m {
                    Marker::VLine { x: v, label } => to_axis(*v, xs)
                        .filter(|&t| x.contains(t))
                        .map(|t| PreparedMarker::VLine {
                            x: t,
                            label: label.clone(),
                        }),
                    Marker::HLine { y: v, label } => to_axis(*v, ys)
                        .filter(|&t| y.contains(t))
                        .map(|t| PreparedMarker::HLine {
                            y: t,
                            label: label.clone(),
                        }),
                    Marker::Point {
                        x: vx,
                        y: vy,
                        label,
                    } => match (to_axis(*vx, xs), to_axis(*vy, ys)) {
                        (Some(tx), Some(ty)) if x.contains(tx) && y.contains(ty) => {
                            Some(PreparedMarker::Point {
                                x: tx,
                                y: ty,
                                label: label.clone(),
                            })
                        }
                        _ => None,
                    },
                })
                .collect();

        Ok(Prepared {
            x,
            y,
            series,
            markers,
        })
    }

    /// The corner whose `w_frac` x `h_frac` box (fractions of the plot box) covers the fewest
    /// drawn samples of data and marker lines; ties go to upper right, upper left, lower
    /// right, lower left, in that order.
    pub fn emptiest_corner(&self, w_frac: f64, h_frac: f64) -> Corner {
        let mut samples: Vec<(f64, f64)> = Vec::new();
        for s in &self.series {
            samples.extend(
                s.dots
                    .iter()
                    .map(|&(px, py)| (self.x.frac(px), self.y.frac(py))),
            );
            for run in &s.lines {
                for w in run.windows(2) {
                    let (a, b) = (
                        (self.x.frac(w[0].0), self.y.frac(w[0].1)),
                        (self.x.frac(w[1].0), self.y.frac(w[1].1)),
                    );
                    // Enough samples that a segment crossing a corner box is seen.
                    let n = (((b.0 - a.0).abs() + (b.1 - a.1).abs()) * 50.0)
                        .ceil()
                        .clamp(1.0, 200.0) as usize;
                    for i in 0..=n {
                        let t = i as f64 / n as f64;
                        samples.push((a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t));
                    }
                }
            }
        }
        for m in &self.markers {
            let line: Vec<(f64, f64)> = match m {
                PreparedMarker::VLine { x, .. } => (0..=20)
                    .map(|i| (self.x.frac(*x), i as f64 / 20.0))
                    .collect(),
                PreparedMarker::HLine { y, .. } => (0..=20)
                    .map(|i| (i as f64 / 20.0, self.y.frac(*y)))
                    .collect(),
                PreparedMarker::Point { x, y, .. } => vec![(self.x.frac(*x), self.y.frac(*y))],
            };
            samples.extend(line);
            // The label next to a reference line must stay readable: its box (at the top
            // of a vertical line, at the right end of a horizontal one) weighs like data.
            let label_box: Vec<(f64, f64)> = match m {
                PreparedMarker::VLine { x, .. } => {
                    let fx = self.x.frac(*x);
                    let dir = if fx < 0.75 { 1.0 } else { -1.0 };
                    (0..=20)
                        .map(|i| (fx + dir * 0.15 * f64::from(i) / 20.0, 0.95))
                        .collect()
                }
                PreparedMarker::HLine { y, .. } => (0..=20)
                    .map(|i| (0.85 + 0.15 * f64::from(i) / 20.0, self.y.frac(*y)))
                    .collect(),
                PreparedMarker::Point { .. } => Vec::new(),
            };
            samples.extend(label_box);
        }
        let (w, h) = (w_frac.clamp(0.0, 1.0), h_frac.clamp(0.0, 1.0));
        let count = |x0: f64, x1: f64, y0: f64, y1: f64| {
            samples
                .iter()
                .filter(|&&(sx, sy)| sx >= x0 && sx <= x1 && sy >= y0 && sy <= y1)
                .count()
        };
        let corners = [
            (Corner::UpperRight, count(1.0 - w, 1.0, 1.0 - h, 1.0)),
            (Corner::UpperLeft, count(0.0, w, 1.0 - h, 1.0)),
            (Corner::LowerRight, count(1.0 - w, 1.0, 0.0, h)),
            (Corner::LowerLeft, count(0.0, w, 0.0, h)),
        ];
        // min_by_key keeps the first of equal minima, which is the preference order above.
        corners
            .iter()
            .min_by_key(|c| c.1)
            .map_or(Corner::UpperRight, |c| c.0)
    }
}

/// Validates an explicit range and converts it to axis space.
fn explicit_range(
    range: Option<(f64, f64)>,
    scale: Scale,
    what: &str,
    title: &str,
) -> Result<Option<(f64, f64)>> {
    let Some((a, b)) = range else { return Ok(None) };
    let what = format!("{what} of figure \"{title}\"");
    if !a.is_finite() || !b.is_finite() {
        return Err(Error::invalid(
            what,
            format!("got {a}..{b}; both bounds must be finite"),
            "Pass finite bounds, or leave the range unset to fit the data.",
        ));
    }
    if a >= b {
        return Err(Error::invalid(
            what,
            format!("got {a}..{b}; the lower bound must be smaller than the upper"),
            "Pass (min, max) with min < max.",
        ));
    }
    match scale {
        Scale::Log if a <= 0.0 => Err(Error::invalid(
            what,
            format!("got {a}..{b} on a log axis, which needs bounds > 0"),
            "Pass positive bounds such as (1e-5, 1.0), or use a linear axis.",
        )),
        Scale::Linear if a < -AXIS_LIMIT || b > AXIS_LIMIT => Err(Error::invalid(
            what,
            format!("got {a}..{b}; bounds beyond ±1e300 cannot be drawn"),
            "Pass smaller bounds or use a log axis.",
        )),
        _ => {
            let (lo, hi) = (
                to_axis(a, scale).unwrap_or(0.0),
                to_axis(b, scale).unwrap_or(1.0),
            );
            Ok(Some(widen_if_degenerate(lo, hi, scale)))
        }
    }
}

/// Range that holds every value, padded 5% of the span on each side (a factor on log axes,
/// since axis space is log10 there). No values: 0..1 (linear) or 1..10 (log).
fn auto_range(values: impl Iterator<Item = f64>, scale: Scale) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if lo > hi {
        return (0.0, 1.0); // no values; log axis: 10^0..10^1
    }
    let (lo, hi) = (lo.max(-AXIS_LIMIT), hi.min(AXIS_LIMIT));
    let (lo, hi) = widen_if_degenerate(lo, hi, scale);
    let pad = (hi / 2.0 - lo / 2.0) * 0.1; // 5% of the span, without overflowing
    let (plo, phi) = (lo - pad, hi + pad);
    if plo.is_finite() && phi.is_finite() && plo >= -AXIS_LIMIT * 1.1 && phi <= AXIS_LIMIT * 1.1 {
        (plo, phi)
    } else {
        (lo, hi)
    }
}

/// Widens a range whose span is zero or lost in rounding: ±10% around the value on a linear
/// axis (±1 around 0), half a decade each way on a log axis.
fn widen_if_degenerate(lo: f64, hi: f64, scale: Scale) -> (f64, f64) {
    let span = hi - lo;
    // Written so that a NaN span also counts as degenerate.
    let usable = match scale {
        Scale::Linear => span > 1e-12 * lo.abs().max(hi.abs()) && span > 1e-200,
        Scale::Log => span > 1e-9,
    };
    if usable {
        return (lo, hi);
    }
    let c = lo / 2.0 + hi / 2.0;
    let half = match scale {
        Scale::Log => 0.5,
        Scale::Linear if c.abs() < 1e-200 => 1.0,
        Scale::Linear => c.abs() * 0.1,
    };
    (c - half, c + half)
}

/// Builds an axis with about `target` labelled ticks.
fn make_axis(scale: Scale, lo: f64, hi: f64, target: usize) -> Axis {
    let (ticks, minor) = match scale {
        Scale::Linear => (linear_ticks(lo, hi, target), Vec::new()),
        Scale::Log => log_ticks(lo, hi, target),
    };
    let values: Vec<f64> = ticks.iter().map(|&t| from_axis(t, scale)).collect();
    let format = TickFormat::choose(&values, scale == Scale::Log);
    Axis {
        scale,
        lo,
        hi,
        ticks,
        minor,
        format,
    }
}

/// The smallest "nice" step (1, 2 or 5 times a power of ten) that cuts `span` into at most
/// `target` steps.
fn nice_step(span: f64, target: usize) -> f64 {
    let target = target.max(1) as f64;
    let mut mag = 10f64.powf((span / target).log10().floor());
    for _ in 0..3 {
        for m in [1.0, 2.0, 5.0] {
            let step = m * mag;
            if span / step <= target + 1e-9 {
                return step;
            }
        }
        mag *= 10.0;
    }
    mag
}

/// Multiples of a nice step inside `lo..=hi`; empty if the range is unusable.
pub(crate) fn linear_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    let span = hi - lo;
    if !(span.is_finite() && span > 0.0) {
        return Vec::new();
    }
    let step = nice_step(span, target);
    if !(step.is_finite() && step > 0.0) {
        return Vec::new();
    }
    let (k0, k1) = ((lo / step).ceil(), (hi / step).floor());
    if !(k0.is_finite() && k1.is_finite()) || k1 - k0 > 100.0 || k1 < k0 {
        return Vec::new();
    }
    (k0 as i64..=k1 as i64)
        .map(|k| k as f64 * step)
        .map(|v| if v.abs() < step * 1e-9 { 0.0 } else { v })
        .filter(|v| *v >= lo && *v <= hi)
        .collect()
}

/// Log-axis ticks in axis space (log10): powers of ten (every `stride`-th decade when there
/// are many), with light lines at 2..9 times each decade when few decades show. Ranges under
/// two decades fall back to 1-2-5 multiples, then to linear ticks.
pub(crate) fn log_ticks(lo: f64, hi: f64, target: usize) -> (Vec<f64>, Vec<f64>) {
    if !(lo.is_finite() && hi.is_finite() && hi > lo) {
        return (Vec::new(), Vec::new());
    }
    let eps = 1e-9;
    let (k0, k1) = ((lo - eps).ceil(), (hi + eps).floor());
    let decades = k1 - k0 + 1.0;
    if (2.0..2000.0).contains(&decades) {
        let (k0, k1) = (k0 as i64, k1 as i64);
        let stride = ((decades / target.max(2) as f64).ceil() as i64).max(1);
        let major: Vec<f64> = (k0..=k1)
            .filter(|k| k.rem_euclid(stride) == 0)
            .map(|k| k as f64)
            .collect();
        if major.len() >= 2 {
            let minor: Vec<f64> = if stride == 1 && decades <= 8.0 {
                ((lo.floor() as i64)..=k1)
                    .flat_map(|d| (2..=9).map(move |m| d as f64 + (m as f64).log10()))
                    .filter(|&t| t > lo && t < hi)
                    .collect()
            } else {
                (k0..=k1)
                    .filter(|k| k.rem_euclid(stride) != 0)
                    .map(|k| k as f64)
                    .collect()
            };
            return (major, minor);
        }
    }
    if hi - lo < 2000.0 {
        let nice: Vec<f64> = ((lo.floor() as i64)..=(hi.ceil() as i64))
            .flat_map(|d| [1.0f64, 2.0, 5.0].map(|m| d as f64 + m.log10()))
            .filter(|&t| t >= lo - eps && t <= hi + eps)
            .collect();
        if nice.len() >= 2 {
            return (nice, Vec::new());
        }
    }
    let (a, b) = (from_axis(lo, Scale::Log), from_axis(hi, Scale::Log));
    let lin = linear_ticks(a, b, target)
        .into_iter()
        .filter_map(|v| to_axis(v, Scale::Log))
        .collect();
    (lin, Vec::new())
}

/// How tick labels are written: plain decimals or `1.5e-4` style, chosen once per axis so
/// that all labels on an axis look alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TickFormat {
    sci: bool,
    digits: usize,
    /// Trim trailing zeros per label (log axes: `0.01`, `0.1`, `1`); linear axes keep a
    /// fixed number of decimals (`0.0`, `0.5`, `1.0`).
    trim: bool,
}

impl TickFormat {
    /// Scientific when values reach 1e5 or go below 1e-3 in magnitude; the fewest digits
    /// that still write every tick value exactly (to 1e-9 relative).
    pub fn choose(values: &[f64], trim: bool) -> Self {
        let max = values.iter().fold(0f64, |m, v| m.max(v.abs()));
        let min_nz = values
            .iter()
            .map(|v| v.abs())
            .filter(|&v| v > 0.0)
            .fold(f64::INFINITY, f64::min);
        let sci = max >= 1e5 || min_nz < 1e-3;
        let exact = |digits: usize| {
            let f = TickFormat {
                sci,
                digits,
                trim: false,
            };
            values.iter().all(|&v| {
                let back: f64 = f.format(v).parse().unwrap_or(f64::NAN);
                (back - v).abs() <= 1e-9 * v.abs().max(max * 1e-6)
            })
        };
        let digits = (0..=12).find(|&d| exact(d)).unwrap_or(12);
        TickFormat { sci, digits, trim }
    }

    /// Writes one value.
    pub fn format(&self, v: f64) -> String {
        if !v.is_finite() {
            return v.to_string();
        }
        let d = self.digits;
        if self.sci && v == 0.0 {
            return "0".to_string();
        }
        if self.sci {
            let s = format!("{v:.d$e}");
            if !self.trim {
                return s;
            }
            match s.split_once('e') {
                Some((m, e)) => format!("{}e{e}", trim_zeros(m)),
                None => s,
            }
        } else {
            let s = format!("{v:.d$}");
            let s = if self.trim {
                trim_zeros(&s).to_string()
            } else {
                s
            };
            // A tiny negative value rounds to "-0.0"; write it without the sign.
            match s.strip_prefix('-') {
                Some(rest) if rest.parse::<f64>() == Ok(0.0) => rest.to_string(),
                _ => s,
            }
        }
    }
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// Splits points into runs of consecutive points the axes can show, in axis space. A point
/// that is NaN, ±inf, or `<= 0` on a log axis ends the current run and is dropped, so a line
/// never jumps across the gap (a diverged run stops at its last finite point).
pub(crate) fn split_runs(points: &[(f64, f64)], xs: Scale, ys: Scale) -> Vec<Vec<(f64, f64)>> {
    let mut runs = Vec::new();
    let mut cur = Vec::new();
    for &(x, y) in points {
        match (to_axis(x, xs), to_axis(y, ys)) {
            (Some(tx), Some(ty)) => cur.push((tx, ty)),
            _ => {
                if !cur.is_empty() {
                    runs.push(std::mem::take(&mut cur));
                }
            }
        }
    }
    if !cur.is_empty() {
        runs.push(cur);
    }
    runs
}

/// Clips a polyline to the axes' box (Liang–Barsky per segment). Parts outside are cut
/// away, so the polyline may come back as several pieces, each of two or more points;
/// nothing is drawn outside the box. A single point makes no line and comes back empty.
pub(crate) fn clip_polyline(run: &[(f64, f64)], x: &Axis, y: &Axis) -> Vec<Vec<(f64, f64)>> {
    let b = (x.lo, x.hi, y.lo, y.hi);
    let mut out = Vec::new();
    let mut cur: Vec<(f64, f64)> = Vec::new();
    for w in run.windows(2) {
        // A segment that only grazes a corner clips to a zero-length piece: nothing to draw.
        let piece =
            clip_segment(w[0], w[1], b).filter(|&(a, c, a_cut, c_cut)| !(a_cut && c_cut && a == c));
        match piece {
            None => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            Some((a, c, a_cut, c_cut)) => {
                if a_cut || cur.is_empty() {
                    if !cur.is_empty() {
                        out.push(std::mem::take(&mut cur));
                    }
                    cur.push(a);
                }
                cur.push(c);
                if c_cut {
                    out.push(std::mem::take(&mut cur));
                }
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

type Pt = (f64, f64);

/// Liang–Barsky: the part of segment `p0`–`p1` inside `(x0, x1, y0, y1)`, with flags saying
/// whether each end was moved.
fn clip_segment(
    p0: Pt,
    p1: Pt,
    (x0, x1, y0, y1): (f64, f64, f64, f64),
) -> Option<(Pt, Pt, bool, bool)> {
    let (dx, dy) = (p1.0 - p0.0, p1.1 - p0.1);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [
        (-dx, p0.0 - x0),
        (dx, x1 - p0.0),
        (-dy, p0.1 - y0),
        (dy, y1 - p0.1),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
        }
    }
    if t0 > t1 || !(t0.is_finite() && t1.is_finite()) {
        return None;
    }
    let at = |t: f64| ((p0.0 + dx * t).clamp(x0, x1), (p0.1 + dy * t).clamp(y0, y1));
    let a = if t0 > 0.0 { at(t0) } else { p0 };
    let c = if t1 < 1.0 { at(t1) } else { p1 };
    Some((a, c, t0 > 0.0, t1 < 1.0))
}

/// Palette index per series: explicit indices as given (modulo the palette), the rest take
/// the next colour in palette order that no series asked for explicitly.
pub(crate) fn assign_colors(requests: impl Iterator<Item = Option<usize>> + Clone) -> Vec<usize> {
    let n = PALETTE.len();
    let taken: Vec<usize> = requests.clone().flatten().map(|i| i % n).collect();
    let free: Vec<usize> = (0..n).filter(|i| !taken.contains(i)).collect();
    let order = if free.is_empty() {
        (0..n).collect()
    } else {
        free
    };
    let mut next = 0;
    requests
        .map(|r| match r {
            Some(i) => i % n,
            None => {
                let c = order[next % order.len()];
                next += 1;
                c
            }
        })
        .collect()
}
