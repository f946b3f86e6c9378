//! One house style for every figure in the book: SVG line charts with a title, labelled axes
//! (linear or log), a light grid, a colour-blind-safe palette and a legend, plus the figure's
//! data as CSV next to it.
//!
//! Training curves are messy: runs diverge to NaN or infinity, losses hit zero on a log axis,
//! a sweep may produce a single point. Charts here never panic on such data. Points the axes
//! cannot show (NaN, ±inf, and values `<= 0` on a log axis) are skipped and break a line into
//! separate pieces, so a diverged run is drawn up to its last finite point. Ranges are fitted
//! to the finite data (and the markers), padded, and widened when degenerate; an explicit
//! range clips whatever falls outside it. Text uses an embedded DejaVu Sans font, so figures
//! render the same on machines without system fonts.
//!
//! Besides line charts: [`ContourFigure`] (a function of two variables as shaded contours,
//! with trajectories over it; as an SVG, or as a GIF replaying the runs step by step) and
//! [`BandChart`] (measurements on log–log axes over shaded intervals, e.g. regimes).
//!
//! ```no_run
//! use lrbook::plot::{LineChart, Marker, Series};
//! # fn main() -> lrbook::Result<()> {
//! let losses = vec![(1e-4, 2.3), (1e-3, 1.1), (1e-2, 0.6), (1e-1, f64::NAN)];
//! let chart = LineChart::new("LR range test", "learning rate", "training loss")
//!     .x_log()
//!     .series(Series::line("loss", losses))
//!     .marker(Marker::vline(1e-2, "suggested LR"));
//! let (svg, csv) = lrbook::plot::save_figure(&chart, "book/src/figures".as_ref(), "lr_finder")?;
//! # Ok(()) }
//! ```
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use plotters::prelude::{DrawingArea, DrawingBackend, IntoDrawingArea, SVGBackend};

use crate::{Error, Result};

mod bands;
mod contour;
mod gif;
mod prepare;
mod render;
#[cfg(test)]
mod tests;

pub use bands::{Band, BandChart, BandPanel};
pub use contour::{ContourFigure, ContourPanel, Trajectory};
pub use render::{text_size, DESC_PX, LEGEND_PX, MARKER_PX, TICK_PX, TITLE_PX};

/// The Okabe–Ito colour-blind-safe palette, without black (kept for text and markers), with
/// the light yellow last because it is hard to see on white. Series take these in order.
pub const PALETTE: [(u8, u8, u8); 7] = [
    (0xE6, 0x9F, 0x00), // orange
    (0x56, 0xB4, 0xE9), // sky blue
    (0x00, 0x9E, 0x73), // bluish green
    (0x00, 0x72, 0xB2), // blue
    (0xD5, 0x5E, 0x00), // vermillion
    (0xCC, 0x79, 0xA7), // reddish purple
    (0xF0, 0xE4, 0x42), // yellow
];

/// The house minimum for figure text, in CSS px: every tick label, axis description, legend
/// entry, title and annotation is at least this high when the book shows the figure.
pub const MIN_TEXT_PX: f64 = 11.0;

/// The narrowest width, in CSS px, at which the book shows a figure (`figure.lr-figure img`
/// in `book/theme/lrbook.css` keeps it, in a sideways scroll box on narrower screens). Text
/// sizes are set relative to the figure's width so that at this width the smallest is
/// [`MIN_TEXT_PX`] or more; shown wider (the content column at desktop width) it is larger.
pub const MIN_DISPLAY_WIDTH: f64 = 600.0;

/// How an axis maps values to positions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scale {
    /// Equal steps for equal differences.
    #[default]
    Linear,
    /// Equal steps for equal ratios (base 10); values `<= 0` cannot be shown and are skipped.
    Log,
}

/// How a series is drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LineStyle {
    /// A solid line through the points.
    #[default]
    Solid,
    /// A dashed line, for references such as a schedule or a theoretical curve.
    Dashed,
    /// A dotted line, for a second kind of reference.
    Dotted,
    /// A dot at each point and no line, for sweeps and scattered measurements.
    Points,
    /// A solid line with a dot at each point, for short curves where samples matter.
    SolidWithPoints,
}

/// One named curve of a chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Legend label; an empty name gets no legend entry.
    pub name: String,
    /// The `(x, y)` data in drawing order. Non-finite values are allowed and skipped.
    pub points: Vec<(f64, f64)>,
    /// How the series is drawn.
    pub style: LineStyle,
    /// Index into [`PALETTE`] (taken modulo its length); `None` takes the next colour that no
    /// series asked for explicitly.
    pub color: Option<usize>,
}

impl Series {
    /// A series with the given style and an automatic colour.
    pub fn new(
        name: impl Into<String>,
        points: impl Into<Vec<(f64, f64)>>,
        style: LineStyle,
    ) -> Self {
        Series {
            name: name.into(),
            points: points.into(),
            style,
            color: None,
        }
    }

    /// A solid line: the default for curves over steps or epochs.
    pub fn line(name: impl Into<String>, points: impl Into<Vec<(f64, f64)>>) -> Self {
        Self::new(name, points, LineStyle::Solid)
    }

    /// Dots without a line: for sweeps and scatter data.
    pub fn points(name: impl Into<String>, points: impl Into<Vec<(f64, f64)>>) -> Self {
        Self::new(name, points, LineStyle::Points)
    }

    /// A dashed line: for reference curves drawn next to measured ones.
    pub fn dashed(name: impl Into<String>, points: impl Into<Vec<(f64, f64)>>) -> Self {
        Self::new(name, points, LineStyle::Dashed)
    }

    /// A dotted line: for a second kind of reference curve.
    pub fn dotted(name: impl Into<String>, points: impl Into<Vec<(f64, f64)>>) -> Self {
        Self::new(name, points, LineStyle::Dotted)
    }

    /// A solid line with a dot per point: for short curves where the samples matter.
    pub fn line_with_points(name: impl Into<String>, points: impl Into<Vec<(f64, f64)>>) -> Self {
        Self::new(name, points, LineStyle::SolidWithPoints)
    }

    /// Fixes the colour to [`PALETTE`]`[i % len]`, e.g. to keep one method's colour across figures.
    #[must_use]
    pub fn with_color(mut self, i: usize) -> Self {
        self.color = Some(i);
        self
    }

    /// Changes how the series is drawn.
    #[must_use]
    pub fn with_style(mut self, style: LineStyle) -> Self {
        self.style = style;
        self
    }
}

/// An annotation drawn over the data. Markers count towards automatic ranges; ones outside an
/// explicit range, or at values the axis cannot show, are left out.
#[derive(Clone, Debug, PartialEq)]
pub enum Marker {
    /// A thin dashed vertical line across the plot, labelled at the top (e.g. a chosen LR).
    VLine {
        /// Position on the x axis.
        x: f64,
        /// Text next to the line.
        label: String,
    },
    /// A thin dashed horizontal line across the plot, labelled at the right (e.g. a threshold).
    HLine {
        /// Position on the y axis.
        y: f64,
        /// Text next to the line.
        label: String,
    },
    /// A labelled dot (e.g. the minimum of a curve).
    Point {
        /// Position on the x axis.
        x: f64,
        /// Position on the y axis.
        y: f64,
        /// Text next to the dot.
        label: String,
    },
}

impl Marker {
    /// A vertical reference line at `x`.
    pub fn vline(x: f64, label: impl Into<String>) -> Self {
        Marker::VLine {
            x,
            label: label.into(),
        }
    }

    /// A horizontal reference line at `y`.
    pub fn hline(y: f64, label: impl Into<String>) -> Self {
        Marker::HLine {
            y,
            label: label.into(),
        }
    }

    /// A labelled dot at `(x, y)`.
    pub fn point(x: f64, y: f64, label: impl Into<String>) -> Self {
        Marker::Point {
            x,
            y,
            label: label.into(),
        }
    }
}

/// A figure drawn as one SVG document: [`LineChart`], [`ContourFigure`] and [`BandChart`].
/// Each renders itself; rendering to a string and saving to a file are shared.
pub trait SvgFigure {
    /// Renders the figure as an SVG document; `path` names the figure in errors.
    fn render_svg(&self, path: &Path) -> Result<String>;

    /// Renders the figure as an SVG document, without a file.
    fn render_svg_string(&self) -> Result<String> {
        self.render_svg(Path::new("<in-memory SVG>"))
    }

    /// Writes the figure as SVG to `path`, creating parent folders.
    fn save_svg(&self, path: &Path) -> Result<()> {
        let svg = self.render_svg(path)?;
        write_file(path, svg.as_bytes())
    }
}

/// A line chart in the book's house style. Build it with [`LineChart::new`] and the builder
/// methods, then write it with [`save_figure`] (SVG + CSV) or [`LineChart::save_svg`].
#[derive(Clone, Debug, PartialEq)]
pub struct LineChart {
    /// Shown centred at the top.
    pub title: String,
    /// X axis label; include the unit, e.g. "step" or "learning rate".
    pub x_label: String,
    /// Y axis label; include the unit, e.g. "loss (nats)".
    pub y_label: String,
    /// Linear or log x axis.
    pub x_scale: Scale,
    /// Linear or log y axis.
    pub y_scale: Scale,
    /// The curves, drawn in order (later ones on top).
    pub series: Vec<Series>,
    /// Reference lines and labelled points, drawn over the curves.
    pub markers: Vec<Marker>,
    /// Fixed x range `(min, max)`; `None` fits the data. Data outside is clipped.
    pub x_range: Option<(f64, f64)>,
    /// Fixed y range `(min, max)`; `None` fits the data. Data outside is clipped.
    pub y_range: Option<(f64, f64)>,
    /// Width and height in pixels (SVG user units); default 800 x 500.
    pub size: (u32, u32),
}

/// Smallest and largest chart sizes accepted, in pixels: below the minimum the axes' labels
/// leave no room for the plot.
const MIN_SIZE: (u32, u32) = (200, 150);
const MAX_SIZE: u32 = 20_000;

impl LineChart {
    /// An empty 800 x 500 chart with linear axes. Put units in the axis labels.
    pub fn new(title: &str, x_label: &str, y_label: &str) -> Self {
        LineChart {
            title: title.to_string(),
            x_label: x_label.to_string(),
            y_label: y_label.to_string(),
            x_scale: Scale::Linear,
            y_scale: Scale::Linear,
            series: Vec::new(),
            markers: Vec::new(),
            x_range: None,
            y_range: None,
            size: (800, 500),
        }
    }

    /// Log (base 10) x axis, e.g. for learning rates.
    #[must_use]
    pub fn x_log(mut self) -> Self {
        self.x_scale = Scale::Log;
        self
    }

    /// Log (base 10) y axis, e.g. for losses spanning decades.
    #[must_use]
    pub fn y_log(mut self) -> Self {
        self.y_scale = Scale::Log;
        self
    }

    /// Adds a series.
    #[must_use]
    pub fn series(mut self, s: Series) -> Self {
        self.series.push(s);
        self
    }

    /// Adds a marker.
    #[must_use]
    pub fn marker(mut self, m: Marker) -> Self {
        self.markers.push(m);
        self
    }

    /// Fixes the x range to `min..max` (checked when drawing: finite, `min < max`, and
    /// `min > 0` on a log axis).
    #[must_use]
    pub fn x_range(mut self, min: f64, max: f64) -> Self {
        self.x_range = Some((min, max));
        self
    }

    /// Fixes the y range to `min..max`, e.g. to cut off the first steps' huge loss.
    #[must_use]
    pub fn y_range(mut self, min: f64, max: f64) -> Self {
        self.y_range = Some((min, max));
        self
    }

    /// Sets the size in pixels (at least 200 x 150).
    #[must_use]
    pub fn size(mut self, width: u32, height: u32) -> Self {
        self.size = (width, height);
        self
    }

    /// Writes the chart's data to `path` as CSV, creating parent folders: a header
    /// `series,x,y`, then one row per point of every series, in order (long format). All
    /// points are written, including those the chart skips or clips; non-finite values are
    /// written as `NaN`, `inf` and `-inf` (pandas and R read these). An unnamed series is
    /// written as `series<k>`, its 1-based position. Numbers use the shortest text that
    /// reads back to the same `f64`.
    pub fn write_csv(&self, path: &Path) -> Result<()> {
        write_file(path, self.csv_string().as_bytes())
    }

    /// The CSV text that [`LineChart::write_csv`] writes.
    pub fn csv_string(&self) -> String {
        let mut out = String::from("series,x,y\n");
        for (k, s) in self.series.iter().enumerate() {
            let name = if s.name.is_empty() {
                format!("series{}", k + 1)
            } else {
                csv_field(&s.name)
            };
            for &(x, y) in &s.points {
                let _ = writeln!(out, "{name},{x:?},{y:?}");
            }
        }
        out
    }

    fn check_size(&self, path: &Path) -> Result<()> {
        check_size(self.size, path)
    }

    /// Renders into an RGB buffer (3 bytes per pixel, row-major), as the tests do to check
    /// that text really rasterises with the embedded font.
    #[cfg(test)]
    fn render_rgb(&self) -> Result<Vec<u8>> {
        use plotters::prelude::BitMapBackend;
        let path = Path::new("<in-memory bitmap>");
        self.check_size(path)?;
        let (w, h) = self.size;
        let mut buf = vec![0u8; w as usize * h as usize * 3];
        {
            let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
            draw_into(self, &root, self.size.0, path)?;
            root.present()
                .map_err(|e| plot_error(path, e.to_string()))?;
        }
        Ok(buf)
    }
}

/// Draws one chart into an area of any backend; `path` names the figure in errors.
/// `figure_width` is the whole SVG's width, which sets the text size (see [`MIN_DISPLAY_WIDTH`]).
fn draw_into<DB: DrawingBackend>(
    chart: &LineChart,
    area: &DrawingArea<DB, plotters::coord::Shift>,
    figure_width: u32,
    path: &Path,
) -> Result<()> {
    let prep = render::prepare(chart, area.dim_in_pixel(), figure_width)?;
    render::draw(chart, &prep, area, figure_width).map_err(|m| plot_error(path, m))
}

fn plot_error(path: &Path, message: String) -> Error {
    Error::Plot {
        path: path.to_path_buf(),
        message,
    }
}

/// Quotes a CSV field when it holds a comma, quote or line break (RFC 4180).
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Every figure's size must lie between [`MIN_SIZE`] and [`MAX_SIZE`] pixels.
fn check_size((w, h): (u32, u32), path: &Path) -> Result<()> {
    if w < MIN_SIZE.0 || h < MIN_SIZE.1 || w > MAX_SIZE || h > MAX_SIZE {
        return Err(Error::invalid(
            format!("size of figure {}", path.display()),
            format!(
                "got {w} x {h} pixels; it must be between {} x {} and {MAX_SIZE} x {MAX_SIZE}",
                MIN_SIZE.0, MIN_SIZE.1
            ),
            "Pass a size such as (800, 500).",
        ));
    }
    Ok(())
}

/// Writes `bytes` to `path`, creating its folder, atomically (see [`crate::output`]);
/// errors name the file.
pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    crate::output::write(path, bytes)
}

/// Draws several charts as panels of one SVG, `cols` per row, filled row by row (e.g. four
/// charts with `cols = 2` make a 2 x 2 grid). Every panel gets the largest chart's size.
/// Creates parent folders.
pub fn save_panels_svg(charts: &[LineChart], cols: usize, path: &Path) -> Result<()> {
    let what = format!("panels of figure {}", path.display());
    if charts.is_empty() {
        return Err(Error::invalid(
            what,
            "got no charts",
            "Pass at least one chart.",
        ));
    }
    if cols == 0 {
        return Err(Error::invalid(
            what,
            "got cols = 0",
            "Pass the number of panels per row, at least 1.",
        ));
    }
    let cols = cols.min(charts.len());
    let rows = charts.len().div_ceil(cols);
    let w = charts.iter().map(|c| c.size.0).max().unwrap_or(800);
    let h = charts.iter().map(|c| c.size.1).max().unwrap_or(500);
    for c in charts {
        c.clone().size(w, h).check_size(path)?;
    }
    let (total_w, total_h) = (w as usize * cols, h as usize * rows);
    if total_w > MAX_SIZE as usize * 4 || total_h > MAX_SIZE as usize * 4 {
        return Err(Error::invalid(
            what,
            format!("the grid would be {total_w} x {total_h} pixels"),
            "Use fewer or smaller panels.",
        ));
    }
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (total_w as u32, total_h as u32)).into_drawing_area();
        let areas = root.split_evenly((rows, cols));
        for (chart, area) in charts.iter().zip(areas.iter()) {
            draw_into(chart, area, total_w as u32, path)?;
        }
        root.present()
            .map_err(|e| plot_error(path, e.to_string()))?;
    }
    write_file(path, svg.as_bytes())
}

/// `dir/stem.ext`, once `stem` is checked to be a plain file name.
fn figure_file(dir: &Path, stem: &str, ext: &str) -> Result<PathBuf> {
    if stem.is_empty() || stem.contains(['/', '\\']) || stem == "." || stem == ".." {
        return Err(Error::invalid(
            "figure name",
            format!("got {stem:?}; it must be a plain file name without folders"),
            "Pass a name such as \"lr_finder\".",
        ));
    }
    Ok(dir.join(format!("{stem}.{ext}")))
}

/// Draws `charts` as panels of `dir/stem.svg` (see [`save_panels_svg`]) and returns its
/// path, for the list of files a chapter's figure function wrote.
pub fn save_panels(charts: &[LineChart], cols: usize, dir: &Path, stem: &str) -> Result<PathBuf> {
    let path = figure_file(dir, stem, "svg")?;
    save_panels_svg(charts, cols, &path)?;
    Ok(path)
}

/// Writes `chart` as `dir/stem.svg` and its data as `dir/stem.csv` (see
/// [`LineChart::write_csv`]), creating `dir`; returns both paths. The book shows the SVG and
/// links the CSV, so every figure's numbers can be checked.
pub fn save_figure(chart: &LineChart, dir: &Path, stem: &str) -> Result<(PathBuf, PathBuf)> {
    let svg = figure_file(dir, stem, "svg")?;
    chart.save_svg(&svg)?;
    Ok((svg, save_csv(chart, dir, stem)?))
}

/// Writes `chart`'s data as `dir/stem.csv` (see [`LineChart::write_csv`]) and returns its
/// path: the data of one panel of a [`save_panels`] figure.
pub fn save_csv(chart: &LineChart, dir: &Path, stem: &str) -> Result<PathBuf> {
    let csv = figure_file(dir, stem, "csv")?;
    chart.write_csv(&csv)?;
    Ok(csv)
}

impl SvgFigure for LineChart {
    fn render_svg(&self, path: &Path) -> Result<String> {
        self.check_size(path)?;
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, self.size).into_drawing_area();
            draw_into(self, &root, self.size.0, path)?;
            root.present()
                .map_err(|e| plot_error(path, e.to_string()))?;
        }
        Ok(svg)
    }
}
