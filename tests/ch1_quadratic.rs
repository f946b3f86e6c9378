//! Chapter 1: the report of the quick and the full configuration is pinned by snapshots,
//! and key findings are asserted directly, so a change to the update rule fails here.
use lrbook::chapters::ch1::exercises::{BestFixedStep, Iterates, MomentumEdge};
use lrbook::chapters::{ch1, Config};
use lrbook::report::{Cell, Report, Table};

mod common;
use common::{cell, close, cpu_single_thread, num};

/// The integer in a cell, `None` for text such as "never" or "diverged (step 3)".
fn int(cell: &Cell) -> Option<i64> {
    match cell {
        Cell::Int(i) => Some(*i),
        _ => None,
    }
}

#[test]
fn quick_report_is_pinned_and_matches_the_closed_forms() {
    let (_rng, ch) = common::pinned_report!(ch1::run, Config::quick_cpu(), "ch1_quick_report");

    // 1-D: measured steps to ε equal ⌈ln ε / ln|1−ηa|⌉ wherever the closed form is finite.
    let t = ch.report.table("one_d_regimes").unwrap();
    for row in 0..t.rows.len() {
        if let Some(predicted) = int(cell(t, row, "⌈ln ε / ln|1 − ηa|⌉")) {
            let measured = int(cell(t, row, "steps to ε measured"));
            assert_eq!(measured, Some(predicted), "row {:?}", t.rows[row]);
        }
    }
    // The 240-point sweep has no mismatch against the closed form.
    let sweep = ch.report.table("iterations_vs_eta_1d").unwrap();
    let last = sweep.rows.len() - 1;
    assert_eq!(cell(sweep, last, "measured").render(), "0 mismatches");
    // Heavy ball beats gradient descent at every κ > 2.
    let rates = ch.report.table("rates_vs_kappa").unwrap();
    for row in 1..rates.rows.len() {
        let (hb, gd) = (
            num(rates, row, "HB steps to ε"),
            num(rates, row, "GD steps to ε"),
        );
        assert!(hb < gd, "κ = {}: HB {hb} vs GD {gd}", num(rates, row, "κ"));
    }
    // Sharpness never ends far above 2/η: the edge of stability.
    for run in &ch.sharpness {
        let end = run.sharpness.last().unwrap().1;
        assert!(
            end < 1.2 * 2.0 / run.eta,
            "η={} ends at λmax={end}",
            run.eta
        );
        assert!(run.diverged_at.is_none());
    }
}

/// The book shows the full configuration's tables; they are pinned too.
#[test]
fn full_report_is_pinned() {
    let _ = common::pinned_report!(ch1::run, Config::full_cpu(), "ch1_full_report");
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
