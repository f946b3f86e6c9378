//! Chapter 1, "Momentum, mapped": the section's quick and full reports are pinned, every
//! formula is checked against its measured counterpart, and the claims of the page are
//! asserted and pinned in the ledger.
use lrbook::chapters::ch1::momentum_map::{
    momentum_map, BestMomentum, MapConfig, MomentumMap, MomentumMapSection,
};
use lrbook::chapters::ch1::momentum_noise::{heavy_ball_floor, sgd_floor};
use lrbook::chapters::exercise::Exercise;
use lrbook::chapters::Config;
use lrbook::quadratic::closed_form;
use lrbook::report::{fmt_sig, Report};

mod common;
use common::ledger::Ledger;
use common::{cpu_single_thread, num};

/// The section's report, as its example prints it.
fn report(s: &MomentumMap) -> String {
    Report::with_tables(&MomentumMapSection::title(), s.tables.clone()).to_markdown()
}

#[test]
fn quick_report_is_pinned() {
    let _rng = cpu_single_thread();
    let s = momentum_map(&Config::quick_cpu()).unwrap();
    insta::assert_snapshot!("ch1_momentum_map_quick_report", report(&s));
    // Even the quick map measures every rate away from the edges to 1e-3.
    for m in &s.maps {
        assert!(m.worst_error(false).0 < 1e-3, "{}", m.method.name());
    }
}

/// The full run: its report pinned, every formula against its measurement, the page's claims.
#[test]
fn momentum_map_backs_the_books_claims() {
    // Skipped while nothing it depends on has changed since it last passed.
    let Some(pass) =
        common::kept::unless_passed(concat!(file!(), "::momentum_map_backs_the_books_claims"))
    else {
        return;
    };
    let _rng = cpu_single_thread();
    let s = lrbook::cli::book_section::<lrbook::chapters::ch1::momentum_map::MomentumMapSection>()
        .unwrap();
    insta::assert_snapshot!("ch1_momentum_map_full_report", report(&s));
    let test = "tests/ch1_momentum_map.rs::momentum_map_backs_the_books_claims";
    let mut ledger = Ledger::new("ch1_momentum_map_claims", test);

    // The map: measured rate against the spectral radius at every grid point.
    let section = "The map";
    let c = MapConfig::for_config(false);
    for m in &s.maps {
        let (worst, n) = m.worst_error(false);
        ledger.claim(
            section,
            &format!(
                "{}: measured rate within 1e-3 of the spectral radius at every stable grid \
                 point away from the edges",
                m.method.name()
            ),
            format!("{n} points, worst {}", fmt_sig(worst, 2)),
            worst < 1e-3 && n > 400,
        );
    }
    let hb = &s.maps[0];
    let best = hb.best();
    let (eta_star, beta_star, rate_star) = closed_form::heavy_ball_optimal(1.0, c.kappa);
    let (de, db) = (c.etas[1] - c.etas[0], c.betas[1] - c.betas[0]);
    let (be, bb) = hb.points[best];
    ledger.claim(
        section,
        "heavy ball's best grid point lies within one grid step of Polyak's (η*, β*), and its \
         measured rate is no better than (√κ−1)/(√κ+1)",
        format!(
            "best (η, β) = ({}, {}), rate {}; (η*, β*) = ({}, {}), rate {}",
            fmt_sig(be, 3),
            fmt_sig(bb, 3),
            fmt_sig(hb.measured[best], 4),
            fmt_sig(eta_star, 3),
            fmt_sig(beta_star, 3),
            fmt_sig(rate_star, 4)
        ),
        (be - eta_star).abs() <= de
            && (bb - beta_star).abs() <= db
            && hb.measured[best] >= rate_star - 1e-3,
    );

    // The named tunings: closed form = spectral radius, measured within 1e-3.
    let t = s
        .tables
        .iter()
        .find(|t| t.id == "momentum_map_optimum")
        .unwrap();
    for row in 0..3 {
        let (closed, radius, measured) = (
            num(t, row, "closed-form rate"),
            num(t, row, "spectral radius"),
            num(t, row, "measured rate"),
        );
        ledger.claim(
            "The map",
            &format!(
                "{} at its {} tuning: the closed-form rate is the spectral radius, and the \
                 measured rate is within 1e-3 of it",
                t.rows[row][0].render(),
                t.rows[row][1].render().split(':').next().unwrap()
            ),
            format!(
                "closed form {}, measured {}",
                fmt_sig(closed, 4),
                fmt_sig(measured, 4)
            ),
            (closed - radius).abs() < 1e-4 && (measured - closed).abs() < 1e-3,
        );
    }
    ledger.claim(
        section,
        "on the quadratic heavy ball at Polyak's tuning is faster than Nesterov at either of \
         its tunings, and Nesterov at heavy ball's tuning diverges",
        format!(
            "rates {}, {}, {}; Nesterov at Polyak's: {}",
            fmt_sig(num(t, 0, "measured rate"), 4),
            fmt_sig(num(t, 1, "measured rate"), 4),
            fmt_sig(num(t, 2, "measured rate"), 4),
            fmt_sig(num(t, 3, "measured rate"), 4)
        ),
        num(t, 0, "measured rate") < num(t, 2, "measured rate")
            && num(t, 2, "measured rate") < num(t, 1, "measured rate")
            && num(t, 3, "measured rate") > 1.0
            && num(t, 3, "spectral radius") > 1.0,
    );

    // The edges: every closed form against its bisection, to 1e-3 relative.
    let t = s
        .tables
        .iter()
        .find(|t| t.id == "momentum_map_edges")
        .unwrap();
    let mut worst: f64 = 0.0;
    for row in t.rows.iter() {
        for k in 0..5 {
            let (p, m) = (
                row[1 + 2 * k].value().unwrap(),
                row[2 + 2 * k].value().unwrap(),
            );
            worst = worst.max((m / p - 1.0).abs());
        }
    }
    ledger.claim(
        "Edges",
        "every measured stability edge and critical damping is within 0.1% of its closed form",
        format!(
            "{} values, worst relative difference {}",
            5 * t.rows.len(),
            fmt_sig(worst, 2)
        ),
        worst < 1e-3,
    );

    // Lessard's function.
    let section = "Beyond the quadratic: Lessard's function";
    let cycle = &s.lessard[0];
    let n = cycle.iterates.len();
    ledger.claim(
        section,
        "heavy ball at Polyak's tuning from θ₀ = 3.3 ends on a 3-cycle through 0.647, −1.80, 2.12",
        format!(
            "θ_T−2..θ_T = {}, {}, {}; |θ_T − θ_T−3| = {}",
            fmt_sig(cycle.iterates[n - 3], 4),
            fmt_sig(cycle.iterates[n - 2], 4),
            fmt_sig(cycle.last(), 4),
            fmt_sig((cycle.last() - cycle.iterates[n - 4]).abs(), 2)
        ),
        cycle.three_cycle()
            && (cycle.iterates[n - 3] - 0.647).abs() < 1e-3
            && (cycle.iterates[n - 2] + 1.80).abs() < 1e-2
            && (cycle.last() - 2.12).abs() < 1e-2,
    );
    ledger.claim(
        section,
        "from θ₀ = 3 the same heavy ball converges",
        format!("|θ_T| = {}", fmt_sig(s.lessard[1].last().abs(), 2)),
        s.lessard[1].last().abs() < 1e-12,
    );
    let nag = &s.lessard[2];
    let ratio = nag.worst_guarantee_ratio().unwrap();
    ledger.claim(
        section,
        "Nesterov from θ₀ = 3.3 converges, and f(θ_t) stays under its guarantee at every step",
        format!(
            "|θ_T| = {}, max f(θ_t)/guarantee = {}",
            fmt_sig(nag.last().abs(), 2),
            fmt_sig(ratio, 3)
        ),
        nag.last().abs() < 1e-12 && ratio <= 1.0,
    );

    // The noise floor.
    let section = "Momentum and noise";
    let f = &s.floor;
    let nc = &f.config;
    let mut worst_hb: f64 = 0.0;
    let mut worst_sgd: f64 = 0.0;
    for p in &f.points {
        let closed = heavy_ball_floor(p.eta, nc.beta, nc.lambda, nc.s2);
        worst_hb = worst_hb.max((p.heavy_ball.mean / closed - 1.0).abs());
        if let Some(m) = &p.sgd {
            let closed = sgd_floor(p.eta / (1.0 - nc.beta), nc.lambda, nc.s2);
            worst_sgd = worst_sgd.max((m.mean / closed - 1.0).abs());
        }
    }
    ledger.claim(
        section,
        "heavy ball's measured floor is within 5% of its closed form at every ηλ/(1−β), and \
         plain SGD's at η/(1−β) within 5% of ησ²/(Bλ(2−ηλ)) wherever it converges",
        format!(
            "worst |measured/closed − 1|: heavy ball {}, SGD {}",
            fmt_sig(worst_hb, 2),
            fmt_sig(worst_sgd, 2)
        ),
        worst_hb < 0.05 && worst_sgd < 0.05,
    );
    let ratio = |u: f64| {
        let p = f.points.iter().find(|p| p.u == u).unwrap();
        p.sgd.as_ref().map(|m| p.heavy_ball.mean / m.mean)
    };
    let small: Vec<f64> = [0.02, 0.05, 0.1]
        .iter()
        .map(|&u| ratio(u).unwrap())
        .collect();
    let large: Vec<f64> = [0.2, 0.5, 1.0, 1.5, 1.9]
        .iter()
        .map(|&u| ratio(u).unwrap())
        .collect();
    let list = |v: &[f64]| {
        v.iter()
            .map(|x| fmt_sig(*x, 3))
            .collect::<Vec<_>>()
            .join(", ")
    };
    ledger.claim(
        section,
        "heavy ball's floor equals SGD's at η/(1−β) within 5% while ηλ/(1−β) ≤ 0.1, and falls \
         more than 5% below it from ηλ/(1−β) = 0.2 on",
        format!("measured ratio {} ; then {}", list(&small), list(&large)),
        small.iter().all(|r| (r - 1.0).abs() < 0.05) && large.iter().all(|r| *r < 0.95),
    );
    ledger.claim(
        section,
        "at ηλ/(1−β) = 2.5 and 3.5 SGD at η/(1−β) diverges while heavy ball keeps a finite floor",
        "SGD diverged at both; heavy ball within 5% of its closed form",
        ratio(2.5).is_none() && ratio(3.5).is_none(),
    );
    ledger.pin("ch1_momentum_map_claims");
    pass.keep();
}

#[test]
fn exercise_5_is_pinned() {
    // Skipped while nothing it depends on has changed since it last passed.
    let Some(pass) = common::kept::unless_passed(concat!(file!(), "::exercise_5_is_pinned")) else {
        return;
    };
    let _rng = cpu_single_thread();
    let t = common::solve_one::<BestMomentum>(&Config::full_cpu());
    insta::assert_snapshot!(
        "ch1_momentum_map_exercise",
        Report::with_tables(&BestMomentum::title(), vec![t.clone()]).to_markdown()
    );
    let (eta, beta, rate) = closed_form::heavy_ball_optimal(1.0, 1000.0);
    // The best grid point: measured = predicted, no better than Polyak's, one step away.
    assert!((num(&t, 0, "measured rate") - num(&t, 0, "predicted rate")).abs() < 1e-3);
    assert!(num(&t, 0, "measured rate") >= rate - 1e-3);
    assert!((num(&t, 0, "η") - eta).abs() < 2.0 * 1.98 / 1000.0 / 40.0);
    assert!((num(&t, 0, "β") - beta).abs() < 0.18 / 39.0);
    // Polyak's point itself, measured.
    assert!((num(&t, 1, "measured rate") - rate).abs() < 1e-3);
    pass.keep();
}

#[test]
fn bad_input_is_an_error() {
    let mut ex = BestMomentum::defaults().unwrap();
    for k in [f64::NAN, -1.0, 1.0, 1e9] {
        ex.kappa = k;
        assert!(ex.solve(&Config::quick_cpu(), None).is_err(), "κ = {k}");
    }
    ex.kappa = 1000.0;
    for g in [0, 1, 100_000] {
        ex.grid = g;
        assert!(ex.solve(&Config::quick_cpu(), None).is_err(), "grid = {g}");
    }
    // The heavy-ball edge of the map is the library's closed form.
    assert_eq!(
        lrbook::chapters::ch1::momentum_map::edges::heavy_ball(0.5) / 100.0,
        closed_form::heavy_ball_stability_limit(100.0, 0.5)
    );
}

#[test]
fn figures_are_written() {
    common::check_section_figures(MomentumMapSection::default());
}
