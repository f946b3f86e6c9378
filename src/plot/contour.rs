//! Contour figures: a function of two variables drawn as filled bands over a window, with
//! its minimum, a start point and the trajectories of runs across it, in a grid of panels
//! under one title. [`ContourFigure::save_svg`] writes the page figure; the animation of
//! the same figure, step by step, is in [`super::gif`].
//!
//! The bands shade `log10(f + δ)` with `δ = 10⁻²`, for an `f` whose minimum is 0: twelve
//! equal bands from `f ≈ 0` (pale blue-white) to the window's highest corner (mid
//! grey-blue); higher ground takes the top band. A trajectory is drawn only inside its
//! window: a point outside it, or not finite, breaks the line, so a diverging run is drawn
//! until it leaves the plot. Runs longer than 2000 points are thinned to about a thousand
//! (the first 200 steps kept whole) so the SVG stays small.
use std::path::Path;

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::render::{
    ensure_font, palette_rgb, text_size, title_band, DESC_PX, FONT, TICK_PX, TITLE_PX,
};
use super::{check_size, plot_error, SvgFigure};
use crate::{Error, Result};

/// One panel: a height function over a window, its minimum, a start and trajectories.
#[derive(Clone)]
pub struct ContourPanel<'a> {
    /// Caption above the panel.
    pub title: String,
    /// The function `f(x, y)`, with minimum 0, whose contours are shaded.
    pub height: &'a dyn Fn(f64, f64) -> f64,
    /// The window `(x_min, x_max, y_min, y_max)`: finite, with `min < max`.
    pub window: (f64, f64, f64, f64),
    /// Marked with a cross, if given.
    pub minimum: Option<(f64, f64)>,
    /// Marked with a black dot, drawn over the trajectories, if given.
    pub start: Option<(f64, f64)>,
    /// The runs drawn over the contours, in order.
    pub trajectories: Vec<Trajectory>,
}

impl<'a> ContourPanel<'a> {
    /// A panel of `height` over `window` with no markers or trajectories yet.
    pub fn new(
        title: impl Into<String>,
        height: &'a dyn Fn(f64, f64) -> f64,
        window: (f64, f64, f64, f64),
    ) -> Self {
        ContourPanel {
            title: title.into(),
            height,
            window,
            minimum: None,
            start: None,
            trajectories: Vec::new(),
        }
    }

    /// Marks the minimum with a cross.
    #[must_use]
    pub fn minimum(mut self, at: (f64, f64)) -> Self {
        self.minimum = Some(at);
        self
    }

    /// Marks the start with a black dot.
    #[must_use]
    pub fn start(mut self, at: (f64, f64)) -> Self {
        self.start = Some(at);
        self
    }

    /// Adds a trajectory.
    #[must_use]
    pub fn trajectory(mut self, t: Trajectory) -> Self {
        self.trajectories.push(t);
        self
    }
}

/// A run's iterates `x_0, x_1, …`, drawn as a line (with a dot per point while a visible
/// piece has at most 80 points) in one colour.
#[derive(Clone, Debug, PartialEq)]
pub struct Trajectory {
    /// The iterates in step order; non-finite ones are allowed and break the line.
    pub points: Vec<(f64, f64)>,
    /// Index into [`super::PALETTE`] (taken modulo its length).
    pub color: usize,
}

impl Trajectory {
    /// The iterates `points` in colour [`super::PALETTE`]`[color % len]`.
    pub fn new(points: impl Into<Vec<(f64, f64)>>, color: usize) -> Self {
        Trajectory {
            points: points.into(),
            color,
        }
    }
}

/// Panels of contours under one title, `cols` per row, filled row by row.
#[derive(Clone)]
pub struct ContourFigure<'a> {
    /// Shown centred at the top of the SVG.
    pub title: String,
    /// The panels, in reading order.
    pub panels: Vec<ContourPanel<'a>>,
    /// Panels per row.
    pub cols: usize,
    /// Width and height in pixels; default 1000 x 760.
    pub size: (u32, u32),
}

/// Text sizes and detail of one kind of output: the page's SVG or an animation's frame.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Layout {
    /// Height of the title band, in pixels.
    pub title_band: u32,
    /// Font size of the figure's title.
    pub title_size: f64,
    /// Font size of the panel captions.
    pub panel_size: f64,
    /// Font size of the tick labels.
    pub tick_size: f64,
    /// Contour cells per panel, across and down.
    pub cells: (usize, usize),
}

/// The SVG on a book page, `width` pixels wide: the house text sizes (see
/// [`MIN_DISPLAY_WIDTH`](super::MIN_DISPLAY_WIDTH)).
pub(crate) fn page_layout(width: u32) -> Layout {
    Layout {
        title_band: title_band(width),
        title_size: text_size(TITLE_PX, width),
        panel_size: text_size(DESC_PX, width),
        tick_size: text_size(TICK_PX, width),
        cells: (90, 68),
    }
}

/// One frame of a GIF: smaller text, coarser contours.
pub(crate) const FRAME: Layout = Layout {
    title_band: 30,
    title_size: 17.0,
    panel_size: 13.0,
    tick_size: 13.0 * 0.7,
    cells: (52, 39),
};

impl<'a> ContourFigure<'a> {
    /// An empty 1000 x 760 figure with two panels per row.
    pub fn new(title: impl Into<String>) -> Self {
        ContourFigure {
            title: title.into(),
            panels: Vec::new(),
            cols: 2,
            size: (1000, 760),
        }
    }

    /// Adds a panel.
    #[must_use]
    pub fn panel(mut self, p: ContourPanel<'a>) -> Self {
        self.panels.push(p);
        self
    }

    /// Sets the number of panels per row.
    #[must_use]
    pub fn cols(mut self, cols: usize) -> Self {
        self.cols = cols;
        self
    }

    /// Sets the size in pixels.
    #[must_use]
    pub fn size(mut self, width: u32, height: u32) -> Self {
        self.size = (width, height);
        self
    }

    /// Checks what drawing relies on: a sane size, panels, finite windows; registers the
    /// font. `path` names the figure in errors.
    pub(crate) fn check(&self, path: &Path) -> Result<()> {
        check_size(self.size, path)?;
        let what = || format!("contour figure {}", path.display());
        if self.panels.is_empty() {
            return Err(Error::invalid(what(), "got no panels", "Add a panel."));
        }
        if self.cols == 0 {
            return Err(Error::invalid(
                what(),
                "got cols = 0",
                "Pass the number of panels per row, at least 1.",
            ));
        }
        for p in &self.panels {
            let (x0, x1, y0, y1) = p.window;
            if ![x0, x1, y0, y1].iter().all(|v| v.is_finite()) || x0 >= x1 || y0 >= y1 {
                return Err(Error::invalid(
                    format!("window of panel {:?} in {}", p.title, what()),
                    format!("got x {x0} to {x1}, y {y0} to {y1}"),
                    "Pass finite bounds with min < max on both axes.",
                ));
            }
        }
        ensure_font().map_err(|m| plot_error(path, m))
    }

    /// Draws the figure onto `root` under `title`, each trajectory up to step `upto`.
    pub(crate) fn draw_into<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        title: &str,
        upto: usize,
        layout: &Layout,
        path: &Path,
    ) -> Result<()> {
        let e = |e: DrawingAreaErrorKind<DB::ErrorType>| plot_error(path, e.to_string());
        root.fill(&WHITE).map_err(e)?;
        let (top, rest) = root.split_vertically(layout.title_band);
        top.titled(title, (FONT, layout.title_size)).map_err(e)?;
        let cols = self.cols.min(self.panels.len());
        let rows = self.panels.len().div_ceil(cols);
        for (panel, area) in self
            .panels
            .iter()
            .zip(rest.split_evenly((rows, cols)).iter())
        {
            draw_panel(area, panel, upto, layout, path)?;
        }
        Ok(())
    }
}

type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &ContourPanel,
    upto: usize,
    layout: &Layout,
    path: &Path,
) -> Result<()> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| plot_error(path, e.to_string());
    let (x0, x1, y0, y1) = panel.window;
    let mut chart = ChartBuilder::on(area)
        .caption(&panel.title, (FONT, layout.panel_size))
        .margin(8)
        .x_label_area_size((layout.tick_size * 1.6 + 10.0).max(28.0) as u32)
        .y_label_area_size((layout.tick_size * 3.2).max(36.0) as u32)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(e)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(5)
        .y_labels(5)
        .label_style((FONT, layout.tick_size))
        .draw()
        .map_err(e)?;
    draw_bands(&mut chart, panel, layout.cells).map_err(e)?;
    if let Some(m) = panel.minimum {
        chart
            .draw_series(std::iter::once(Cross::new(m, 6, BLACK.stroke_width(2))))
            .map_err(e)?;
    }
    for t in &panel.trajectories {
        let color = palette_rgb(t.color);
        for seg in visible_segments(panel.window, &shown_points(&t.points, upto)) {
            chart
                .draw_series(LineSeries::new(seg.clone(), color.stroke_width(2)))
                .map_err(e)?;
            if seg.len() <= 80 {
                chart
                    .draw_series(seg.iter().map(|&q| Circle::new(q, 3, color.filled())))
                    .map_err(e)?;
            }
        }
    }
    if let Some(st) = panel.start {
        chart
            .draw_series(std::iter::once(Circle::new(st, 5, BLACK.filled())))
            .map_err(e)?;
    }
    Ok(())
}

/// Number of contour bands above the lowest.
const LEVELS: f64 = 12.0;
/// `δ` in `log10(f + δ)`: keeps the shading finite at the minimum, where `f = 0`.
const DELTA: f64 = 1e-2;
/// `log10(δ)`, the shading's bottom, written out so it is exactly −2.
const LOG_DELTA: f64 = -2.0;

/// Filled contour bands of `log10(f + δ)` over the panel's window, one rectangle per run of
/// equal band along each row of cells (which keeps the SVG small).
fn draw_bands<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    panel: &ContourPanel,
    (nx, ny): (usize, usize),
) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (x0, x1, y0, y1) = panel.window;
    let f = panel.height;
    let (dx, dy) = ((x1 - x0) / nx as f64, (y1 - y0) / ny as f64);
    let corners = [f(x0, y1), f(x1, y1), f(x0, y0), f(x1, y0)];
    let top = corners.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = (LOG_DELTA, (top + DELTA).log10());
    // A flat (or non-finite) window gets one band instead of a division by zero.
    let span = if hi > lo && hi.is_finite() {
        hi - lo
    } else {
        1.0
    };
    let band_of = |i: usize, j: usize| -> usize {
        let (cx, cy) = (x0 + (i as f64 + 0.5) * dx, y0 + (j as f64 + 0.5) * dy);
        let t = ((f(cx, cy) + DELTA).log10() - lo) / span;
        // NaN (f undefined, or below −δ) takes the lowest band.
        let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
        (t * LEVELS).floor() as usize
    };
    let mut rects = Vec::new();
    for j in 0..ny {
        let mut i = 0;
        while i < nx {
            let b = band_of(i, j);
            let mut k = i + 1;
            while k < nx && band_of(k, j) == b {
                k += 1;
            }
            let band = b as f64 / LEVELS;
            // From a pale blue-white at the minimum to a mid grey-blue at the rim.
            let shade = |a: f64, c: f64| (a + (c - a) * band) as u8;
            let color = RGBColor(
                shade(246.0, 150.0),
                shade(249.0, 166.0),
                shade(252.0, 190.0),
            );
            rects.push(Rectangle::new(
                [
                    (x0 + i as f64 * dx, y0 + j as f64 * dy),
                    (x0 + k as f64 * dx, y0 + (j + 1) as f64 * dy),
                ],
                color.filled(),
            ));
            i = k;
        }
    }
    chart.draw_series(rects)?;
    Ok(())
}

/// The points of a run up to step `upto`; a run of more than 2000 points keeps its first
/// 200, then every `len/1000`-th and the last.
pub(super) fn shown_points(points: &[(f64, f64)], upto: usize) -> Vec<(f64, f64)> {
    let n = points.len();
    let stride = if n > 2000 { n / 1000 } else { 1 };
    points
        .iter()
        .enumerate()
        .take(upto.saturating_add(1))
        .filter(|(i, _)| *i < 200 || i % stride == 0 || *i + 1 == n)
        .map(|(_, p)| *p)
        .collect()
}

/// The pieces of `points` inside `window`, split wherever the run leaves it or is not finite.
pub(super) fn visible_segments(
    (x0, x1, y0, y1): (f64, f64, f64, f64),
    points: &[(f64, f64)],
) -> Vec<Vec<(f64, f64)>> {
    let mut out = vec![vec![]];
    for &(x, y) in points {
        if x.is_finite() && y.is_finite() && x >= x0 && x <= x1 && y >= y0 && y <= y1 {
            out.last_mut().expect("non-empty").push((x, y));
        } else if !out.last().expect("non-empty").is_empty() {
            out.push(vec![]);
        }
    }
    out.retain(|v| !v.is_empty());
    out
}

impl SvgFigure for ContourFigure<'_> {
    fn render_svg(&self, path: &Path) -> Result<String> {
        self.check(path)?;
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, self.size).into_drawing_area();
            self.draw_into(
                &root,
                &self.title,
                usize::MAX,
                &page_layout(self.size.0),
                path,
            )?;
            root.present()
                .map_err(|e| plot_error(path, e.to_string()))?;
        }
        Ok(svg)
    }
}
