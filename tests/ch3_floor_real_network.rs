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
    let _rng = cpu_single_thread();
    let cfg = Config::quick_cpu();
    let g = floor_grid(&cfg, &FloorConfig::for_config(true)).unwrap();
    assert_eq!(g.runs.len(), 9 * 2);
    // Every run plateaued and annealed to finite losses, and the table reads them back.
    assert!(g
        .runs
        .iter()
        .all(|r| r.plateau.is_finite() && r.annealed.is_finite()));
    let grid = grid_table(&g);
    assert!(num(&grid, 0, "excess").is_finite());
    let (ex, ..) = exercise(&cfg);
    insta::assert_snapshot!("floor_network_quick", reports(&g, &ex));
}

#[test]
fn full_grid_backs_the_books_claims() {
    let _rng = cpu_single_thread();
    let cfg = Config::full_cpu();
    let c = FloorConfig::for_config(false);
    assert_eq!(
        (c.train_examples, c.flow_time, c.seeds.len()),
        (2000, 100.0, 3)
    );
    let g = floor_grid(&cfg, &c).unwrap();
    let test = "tests/ch3_floor_real_network.rs::full_grid_backs_the_books_claims";
    let mut ledger = Ledger::new("ch3_floor_network_claims", test);
    let section = "The same floor in a real network";

    // The plateau lies above the annealed level at every grid point, beyond the seed noise.
    let mut lowest = (f64::INFINITY, 0.0, 0);
    for (lr, b) in g.points() {
        let runs = g.at(lr, b);
        let plateau: Vec<f64> = runs.iter().map(|r| r.plateau).collect();
        let annealed: Vec<f64> = runs.iter().map(|r| r.annealed).collect();
        let p = stats::paired(&plateau, &annealed, stats::LEVEL).unwrap();
        if p.ci.0 < lowest.0 {
            lowest = (p.ci.0, lr, b);
        }
    }
    ledger.claim(
        section,
        "at every grid point the constant-rate plateau lies above the annealed level beyond \
         the seed noise (the paired interval of plateau − annealed lies above 0)",
        format!(
            "lowest lower end of the 95% CI {} at (η, B) = ({}, {})",
            fmt_sig(lowest.0, 2),
            fmt_sig(lowest.1, 2),
            lowest.2
        ),
        lowest.0 > 0.0,
    );
    // The plateau is flat: over its window it moves by less than half the excess.
    let worst = g
        .points()
        .into_iter()
        .map(|(lr, b)| {
            let runs = g.at(lr, b);
            let drift = stats::mean(&runs.iter().map(|r| r.drift).collect::<Vec<_>>());
            let excess = stats::mean(&g.excess(lr, b));
            drift.abs() / excess
        })
        .fold(0.0, f64::max);
    ledger.claim(
        section,
        "at every grid point the loss moves over the plateau's window by less than half the \
         excess (mean over seeds)",
        format!("largest |drift| / excess {}", fmt_sig(worst, 3)),
        worst < 0.5,
    );
    // Orderings of the means over seeds: the excess and the annealed level along η and B.
    let (lrs, bs) = (&c.lrs, &c.batches);
    let mean_of = |lr: f64, b: usize, f: fn(&FloorRun) -> f64| {
        stats::mean(&g.at(lr, b).iter().map(|r| f(r)).collect::<Vec<_>>())
    };
    let excess_at = |lr: f64, b: usize| mean_of(lr, b, |r| r.excess());
    let annealed_at = |lr: f64, b: usize| mean_of(lr, b, |r| r.annealed);
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
    ledger.claim(
        section,
        "along each batch size the mean excess rises with η; along η = 0.05 and 0.1 it falls \
         with B, and at η = 0.2 it is not lower at B = 64 than at B = 32",
        format!(
            "excess at B = 16, 32, 64: η = 0.05: {}; η = 0.1: {}; η = 0.2: {}",
            row(&excess_at, 0.05),
            row(&excess_at, 0.1),
            row(&excess_at, 0.2)
        ),
        rises_with_lr(&excess_at)
            && falls_with_b(&excess_at, 0.05)
            && falls_with_b(&excess_at, 0.1)
            && excess_at(0.2, 64) >= excess_at(0.2, 32),
    );
    ledger.claim(
        section,
        "the mean annealed level rises with η at every B and falls with B at every η",
        format!(
            "annealed at B = 16, 32, 64: η = 0.05: {}; η = 0.1: {}; η = 0.2: {}",
            row(&annealed_at, 0.05),
            row(&annealed_at, 0.1),
            row(&annealed_at, 0.2)
        ),
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
        "the excess grows with η/B, but slower than in proportion: the exponent of η/B has its \
         95% interval above 0 and below 1",
        ci(&r),
        r.interval().0 > 0.0 && r.interval().1 < 1.0,
    );
    ledger.claim(
        section,
        "at fixed B the excess is consistent with ∝ η: the 95% interval of η's exponent \
         contains 1",
        ci(&p),
        p.interval().0 < 1.0 && p.interval().1 > 1.0,
    );
    ledger.claim(
        section,
        "at fixed η the excess falls with B, but slower than 1/B: the 95% interval of 1/B's \
         exponent lies above 0 and below 1",
        ci(&q),
        q.interval().0 > 0.0 && q.interval().1 < 1.0,
    );
    ledger.paired(
        section,
        "η's exponent exceeds 1/B's beyond the seed noise",
        &stats::paired(&ps, &qs, stats::LEVEL).unwrap(),
        Verdict::Above,
    );
    // Equal η/B: three of the four pairs are not told apart by the seeds; the one at the
    // largest rate is.
    let pairs = equal_ratio_pairs(&g);
    assert_eq!(pairs.len(), 4);
    for ((l1, b1), (l2, b2)) in pairs {
        let p = stats::paired(&g.excess(l2, b2), &g.excess(l1, b1), stats::LEVEL).unwrap();
        let (claim, verdict) = if l2 < 0.2 || b1 == 16 {
            (
                "are not told apart by the seeds (the interval of the difference contains 0)",
                Verdict::Within,
            )
        } else {
            (
                "differ beyond the seed noise: the larger η has the larger excess",
                Verdict::Above,
            )
        };
        ledger.paired(
            section,
            &format!(
                "equal η/B: the excess at ({}, {b2}) and at ({}, {b1}) {claim}",
                fmt_sig(l2, 2),
                fmt_sig(l1, 2)
            ),
            &p,
            verdict,
        );
    }
    // Exercise 6: the η/B law's prediction lies within the new point's interval.
    let (ex, law, interpolated, mean, half) = exercise(&cfg);
    ledger.claim(
        "Exercise 6 (solution)",
        "at (η, B) = (0.15, 48) the η/B law's prediction (the mean excess of the three grid \
         points of equal η/B) lies within the 95% interval of the measured excess",
        format!(
            "|prediction − mean| {}",
            compared((law - mean).abs(), "<", half)
        ),
        (law - mean).abs() < half,
    );
    ledger.claim(
        "Exercise 6 (solution)",
        "both predictions lie above the measured mean, the interpolation in log η further \
         than the η/B law's",
        format!(
            "measured {}, η/B law {}, interpolated {}",
            fmt_sig(mean, 3),
            fmt_sig(law, 3),
            fmt_sig(interpolated, 3)
        ),
        mean < law && law < interpolated,
    );
    common::assert_snapshot_on_cpus(
        test,
        "floor_network_full",
        &reports(&g, &ex),
        common::MADE_ON_AMD,
    );
    ledger.pin_on_cpus(test, "ch3_floor_network_claims", common::MADE_ON_AMD);
}
