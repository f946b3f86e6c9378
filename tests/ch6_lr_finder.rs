//! Chapter 6: the range tests, the grid validation and the exercises are pinned by
//! snapshots, and the facts the book states about them are asserted directly.
use lrbook::chapters::ch6::exercises::{BiasCorrection, FashionMnistFinder, SweepLength};
use lrbook::chapters::ch6::{self, Plan, Setup};
use lrbook::chapters::exercise::Exercise;
use lrbook::chapters::Config;
use lrbook::finder::{Rule, Stop};
use lrbook::report::Cell;

mod common;
use common::{cell, cpu_single_thread, num};

#[test]
fn quick_report_is_pinned_and_every_run_is_consistent() {
    let (_rng, ch) = common::pinned_report!(ch6::run, Config::quick_cpu(), "ch6_quick_report");

    let fc = ch6::FinderConfig::for_config(true);
    let test = fc.range_test().unwrap();
    assert_eq!(ch.setups.len(), 3);
    for r in &ch.setups {
        // The recorded sweep is the configured one, step by step.
        for (k, p) in r.finder.points.iter().enumerate() {
            assert_eq!(p.lr, test.lr_at(k));
        }
        if let Stop::Diverged { step, .. } = r.finder.stop {
            assert_eq!(step + 1, r.finder.points.len());
        } else {
            assert_eq!(r.finder.points.len(), fc.iterations);
        }
        assert_eq!(r.grid.len(), fc.grid.len());
    }
    // Every suggestion was trained, and its ratio is checked against an independent
    // computation: a fresh run at the suggestion (same seeds, 1 thread, so it repeats
    // exactly) over the lowest loss in the grid table's own column for the setup.
    let data = fc.load_data(&Config::quick_cpu()).unwrap();
    let grid_table = ch.report.table("grid").unwrap();
    let ratios = ch.report.table("ratios").unwrap();
    for (i, r) in ch.setups.iter().enumerate() {
        let name = r.setup.name();
        let lowest = (0..grid_table.rows.len())
            .map(|row| num(grid_table, row, name))
            .fold(f64::INFINITY, f64::min);
        let best = r.grid.iter().map(|g| g.1).fold(f64::INFINITY, f64::min);
        assert_eq!(best, lowest, "{name}: the grid table's lowest loss");
        for (rule, s) in &r.suggestions {
            let lr = s.as_ref().expect("a fresh model's curve has a descent");
            assert!(*lr > 0.0 && *lr < fc.end_lr, "{rule}: {lr}");
            let ratio = r.ratio(*rule).unwrap();
            let again =
                ch6::mean_final_loss(&fc, &data, r.setup, Plan::Constant(*lr), tch::Device::Cpu)
                    .unwrap();
            assert!(
                (ratio - again / best).abs() <= 1e-12 * ratio,
                "{name} {rule}: {ratio} vs {again} / {best}"
            );
            let printed = num(ratios, i, &format!("{} ÷ best", rule.name()));
            assert!(
                (printed - again / lowest).abs() <= 1e-12 * printed,
                "{name} {rule}: the ratios table has {printed}"
            );
        }
    }
    // Retraining one grid point reproduces the grid's number exactly (same seed, 1 thread).
    let first = &ch.setups[0];
    let again = ch6::mean_final_loss(
        &fc,
        &data,
        first.setup,
        Plan::Constant(fc.grid[2]),
        tch::Device::Cpu,
    )
    .unwrap();
    assert_eq!(again, first.grid[2].1);
}

/// The book shows the full configuration's tables; they are pinned too, and every claim the
/// chapter's prose makes about them is asserted here.
#[test]
fn full_report_is_pinned_and_backs_the_books_claims() {
    let (_rng, ch) =
        common::pinned_report_per_cpu!(ch6::run, Config::full_cpu(), "ch6_full_report");
    let setups = &ch.setups;
    assert_eq!(
        setups.iter().map(|r| r.setup).collect::<Vec<_>>(),
        Setup::ALL.to_vec()
    );

    // 1. Every rule suggests something on every fresh model, and the grid's best point is
    //    inside the grid, not at its edge (so the grid brackets the optimum).
    for r in setups {
        assert!(
            r.suggestions.iter().all(|(_, s)| s.is_ok()),
            "{:?}",
            r.setup
        );
        let best = r.best_grid().0;
        assert!(best > r.grid[0].0 && best < r.grid.last().unwrap().0);
    }
    // 2. Steep and minimum/10 are within 10% of the grid's best in every setup, and one of
    //    them has the smallest worst-case ratio.
    for rule in [Rule::Steep, Rule::Minimum] {
        let (_, worst) = ch6::rule_summary(setups, rule).unwrap();
        assert!(worst < 1.1, "{rule}: {worst}");
    }
    assert!(matches!(ch.trusted, Rule::Steep | Rule::Minimum));
    // Each of the two beats the other in some setup.
    let better = |a, b| {
        setups
            .iter()
            .any(|r| r.ratio(a).unwrap() < r.ratio(b).unwrap())
    };
    assert!(better(Rule::Steep, Rule::Minimum) && better(Rule::Minimum, Rule::Steep));
    // 3. Valley (fastai's default) and slide suggest below the best grid η in every setup,
    //    and valley has the worst worst case.
    for r in setups {
        for rule in [Rule::Valley, Rule::Slide] {
            assert!(r.suggested(rule).unwrap() < r.best_grid().0, "{rule}");
        }
    }
    let worst_of = |rule| ch6::rule_summary(setups, rule).unwrap().1;
    for rule in [Rule::Steep, Rule::Minimum, Rule::Slide] {
        assert!(worst_of(Rule::Valley) > worst_of(rule), "{rule}");
    }
    // 4. On a trained model the curve is flat until it blows up: no rule suggests anything,
    //    while every rule does on the same model fresh.
    for (rule, s) in ch.trained.trained.suggestions() {
        let err = s.unwrap_err().to_string();
        assert!(err.contains("no descent"), "{rule}: {err}");
    }
    assert!(ch
        .trained
        .fresh
        .suggestions()
        .iter()
        .all(|(_, s)| s.is_ok()));
    assert!(matches!(ch.trained.trained.stop, Stop::Diverged { .. }));
    // 5. One-cycle: a peak at the η of the loss minimum does worse than a peak at
    //    minimum/10's suggestion, in every setup.
    assert_eq!(ch6::ONE_CYCLE_RULE, Rule::Minimum);
    let oc = ch.report.table("one_cycle").unwrap();
    for row in 0..oc.rows.len() {
        let (at_suggestion, at_minimum) = (
            num(oc, row, "its loss ÷ best constant"),
            num(oc, row, "that loss ÷ best constant"),
        );
        assert!(at_minimum > at_suggestion, "{:?}", oc.rows[row]);
        // The prose: "ended 3 to 9% below the best constant" (means over the seeds, no
        // spread shown, and confounded with annealing: not a claim that the peak is better).
        assert!(
            at_suggestion > 0.91 && at_suggestion < 0.97,
            "3 to 9% below the best constant: {:?}",
            oc.rows[row]
        );
    }
    // ... and for the CNN, a peak at the minimum is worse than every grid point below 0.3.
    let cnn = &setups[2];
    let cnn_row = common::row_where(oc, "setup", cnn.setup.name());
    let oc_cnn = num(oc, cnn_row, "that loss ÷ best constant") * cnn.best_grid().1;
    for &(lr, loss) in cnn.grid.iter().filter(|g| g.0 < 0.3) {
        assert!(oc_cnn > loss, "η = {lr}");
    }
}

#[test]
fn exercises_are_pinned() {
    let _rng = cpu_single_thread();
    let cfg = Config::full_cpu();
    let ex1 = FashionMnistFinder::defaults()
        .unwrap()
        .range_tests(&cfg)
        .unwrap();
    let ex2 = common::solve::<BiasCorrection>(&cfg);
    let ex3 = common::solve::<SweepLength>(&cfg);
    let (ex2, ex3) = (&ex2.tables[0], &ex3.tables[0]);
    // Exercise 2: the closed form equals the library's tracker; the corrected one never stops.
    for row in 0..ex2.rows.len() {
        assert_eq!(
            cell(ex2, row, "closed form: first t with 1 − β^(t+1) > k(1 − β)"),
            cell(ex2, row, "uncorrected Tracker stops at"),
            "{:?}",
            ex2.rows[row]
        );
        assert_eq!(
            cell(ex2, row, "bias-corrected Tracker stops at"),
            &Cell::from("never")
        );
    }
    // Exercise 1: the held-out curve is recorded at every step, and both variants suggest.
    assert!(ex1.validated.points.iter().all(|p| p.val_loss.is_some()));
    for r in [&ex1.train, &ex1.validated] {
        assert!(r.suggestions().iter().all(|(_, s)| s.is_ok()));
    }
    // Exercise 3: across a sixteenfold change of sweep length, minimum/10 and valley each
    // move by less than 4×, and steep, which reads a derivative of the noisy curve, moves
    // further than either.
    let spread = |rule: Rule| {
        let v: Vec<f64> = (0..ex3.rows.len())
            .map(|row| num(ex3, row, rule.name()))
            .collect();
        let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        max / v.iter().copied().fold(f64::INFINITY, f64::min)
    };
    let (minimum, valley) = (spread(Rule::Minimum), spread(Rule::Valley));
    let steep = spread(Rule::Steep);
    assert!(minimum < 4.0, "minimum/10 spread {minimum}");
    assert!(valley < 4.0, "valley spread {valley}");
    assert!(steep > minimum.max(valley), "steep spread {steep}");
    // Exercise 1 (instructor's guide): the variants agree within 2× for steep, minimum/10
    // and slide, and valley moves most.
    let factor = |rule| {
        let (a, b) = (
            ex1.train.suggest(rule).unwrap().lr,
            ex1.validated.suggest(rule).unwrap().lr,
        );
        a.max(b) / a.min(b)
    };
    for rule in [Rule::Steep, Rule::Minimum, Rule::Slide] {
        assert!(factor(rule) < 2.0, "{rule}: {}", factor(rule));
        assert!(factor(Rule::Valley) > factor(rule));
    }
    // Exercise 3: slide lands in the flat region (below 1e-4) on the two shortest sweeps.
    let slide = |n: &str| num(ex3, common::row_where(ex3, "steps N", n), "slide");
    assert!(slide("25") < 1e-4 && slide("50") < 1e-4);
    let tables = vec![ex1.table, ex2.clone(), ex3.clone()];
    let report = lrbook::report::Report::with_tables("Chapter 6 exercises", tables);
    insta::assert_snapshot!("ch6_exercises", report.to_markdown());
}

#[test]
fn figures_are_written_with_their_data() {
    common::check_chapter_figures::<ch6::Flags>(&[], |written| {
        // Each suggestion is marked on the range-test figure.
        let finder = written.iter().find(|p| p.ends_with("finder_0.svg"));
        let svg = std::fs::read_to_string(finder.expect("finder_0.svg")).unwrap();
        for rule in Rule::ALL {
            assert!(svg.contains(rule.name()), "{rule} not marked");
        }
        assert!(svg.contains("diverged"));
    });
}

/// On a CUDA machine, with cuDNN off (`--cuda-deterministic`: no TF32, convolution backward
/// passes that sum in a fixed order), the quick chapter repeats itself exactly on the GPU,
/// and it supports the CPU's conclusions. Per setup:
/// - the same learning-rate sequence, smoothed losses within 2% over the first half of the
///   range test (before the chaotic approach to divergence), and a stop within 2 steps;
/// - every rule's suggestion within a factor of 2 of the CPU's (about 2.5 range-test steps);
/// - the same divergence status at every grid point, grid losses within 10% up to the CPU's
///   best η, and a best grid η that is the CPU's or its neighbour.
#[test]
fn cuda_matches_cpu_on_the_quick_config() {
    common::on_cpu_and_cuda(
        "ch6 cuda_matches_cpu_on_the_quick_config",
        |cfg| {
            let on_gpu = cfg.device.is_cuda();
            lrbook::device::cuda_deterministic(on_gpu);
            let first = ch6::run(cfg);
            if on_gpu {
                let again = ch6::run(cfg);
                if let (Ok(a), Ok(b)) = (&first, &again) {
                    assert_eq!(a.report, b.report, "a deterministic GPU run did not repeat");
                    for (x, y) in a.setups.iter().zip(&b.setups) {
                        assert_eq!(x.finder.smoothed(), y.finder.smoothed());
                    }
                }
            }
            lrbook::device::cuda_deterministic(false);
            first
        },
        |cpu, gpu| {
            for (c, g) in cpu.setups.iter().zip(&gpu.setups) {
                let name = c.setup.name();
                let n = c.finder.points.len().min(g.finder.points.len());
                assert!(
                    n.abs_diff(c.finder.points.len().max(g.finder.points.len())) <= 2,
                    "{name}: stop steps"
                );
                assert_eq!(
                    c.finder.lrs()[..n],
                    g.finder.lrs()[..n],
                    "{name}: LR sequence"
                );
                let (cs, gs) = (c.finder.smoothed(), g.finder.smoothed());
                for k in 0..n / 2 {
                    assert!(
                        common::close(cs[k], gs[k], 0.02),
                        "{name} step {k}: {} vs {}",
                        cs[k],
                        gs[k]
                    );
                }
                for rule in Rule::ALL {
                    match (c.suggested(rule), g.suggested(rule)) {
                        (Some(a), Some(b)) => assert!(
                            (0.5..=2.0).contains(&(b / a)),
                            "{name} {}: {a} (CPU) vs {b} (GPU)",
                            rule.name()
                        ),
                        (None, None) => {}
                        (a, b) => panic!("{name} {}: {a:?} (CPU) vs {b:?} (GPU)", rule.name()),
                    }
                }
                let best = c.best_grid().0;
                for (x, y) in c.grid.iter().zip(&g.grid) {
                    assert_eq!(x.0, y.0);
                    assert_eq!(
                        x.1.is_finite(),
                        y.1.is_finite(),
                        "{name} η={}: divergence differs",
                        x.0
                    );
                    if x.0 <= best {
                        assert!(
                            common::close(x.1, y.1, 0.10),
                            "{name} η={}: {} vs {}",
                            x.0,
                            x.1,
                            y.1
                        );
                    }
                }
                let at = |lr: f64| c.grid.iter().position(|p| p.0 == lr).unwrap() as i64;
                assert!(
                    (at(best) - at(g.best_grid().0)).abs() <= 1,
                    "{name}: best grid η {best} vs {}",
                    g.best_grid().0
                );
            }
        },
    );
}

/// The control experiment behind the one-cycle section: the peak chosen by the grid on the
/// chapter's seeds, every comparison paired over fresh seeds. Its tables and its claims are
/// pinned on AMD (where they were made; these runs are chaotic at the third digit, like the
/// chapter's, see CONTRIBUTING.md); the claims are asserted on every machine.
#[test]
fn one_cycle_control_takes_the_peak_and_annealing_apart() {
    use common::ledger::{Ledger, Verdict};
    use lrbook::chapters::ch6::control::{control_tables, OneCycleControl};

    let _rng = cpu_single_thread();
    let (fc, eval, runs) = OneCycleControl::defaults()
        .unwrap()
        .runs(&Config::full_cpu())
        .unwrap();
    // The design: five fresh seeds, none of them used to choose the peak.
    assert_eq!(eval.len(), 5);
    assert!(eval.iter().all(|s| !fc.seeds.contains(s)));
    assert_eq!(
        runs.iter().map(|r| r.setup).collect::<Vec<_>>(),
        Setup::ALL.to_vec()
    );
    for r in &runs {
        assert!(fc.grid.contains(&r.grid_best), "{:?}", r.setup);
        for side in [
            &r.constant,
            &r.one_cycle_grid_peak,
            &r.one_cycle_finder_peak,
        ] {
            assert_eq!(side.len(), eval.len());
            assert!(side.iter().all(|l| l.is_finite()), "{:?}", r.setup);
        }
    }
    // One run of the design repeats exactly (same seed, one thread).
    let data = fc.load_data(&Config::full_cpu()).unwrap();
    let again = ch6::final_loss(
        &fc,
        &data,
        runs[1].setup,
        Plan::OneCycle(runs[1].finder_peak),
        eval[2],
        tch::Device::Cpu,
    )
    .unwrap();
    assert_eq!(again, runs[1].one_cycle_finder_peak[2]);

    let test = "tests/ch6_lr_finder.rs::one_cycle_control_takes_the_peak_and_annealing_apart";
    let mut ledger = Ledger::new("ch6_control_claims", test);
    let section = "From the finder to one-cycle (control)";
    let [sgd, adam, cnn] = [&runs[0], &runs[1], &runs[2]];
    // Where the finder's peak sits against the grid's best constant η.
    for (r, above) in [(sgd, false), (adam, true), (cnn, true)] {
        ledger.claim(
            section,
            &format!(
                "{}: the minimum/10 peak is {} the grid's best constant η*",
                r.setup.name(),
                if above { "above" } else { "below" }
            ),
            common::ledger::compared(r.finder_peak, if above { ">" } else { "<" }, r.grid_best),
            (r.finder_peak > r.grid_best) == above,
        );
    }
    // Annealing at a fixed peak: helps the MLP with SGD, is not resolved for Adam, and hurts
    // the CNN (one-cycle at η* spends most of its steps below η*).
    for (r, verdict, words) in [
        (sgd, Verdict::Below, "ends lower than"),
        (adam, Verdict::Within, "cannot be told apart from"),
        (cnn, Verdict::Above, "ends higher than"),
    ] {
        ledger.paired(
            section,
            &format!(
                "{}: one-cycle with peak η* {words} constant η*",
                r.setup.name()
            ),
            &r.annealing().unwrap(),
            verdict,
        );
    }
    // The peak: under one-cycle, the finder's peak loses to η* for SGD (it is below η*) and
    // beats it for Adam and the CNN (it is above).
    for (r, verdict, words) in [
        (sgd, Verdict::Above, "ends higher than"),
        (adam, Verdict::Below, "ends lower than"),
        (cnn, Verdict::Below, "ends lower than"),
    ] {
        ledger.paired(
            section,
            &format!(
                "{}: one-cycle with the minimum/10 peak {words} one-cycle with peak η*",
                r.setup.name()
            ),
            &r.peak_choice().unwrap(),
            verdict,
        );
    }
    // The chapter's comparison on fresh seeds: holds for Adam and the CNN, not resolved for
    // the MLP with SGD.
    for (r, verdict, words) in [
        (sgd, Verdict::Within, "cannot be told apart from"),
        (adam, Verdict::Below, "ends lower than"),
        (cnn, Verdict::Below, "ends lower than"),
    ] {
        ledger.paired(
            section,
            &format!(
                "{}: one-cycle with the minimum/10 peak {words} constant η*",
                r.setup.name()
            ),
            &r.finder_one_cycle_vs_constant().unwrap(),
            verdict,
        );
    }
    let amd = ["AuthenticAMD"];
    let tables = control_tables(&fc, &eval, &runs).unwrap();
    let report =
        lrbook::report::Report::with_tables(&<OneCycleControl as Exercise>::title(), tables.into());
    common::assert_snapshot_on_cpus(test, "ch6_control", &report.to_markdown(), &amd);
    ledger.pin_on_cpus(test, "ch6_control_claims", &amd);
}
