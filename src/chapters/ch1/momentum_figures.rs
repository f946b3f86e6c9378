//! Figures of "Momentum, mapped": the rate heatmaps with their edges, the Lessard runs, and
//! the noise floor against `ηλ/(1−β)`. Each writes its data as CSV beside the SVG.
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use plotters::prelude::*;

use super::momentum_map::{edges, nesterov_optimal, Method, MomentumMap, RateMap};
use super::momentum_noise::{heavy_ball_floor, sgd_floor};
use crate::plot::{self, LineChart, Marker, Series, SvgFigure};
use crate::quadratic::closed_form;
use crate::{Error, Result};

/// Draws the section's three figures into `dir`; returns the files written.
pub fn draw(s: &MomentumMap, dir: &Path) -> Result<Vec<PathBuf>> {
    let _drawing = crate::drawing!();
    let mut written = heatmap(s, dir)?;
    written.extend(lessard_figure(s, dir)?);
    written.extend(floor_figure(s, dir)?);
    Ok(written)
}

/// Rates from this value (yellow) to 1 (dark purple) are shaded; 1 and above is grey.
const SHADE_FROM: f64 = 0.8;
const FONT: &str = "sans-serif";

/// Viridis at `t ∈ [0, 1]`, from five anchors.
fn viridis(t: f64) -> RGBColor {
    const A: [(f64, f64, f64); 5] = [
        (68.0, 1.0, 84.0),
        (59.0, 82.0, 139.0),
        (33.0, 145.0, 140.0),
        (94.0, 201.0, 98.0),
        (253.0, 231.0, 37.0),
    ];
    let x = t.clamp(0.0, 1.0) * 4.0;
    let i = (x.floor() as usize).min(3);
    let f = x - i as f64;
    let mix = |a: f64, b: f64| (a + (b - a) * f).round() as u8;
    let (p, q) = (A[i], A[i + 1]);
    RGBColor(mix(p.0, q.0), mix(p.1, q.1), mix(p.2, q.2))
}

fn shade(rate: f64) -> RGBColor {
    if !rate.is_finite() || rate >= 1.0 {
        RGBColor(215, 215, 215)
    } else {
        viridis((1.0 - rate) / (1.0 - SHADE_FROM))
    }
}

/// A curve `η(β)` over β in `[0, 0.99]`, cut where η leaves `(0, eta_max]`.
fn curve(eta_max: f64, f: impl Fn(f64) -> f64) -> Vec<(f64, f64)> {
    (0..=198)
        .map(|i| 0.005 * i as f64)
        .map(|b| (f(b), b))
        .filter(|&(e, _)| e > 0.0 && e <= eta_max)
        .collect()
}

/// The overlays of one panel: labelled curves (colour, dashed) and the tuning point.
type Overlay = (String, Vec<(f64, f64)>, RGBColor, bool);

fn overlays(method: Method, lmin: f64, lmax: f64, eta_max: f64) -> (Vec<Overlay>, (f64, f64)) {
    let black = RGBColor(0, 0, 0);
    let white = RGBColor(86, 180, 233); // sky blue: seen on dark cells and on grey
    let red = RGBColor(213, 94, 0);
    match method {
        Method::HeavyBall => {
            let (e, b, _) = closed_form::heavy_ball_optimal(lmin, lmax);
            (
                vec![
                    (
                        "edge 2(1+β)/λmax".into(),
                        curve(eta_max, |b| edges::heavy_ball(b) / lmax),
                        red,
                        false,
                    ),
                    (
                        "critical (1±√β)²/λmax".into(),
                        curve(eta_max, |b| edges::heavy_ball_critical(b).1 / lmax),
                        black,
                        true,
                    ),
                    (
                        "".into(),
                        curve(eta_max, |b| edges::heavy_ball_critical(b).0 / lmax),
                        black,
                        true,
                    ),
                    (
                        "critical (1−√β)²/λmin".into(),
                        curve(eta_max, |b| edges::heavy_ball_critical(b).0 / lmin),
                        white,
                        true,
                    ),
                ],
                (e, b),
            )
        }
        Method::Nesterov => {
            let (e, b, _) = nesterov_optimal(lmin, lmax);
            (
                vec![
                    (
                        "edge 2(1+β)/((1+2β)λmax)".into(),
                        curve(eta_max, |b| edges::nesterov(b) / lmax),
                        red,
                        false,
                    ),
                    (
                        "critical ((1−β)/(1+β))²/λmax".into(),
                        curve(eta_max, |b| edges::nesterov_critical(b) / lmax),
                        black,
                        true,
                    ),
                    (
                        "critical ((1−β)/(1+β))²/λmin".into(),
                        curve(eta_max, |b| edges::nesterov_critical(b) / lmin),
                        white,
                        true,
                    ),
                ],
                (e, b),
            )
        }
    }
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    map: &RateMap,
    etas: &[f64],
    betas: &[f64],
    kappa: f64,
) -> std::result::Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let size = |css_px| plot::text_size(css_px, HEATMAP_SIZE.0);
    let tick = size(plot::TICK_PX);
    let (de, db) = (etas[1] - etas[0], betas[1] - betas[0]);
    let eta_max = etas[etas.len() - 1] + de / 2.0;
    let (y0, y1) = (betas[0] - db / 2.0, betas[betas.len() - 1] + db / 2.0);
    let mut chart = ChartBuilder::on(area)
        .caption(map.method.name(), (FONT, size(plot::DESC_PX)))
        .margin(10)
        .x_label_area_size((tick * 2.2 + 14.0) as u32)
        .y_label_area_size((tick * 3.2 + 14.0) as u32)
        .build_cartesian_2d(0.0..eta_max, y0..y1)
        .map_err(e)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("learning rate η")
        .y_desc("momentum β")
        .x_labels(6)
        .y_labels(6)
        .label_style((FONT, tick))
        .axis_desc_style((FONT, size(plot::DESC_PX)))
        .draw()
        .map_err(e)?;
    chart
        .draw_series(map.points.iter().zip(&map.measured).map(|(&(x, y), &r)| {
            Rectangle::new(
                [(x - de / 2.0, y - db / 2.0), (x + de / 2.0, y + db / 2.0)],
                shade(r).filled(),
            )
        }))
        .map_err(e)?;
    let (curves, best) = overlays(map.method, 1.0, kappa, eta_max);
    for (label, pts, color, dashed) in curves {
        let style = color.stroke_width(2);
        if dashed {
            let s = chart
                .draw_series(DashedLineSeries::new(pts, 6, 4, style))
                .map_err(e)?;
            if !label.is_empty() {
                s.label(label)
                    .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], style));
            }
        } else {
            chart
                .draw_series(LineSeries::new(pts, style))
                .map_err(e)?
                .label(label)
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], style));
        }
    }
    let name = match map.method {
        Method::HeavyBall => "Polyak's (η*, β*)",
        Method::Nesterov => "best tuning on quadratics",
    };
    chart
        .draw_series(std::iter::once(Circle::new(best, 6, WHITE.filled())))
        .map_err(e)?;
    chart
        .draw_series(std::iter::once(Circle::new(best, 6, BLACK.stroke_width(2))))
        .map_err(e)?
        .label(name)
        .legend(|(x, y)| Circle::new((x + 9, y), 5, BLACK.stroke_width(2)));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font((FONT, size(plot::LEGEND_PX)))
        .draw()
        .map_err(e)
}

fn colorbar<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
) -> std::result::Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let tick = plot::text_size(plot::TICK_PX, HEATMAP_SIZE.0);
    let mut chart = ChartBuilder::on(area)
        .caption(
            "rate",
            (FONT, plot::text_size(plot::DESC_PX, HEATMAP_SIZE.0)),
        )
        .margin_top(40)
        .margin_bottom(55)
        .margin_right(10)
        .y_label_area_size((tick * 3.0 + 10.0) as u32)
        .build_cartesian_2d(0.0..1.0, SHADE_FROM..1.0)
        .map_err(e)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_labels(5)
        .label_style((FONT, tick))
        .draw()
        .map_err(e)?;
    let n = 100;
    chart
        .draw_series((0..n).map(|i| {
            let lo = SHADE_FROM + (1.0 - SHADE_FROM) * i as f64 / n as f64;
            let hi = SHADE_FROM + (1.0 - SHADE_FROM) * (i + 1) as f64 / n as f64;
            Rectangle::new([(0.0, lo), (1.0, hi)], shade(0.5 * (lo + hi)).filled())
        }))
        .map_err(e)?;
    Ok(())
}

/// Width and height of the heatmap figure, in pixels: the two maps one above the other, as
/// wide as the figure so that their text keeps the house size.
const HEATMAP_SIZE: (u32, u32) = (900, 1240);

/// The two heatmaps one above the other, with a colour bar; CSV of every grid point.
fn heatmap(s: &MomentumMap, dir: &Path) -> Result<Vec<PathBuf>> {
    let svg_path = dir.join("momentum_map_heatmap.svg");
    // Drawing any house chart registers the embedded font with plotters.
    LineChart::new("font", "x", "y")
        .series(Series::line("font", vec![(0.0, 0.0), (1.0, 1.0)]))
        .render_svg_string()?;
    let c = &s.config;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, HEATMAP_SIZE).into_drawing_area();
        let fail = |m: String| Error::Plot {
            path: svg_path.clone(),
            message: m,
        };
        root.fill(&WHITE).map_err(|x| fail(x.to_string()))?;
        let title_size = plot::text_size(plot::TITLE_PX, HEATMAP_SIZE.0);
        let (top, rest) = root.split_vertically((title_size * 1.9) as u32);
        top.titled(
            &format!(
                "Convergence rate over (η, β), κ = {} (grey: rate ≥ 1)",
                crate::report::fmt_sig(c.kappa, 3)
            ),
            (FONT, title_size),
        )
        .map_err(|x| fail(x.to_string()))?;
        let (panels, bar) = rest.split_horizontally(HEATMAP_SIZE.0 - 120);
        let halves = panels.split_evenly((2, 1));
        for (map, area) in s.maps.iter().zip(halves.iter()) {
            draw_panel(area, map, &c.etas, &c.betas, c.kappa).map_err(fail)?;
        }
        colorbar(&bar).map_err(fail)?;
        root.present().map_err(|x| fail(x.to_string()))?;
    }
    crate::output::write(&svg_path, svg.as_bytes())?;
    let mut csv = String::from("method,eta,beta,measured_rate,predicted_rate,at_an_edge\n");
    for m in &s.maps {
        for i in 0..m.points.len() {
            let _ = writeln!(
                csv,
                "{},{},{},{},{},{}",
                m.method.name(),
                m.points[i].0,
                m.points[i].1,
                m.measured[i],
                m.predicted[i],
                m.edge[i]
            );
        }
    }
    let csv_path = dir.join("momentum_map_heatmap.csv");
    crate::output::write(&csv_path, csv.as_bytes())?;
    Ok(vec![svg_path, csv_path])
}

/// |θ_t| of each Lessard run on a log axis, with Nesterov's guarantee on |θ_t|.
fn lessard_figure(s: &MomentumMap, dir: &Path) -> Result<Vec<PathBuf>> {
    let _drawing = crate::drawing!();
    let mut chart = LineChart::new(
        "Lessard's function: heavy ball at Polyak's tuning against Nesterov",
        "step t",
        "|θ_t − θ*| (log scale)",
    )
    .y_log()
    .y_range(1e-18, 1e2);
    for (i, r) in s.lessard.iter().enumerate() {
        let pts: Vec<(f64, f64)> = r
            .iterates
            .iter()
            .enumerate()
            .take(60)
            .map(|(t, x)| (t as f64, x.abs()))
            .collect();
        let name = format!(
            "{} from θ₀ = {}",
            r.method.name(),
            crate::report::fmt_sig(r.iterates[0], 3)
        );
        chart = chart.series(Series::line_with_points(name, pts).with_color(i));
        if let Some(g) = &r.guarantee {
            // f ≥ μθ²/2 on this function, so f(θ_t) ≤ g_t gives |θ_t| ≤ √(2g_t/μ).
            let env: Vec<(f64, f64)> = g
                .iter()
                .enumerate()
                .take(60)
                .map(|(t, b)| (t as f64, (2.0 * b).sqrt()))
                .collect();
            chart =
                chart.series(Series::dashed("Nesterov's guarantee √(2·bound)", env).with_color(i));
        }
    }
    let (svg, csv) = plot::save_figure(&chart, dir, "momentum_map_lessard")?;
    Ok(vec![svg, csv])
}

/// The floors against `ηλ/(1−β)` on log axes: heavy ball measured and closed form, SGD at
/// `η/(1−β)` measured and closed form, and SGD's edge.
fn floor_figure(s: &MomentumMap, dir: &Path) -> Result<Vec<PathBuf>> {
    let _drawing = crate::drawing!();
    let f = &s.floor;
    let c = &f.config;
    let fine: Vec<f64> = (0..=200)
        .map(|i| 10f64.powf(-2.0 + 2.7 * i as f64 / 200.0))
        .collect();
    let eta = |u: f64| u * (1.0 - c.beta) / c.lambda;
    let hb_line: Vec<(f64, f64)> = fine
        .iter()
        .map(|&u| (u, heavy_ball_floor(eta(u), c.beta, c.lambda, c.s2)))
        .collect();
    let sgd_line: Vec<(f64, f64)> = fine
        .iter()
        .filter(|&&u| u < 1.99)
        .map(|&u| (u, sgd_floor(eta(u) / (1.0 - c.beta), c.lambda, c.s2)))
        .collect();
    let hb_pts: Vec<(f64, f64)> = f.points.iter().map(|p| (p.u, p.heavy_ball.mean)).collect();
    let sgd_pts: Vec<(f64, f64)> = f
        .points
        .iter()
        .filter_map(|p| p.sgd.as_ref().map(|m| (p.u, m.mean)))
        .collect();
    let chart = LineChart::new(
        &format!(
            "Noise floor: heavy ball at (η, β = {}) against SGD at η/(1−β)",
            crate::report::fmt_sig(c.beta, 3)
        ),
        "ηλ/(1−β)",
        "E(θ−θ*)² (log scale)",
    )
    .x_log()
    .y_log()
    .y_range(1e-3, 1e2)
    .series(Series::line("heavy ball, closed form", hb_line).with_color(3))
    .series(Series::points("heavy ball, measured", hb_pts).with_color(3))
    .series(Series::dashed("SGD at η/(1−β), closed form", sgd_line).with_color(4))
    .series(Series::points("SGD at η/(1−β), measured", sgd_pts).with_color(4))
    .marker(Marker::vline(2.0, "SGD's edge"));
    let (svg, csv) = plot::save_figure(&chart, dir, "momentum_map_floor")?;
    Ok(vec![svg, csv])
}
