//! Band charts: a measurement against a parameter on log–log axes, over shaded intervals
//! of the parameter (e.g. the regime of each learning rate), with a dashed reference line,
//! in panels side by side above one legend row.
//!
//! Points that a log axis cannot show (not finite, or `<= 0`) are skipped; bands and the
//! reference line are clipped to the panel's ranges, which must be finite and positive.
use std::path::Path;

use plotters::prelude::*;

use super::render::{ensure_font, palette_rgb, FONT};
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

/// Band panels in one row under a title, with a legend row below: one swatch per band
/// colour, then the points.
#[derive(Clone, Debug, PartialEq)]
pub struct BandChart {
    /// Shown centred at the top.
    pub title: String,
    /// X axis label of every panel.
    pub x_label: String,
    /// Y axis label of every panel.
    pub y_label: String,
    /// The panels, left to right.
    pub panels: Vec<BandPanel>,
    /// The legend's swatches: a band colour (index into [`super::PALETTE`]) and its name.
    pub legend: Vec<(usize, String)>,
    /// The legend's name for the points.
    pub points_label: String,
    /// Width and height in pixels; default 1500 x 520.
    pub size: (u32, u32),
}

/// Height of the title band, and of the legend row under the panels, in pixels.
const TITLE_BAND: u32 = 44;
const LEGEND_ROW: u32 = 46;
/// The dots' colour: the palette's blue.
const POINTS: usize = 3;

impl BandChart {
    /// An empty 1500 x 520 chart.
    pub fn new(title: &str, x_label: &str, y_label: &str) -> Self {
        BandChart {
            title: title.to_string(),
            x_label: x_label.to_string(),
            y_label: y_label.to_string(),
            panels: Vec::new(),
            legend: Vec::new(),
            points_label: String::new(),
            size: (1500, 520),
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
        if self.size.1 <= TITLE_BAND + LEGEND_ROW + 100 {
            return Err(Error::invalid(
                what(),
                format!("a height of {} pixels leaves no room", self.size.1),
                "Make it at least 300 pixels high.",
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
        let mut chart = ChartBuilder::on(area)
            .caption(&p.title, (FONT, 17.0))
            .margin(10)
            .x_label_area_size(42)
            .y_label_area_size(60)
            .build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())?;
        chart
            .configure_mesh()
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .label_style((FONT, 13.0))
            .axis_desc_style((FONT, 15.0))
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
                (FONT, 13.0).into_font(),
            )))?;
        }
        Ok(())
    }

    /// Swatches 200 pixels apart from x = 200, then the points' dot and name.
    fn draw_legend<DB: DrawingBackend>(
        &self,
        legend: &DrawingArea<DB, plotters::coord::Shift>,
    ) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let mut x = 200;
        for (c, name) in &self.legend {
            legend.draw(&Rectangle::new(
                [(x, 12), (x + 28, 32)],
                palette_rgb(*c).mix(0.35).filled(),
            ))?;
            legend.draw(&Text::new(
                name.clone(),
                (x + 36, 14),
                (FONT, 16.0).into_font(),
            ))?;
            x += 200;
        }
        legend.draw(&Circle::new((x + 14, 22), 4, palette_rgb(POINTS).filled()))?;
        legend.draw(&Text::new(
            self.points_label.clone(),
            (x + 28, 14),
            (FONT, 16.0).into_font(),
        ))?;
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
            let (top, rest) = root.split_vertically(TITLE_BAND);
            top.titled(&self.title, (FONT, 20.0)).map_err(e)?;
            let (plots, legend) = rest.split_vertically(self.size.1 - TITLE_BAND - LEGEND_ROW);
            for (p, area) in self
                .panels
                .iter()
                .zip(plots.split_evenly((1, self.panels.len())).iter())
            {
                self.draw_panel(p, area).map_err(e)?;
            }
            self.draw_legend(&legend).map_err(e)?;
            root.present().map_err(e)?;
        }
        Ok(svg)
    }
}
