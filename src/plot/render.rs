//! Draws a [`Prepared`] chart with plotters onto any backend (SVG for the book, an RGB
//! buffer in the tests), in the house style: white background, title band, light grid,
//! framed plot box, Okabe–Ito colours, legend in the emptiest corner.
use std::sync::OnceLock;

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::prepare::{Corner, Prepared, PreparedMarker};
use super::{LineChart, LineStyle};

/// The embedded font (DejaVu Sans, see `assets/fonts/LICENSE-DejaVu.txt`), so that text
/// renders the same on machines with no system fonts.
static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
pub(crate) const FONT: &str = "sans-serif";

/// Registers the embedded font with plotters once per process.
pub(crate) fn ensure_font() -> Result<(), String> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err("the embedded font assets/fonts/DejaVuSans.ttf could not be loaded".to_string())
    }
}

// The house style's text sizes, in CSS px as the reader sees them when the figure is shown
// at its narrowest, MIN_DISPLAY_WIDTH; every one is at least MIN_TEXT_PX. Wider displays
// only make text larger.
/// Figure and chart titles, in CSS px at [`MIN_DISPLAY_WIDTH`](super::MIN_DISPLAY_WIDTH).
pub const TITLE_PX: f64 = 13.5;
/// Axis descriptions and panel captions, in CSS px at the narrowest display width.
pub const DESC_PX: f64 = 12.0;
/// Tick labels, in CSS px at the narrowest display width.
pub const TICK_PX: f64 = 11.5;
/// Legend entries, in CSS px at the narrowest display width.
pub const LEGEND_PX: f64 = 11.5;
/// Labels of reference lines and points, in CSS px at the narrowest display width.
pub const MARKER_PX: f64 = 11.5;
/// plotters' SVG backend writes `font-size` as the font's size divided by this.
const PLOTTERS_SVG_FONT: f64 = 1.24;

/// The plotters font size for text `css_px` high on a figure `figure_width` SVG units wide
/// when the book shows it at [`MIN_DISPLAY_WIDTH`](super::MIN_DISPLAY_WIDTH) CSS px. Figures
/// drawn with plotters directly (not through this module's charts) take their sizes here.
pub fn text_size(css_px: f64, figure_width: u32) -> f64 {
    css_px * f64::from(figure_width) / super::MIN_DISPLAY_WIDTH * PLOTTERS_SVG_FONT
}

/// Height of the band at the top that holds the title, in pixels, for a figure
/// `figure_width` wide. Kept even when the title is empty so that panels line up.
pub(crate) fn title_band(figure_width: u32) -> u32 {
    (text_size(TITLE_PX, figure_width) * 1.9).round().max(40.0) as u32
}
const STROKE: u32 = 2;

const TEXT: RGBColor = RGBColor(30, 30, 30);
const AXIS: RGBColor = RGBColor(90, 90, 90);
const GRID: RGBColor = RGBColor(222, 222, 222);
const GRID_LIGHT: RGBColor = RGBColor(241, 241, 241);
const MARKER: RGBColor = RGBColor(95, 95, 95);

/// Number of labelled ticks to aim for on an axis of `pixels` length.
pub(crate) fn tick_target(pixels: u32, per_tick: u32, max: usize) -> usize {
    ((pixels / per_tick.max(1)) as usize).clamp(3, max)
}

/// Colour `i` of [`super::PALETTE`] (taken modulo its length).
pub(crate) fn palette_rgb(i: usize) -> RGBColor {
    let (r, g, b) = super::PALETTE[i % super::PALETTE.len()];
    RGBColor(r, g, b)
}

fn font(size: f64) -> TextStyle<'static> {
    TextStyle::from((FONT, size).into_font()).color(&TEXT)
}

/// Resolves `chart` for an area of `(w, h)` pixels: the tick counts depend on the size.
/// `figure_width` is the width of the whole SVG (several panels share one), which sets the
/// text size and so the room a tick label needs.
pub(crate) fn prepare(
    chart: &LineChart,
    (w, h): (u32, u32),
    figure_width: u32,
) -> crate::Result<Prepared> {
    let tick = text_size(TICK_PX, figure_width);
    Prepared::new(
        chart,
        tick_target(w, (tick * 6.0) as u32, 10),
        tick_target(
            h.saturating_sub(title_band(figure_width)),
            (tick * 3.8) as u32,
            8,
        ),
    )
}

/// Draws a prepared chart onto `area`; the message says what plotters could not draw.
pub(crate) fn draw<'b, DB: DrawingBackend + 'b>(
    chart: &LineChart,
    prep: &Prepared,
    area: &'b DrawingArea<DB, Shift>,
    figure_width: u32,
) -> Result<(), String> {
    ensure_font()?;
    let size = |css_px| text_size(css_px, figure_width);
    let (title_size, desc_size, tick_size, legend_size) = (
        size(TITLE_PX),
        size(DESC_PX),
        size(TICK_PX),
        size(LEGEND_PX),
    );
    let title_band = title_band(figure_width);
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    area.fill(&WHITE).map_err(e)?;
    let (w, _) = area.dim_in_pixel();
    let (title_area, body) = area.split_vertically(title_band);
    if !chart.title.is_empty() {
        let style = font(title_size).pos(Pos::new(HPos::Center, VPos::Center));
        title_area
            .draw(&Text::new(
                chart.title.as_str(),
                ((w / 2) as i32, (title_band / 2 + 4) as i32),
                style,
            ))
            .map_err(e)?;
    }

    let (x, y) = (&prep.x, &prep.y);
    let tick_font = font(tick_size);
    let width_of = |s: &str| {
        body.estimate_text_size(s, &tick_font)
            .map(|d| d.0)
            .unwrap_or(0)
    };
    let y_tick_w = y
        .ticks
        .iter()
        .map(|&t| width_of(&y.label(t)))
        .max()
        .unwrap_or(0);
    let y_desc = if chart.y_label.is_empty() {
        0
    } else {
        desc_size as u32 + 8
    };
    let x_desc = if chart.x_label.is_empty() {
        0
    } else {
        desc_size as u32 + 8
    };

    let x_fmt = |t: &f64| x.label(*t);
    let y_fmt = |t: &f64| y.label(*t);
    let mut ctx = ChartBuilder::on(&body)
        .margin_top(6)
        .margin_bottom(8)
        .margin_left(10)
        .margin_right(24)
        .x_label_area_size(tick_size as u32 + 16 + x_desc)
        .y_label_area_size(y_tick_w + 14 + y_desc)
        .build_cartesian_2d(AxisCoord::new(x), AxisCoord::new(y))
        .map_err(e)?;
    ctx.configure_mesh()
        .x_desc(chart.x_label.as_str())
        .y_desc(chart.y_label.as_str())
        .axis_desc_style(font(desc_size))
        .label_style(tick_font.clone())
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .bold_line_style(GRID.stroke_width(1))
        .light_line_style(GRID_LIGHT.stroke_width(1))
        .axis_style(AXIS.stroke_width(1))
        .draw()
        .map_err(e)?;

    for s in &prep.series {
        let color = RGBColor(s.rgb.0, s.rgb.1, s.rgb.2);
        let line = color.stroke_width(STROKE);
        let dot = color.filled();
        let lines = s.lines.iter();
        let anno = match s.style {
            LineStyle::Solid | LineStyle::SolidWithPoints => {
                ctx.draw_series(lines.map(|r| PathElement::new(r.clone(), line)))
            }
            LineStyle::Dashed => {
                ctx.draw_series(lines.map(|r| DashedPathElement::new(r.clone(), 8, 5, line)))
            }
            LineStyle::Dotted => {
                ctx.draw_series(lines.map(|r| DashedPathElement::new(r.clone(), 2, 4, line)))
            }
            LineStyle::Points => ctx.draw_series(std::iter::empty::<PathElement<(f64, f64)>>()),
        }
        .map_err(e)?;
        if !s.name.is_empty() {
            // One element type for every style (plotters needs a 'static legend element):
            // a dashed path (a dash longer than the sample is a solid line) plus a dot, with
            // the part a style does not use made transparent, which backends skip.
            let (path, dash, gap, mark, radius) = legend_parts(s.style, line, dot);
            anno.label(s.name.as_str()).legend(move |(lx, ly)| {
                EmptyElement::at((lx, ly))
                    + DashedPathElement::new(vec![(0, 0), (22, 0)], dash, gap, path)
                    + Circle::new((11, 0), radius, mark)
            });
        }
        let radius = if matches!(s.style, LineStyle::Points | LineStyle::SolidWithPoints) {
            3
        } else {
            2
        };
        ctx.draw_series(s.dots.iter().map(|&p| Circle::new(p, radius, dot)))
            .map_err(e)?;
    }

    draw_markers(&mut ctx, prep, size(MARKER_PX)).map_err(e)?;

    let named: Vec<&str> = prep
        .series
        .iter()
        .filter(|s| !s.name.is_empty())
        .map(|s| s.name.as_str())
        .collect();
    if named.len() > 1 {
        let legend_font = font(legend_size);
        let (pw, ph) = ctx.plotting_area().dim_in_pixel();
        let text_w = named
            .iter()
            .map(|n| {
                body.estimate_text_size(n, &legend_font)
                    .map(|d| d.0)
                    .unwrap_or(0)
            })
            .max()
            .unwrap_or(0);
        let legend_w = f64::from(text_w + 30 + 20 + 5);
        let legend_h = named.len() as f64 * legend_size * 1.25 + 25.0;
        let position = match prep.emptiest_corner(
            legend_w / f64::from(pw.max(1)),
            legend_h / f64::from(ph.max(1)),
        ) {
            Corner::UpperRight => SeriesLabelPosition::UpperRight,
            Corner::UpperLeft => SeriesLabelPosition::UpperLeft,
            Corner::LowerRight => SeriesLabelPosition::LowerRight,
            Corner::LowerLeft => SeriesLabelPosition::LowerLeft,
        };
        ctx.configure_series_labels()
            .position(position)
            .label_font(legend_font)
            .background_style(WHITE.mix(0.9))
            .border_style(RGBColor(170, 170, 170))
            .draw()
            .map_err(e)?;
    }

    // Frame the plot box.
    ctx.plotting_area()
        .draw(&Rectangle::new(
            [(x.lo, y.hi), (x.hi, y.lo)],
            AXIS.stroke_width(1),
        ))
        .map_err(e)?;
    Ok(())
}

/// The legend sample of a style: path style, dash and gap lengths, dot style and radius.
fn legend_parts(
    style: LineStyle,
    line: ShapeStyle,
    dot: ShapeStyle,
) -> (ShapeStyle, i32, i32, ShapeStyle, i32) {
    let none = TRANSPARENT.filled();
    match style {
        LineStyle::Solid => (line, 100, 1, none, 0),
        LineStyle::Dashed => (line, 8, 5, none, 0),
        LineStyle::Dotted => (line, 2, 4, none, 0),
        LineStyle::Points => (none, 100, 1, dot, 3),
        LineStyle::SolidWithPoints => (line, 100, 1, dot, 3),
    }
}

type Ctx<'a, DB> = ChartContext<'a, DB, Cartesian2d<AxisCoord, AxisCoord>>;

/// A plotters coordinate for one [`Axis`](super::prepare::Axis): linear in axis space, with
/// our own ticks as the bold (labelled) grid lines and the minor ticks as light ones.
#[derive(Clone, Debug)]
struct AxisCoord {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
    minor: Vec<f64>,
}

impl AxisCoord {
    fn new(a: &super::prepare::Axis) -> Self {
        AxisCoord {
            lo: a.lo,
            hi: a.hi,
            ticks: a.ticks.clone(),
            minor: a.minor.clone(),
        }
    }
}

impl Ranged for AxisCoord {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        // `Prepared` guarantees finite bounds with lo < hi and finite values inside them;
        // the clamp only guards the cast.
        let frac = (v - self.lo) / (self.hi - self.lo);
        let px = f64::from(limit.0) + f64::from(limit.1 - limit.0) * frac;
        if px.is_finite() {
            px.round()
                .clamp(f64::from(i32::MIN / 2), f64::from(i32::MAX / 2)) as i32
        } else {
            limit.0
        }
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.minor.clone()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

/// Reference lines (thin, dashed, grey, labelled at one end) and labelled points.
fn draw_markers<DB: DrawingBackend>(
    ctx: &mut Ctx<'_, DB>,
    prep: &Prepared,
    marker_size: f64,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (x, y) = (&prep.x, &prep.y);
    let line = MARKER.stroke_width(1);
    let text = |h: HPos, v: VPos| font(marker_size).color(&MARKER).pos(Pos::new(h, v));
    for m in &prep.markers {
        match m {
            PreparedMarker::VLine { x: t, label } => {
                ctx.draw_series(std::iter::once(DashedPathElement::new(
                    vec![(*t, y.lo), (*t, y.hi)],
                    6,
                    4,
                    line,
                )))?;
                // Label at the top, on the side with more room.
                let right_side = x.frac(*t) < 0.75;
                let (dx, h) = if right_side {
                    (5, HPos::Left)
                } else {
                    (-5, HPos::Right)
                };
                ctx.draw_series(std::iter::once(
                    EmptyElement::at((*t, y.hi))
                        + Text::new(label.clone(), (dx, 5), text(h, VPos::Top)),
                ))?;
            }
            PreparedMarker::HLine { y: t, label } => {
                ctx.draw_series(std::iter::once(DashedPathElement::new(
                    vec![(x.lo, *t), (x.hi, *t)],
                    6,
                    4,
                    line,
                )))?;
                // Label at the right end, above the line unless that is off the top.
                let above = y.frac(*t) < 0.92;
                let (dy, v) = if above {
                    (-4, VPos::Bottom)
                } else {
                    (4, VPos::Top)
                };
                ctx.draw_series(std::iter::once(
                    EmptyElement::at((x.hi, *t))
                        + Text::new(label.clone(), (-6, dy), text(HPos::Right, v)),
                ))?;
            }
            PreparedMarker::Point {
                x: tx,
                y: ty,
                label,
            } => {
                let right_side = x.frac(*tx) < 0.75;
                let (dx, h) = if right_side {
                    (7, HPos::Left)
                } else {
                    (-7, HPos::Right)
                };
                ctx.draw_series(std::iter::once(
                    EmptyElement::at((*tx, *ty))
                        + Circle::new((0, 0), 4, TEXT.filled())
                        + Text::new(label.clone(), (dx, -5), text(h, VPos::Bottom)),
                ))?;
            }
        }
    }
    Ok(())
}
