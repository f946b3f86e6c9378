//! Chapter 6: the range tests, the grid validation and the exercises are pinned by
//! snapshots, and the facts the book states about them are asserted directly.
use lrbook::chapters::ch6::exercises::{BiasCorrection, FashionMnistFinder, SweepLength};
use lrbook::chapters::ch6::{self, Plan, Setup};
use lrbook::chapters::exercise::Exercise;
use lrbook::chapters::Config;
use lrbook::finder::{Rule, Stop};
use lrbook::report::Cell;

mod common;
use common::ledger::{compared, Ledger, Verdict};
use common::{cell, cpu_single_thread, num};
use lrbook::report::fmt_sig;

#[test]
fn quick_report_is_pinned_and_every_run_is_consistent() {
    // Skipped while nothing it depends on has changed since it passed.
    let Some(pass) = common::kept::unless_passed(concat!(
        file!(),
        "::quick_report_is_pinned_and_every_run_is_consistent"
    )) else {
        return;
    };
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
    pass.keep();
}

/// The book shows the full configuration's tables; they are pinned too, and every claim the
/// chapter's prose makes about them is asserted here.
#[test]
fn full_report_is_pinned_and_backs_the_books_claims() {
    // Skipped while nothing it depends on has changed since it last passed.
    let Some(pass) = common::kept::unless_passed(concat!(
        file!(),
        "::full_report_is_pinned_and_backs_the_books_claims"
    )) else {
        return;
    };
    let test = "tests/ch6_lr_finder.rs::full_report_is_pinned_and_backs_the_books_claims";
    // Pinned on AMD, where it was made; elsewhere the claims below are still asserted.
    let (_rng, ch) = common::pinned_book_report_per_vendor!(ch6::Flags, "ch6_full_report", test);
    let setups = &ch.setups;
    assert_eq!(
        setups.iter().map(|r| r.setup).collect::<Vec<_>>(),
        Setup::ALL.to_vec()
    );

    let mut ledger = Ledger::new("ch6_claims", test);
    let fmt_list = |xs: &[f64]| {
        xs.iter()
            .map(|&x| fmt_sig(x, 3))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let ratios =
        |rule: Rule| -> Vec<f64> { setups.iter().map(|r| r.ratio(rule).unwrap()).collect() };

    // 1. Every rule suggests something on every fresh model, and the grid's best point is
    //    inside the grid, not at its edge (so the grid brackets the optimum).
    let grid_section = "Are the suggestions any good? A grid search at the same budget";
    for r in setups {
        assert!(
            r.suggestions.iter().all(|(_, s)| s.is_ok()),
            "{:?}",
            r.setup
        );
    }
    let bests: Vec<f64> = setups.iter().map(|r| r.best_grid().0).collect();
    ledger.claim(
        grid_section,
        "the grid's best constant η is inside the grid, not at its edge, in every setup",
        format!(
            "best η {} within {} to {}",
            fmt_list(&bests),
            fmt_sig(setups[0].grid[0].0, 2),
            fmt_sig(setups[0].grid.last().unwrap().0, 3)
        ),
        setups.iter().all(|r| {
            let best = r.best_grid().0;
            best > r.grid[0].0 && best < r.grid.last().unwrap().0
        }),
    );
    // 2. Steep and minimum/10 are within 10% of the grid's best in every setup, and one of
    //    them has the smallest worst-case ratio.
    for rule in [Rule::Steep, Rule::Minimum] {
        let (_, worst) = ch6::rule_summary(setups, rule).unwrap();
        ledger.claim(
            grid_section,
            &format!("{rule}: within 10% of the best grid loss in every setup"),
            format!(
                "ratios {}; worst {}",
                fmt_list(&ratios(rule)),
                compared(worst, "<", 1.1)
            ),
            worst < 1.1,
        );
    }
    ledger.claim(
        grid_section,
        "the rule with the smallest worst case (ties by the mean) is steep or minimum/10",
        ch.trusted.name(),
        matches!(ch.trusted, Rule::Steep | Rule::Minimum),
    );
    // Each of the two beats the other in some setup.
    let wins = |a, b| {
        setups
            .iter()
            .filter(|r| r.ratio(a).unwrap() < r.ratio(b).unwrap())
            .count()
    };
    ledger.claim(
        grid_section,
        "steep and minimum/10 each beat the other in some setup (means over 3 seeds, no \
         noise estimate)",
        format!(
            "steep lower in {} setups, minimum/10 in {}",
            wins(Rule::Steep, Rule::Minimum),
            wins(Rule::Minimum, Rule::Steep)
        ),
        wins(Rule::Steep, Rule::Minimum) > 0 && wins(Rule::Minimum, Rule::Steep) > 0,
    );
    // 3. Valley (fastai's default) and slide suggest below the best grid η in every setup,
    //    and valley has the worst worst case.
    for rule in [Rule::Valley, Rule::Slide] {
        let suggested: Vec<f64> = setups.iter().map(|r| r.suggested(rule).unwrap()).collect();
        ledger.claim(
            grid_section,
            &format!("{rule} suggests a rate below the grid's best η in every setup"),
            format!("{} against {}", fmt_list(&suggested), fmt_list(&bests)),
            suggested.iter().zip(&bests).all(|(s, b)| s < b),
        );
    }
    // The seed spread behind the ratios (3 seeds, paired with the best grid point): no
    // suggestion of steep or minimum/10 differs from the best grid point beyond the seed
    // noise, and of valley's and slide's only valley's on the MLP with SGD does.
    for r in setups {
        for rule in Rule::ALL {
            let p = r.paired_vs_best(rule).unwrap().unwrap();
            let resolved = r.setup == Setup::ALL[0] && rule == Rule::Valley;
            ledger.paired(
                grid_section,
                &format!(
                    "{}, {rule}: the loss at the suggestion {} the best grid point's, over \
                     the seeds",
                    r.setup.name(),
                    if resolved {
                        "is above"
                    } else {
                        "cannot be told apart from"
                    }
                ),
                &p,
                if resolved {
                    Verdict::Above
                } else {
                    Verdict::Within
                },
            );
        }
    }
    let worst_of = |rule| ch6::rule_summary(setups, rule).unwrap().1;
    ledger.claim(
        grid_section,
        "valley has the worst worst-case ratio of the four rules",
        format!(
            "valley {}; steep, minimum/10, slide {}",
            fmt_sig(worst_of(Rule::Valley), 3),
            fmt_list(&[Rule::Steep, Rule::Minimum, Rule::Slide].map(worst_of))
        ),
        [Rule::Steep, Rule::Minimum, Rule::Slide]
            .iter()
            .all(|&rule| worst_of(Rule::Valley) > worst_of(rule)),
    );
    // 4. On a trained model the curve is flat until it blows up: no rule suggests anything,
    //    while every rule does on the same model fresh.
    let trained_section = "The finder on a trained model";
    let refusals: Vec<String> = ch
        .trained
        .trained
        .suggestions()
        .into_iter()
        .map(|(_, s)| s.map_or_else(|e| e.to_string(), |lr| format!("suggested {}", lr.lr)))
        .collect();
    for (rule, text) in Rule::ALL.iter().zip(&refusals) {
        assert!(text.contains("no descent"), "{rule}: {text}");
    }
    ledger.claim(
        trained_section,
        "on the trained model every rule refuses (no descent), while on the same model fresh \
         every rule suggests a rate, and the trained model's range test diverges",
        format!(
            "{} of {} rules refuse; the sweep diverged at η = {}",
            refusals.iter().filter(|t| t.contains("no descent")).count(),
            refusals.len(),
            ch.trained
                .trained
                .divergence_lr()
                .map_or("—".to_string(), |lr| fmt_sig(lr, 3))
        ),
        ch.trained
            .fresh
            .suggestions()
            .iter()
            .all(|(_, s)| s.is_ok())
            && matches!(ch.trained.trained.stop, Stop::Diverged { .. }),
    );
    // 5. One-cycle: a peak at the η of the loss minimum does worse than a peak at
    //    minimum/10's suggestion, in every setup.
    let oc_section = "From the finder to one-cycle";
    assert_eq!(ch6::ONE_CYCLE_RULE, Rule::Minimum);
    let oc = ch.report.table("one_cycle").unwrap();
    let column =
        |name: &str| -> Vec<f64> { (0..oc.rows.len()).map(|row| num(oc, row, name)).collect() };
    let (at_suggestion, at_minimum) = (
        column("its loss ÷ best constant"),
        column("that loss ÷ best constant"),
    );
    ledger.claim(
        oc_section,
        "one-cycle with its peak at the loss minimum ends worse than with its peak at the \
         minimum/10 suggestion, in every setup (means over 3 seeds)",
        format!(
            "{} against {}",
            fmt_list(&at_minimum),
            fmt_list(&at_suggestion)
        ),
        at_minimum.iter().zip(&at_suggestion).all(|(m, s)| m > s),
    );
    // The prose: "ended 3 to 9% below the best constant" (means over the seeds, no spread
    // shown, and confounded with annealing: the control experiment takes that apart).
    ledger.claim(
        oc_section,
        "one-cycle at the minimum/10 peak ends 3 to 9% below the best constant rate of the grid \
         (means over the 3 selection seeds; no noise estimate)",
        format!("loss ÷ best constant {}", fmt_list(&at_suggestion)),
        at_suggestion.iter().all(|&r| r > 0.91 && r < 0.97),
    );
    // ... and for the CNN, a peak at the minimum is worse than every grid point below 0.3.
    let cnn = &setups[2];
    let cnn_row = common::row_where(oc, "setup", cnn.setup.name());
    let oc_cnn = num(oc, cnn_row, "that loss ÷ best constant") * cnn.best_grid().1;
    let below: Vec<f64> = cnn.grid.iter().filter(|g| g.0 < 0.3).map(|g| g.1).collect();
    ledger.claim(
        oc_section,
        "for the CNN, one-cycle peaking at the loss minimum ends worse than every constant rate \
         of the grid below 0.3",
        format!(
            "{} > the largest, {}",
            fmt_sig(oc_cnn, 3),
            fmt_sig(below.iter().copied().fold(f64::NEG_INFINITY, f64::max), 3)
        ),
        below.iter().all(|&l| oc_cnn > l),
    );
    ledger.pin_on_cpus(test, "ch6_claims", common::PINNED_VENDORS);
    pass.keep();
}

#[test]
fn exercises_are_pinned() {
    // Skipped while nothing it depends on has changed since it last passed.
    let Some(pass) = common::kept::unless_passed(concat!(file!(), "::exercises_are_pinned")) else {
        return;
    };
    let _rng = cpu_single_thread();
    let cfg = Config::full_cpu();
    let ex1 = FashionMnistFinder::defaults()
        .unwrap()
        .range_tests(&cfg)
        .unwrap();
    let ex2 = common::solve::<BiasCorrection>(&cfg);
    let ex3 = common::solve::<SweepLength>(&cfg);
    let (ex2, ex3) = (&ex2.tables[0], &ex3.tables[0]);
    let mut ledger = Ledger::new(
        "ch6_exercise_claims",
        "tests/ch6_lr_finder.rs::exercises_are_pinned",
    );
    let fmt_list = |xs: &[f64]| {
        xs.iter()
            .map(|&x| fmt_sig(x, 2))
            .collect::<Vec<_>>()
            .join(", ")
    };
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
    ledger.claim(
        "Exercise 2",
        "on a flat loss the uncorrected tracker stops at the closed form's step, and the \
         bias-corrected one never stops",
        format!("exact, {} settings of β and k", ex2.rows.len()),
        (0..ex2.rows.len()).all(|row| {
            cell(ex2, row, "closed form: first t with 1 − β^(t+1) > k(1 − β)")
                == cell(ex2, row, "uncorrected Tracker stops at")
                && cell(ex2, row, "bias-corrected Tracker stops at") == &Cell::from("never")
        }),
    );
    // Exercise 1: the held-out curve is recorded at every step, and both variants suggest.
    assert!(ex1.validated.points.iter().all(|p| p.val_loss.is_some()));
    for r in [&ex1.train, &ex1.validated] {
        assert!(r.suggestions().iter().all(|(_, s)| s.is_ok()));
    }
    // Exercise 1 (instructor's guide): the variants agree within a factor of 1.5 for steep,
    // minimum/10 and slide, and valley moves most, by a factor of about 5.
    let factor = |rule| {
        let (a, b) = (
            ex1.train.suggest(rule).unwrap().lr,
            ex1.validated.suggest(rule).unwrap().lr,
        );
        a.max(b) / a.min(b)
    };
    let close_rules = [Rule::Steep, Rule::Minimum, Rule::Slide];
    ledger.claim(
        "Exercise 1",
        "the training-loss and held-out variants agree within a factor of 1.5 for steep, \
         minimum/10 and slide (one range test each, one seed)",
        format!("factors {}", fmt_list(&close_rules.map(factor))),
        close_rules.iter().all(|&rule| factor(rule) < 1.5),
    );
    ledger.claim(
        "Exercise 1",
        "valley moves most between the variants, by a factor of about 5 (4 to 6)",
        format!("factor {}", fmt_sig(factor(Rule::Valley), 2)),
        close_rules
            .iter()
            .all(|&rule| factor(Rule::Valley) > factor(rule))
            && (4.0..6.0).contains(&factor(Rule::Valley)),
    );
    // Exercise 3: across a sixteenfold change of sweep length, minimum/10 and valley each
    // move by less than 4×, valley least; steep, which reads a derivative of the noisy
    // curve, moves further than either; slide by orders of magnitude.
    let spread = |rule: Rule| {
        let v: Vec<f64> = (0..ex3.rows.len())
            .map(|row| num(ex3, row, rule.name()))
            .collect();
        let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        max / v.iter().copied().fold(f64::INFINITY, f64::min)
    };
    let (minimum, valley) = (spread(Rule::Minimum), spread(Rule::Valley));
    let (steep, slide_spread) = (spread(Rule::Steep), spread(Rule::Slide));
    ledger.claim(
        "Exercise 3",
        "across sweeps of 25 to 400 steps valley and minimum/10 each move by less than 4×, \
         valley less (one seed)",
        format!(
            "valley {}, minimum/10 {}",
            fmt_sig(valley, 2),
            fmt_sig(minimum, 2)
        ),
        minimum < 4.0 && valley < minimum,
    );
    ledger.claim(
        "Exercise 3",
        "steep moves further than valley and minimum/10, and slide by more than five orders \
         of magnitude",
        format!(
            "steep {}, slide {}",
            fmt_sig(steep, 2),
            fmt_sig(slide_spread, 2)
        ),
        steep > minimum.max(valley) && slide_spread > 1e5,
    );
    // Exercise 3: slide lands in the flat region (below 1e-4) on the two shortest sweeps.
    let slide = |n: &str| num(ex3, common::row_where(ex3, "steps N", n), "slide");
    ledger.claim(
        "Exercise 3",
        "slide lands in the flat region, below 1e-4, on the two shortest sweeps",
        format!(
            "{} and {}",
            fmt_sig(slide("25"), 2),
            fmt_sig(slide("50"), 2)
        ),
        slide("25") < 1e-4 && slide("50") < 1e-4,
    );
    ledger.pin("ch6_exercise_claims");
    let tables = vec![ex1.table, ex2.clone(), ex3.clone()];
    let report = lrbook::report::Report::with_tables("Chapter 6 exercises", tables);
    insta::assert_snapshot!("ch6_exercises", report.to_markdown());
    pass.keep();
}

#[test]
fn figures_are_written_with_their_data() {
    // Skipped while nothing it depends on has changed since it passed.
    let Some(pass) =
        common::kept::unless_passed(concat!(file!(), "::figures_are_written_with_their_data"))
    else {
        return;
    };
    common::check_chapter_figures::<ch6::Flags>(&[], |written| {
        // Each suggestion is marked on the range-test figure.
        let finder = written.iter().find(|p| p.ends_with("finder_0.svg"));
        let svg = std::fs::read_to_string(finder.expect("finder_0.svg")).unwrap();
        for rule in Rule::ALL {
            assert!(svg.contains(rule.name()), "{rule} not marked");
        }
        assert!(svg.contains("diverged"));
    });
    pass.keep();
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
    // Skipped while nothing it depends on has changed since it last passed.
    let Some(pass) = common::kept::unless_passed(concat!(
        file!(),
        "::one_cycle_control_takes_the_peak_and_annealing_apart"
    )) else {
        return;
    };
    use common::ledger::{Ledger, Verdict};
    use lrbook::chapters::ch6::control::{control_tables, OneCycleControl};

    let _rng = cpu_single_thread();
    // Run as `make book` runs the example, which then replays this run.
    let (fc, eval, runs) = lrbook::cli::book_section::<OneCycleControl>().unwrap();
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
    // Three paired comparisons, each with its verdict for SGD, Adam and the CNN:
    // - annealing at a fixed peak helps the MLP with SGD, is not resolved for Adam, and hurts
    //   the CNN (one-cycle at η* spends most of its steps below η*);
    // - under one-cycle the finder's peak loses to η* for SGD (it is below η*) and beats it
    //   for Adam and the CNN (it is above);
    // - the chapter's comparison on fresh seeds holds for Adam and the CNN, not for SGD.
    use lrbook::chapters::ch6::control::ControlRuns;
    type Comparison = fn(&ControlRuns) -> lrbook::Result<lrbook::stats::Paired>;
    let comparisons: [(Comparison, &str, &str, [Verdict; 3]); 3] = [
        (
            ControlRuns::annealing,
            "one-cycle with peak η*",
            "constant η*",
            [Verdict::Below, Verdict::Within, Verdict::Above],
        ),
        (
            ControlRuns::peak_choice,
            "one-cycle with the minimum/10 peak",
            "one-cycle with peak η*",
            [Verdict::Above, Verdict::Below, Verdict::Below],
        ),
        (
            ControlRuns::finder_one_cycle_vs_constant,
            "one-cycle with the minimum/10 peak",
            "constant η*",
            [Verdict::Within, Verdict::Below, Verdict::Below],
        ),
    ];
    for (compare, first, second, verdicts) in comparisons {
        for (r, verdict) in [sgd, adam, cnn].into_iter().zip(verdicts) {
            let words = match verdict {
                Verdict::Below => "ends lower than",
                Verdict::Above => "ends higher than",
                Verdict::Within => "cannot be told apart from",
            };
            ledger.paired(
                section,
                &format!("{}: {first} {words} {second}", r.setup.name()),
                &compare(r).unwrap(),
                verdict,
            );
        }
    }
    let tables = control_tables(&fc, &eval, &runs).unwrap();
    let report =
        lrbook::report::Report::with_tables(&<OneCycleControl as Exercise>::title(), tables.into());
    common::assert_snapshot_on_cpus(
        test,
        "ch6_control",
        &report.to_markdown(),
        common::PINNED_VENDORS,
    );
    ledger.pin_on_cpus(test, "ch6_control_claims", common::PINNED_VENDORS);
    pass.keep();
}
