//! Chapter 1: the report of the quick and the full configuration is pinned by snapshots,
//! and key findings are asserted directly, so a change to the update rule fails here.
use lrbook::chapters::ch1::exercises::{BestFixedStep, Iterates, MomentumEdge};
use lrbook::chapters::{ch1, Config};
use lrbook::report::{Cell, Report, Table};

mod common;
use common::ledger::Ledger;
use common::{cell, close, cpu_single_thread, num};
use lrbook::report::fmt_sig;

/// The integer in a cell, `None` for text such as "never" or "diverged (step 3)".
fn int(cell: &Cell) -> Option<i64> {
    match cell {
        Cell::Int(i) => Some(*i),
        _ => None,
    }
}

/// The claims the chapter makes about its tables, asserted on `ch` and recorded in
/// `ledger`: the closed forms, heavy ball against gradient descent, and (with `full`) the
/// sharpness against 2/η, two-sided where the prose is.
fn check_claims(ch: &ch1::Chapter1, ledger: &mut Ledger, full: bool) {
    // 1-D: measured steps to ε equal ⌈ln ε / ln|1−ηa|⌉ wherever the closed form is finite.
    let t = ch.report.table("one_d_regimes").unwrap();
    let mut checked = 0;
    for row in 0..t.rows.len() {
        if let Some(predicted) = int(cell(t, row, "⌈ln ε / ln|1 − ηa|⌉")) {
            let measured = int(cell(t, row, "steps to ε measured"));
            assert_eq!(measured, Some(predicted), "row {:?}", t.rows[row]);
            checked += 1;
        }
    }
    ledger.claim(
        "One dimension: the factor 1 − ηa",
        "measured steps to ε equal ⌈ln ε / ln|1 − ηa|⌉ for every converging η of the table",
        format!("exact ({checked} rows)"),
        checked > 0,
    );
    // The 240-point sweep has no mismatch against the closed form.
    let sweep = ch.report.table("iterations_vs_eta_1d").unwrap();
    let last = sweep.rows.len() - 1;
    let verdict = cell(sweep, last, "measured").render();
    ledger.claim(
        "How many steps?",
        "the sweep's measured step counts never differ from the closed form where ηa < 2",
        format!("exact: {verdict}"),
        verdict == "0 mismatches",
    );
    // Heavy ball beats gradient descent at every κ > 2.
    let rates = ch.report.table("rates_vs_kappa").unwrap();
    let hb_wins = (1..rates.rows.len())
        .all(|row| num(rates, row, "HB steps to ε") < num(rates, row, "GD steps to ε"));
    ledger.claim(
        "Momentum on quadratics",
        "heavy ball needs fewer steps than gradient descent at every κ > 2 of the table",
        format!("{} values of κ", rates.rows.len() - 1),
        hb_wins,
    );
    for run in &ch.sharpness {
        assert!(run.diverged_at.is_none(), "η = {} diverged", run.eta);
    }
    if !full {
        // The quick run is too short for the sharpness to rise; it must not end far above.
        for run in &ch.sharpness {
            let end = run.sharpness.last().unwrap().1;
            assert!(
                end < 1.2 * 2.0 / run.eta,
                "η={} ends at λmax={end}",
                run.eta
            );
        }
        return;
    }
    // The full run, as the book reads it row by row.
    let section = "Beyond the quadratic: sharpness and 2/η";
    let run_at = |eta: f64| {
        ch.sharpness
            .iter()
            .find(|r| (r.eta - eta).abs() < 1e-12)
            .unwrap()
    };
    let summary = |eta: f64| {
        let r = run_at(eta);
        let edge = 2.0 / eta;
        let start = r.sharpness[0].1;
        let end = r.sharpness.last().unwrap().1;
        let max = r.sharpness.iter().map(|s| s.1).fold(f64::MIN, f64::max);
        (edge, start, end, max)
    };
    let (edge, start, end, _) = summary(0.1);
    ledger.claim(
        section,
        "at η = 0.1 the sharpness starts below 2/η, rises to it and ends just above it \
         (between 1 and 1.2 times 2/η)",
        format!(
            "start {}, end / (2/η) = {}",
            fmt_sig(start, 3),
            fmt_sig(end / edge, 3)
        ),
        start < edge && end / edge >= 1.0 && end / edge <= 1.2,
    );
    let (edge, start, end, max) = summary(0.05);
    ledger.claim(
        section,
        "at η = 0.05 the sharpness is still at its largest when the run ends, below 2/η",
        format!(
            "start {}, end {} = max, end / (2/η) = {}",
            fmt_sig(start, 3),
            fmt_sig(end, 3),
            fmt_sig(end / edge, 3)
        ),
        end == max && end < edge && end > start,
    );
    let (edge, start, end, max) = summary(0.2);
    ledger.claim(
        section,
        "at η = 0.2 the sharpness starts above 2/η, peaks higher and ends near it \
         (between 0.9 and 1.2 times 2/η)",
        format!(
            "start {}, peak {}, end / (2/η) = {}",
            fmt_sig(start, 3),
            fmt_sig(max, 3),
            fmt_sig(end / edge, 3)
        ),
        start > edge && max > start && end / edge >= 0.9 && end / edge <= 1.2,
    );
}

#[test]
fn quick_report_is_pinned_and_matches_the_closed_forms() {
    let (_rng, ch) = common::pinned_report!(ch1::run, Config::quick_cpu(), "ch1_quick_report");
    check_claims(&ch, &mut Ledger::new("ch1_quick_claims", "quick"), false);
}

/// The book shows the full configuration's tables; they are pinned too, and the claims the
/// prose makes about them are asserted and listed in the claims ledger.
#[test]
fn full_report_is_pinned_and_backs_the_books_claims() {
    let (_rng, ch) = common::pinned_report!(ch1::run, Config::full_cpu(), "ch1_full_report");
    let mut ledger = Ledger::new(
        "ch1_claims",
        "tests/ch1_quadratic.rs::full_report_is_pinned_and_backs_the_books_claims",
    );
    check_claims(&ch, &mut ledger, true);
    ledger.pin("ch1_claims");
}

#[test]
fn exercises_are_pinned() {
    let _rng = cpu_single_thread();
    let cfg = Config::full_cpu();
    let [iterates, verdicts]: [Table; 2] =
        common::solve::<Iterates>(&cfg).tables.try_into().unwrap();
    // η = 0.5 lands on w = 5 in one step; η = 1.0 alternates 0, 10; η = 1.5 grows ×(−2).
    assert_eq!(num(&iterates, 1, "w_t (η = 0.5)"), 5.0);
    assert_eq!(num(&iterates, 3, "w_t (η = 1)"), 10.0);
    assert_eq!(num(&iterates, 10, "w_t (η = 1.5)"), 5.0 - 5.0 * 1024.0);
    let ex2 = common::solve::<BestFixedStep>(&cfg).tables;
    let ex3 = common::solve::<MomentumEdge>(&cfg).tables;
    let tables = [vec![iterates, verdicts], ex2, ex3].concat();
    let report = Report::with_tables("Chapter 1 exercises", tables);
    insta::assert_snapshot!("ch1_exercises", report.to_markdown());
}

#[test]
fn figures_are_written_with_their_data() {
    common::check_chapter_figures::<ch1::Flags>(&[], |_| ());
}

/// On a CUDA machine, the quick configuration agrees with the CPU: the analytic parts to
/// 1e-9 relative (f64, only the reduction order differs), the sharpness runs to 1e-3
/// relative while the sharpness is still below 0.9·2/η (before the edge of stability,
/// where small differences are amplified), and the final sharpness to 10%.
#[test]
fn cuda_matches_cpu_on_the_quick_config() {
    common::on_cpu_and_cuda("ch1 cuda_matches_cpu", ch1::run, |cpu, gpu| {
        for ((_, a), (_, b)) in cpu.one_d.iter().zip(&gpu.one_d) {
            for (x, y) in a.errors.iter().zip(&b.errors) {
                assert!(
                    close(*x, *y, 1e-9) || (x.abs() < 1e-12 && y.abs() < 1e-12),
                    "{x} vs {y}"
                );
            }
        }
        for (a, b) in cpu.sweep_1d.iter().zip(&gpu.sweep_1d) {
            assert_eq!(a.converged_at, b.converged_at, "η={}", a.eta);
        }
        for (a, b) in cpu.sharpness.iter().zip(&gpu.sharpness) {
            let edge = 0.9 * 2.0 / a.eta;
            for (x, y) in a
                .sharpness
                .iter()
                .zip(&b.sharpness)
                .take_while(|(x, _)| x.1 < edge)
            {
                assert!(
                    close(x.1, y.1, 1e-3),
                    "η={} step {}: {} vs {}",
                    a.eta,
                    x.0,
                    x.1,
                    y.1
                );
            }
            let (x, y) = (a.sharpness.last().unwrap().1, b.sharpness.last().unwrap().1);
            assert!(close(x, y, 0.1), "η={}: final {x} vs {y}", a.eta);
        }
        eprintln!("CUDA and CPU agree on chapter 1's quick config");
    });
}
