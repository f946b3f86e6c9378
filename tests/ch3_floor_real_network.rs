//! Chapter 3, "The same floor in a real network": the quick report is pinned, and the full
//! grid, whose numbers the book shows, is pinned on AMD (where it was made) with every claim
//! the page makes asserted on any machine (see CONTRIBUTING.md, "Numbers across machines").
use lrbook::chapters::ch3::floor_real_network::{
    equal_ratio_exercise_table, equal_ratio_pairs, equal_ratio_table, exponents_per_seed,
    floor_grid, grid_table, law_table, slopes_per_seed, EqualRatio, FloorConfig, FloorGrid,
    FloorNetwork, FloorRun,
};
use lrbook::chapters::exercise::Exercise;
use lrbook::chapters::Config;
use lrbook::report::{fmt_sig, Report};
use lrbook::stats;

mod common;
use common::ledger::{compared, Ledger, Verdict};
use common::{cpu_single_thread, num};

/// The section's report and exercise 6's, for a configuration.
fn reports(g: &FloorGrid, ex: &Report) -> String {
    let report = Report::with_tables(
        &<FloorNetwork as Exercise>::title(),
        vec![
            grid_table(g),
            law_table(g).unwrap(),
            equal_ratio_table(g).unwrap(),
        ],
    );
    format!("{}\n{}", report.to_markdown(), ex.to_markdown())
}

fn exercise(cfg: &Config) -> (Report, f64, f64, f64, f64) {
    let ex = EqualRatio::defaults().unwrap();
    let r = ex.runs(cfg).unwrap();
    let new = stats::mean_ci(&r.new, stats::LEVEL).unwrap();
    let table = equal_ratio_exercise_table(&r, ex.lr, ex.batch);
    (
        Report::with_tables(&<EqualRatio as Exercise>::title(), vec![table]),
        r.law_prediction(),
        r.interpolated(ex.lr),
        new.mean,
        new.half_width,
    )
}

#[test]
fn quick_report_is_pinned() {
    // Skipped while nothing it depends on has changed since it passed.
    let Some(pass) = common::kept::unless_passed(concat!(file!(), "::quick_report_is_pinned"))
    else {
        return;
    };
    let _rng = cpu_single_thread();
    let cfg = Config::quick_cpu();
    let g = floor_grid(&cfg, &FloorConfig::for_config(true)).unwrap();
    assert_eq!(g.runs.len(), 9 * 2);
    // Every run plateaued and continued both ways to finite losses, and the table reads them back.
    assert!(g
        .runs
        .iter()
        .all(|r| r.plateau.is_finite() && r.continued.is_finite() && r.annealed.is_finite()));
    let grid = grid_table(&g);
    assert!(num(&grid, 0, "excess").is_finite());
    let (ex, ..) = exercise(&cfg);
    insta::assert_snapshot!("floor_network_quick", reports(&g, &ex));
    pass.keep();
}

#[test]
fn full_grid_backs_the_books_claims() {
    // Skipped while nothing it depends on has changed since it last passed.
    let Some(pass) =
        common::kept::unless_passed(concat!(file!(), "::full_grid_backs_the_books_claims"))
    else {
        return;
    };
    let _rng = cpu_single_thread();
    let c = FloorConfig::for_config(false);
    assert_eq!(
        (c.train_examples, c.flow_time, c.seeds.len()),
        (2000, 100.0, 3)
    );
    // Run as `make book` runs the example, which then replays this run.
    let g = lrbook::cli::book_section::<lrbook::chapters::ch3::floor_real_network::FloorNetwork>()
        .unwrap();
    assert_eq!(format!("{:?}", g.config), format!("{c:?}"));
    let test = "tests/ch3_floor_real_network.rs::full_grid_backs_the_books_claims";
    let mut ledger = Ledger::new("ch3_floor_network_claims", test);
    let section = "The same floor in a real network";

    let (lrs, bs) = (&c.lrs, &c.batches);
    let at = |lr: f64, b: usize| format!("({}, {b})", fmt_sig(lr, 2));
    // The excess: annealed below the constant continuation beyond the seed noise at every
    // grid point but (0.1, 64).
    let mut lowest = (f64::INFINITY, String::new());
    let mut within = Vec::new();
    for (lr, b) in g.points() {
        let runs = g.at(lr, b);
        let continued: Vec<f64> = runs.iter().map(|r| r.continued).collect();
        let annealed: Vec<f64> = runs.iter().map(|r| r.annealed).collect();
        let p = stats::paired(&continued, &annealed, stats::LEVEL).unwrap();
        if p.ci.0 <= 0.0 {
            within.push(at(lr, b));
        } else if p.ci.0 < lowest.0 {
            lowest = (p.ci.0, at(lr, b));
        }
    }
    ledger.claim(
        section,
        "the annealed level lies below the constant continuation's beyond the seed noise (the \
         paired interval of the excess lies above 0) at every grid point but (0.1, 64), where \
         the interval contains 0",
        format!(
            "interval containing 0 at: {}; lowest lower end elsewhere {} at {}",
            within.join(", "),
            fmt_sig(lowest.0, 2),
            lowest.1
        ),
        within == [at(0.1, 64)],
    );
    // The descent of the constant continuation: everywhere positive, of a similar size at
    // every point, larger than the excess at the three smallest η/B.
    let mean_of = |lr: f64, b: usize, f: fn(&FloorRun) -> f64| {
        stats::mean(&g.at(lr, b).iter().map(|r| f(r)).collect::<Vec<_>>())
    };
    let excess_at = |lr: f64, b: usize| mean_of(lr, b, |r| r.excess());
    let descent_at = |lr: f64, b: usize| mean_of(lr, b, |r| r.descent());
    let annealed_at = |lr: f64, b: usize| mean_of(lr, b, |r| r.annealed);
    let beyond: Vec<String> = g
        .points()
        .into_iter()
        .filter(|&(lr, b)| {
            stats::mean_ci(&g.descent(lr, b), stats::LEVEL)
                .unwrap()
                .interval()
                .0
                > 0.0
        })
        .map(|(lr, b)| at(lr, b))
        .collect();
    let range = |f: &dyn Fn(f64, usize) -> f64| {
        g.points()
            .into_iter()
            .map(|(lr, b)| f(lr, b))
            .fold((f64::INFINITY, f64::NEG_INFINITY), |a, x| {
                (a.0.min(x), a.1.max(x))
            })
    };
    let (d, e) = (range(&descent_at), range(&excess_at));
    ledger.claim(
        section,
        "T/4 more steps at the constant η still lower the loss: the mean descent is positive at \
         every grid point, and its interval lies above 0 at seven of the nine",
        format!(
            "mean descent {} to {}; interval above 0 at {}",
            fmt_sig(d.0, 3),
            fmt_sig(d.1, 3),
            beyond.join(", ")
        ),
        d.0 > 0.0 && beyond.len() == 7,
    );
    ledger.claim(
        section,
        "the descent varies far less over the grid than the excess: its largest mean is less \
         than 4 times its smallest, the excess's more than 30 times",
        format!(
            "descent {} to {} (×{}), excess {} to {} (×{})",
            fmt_sig(d.0, 3),
            fmt_sig(d.1, 3),
            fmt_sig(d.1 / d.0, 3),
            fmt_sig(e.0, 3),
            fmt_sig(e.1, 3),
            fmt_sig(e.1 / e.0, 3)
        ),
        d.1 / d.0 < 4.0 && e.1 / e.0 > 30.0,
    );
    let small = [(0.05, 64), (0.05, 32), (0.1, 64)];
    ledger.claim(
        section,
        "at the three points of the smallest η/B, (0.05, 64), (0.05, 32) and (0.1, 64), the \
         mean descent is larger than the mean excess",
        small
            .iter()
            .map(|&(lr, b)| {
                format!(
                    "{}: descent {}, excess {}",
                    at(lr, b),
                    fmt_sig(descent_at(lr, b), 3),
                    fmt_sig(excess_at(lr, b), 3)
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
        small
            .iter()
            .all(|&(lr, b)| descent_at(lr, b) > excess_at(lr, b)),
    );
    // Orderings of the means over seeds: the excess and the annealed level along η and B.
    let rises_with_lr = |f: &dyn Fn(f64, usize) -> f64| {
        bs.iter()
            .all(|&b| lrs.windows(2).all(|w| f(w[1], b) > f(w[0], b)))
    };
    let falls_with_b =
        |f: &dyn Fn(f64, usize) -> f64, lr: f64| bs.windows(2).all(|w| f(lr, w[1]) < f(lr, w[0]));
    let row = |f: &dyn Fn(f64, usize) -> f64, lr: f64| {
        bs.iter()
            .map(|&b| fmt_sig(f(lr, b), 3))
            .collect::<Vec<_>>()
            .join(", ")
    };
    // One row per rate, the batch sizes across: "η = 0.05: …; η = 0.1: …; η = 0.2: …".
    let by_lr = |f: &dyn Fn(f64, usize) -> f64| {
        format!(
            "η = 0.05: {}; η = 0.1: {}; η = 0.2: {}",
            row(f, 0.05),
            row(f, 0.1),
            row(f, 0.2)
        )
    };
    ledger.claim(
        section,
        "the mean excess rises with η at every B and falls with B at every η",
        format!("excess at B = 16, 32, 64: {}", by_lr(&excess_at)),
        rises_with_lr(&excess_at) && lrs.iter().all(|&lr| falls_with_b(&excess_at, lr)),
    );
    let per_ratio = |lr: f64, b: usize| excess_at(lr, b) / (lr / b as f64);
    ledger.claim(
        section,
        "the mean excess ÷ (η/B) rises with η at every B",
        format!("excess ÷ (η/B) at B = 16, 32, 64: {}", by_lr(&per_ratio)),
        rises_with_lr(&per_ratio),
    );
    ledger.claim(
        section,
        "the mean annealed level rises with η at every B and falls with B at every η",
        format!("annealed at B = 16, 32, 64: {}", by_lr(&annealed_at)),
        rises_with_lr(&annealed_at) && lrs.iter().all(|&lr| falls_with_b(&annealed_at, lr)),
    );
    // The exponents.
    let pq = exponents_per_seed(&g);
    let ps: Vec<f64> = pq.iter().map(|x| x.0).collect();
    let qs: Vec<f64> = pq.iter().map(|x| x.1).collect();
    let rs = slopes_per_seed(&g);
    let interval = |xs: &[f64]| stats::mean_ci(xs, stats::LEVEL).unwrap();
    let (r, p, q) = (interval(&rs), interval(&ps), interval(&qs));
    let ci = |m: &stats::MeanCi| {
        let (lo, hi) = m.interval();
        format!(
            "mean {}, 95% CI {}",
            fmt_sig(m.mean, 3),
            stats::interval_text(lo, hi, 2)
        )
    };
    ledger.claim(
        section,
        "the excess grows with η/B faster than in proportion: the 95% interval of η/B's \
         exponent lies above 1",
        ci(&r),
        r.interval().0 > 1.0,
    );
    ledger.claim(
        section,
        "at fixed B the excess grows faster than ∝ η: the 95% interval of η's exponent lies \
         above 1",
        ci(&p),
        p.interval().0 > 1.0,
    );
    ledger.claim(
        section,
        "at fixed η the excess is consistent with ∝ 1/B: the 95% interval of 1/B's exponent \
         contains 1",
        ci(&q),
        q.interval().0 < 1.0 && q.interval().1 > 1.0,
    );
    ledger.paired(
        section,
        "η's exponent and 1/B's are not told apart by the seeds",
        &stats::paired(&ps, &qs, stats::LEVEL).unwrap(),
        Verdict::Within,
    );
    // Equal η/B: none of the four pairs is told apart by the seeds.
    let pairs = equal_ratio_pairs(&g);
    assert_eq!(pairs.len(), 4);
    for ((l1, b1), (l2, b2)) in pairs {
        let p = stats::paired(&g.excess(l2, b2), &g.excess(l1, b1), stats::LEVEL).unwrap();
        ledger.paired(
            section,
            &format!(
                "equal η/B: the excess at {} and at {} are not told apart by the seeds (the \
                 interval of the difference contains 0)",
                at(l2, b2),
                at(l1, b1)
            ),
            &p,
            Verdict::Within,
        );
    }
    let larger: Vec<String> = equal_ratio_pairs(&g)
        .into_iter()
        .map(|((l1, b1), (l2, b2))| fmt_sig(excess_at(l2, b2) - excess_at(l1, b1), 2))
        .collect();
    ledger.claim(
        section,
        "equal η/B: in all four pairs the point with the larger η has the larger mean excess",
        format!("mean differences {}", larger.join(", ")),
        equal_ratio_pairs(&g)
            .into_iter()
            .all(|((l1, b1), (l2, b2))| excess_at(l2, b2) > excess_at(l1, b1)),
    );
    // Exercise 6: both predictions lie within the new point's interval, below its mean.
    let (ex, law, interpolated, mean, half) = exercise(&Config::full_cpu());
    ledger.claim(
        "Exercise 6 (solution)",
        "at (η, B) = (0.15, 48) both predictions, the η/B law's (the mean excess of the three \
         grid points of equal η/B) and the interpolation in log η, lie within the 95% interval \
         of the measured excess",
        format!(
            "|η/B law − mean| {}; |interpolated − mean| {}",
            compared((law - mean).abs(), "<", half),
            compared((interpolated - mean).abs(), "<", half)
        ),
        (law - mean).abs() < half && (interpolated - mean).abs() < half,
    );
    ledger.claim(
        "Exercise 6 (solution)",
        "both predictions lie below the measured mean, the η/B law's further than the \
         interpolation in log η; so do the mean excesses of the three grid points of equal η/B",
        format!(
            "measured {}, η/B law {}, interpolated {}",
            fmt_sig(mean, 3),
            fmt_sig(law, 3),
            fmt_sig(interpolated, 3)
        ),
        law < interpolated
            && interpolated < mean
            && [(0.05, 16), (0.1, 32), (0.2, 64)]
                .iter()
                .all(|&(lr, b)| excess_at(lr, b) < mean),
    );
    common::assert_snapshot_on_cpus(
        test,
        "floor_network_full",
        &reports(&g, &ex),
        common::PINNED_VENDORS,
    );
    ledger.pin_on_cpus(test, "ch3_floor_network_claims", common::PINNED_VENDORS);
    pass.keep();
}
