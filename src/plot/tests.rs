use std::path::PathBuf;

use super::prepare::{
    assign_colors, clip_polyline, log_ticks, split_runs, Corner, Prepared, TickFormat,
};
use super::render::title_band;
use super::*;

/// A fresh folder under the system temp dir, unique per test and process.
fn temp_dir(tag: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir =
        std::env::temp_dir().join(format!("lrbook-plot-{tag}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Pixels in rows `y0..y1` of an RGB buffer `w` wide with any channel below 160.
fn dark_pixels(buf: &[u8], w: u32, (y0, y1): (u32, u32)) -> usize {
    let row = w as usize * 3;
    buf[y0 as usize * row..y1 as usize * row]
        .chunks(3)
        .filter(|p| p.iter().any(|&c| c < 160))
        .count()
}

fn prepared(chart: &LineChart) -> Prepared {
    Prepared::new(chart, 7, 6).unwrap()
}

/// Text inside `<text ...>` elements, trimmed.
fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| t.split_once('>'))
        .map(|(_, rest)| {
            rest.split("</text>")
                .next()
                .unwrap_or("")
                .trim()
                .to_string()
        })
        .collect()
}

fn count(svg: &str, needle: &str) -> usize {
    svg.matches(needle).count()
}

fn simple_chart(title: &str) -> LineChart {
    LineChart::new(title, "step", "loss (nats)").series(Series::line(
        "train",
        vec![(0.0, 2.0), (1.0, 1.0), (2.0, 0.5)],
    ))
}

#[test]
fn title_rasterises_with_embedded_font_and_appears_in_svg() {
    let chart = simple_chart("Loss against learning rate");
    let (w, h) = chart.size;
    let title_band = title_band(w);
    let buf = chart.render_rgb().unwrap();
    assert_eq!(buf.len(), (w * h * 3) as usize);
    let dark = dark_pixels(&buf, w, (0, title_band));
    // 26 glyphs at about 22 px leave several hundred dark pixels; a missing font leaves none.
    assert!(dark > 300, "title band has only {dark} dark pixels");

    let untitled = LineChart {
        title: String::new(),
        ..chart.clone()
    };
    let buf = untitled.render_rgb().unwrap();
    assert_eq!(dark_pixels(&buf, w, (0, title_band)), 0);
    // The rest of the untitled chart still has text, grid and data.
    assert!(dark_pixels(&buf, w, (title_band, h)) > 1000);

    let svg = chart.render_svg_string().unwrap();
    let texts = svg_texts(&svg);
    assert!(
        texts.iter().any(|t| t == "Loss against learning rate"),
        "{texts:?}"
    );
    assert!(texts.iter().any(|t| t == "loss (nats)"), "{texts:?}");
    assert!(texts.iter().any(|t| t == "step"), "{texts:?}");
    assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
}

#[test]
fn non_finite_points_are_skipped_and_split_the_line() {
    let nan = f64::NAN;
    let pts = vec![
        (0.0, 1.0),
        (1.0, 2.0),
        (2.0, nan),
        (3.0, 3.0),
        (4.0, f64::INFINITY),
        (5.0, 4.0),
        (6.0, f64::NEG_INFINITY),
        (7.0, 5.0),
        (8.0, 6.0),
        (nan, 1.0),
    ];
    let runs = split_runs(&pts, Scale::Linear, Scale::Linear);
    assert_eq!(
        runs,
        vec![
            vec![(0.0, 1.0), (1.0, 2.0)],
            vec![(3.0, 3.0)],
            vec![(5.0, 4.0)],
            vec![(7.0, 5.0), (8.0, 6.0)]
        ]
    );

    let chart =
        LineChart::new("diverging", "step", "loss").series(Series::line("run", pts).with_color(3));
    let p = prepared(&chart);
    assert_eq!(
        (p.y.lo, p.y.hi),
        (1.0 - 0.25, 6.0 + 0.25),
        "range from finite values only, padded 5%"
    );
    let svg = chart.render_svg_string().unwrap();
    for bad in ["NaN", "nan", "inf"] {
        assert!(!svg.contains(bad), "SVG contains {bad}");
    }
    // PALETTE[3] = #0072B2: two polylines (the runs of two points) and two dots (the
    // isolated points), nothing else in that colour.
    assert_eq!(
        count(
            &svg,
            "<polyline fill=\"none\" opacity=\"1\" stroke=\"#0072B2\""
        ),
        2,
        "{svg}"
    );
    assert_eq!(count(&svg, "<circle"), 2);
    chart.render_rgb().unwrap();
}

#[test]
fn log_axes_skip_zero_and_negative_values() {
    let pts = vec![
        (0.0, 1.0),
        (-1.0, 2.0),
        (1e-3, 2.0),
        (1e-2, 0.0),
        (1e-1, 0.5),
        (1.0, 0.25),
        (10.0, -3.0),
    ];
    let chart = LineChart::new("log", "learning rate", "loss")
        .x_log()
        .y_log()
        .series(Series::points("sweep", pts));
    let p = prepared(&chart);
    let kept = &p.series[0].dots;
    assert!(p.series[0].lines.is_empty());
    assert_eq!(kept.len(), 3, "{kept:?}");
    assert!(kept.iter().all(|(x, y)| x.is_finite() && y.is_finite()));
    // x axis fits 1e-3..1 (axis space -3..0) padded by 5% of 3 decades on each side.
    assert!(
        (p.x.lo - (-3.15)).abs() < 1e-12 && (p.x.hi - 0.15).abs() < 1e-12,
        "{:?}",
        (p.x.lo, p.x.hi)
    );
    assert_eq!(p.x.ticks, vec![-3.0, -2.0, -1.0, 0.0]);
    let labels: Vec<String> = p.x.ticks.iter().map(|&t| p.x.label(t)).collect();
    assert_eq!(labels, ["0.001", "0.01", "0.1", "1"]);

    let svg = chart.render_svg_string().unwrap();
    assert_eq!(count(&svg, "<circle"), 3);
    assert!(svg_texts(&svg).iter().any(|t| t == "0.01"));
    chart.render_rgb().unwrap();

    // Only non-positive data on a log axis: an empty 1..10 axis, no panic.
    let chart = LineChart::new("nothing to show", "lr", "loss")
        .y_log()
        .series(Series::line("zeros", vec![(0.0, 0.0), (1.0, -1.0)]));
    let p = prepared(&chart);
    assert_eq!((p.y.lo, p.y.hi), (0.0, 1.0));
    chart.render_svg_string().unwrap();
}

#[test]
fn log_ticks_are_decades_thinned_when_many_and_filled_in_when_few() {
    let (major, minor) = log_ticks(-5.0, 0.0, 8);
    assert_eq!(major, vec![-5.0, -4.0, -3.0, -2.0, -1.0, 0.0]);
    assert_eq!(minor.len(), 5 * 8, "2..9 in each of 5 decades");
    let (major, minor) = log_ticks(-12.5, 0.3, 8);
    assert_eq!(major, vec![-12.0, -10.0, -8.0, -6.0, -4.0, -2.0, 0.0]);
    assert_eq!(minor, vec![-11.0, -9.0, -7.0, -5.0, -3.0, -1.0]);
    // Less than two decades: 1-2-5 multiples.
    let (major, _) = log_ticks(2f64.log10() - 0.01, 1.0 + 2f64.log10() + 0.01, 8);
    let values: Vec<f64> = major
        .iter()
        .map(|t| (10f64.powf(*t) * 1e6).round() / 1e6)
        .collect();
    assert_eq!(values, vec![2.0, 5.0, 10.0, 20.0]);
    let f = TickFormat::choose(&[1e-5, 1e-4, 1e-3], true);
    assert_eq!([f.format(1e-5), f.format(1e-3)], ["1e-5", "1e-3"]);
    let f = TickFormat::choose(&[0.0, 0.5, 1.0, 1.5], false);
    assert_eq!(
        [f.format(0.0), f.format(0.5), f.format(1.0)],
        ["0.0", "0.5", "1.0"]
    );
    let f = TickFormat::choose(&[0.0, 2e5, 4e5], false);
    assert_eq!([f.format(0.0), f.format(2e5)], ["0", "2e5"]);
    let f = TickFormat::choose(&[0.1, 0.2, 0.30000000000000004], false);
    assert_eq!(f.format(0.30000000000000004), "0.3");
}

#[test]
fn degenerate_ranges_are_widened_and_never_panic() {
    // All points equal.
    let flat =
        LineChart::new("flat", "step", "loss").series(Series::line("c", vec![(3.0, 2.0); 5]));
    let p = prepared(&flat);
    assert!(
        p.x.lo < 3.0 && p.x.hi > 3.0 && p.y.lo < 2.0 && p.y.hi > 2.0,
        "{:?}",
        (p.x.lo, p.x.hi, p.y.lo, p.y.hi)
    );
    assert!(p.x.ticks.len() >= 2 && p.y.ticks.len() >= 2);
    // Empty chart: labelled, default ranges.
    let empty = LineChart::new("empty", "step", "loss");
    let p = prepared(&empty);
    assert_eq!((p.x.lo, p.x.hi, p.y.lo, p.y.hi), (0.0, 1.0, 0.0, 1.0));
    assert!(svg_texts(&empty.render_svg_string().unwrap())
        .iter()
        .any(|t| t == "empty"));
    // A single point, at zero, on log axes, and a series with no points at all.
    let single = LineChart::new("single", "x", "y").series(Series::line("one", vec![(0.0, 0.0)]));
    let p = prepared(&single);
    assert_eq!((p.x.lo, p.x.hi), (-1.1, 1.1));
    let single_log = LineChart::new("single log", "x", "y")
        .x_log()
        .y_log()
        .series(Series::points("one", vec![(1e-3, 5.0)]));
    let p = prepared(&single_log);
    assert!(
        (p.x.lo - (-3.55)).abs() < 1e-12 && (p.x.hi - (-2.45)).abs() < 1e-12,
        "{:?}",
        (p.x.lo, p.x.hi)
    );
    let no_points = LineChart::new("no points", "x", "y")
        .series(Series::line("a", Vec::new()))
        .series(Series::dashed("b", Vec::new()));
    // Huge, nearly equal and tiny values.
    let huge = LineChart::new("huge", "x", "y").series(Series::line(
        "h",
        vec![(-1e308, -f64::MAX), (1e308, f64::MAX)],
    ));
    let close = LineChart::new("close", "x", "y").series(Series::line(
        "c",
        vec![(1.0, 1.0), (1.0 + 1e-15, 1.0 + 1e-15)],
    ));
    let tiny = LineChart::new("tiny", "x", "y")
        .series(Series::line("t", vec![(0.0, 0.0), (1e-310, 5e-324)]));
    for chart in [
        flat, empty, single, single_log, no_points, huge, close, tiny,
    ] {
        let p = prepared(&chart);
        for (lo, hi) in [(p.x.lo, p.x.hi), (p.y.lo, p.y.hi)] {
            assert!(
                lo.is_finite() && hi.is_finite() && lo < hi,
                "{}: {lo}..{hi}",
                chart.title
            );
        }
        chart.render_svg_string().unwrap();
        chart.render_rgb().unwrap();
    }
}

#[test]
fn explicit_ranges_clip_and_are_validated() {
    // A line that leaves the box through the top and comes back.
    let pts = vec![(0.0, 0.0), (2.0, 4.0), (4.0, 0.0), (6.0, 4.0), (8.0, 0.0)];
    let chart = LineChart::new("clip", "x", "y")
        .series(Series::line("a", pts.clone()))
        .x_range(1.0, 7.0)
        .y_range(0.0, 3.0);
    let p = prepared(&chart);
    assert_eq!((p.x.lo, p.x.hi, p.y.lo, p.y.hi), (1.0, 7.0, 0.0, 3.0));
    let runs = &p.series[0].lines;
    assert_eq!(
        runs,
        &vec![
            vec![(1.0, 2.0), (1.5, 3.0)],
            vec![(2.5, 3.0), (4.0, 0.0), (5.5, 3.0)],
            vec![(6.5, 3.0), (7.0, 2.0)]
        ]
    );
    // Dots go on data points inside the box only, never on the cut points at its edge.
    let with_dots = LineChart {
        series: vec![Series::line_with_points("a", pts.clone())],
        ..chart.clone()
    };
    let p = prepared(&with_dots);
    assert_eq!(p.series[0].dots, vec![(4.0, 0.0)]);
    assert_eq!(p.series[0].lines.len(), 3);
    assert_eq!(count(&with_dots.render_svg_string().unwrap(), "<circle"), 1);
    // With the top at 2 the first and last segments only touch the corners: nothing is left
    // of them, not even a zero-length piece.
    let corner = LineChart::new("clip", "x", "y")
        .series(Series::line("a", pts))
        .x_range(1.0, 7.0)
        .y_range(0.0, 2.0);
    assert_eq!(
        prepared(&corner).series[0].lines,
        vec![vec![(3.0, 2.0), (4.0, 0.0), (5.0, 2.0)]]
    );
    chart.render_svg_string().unwrap();

    // Auto y fits only the points inside the explicit x range.
    let chart = LineChart::new("zoom", "x", "y")
        .series(Series::line(
            "a",
            vec![(0.0, 100.0), (1.0, 1.0), (2.0, 3.0)],
        ))
        .x_range(0.5, 2.5);
    let p = prepared(&chart);
    assert_eq!((p.y.lo, p.y.hi), (0.9, 3.1));

    // A segment that crosses the box with both ends outside keeps its middle.
    let x = prepared(
        &LineChart::new("", "", "")
            .x_range(0.0, 1.0)
            .y_range(0.0, 1.0),
    )
    .x;
    let y = x.clone();
    assert_eq!(
        clip_polyline(&[(-1.0, 0.5), (2.0, 0.5)], &x, &y),
        vec![vec![(0.0, 0.5), (1.0, 0.5)]]
    );
    assert!(clip_polyline(&[(-1.0, 2.0), (2.0, 2.0)], &x, &y).is_empty());

    for bad in [
        LineChart::new("t", "x", "y").x_range(1.0, 1.0),
        LineChart::new("t", "x", "y").x_range(2.0, 1.0),
        LineChart::new("t", "x", "y").y_range(f64::NAN, 1.0),
        LineChart::new("t", "x", "y").x_log().x_range(0.0, 1.0),
        LineChart::new("t", "x", "y").size(10, 10),
    ] {
        let err = bad.render_svg_string().unwrap_err();
        assert!(matches!(err, Error::InvalidArgument { .. }), "{err}");
    }
}

#[test]
fn csv_has_header_and_one_row_per_point() {
    let chart = LineChart::new("csv", "x", "y")
        .series(Series::line(
            "loss",
            vec![(1.0, 0.5), (2.0, f64::NAN), (3.0, f64::INFINITY)],
        ))
        .series(Series::points("", vec![(0.1, f64::NEG_INFINITY)]))
        .series(Series::dashed("lr, scaled \"x2\"", vec![(1e-5, 2.0)]));
    let dir = temp_dir("csv");
    let path = dir.join("nested/data.csv");
    chart.write_csv(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text, "series,x,y\nloss,1.0,0.5\nloss,2.0,NaN\nloss,3.0,inf\nseries2,0.1,-inf\n\"lr, scaled \"\"x2\"\"\",1e-5,2.0\n");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn panels_hold_every_chart() {
    let charts: Vec<LineChart> = ["Panel A", "Panel B", "Panel C", "Panel D"]
        .iter()
        .map(|t| simple_chart(t))
        .collect();
    let dir = temp_dir("panels");
    let path = dir.join("sub/grid.svg");
    save_panels_svg(&charts, 2, &path).unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    let texts = svg_texts(&svg);
    for t in ["Panel A", "Panel B", "Panel C", "Panel D"] {
        assert_eq!(texts.iter().filter(|x| *x == t).count(), 1, "{t}");
    }
    assert!(
        svg.contains("width=\"1600\" height=\"1000\""),
        "{}",
        &svg[..120]
    );
    assert!(matches!(
        save_panels_svg(&charts, 0, &path),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        save_panels_svg(&[], 2, &path),
        Err(Error::InvalidArgument { .. })
    ));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn save_figure_writes_svg_and_csv_with_one_stem() {
    let dir = temp_dir("figure");
    let (svg, csv) = save_figure(&simple_chart("fig"), &dir.join("figs"), "loss_curve").unwrap();
    assert_eq!(svg, dir.join("figs/loss_curve.svg"));
    assert_eq!(csv, dir.join("figs/loss_curve.csv"));
    assert!(std::fs::read_to_string(&svg).unwrap().contains("</svg>"));
    assert_eq!(std::fs::read_to_string(&csv).unwrap().lines().count(), 4);
    for bad in ["", "a/b", ".."] {
        assert!(
            matches!(
                save_figure(&simple_chart("fig"), &dir, bad),
                Err(Error::InvalidArgument { .. })
            ),
            "{bad:?}"
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn save_panels_names_the_file_after_its_stem_and_matches_save_panels_svg() {
    let dir = temp_dir("panels");
    let charts = [simple_chart("left"), simple_chart("right")];
    let path = save_panels(&charts, 2, &dir.join("figs"), "pair").unwrap();
    assert_eq!(path, dir.join("figs/pair.svg"));
    let direct = dir.join("direct.svg");
    save_panels_svg(&charts, 2, &direct).unwrap();
    assert_eq!(
        std::fs::read(&path).unwrap(),
        std::fs::read(&direct).unwrap()
    );
    for bad in ["", "a/b", "."] {
        assert!(
            matches!(
                save_panels(&charts, 2, &dir, bad),
                Err(Error::InvalidArgument { .. })
            ),
            "{bad:?}"
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn legend_lists_named_series_only_when_there_are_several() {
    let two = LineChart::new("two", "x", "y")
        .series(Series::line("alpha", vec![(0.0, 0.0), (1.0, 1.0)]))
        .series(Series::dashed("beta", vec![(0.0, 1.0), (1.0, 0.0)]))
        .series(Series::line("", vec![(0.0, 0.5), (1.0, 0.5)]));
    let texts = svg_texts(&two.render_svg_string().unwrap());
    assert!(
        texts.iter().any(|t| t == "alpha") && texts.iter().any(|t| t == "beta"),
        "{texts:?}"
    );
    let one = LineChart::new("one", "x", "y")
        .series(Series::line("alpha", vec![(0.0, 0.0), (1.0, 1.0)]))
        .series(Series::line("", vec![(0.0, 1.0), (1.0, 0.0)]));
    assert!(!svg_texts(&one.render_svg_string().unwrap())
        .iter()
        .any(|t| t == "alpha"));
}

#[test]
fn legend_goes_to_the_emptiest_corner_and_colours_do_not_collide() {
    let falling =
        LineChart::new("", "", "").series(Series::line("a", vec![(0.0, 1.0), (1.0, 0.0)]));
    assert_eq!(
        prepared(&falling).emptiest_corner(0.3, 0.2),
        Corner::UpperRight
    );
    let rising = LineChart::new("", "", "").series(Series::line("a", vec![(0.0, 0.0), (1.0, 1.0)]));
    assert_eq!(
        prepared(&rising).emptiest_corner(0.3, 0.2),
        Corner::UpperLeft
    );
    assert_eq!(
        assign_colors([None, Some(0), None, Some(8)].into_iter()),
        vec![2, 0, 3, 1]
    );
    assert_eq!(assign_colors([None, None].into_iter()), vec![0, 1]);
}

#[test]
fn markers_draw_labelled_and_count_towards_ranges() {
    let chart = LineChart::new("markers", "lr", "loss")
        .x_log()
        .series(Series::line("loss", vec![(1e-4, 2.0), (1e-2, 1.0)]))
        .marker(Marker::vline(1e-1, "too high"))
        .marker(Marker::hline(3.0, "start"))
        .marker(Marker::point(1e-2, 1.0, "min"))
        .marker(Marker::vline(-1.0, "not on a log axis"))
        .marker(Marker::hline(f64::NAN, "nan"));
    let p = prepared(&chart);
    assert!(p.x.hi > -1.0 && p.y.hi > 3.0, "markers extend the ranges");
    assert_eq!(p.markers.len(), 3);
    let texts = svg_texts(&chart.render_svg_string().unwrap());
    for t in ["too high", "start", "min"] {
        assert!(texts.iter().any(|x| x == t), "{t}: {texts:?}");
    }
    assert!(!texts.iter().any(|x| x == "nan" || x == "not on a log axis"));
}

/// A typical book figure: an LR sweep on a log axis where one run diverges to NaN, with a
/// vertical and a horizontal marker.
#[test]
fn demo_figure() {
    let lrs: Vec<f64> = (0..=40)
        .map(|i| 10f64.powf(-5.0 + i as f64 * 0.125))
        .collect();
    let stable: Vec<(f64, f64)> = lrs
        .iter()
        .map(|&lr| (lr, 0.3 + 2.0 / (1.0 + 2000.0 * lr)))
        .collect();
    let diverging: Vec<(f64, f64)> = lrs
        .iter()
        .map(|&lr| {
            (
                lr,
                if lr > 0.3 {
                    f64::NAN
                } else {
                    0.5 + 1.8 / (1.0 + 5000.0 * lr) + 40.0 * lr * lr
                },
            )
        })
        .collect();
    let chart = LineChart::new(
        "Final loss after 1 epoch, by learning rate",
        "learning rate",
        "training loss (nats)",
    )
    .x_log()
    .series(Series::line("SGD, momentum 0.9", stable))
    .series(Series::line_with_points(
        "SGD, no momentum (diverges)",
        diverging,
    ))
    .marker(Marker::vline(0.3, "divergence"))
    .marker(Marker::hline(0.5, "target loss"));
    let dir = temp_dir("demo");
    let (svg, _) = save_figure(&chart, &dir, "plot_demo").unwrap();
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(!text.contains("NaN"));
    let texts = svg_texts(&text);
    for t in [
        "1e-5",
        "1e-3",
        "1e-1",
        "divergence",
        "target loss",
        "SGD, momentum 0.9",
    ] {
        assert!(texts.iter().any(|x| x == t), "{t}: {texts:?}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

fn bowl(x: f64, y: f64) -> f64 {
    x * x + y * y
}

fn contour_figure(f: &dyn Fn(f64, f64) -> f64) -> ContourFigure<'_> {
    let run = vec![
        (1.5, 1.0),
        (-1.0, -0.5),
        (f64::NAN, 0.0),
        (9.0, 0.0),
        (0.2, 0.1),
    ];
    ContourFigure::new("bowl").panel(
        ContourPanel::new("η = 0.9", f, (-2.0, 2.0, -2.0, 2.0))
            .minimum((0.0, 0.0))
            .start((1.5, 1.0))
            .trajectory(Trajectory::new(run, 1)),
    )
}

#[test]
fn trajectories_break_where_they_leave_the_window_and_long_ones_are_thinned() {
    use super::contour::{shown_points, visible_segments};
    let run = [
        (0.1, 0.1),
        (0.2, 0.2),
        (f64::NAN, 0.5),
        (0.3, 0.3),
        (2.0, 0.5),
        (0.4, 0.4),
    ];
    let segs = visible_segments((0.0, 1.0, 0.0, 1.0), &run);
    assert_eq!(segs, vec![run[..2].to_vec(), vec![run[3]], vec![run[5]]]);
    assert_eq!(shown_points(&run, 1), run[..2].to_vec());
    let long: Vec<(f64, f64)> = (0..5000).map(|i| (i as f64, 0.0)).collect();
    let thin = shown_points(&long, usize::MAX);
    assert_eq!(thin[..200], long[..200]);
    assert_eq!(thin.last(), long.last());
    assert!(thin.len() < 1300, "{}", thin.len());
}

#[test]
fn contour_figures_draw_any_height_and_reject_bad_windows() {
    let svg = contour_figure(&bowl).render_svg_string().unwrap();
    let texts = svg_texts(&svg);
    assert!(texts.iter().any(|t| t == "bowl") && texts.iter().any(|t| t == "η = 0.9"));
    assert!(!svg.contains("NaN"));
    // A height that is NaN, infinite or flat everywhere still draws.
    for f in [
        |_: f64, _: f64| f64::NAN,
        |_: f64, _: f64| f64::INFINITY,
        |_: f64, _: f64| 0.0,
    ] {
        assert!(contour_figure(&f).render_svg_string().is_ok());
    }
    let bad = |w: (f64, f64, f64, f64)| {
        let mut fig = contour_figure(&bowl);
        fig.panels[0].window = w;
        fig.render_svg_string().unwrap_err().to_string()
    };
    assert!(bad((1.0, -1.0, 0.0, 1.0)).contains("window"));
    assert!(bad((0.0, f64::NAN, 0.0, 1.0)).contains("window"));
    assert!(ContourFigure::new("empty").render_svg_string().is_err());
    assert!(contour_figure(&bowl).cols(0).render_svg_string().is_err());
    assert!(contour_figure(&bowl)
        .size(10, 10)
        .render_svg_string()
        .is_err());
}

#[test]
fn gifs_replay_the_runs_and_reject_no_frames() {
    let dir = temp_dir("gif");
    let path = dir.join("sub").join("run.gif");
    let fig = contour_figure(&bowl).size(300, 220);
    fig.save_gif(&[0, 1, 4], |t| format!("step {t}"), 100, &path)
        .unwrap();
    assert!(std::fs::read(&path).unwrap().starts_with(b"GIF89a"));
    assert!(fig.save_gif(&[], |_| String::new(), 100, &path).is_err());
    assert!(fig.save_gif(&[1], |_| String::new(), 0, &path).is_err());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn band_charts_skip_what_a_log_axis_cannot_show_and_check_ranges() {
    let panel = BandPanel {
        title: "bowl".into(),
        x_range: (1e-3, 10.0),
        y_range: (1.0, 1e4),
        bands: vec![
            Band {
                from: 1e-3,
                to: 0.5,
                color: 2,
            },
            Band {
                from: 0.5,
                to: 10.0,
                color: 4,
            },
        ],
        points: vec![(1e-2, 300.0), (0.1, 30.0), (0.2, 0.0), (f64::NAN, 5.0)],
        reference: Some((1.0, "2/λmax".into())),
    };
    let chart = BandChart::new("steps", "learning rate η", "steps to ε")
        .panel(panel.clone())
        .legend(2, "just right")
        .points_label("steps");
    let svg = chart.render_svg_string().unwrap();
    let texts = svg_texts(&svg);
    for t in ["steps", "2/λmax", "just right", "learning rate η"] {
        assert!(texts.iter().any(|x| x == t), "{t}: {texts:?}");
    }
    // Two of the four points can be shown, plus the legend's dot.
    assert_eq!(count(&svg, "<circle"), 3);
    let mut bad = chart.clone();
    bad.panels[0].x_range = (0.0, 10.0);
    assert!(bad
        .render_svg_string()
        .unwrap_err()
        .to_string()
        .contains("log axis"));
    assert!(BandChart::new("t", "x", "y").render_svg_string().is_err());
}

/// The `font-size` of every `<text>` element of an SVG, with its text.
fn svg_font_sizes(svg: &str) -> Vec<(f64, String)> {
    svg.split("<text")
        .skip(1)
        .map(|t| {
            let size = t
                .split_once("font-size=\"")
                .and_then(|(_, r)| r.split_once('"'))
                .map(|(v, _)| v.parse::<f64>().unwrap())
                .expect("every text element has a font-size");
            let text = t.split_once('>').map_or("", |(_, r)| r);
            (size, text.split("</text>").next().unwrap_or("").to_string())
        })
        .collect()
}

/// The width attribute of an SVG's root element.
fn svg_width(svg: &str) -> f64 {
    let head = svg.split_once('>').unwrap().0;
    let (_, rest) = head.split_once(" width=\"").unwrap();
    rest.split_once('"').unwrap().0.parse().unwrap()
}

/// Asserts the house minimum: shown at MIN_DISPLAY_WIDTH CSS px, every text of `svg` is at
/// least MIN_TEXT_PX high; returns the smallest size found, in CSS px.
fn assert_house_minimum(svg: &str, what: &str) -> f64 {
    let scale = MIN_DISPLAY_WIDTH / svg_width(svg);
    let sizes = svg_font_sizes(svg);
    assert!(sizes.len() > 5, "{what}: only {} texts", sizes.len());
    let mut smallest = f64::INFINITY;
    for (size, text) in sizes {
        let css_px = size * scale;
        assert!(
            css_px >= MIN_TEXT_PX,
            "{what}: {text:?} is {css_px:.2} CSS px at {MIN_DISPLAY_WIDTH} px, under {MIN_TEXT_PX}"
        );
        smallest = smallest.min(css_px);
    }
    smallest
}

#[test]
fn every_figure_kind_keeps_text_at_the_house_minimum_at_its_narrowest_display() {
    let chart = |w, h| {
        simple_chart("Loss against learning rate")
            .series(Series::dashed("schedule", vec![(0.0, 1.5), (2.0, 0.7)]))
            .marker(Marker::hline(0.8, "floor"))
            .size(w, h)
    };
    // Text scales with the figure: a small chart and a wide one both meet the minimum, and
    // the ticks sit at TICK_PX exactly (plotters writes font-size as the size / 1.24).
    for (w, h) in [(300, 200), (800, 500), (1600, 500)] {
        let svg = chart(w, h).render_svg_string().unwrap();
        let smallest = assert_house_minimum(&svg, &format!("{w} x {h} chart"));
        assert!(
            (smallest - TICK_PX).abs() < 1e-9,
            "{w} x {h}: smallest {smallest}"
        );
    }
    // Panels side by side share the figure's width, so their text grows with the grid.
    let dir = temp_dir("house-minimum");
    let path = dir.join("panels.svg");
    save_panels_svg(
        &[chart(600, 400), chart(600, 400), chart(600, 400)],
        3,
        &path,
    )
    .unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    assert_eq!(svg_width(&svg), 1800.0);
    assert_house_minimum(&svg, "three panels in a row");
    let contours = contour_figure(&bowl).cols(1).size(700, 1200);
    assert_house_minimum(&contours.render_svg_string().unwrap(), "contour figure");
    let bands = BandChart::new("Steps against η", "learning rate η", "steps")
        .panel(BandPanel {
            title: "bowl".into(),
            x_range: (1e-3, 1.0),
            y_range: (1.0, 1e3),
            bands: vec![Band {
                from: 1e-3,
                to: 0.1,
                color: 0,
            }],
            points: vec![(1e-2, 10.0), (0.1, 100.0)],
            reference: Some((0.2, "2/λmax".into())),
        })
        .legend(0, "monotone convergence")
        .legend(1, "oscillating convergence")
        .legend(2, "divergence")
        .points_label("steps to ε");
    assert_house_minimum(&bands.render_svg_string().unwrap(), "band chart");
    // A text under the minimum is caught: a hand-written 6-unit label on the 1800-wide grid.
    let small = format!(
        "{}<text x=\"1\" y=\"1\" font-size=\"6\">tiny</text></svg>",
        svg.trim_end().trim_end_matches("</svg>")
    );
    let caught = std::panic::catch_unwind(|| assert_house_minimum(&small, "tampered"));
    assert!(caught.is_err(), "a 6-unit label passed the house minimum");
}
