//! Band charts: a measurement against a parameter on log–log axes, over shaded intervals
//! of the parameter (e.g. the regime of each learning rate), with a dashed reference line,
//! in panels one above the other (each as wide as the figure, so that its text keeps the house
//! size) above a legend that wraps onto as many rows as it needs.
//!
//! Points that a log axis cannot show (not finite, or `<= 0`) are skipped; bands and the
//! reference line are clipped to the panel's ranges, which must be finite and positive.
use std::path::Path;

use plotters::prelude::*;

use super::render::{
    ensure_font, palette_rgb, text_size, title_band, DESC_PX, FONT, LEGEND_PX, MARKER_PX, TICK_PX,
    TITLE_PX,
};
use super::{check_size, plot_error, SvgFigure};
use crate::report::fmt_sig;
use crate::{Error, Result};

/// A shaded interval `[from, to]` of the x axis, across the whole y range.
#[derive(Clone, Debug, PartialEq)]
pub struct Band {
    /// Left end.
    pub from: f64,
    /// Right end.
    pub to: f64,
    /// Index into [`super::PALETTE`]; drawn light (22% opaque).
    pub color: usize,
}

/// One panel: its bands, its points and an optional labelled vertical line.
#[derive(Clone, Debug, PartialEq)]
pub struct BandPanel {
    /// Caption above the panel.
    pub title: String,
    /// The x range `(min, max)`, log scale.
    pub x_range: (f64, f64),
    /// The y range `(min, max)`, log scale.
    pub y_range: (f64, f64),
    /// Shaded first, in order.
    pub bands: Vec<Band>,
    /// The measurements, as dots over the bands.
    pub points: Vec<(f64, f64)>,
    /// A dashed vertical line at `x`, labelled just right of it, near the top.
    pub reference: Option<(f64, String)>,
}

/// Band panels one above the other under a title, with a legend below: one swatch per band
/// colour, then the points.
#[derive(Clone, Debug, PartialEq)]
pub struct BandChart {
    /// Shown centred at the top.
    pub title: String,
    /// X axis label of every panel.
    pub x_label: String,
    /// Y axis label of every panel.
    pub y_label: String,
    /// The panels, top to bottom.
    pub panels: Vec<BandPanel>,
    /// The legend's swatches: a band colour (index into [`super::PALETTE`]) and its name.
    pub legend: Vec<(usize, String)>,
    /// The legend's name for the points.
    pub points_label: String,
    /// Width and height in pixels of the whole figure; default 900 x 1200.
    pub size: (u32, u32),
}

/// The dots' colour: the palette's blue.
const POINTS: usize = 3;

impl BandChart {
    /// An empty 900 x 1200 chart.
    pub fn new(title: &str, x_label: &str, y_label: &str) -> Self {
        BandChart {
            title: title.to_string(),
            x_label: x_label.to_string(),
            y_label: y_label.to_string(),
            panels: Vec::new(),
            legend: Vec::new(),
            points_label: String::new(),
            size: (900, 1200),
        }
    }

    /// Adds a panel.
    #[must_use]
    pub fn panel(mut self, p: BandPanel) -> Self {
        self.panels.push(p);
        self
    }

    /// Adds a legend swatch for band colour `color`.
    #[must_use]
    pub fn legend(mut self, color: usize, name: impl Into<String>) -> Self {
        self.legend.push((color, name.into()));
        self
    }

    /// Names the points in the legend.
    #[must_use]
    pub fn points_label(mut self, name: impl Into<String>) -> Self {
        self.points_label = name.into();
        self
    }

    fn check(&self, path: &Path) -> Result<()> {
        check_size(self.size, path)?;
        let what = || format!("band chart {}", path.display());
        if self.panels.is_empty() {
            return Err(Error::invalid(what(), "got no panels", "Add a panel."));
        }
        let (plots_h, _) = self.heights();
        if plots_h < 100 * self.panels.len() as u32 {
            return Err(Error::invalid(
                what(),
                format!("a height of {} pixels leaves no room", self.size.1),
                "Make it taller, or wider so that the legend needs fewer rows.",
            ));
        }
        for p in &self.panels {
            for (axis, (lo, hi)) in [("x", p.x_range), ("y", p.y_range)] {
                if !(lo.is_finite() && hi.is_finite() && lo > 0.0 && lo < hi) {
                    return Err(Error::invalid(
                        format!("{axis} range of panel {:?} in {}", p.title, what()),
                        format!("got {lo} to {hi} on a log axis"),
                        "Pass finite bounds with 0 < min < max.",
                    ));
                }
            }
        }
        ensure_font().map_err(|m| plot_error(path, m))
    }

    fn draw_panel<DB: DrawingBackend>(
        &self,
        p: &BandPanel,
        area: &DrawingArea<DB, plotters::coord::Shift>,
    ) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let ((x0, x1), (y0, y1)) = (p.x_range, p.y_range);
        let size = |css_px| text_size(css_px, self.size.0);
        let tick = size(TICK_PX);
        let mut chart = ChartBuilder::on(area)
            .caption(&p.title, (FONT, size(DESC_PX)))
            .margin(10)
            .x_label_area_size((tick * 2.0 + 16.0) as u32)
            .y_label_area_size((tick * 3.6 + 16.0) as u32)
            .build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())?;
        chart
            .configure_mesh()
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .label_style((FONT, tick))
            .axis_desc_style((FONT, size(DESC_PX)))
            .x_label_formatter(&|v| fmt_sig(*v, 1))
            .y_label_formatter(&|v| fmt_sig(*v, 1))
            .light_line_style(RGBColor(241, 241, 241))
            .draw()?;
        for b in &p.bands {
            let (from, to) = (b.from.max(x0), b.to.min(x1));
            if from < to {
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(from, y0), (to, y1)],
                    palette_rgb(b.color).mix(0.22).filled(),
                )))?;
            }
        }
        let dot = palette_rgb(POINTS).filled();
        let shown = |&&(x, y): &&(f64, f64)| x.is_finite() && y.is_finite() && x > 0.0 && y > 0.0;
        chart.draw_series(
            p.points
                .iter()
                .filter(shown)
                .map(|&q| Circle::new(q, 2, dot)),
        )?;
        if let Some((x, label)) = p.reference.as_ref().filter(|r| r.0 > x0 && r.0 < x1) {
            chart.draw_series(DashedLineSeries::new(
                vec![(*x, y0), (*x, y1)],
                6,
                4,
                BLACK.stroke_width(1),
            ))?;
            chart.draw_series(std::iter::once(Text::new(
                label.clone(),
                (x * 1.1, y1 / 3.0),
                (FONT, size(MARKER_PX)).into_font(),
            )))?;
        }
        Ok(())
    }

    /// The legend's entries, left to right and wrapped into rows: a swatch colour (`None`
    /// for the points' dot) and a name.
    fn legend_entries(&self) -> Vec<(Option<usize>, &str)> {
        let mut entries: Vec<(Option<usize>, &str)> = self
            .legend
            .iter()
            .map(|(c, n)| (Some(*c), n.as_str()))
            .collect();
        entries.push((None, self.points_label.as_str()));
        entries
    }

    /// The legend's font size, and the height of one of its rows.
    fn legend_metrics(&self) -> (f64, u32) {
        let size = text_size(LEGEND_PX, self.size.0);
        (size, (size * 1.5) as u32)
    }

    /// Where each legend entry goes, `(x, row)`, wrapping at the figure's width; each entry
    /// is as wide as its name's estimated width (0.6 em a character) plus its swatch.
    fn legend_layout(&self) -> Vec<(i32, u32)> {
        let (size, _) = self.legend_metrics();
        let (w, margin) = (self.size.0 as i32, 24);
        let (mut x, mut row, mut out) = (margin, 0u32, Vec::new());
        for (_, name) in self.legend_entries() {
            let entry = (size * 1.6 + name.chars().count() as f64 * size * 0.6 / 1.24) as i32 + 30;
            if x > margin && x + entry > w - margin {
                (x, row) = (margin, row + 1);
            }
            out.push((x, row));
            x += entry;
        }
        out
    }

    /// The heights of the panels together and of the legend, in pixels.
    fn heights(&self) -> (u32, u32) {
        let (_, row_h) = self.legend_metrics();
        let rows = self.legend_layout().last().map_or(0, |&(_, r)| r + 1);
        let legend_h = rows * row_h + row_h / 2;
        let taken = title_band(self.size.0) + legend_h;
        (self.size.1.saturating_sub(taken), legend_h)
    }

    /// The swatches (a light square per band colour, a dot for the points) with their names.
    fn draw_legend<DB: DrawingBackend>(
        &self,
        legend: &DrawingArea<DB, plotters::coord::Shift>,
    ) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let (size, row_h) = self.legend_metrics();
        let box_w = (size * 1.2) as i32;
        let box_h = (size * 0.75) as i32;
        for ((color, name), (x, row)) in self.legend_entries().into_iter().zip(self.legend_layout())
        {
            let y = (row * row_h) as i32 + row_h as i32 / 4;
            match color {
                Some(c) => legend.draw(&Rectangle::new(
                    [(x, y), (x + box_w, y + box_h)],
                    palette_rgb(c).mix(0.35).filled(),
                ))?,
                None => legend.draw(&Circle::new(
                    (x + box_w / 2, y + box_h / 2),
                    4,
                    palette_rgb(POINTS).filled(),
                ))?,
            }
            legend.draw(&Text::new(
                name.to_string(),
                (x + box_w + 8, y - (size * 0.1) as i32),
                (FONT, size).into_font(),
            ))?;
        }
        Ok(())
    }
}

impl SvgFigure for BandChart {
    fn render_svg(&self, path: &Path) -> Result<String> {
        self.check(path)?;
        let e = |e: DrawingAreaErrorKind<std::io::Error>| plot_error(path, e.to_string());
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, self.size).into_drawing_area();
            root.fill(&WHITE).map_err(e)?;
            let (top, rest) = root.split_vertically(title_band(self.size.0));
            top.titled(&self.title, (FONT, text_size(TITLE_PX, self.size.0)))
                .map_err(e)?;
            let (plots, legend) = rest.split_vertically(self.heights().0);
            for (p, area) in self
                .panels
                .iter()
                .zip(plots.split_evenly((self.panels.len(), 1)).iter())
            {
                self.draw_panel(p, area).map_err(e)?;
            }
            self.draw_legend(&legend).map_err(e)?;
            root.present().map_err(e)?;
        }
        Ok(svg)
    }
}
