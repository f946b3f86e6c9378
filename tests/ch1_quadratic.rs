//! Chapter 1: the report of the quick and the full configuration is pinned by snapshots,
//! and key findings are asserted directly, so a change to the update rule fails here.
use lrbook::chapters::exercise::Exercise;
use lrbook::chapters::{ch1, ch1_exercises, Config};
use lrbook::report::{Cell, Table};
use tch::{Cuda, Device};

mod common;
use common::cpu_single_thread;

fn int(cell: &Cell) -> Option<i64> {
    match cell {
        Cell::Int(i) => Some(*i),
        _ => None,
    }
}

#[test]
fn quick_report_is_pinned_and_matches_the_closed_forms() {
    let _rng = cpu_single_thread();
    let ch = ch1::run(&Config::quick_cpu()).expect("chapter 1 quick run");
    insta::assert_snapshot!("ch1_quick_report", ch.report.to_markdown());

    // 1-D: measured steps to ε equal ⌈ln ε / ln|1−ηa|⌉ wherever the closed form is finite.
    let t = ch.report.table("one_d_regimes").unwrap();
    for row in &t.rows {
        if let Some(predicted) = int(&row[7]) {
            assert_eq!(int(&row[6]), Some(predicted), "row {row:?}");
        }
    }
    // The 240-point sweep has no mismatch against the closed form.
    let sweep = ch.report.table("iterations_vs_eta_1d").unwrap();
    assert_eq!(
        sweep.rows.last().unwrap()[1],
        Cell::Text("0 mismatches".into())
    );
    // Heavy ball beats gradient descent at every κ > 2.
    for r in &ch.report.table("rates_vs_kappa").unwrap().rows[1..] {
        assert!(int(&r[9]).unwrap() < int(&r[4]).unwrap(), "{r:?}");
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
    let _rng = cpu_single_thread();
    let ch = ch1::run(&Config::full_cpu()).expect("chapter 1 full run");
    insta::assert_snapshot!("ch1_full_report", ch.report.to_markdown());
}

#[test]
fn exercises_are_pinned() {
    let _rng = cpu_single_thread();
    let ex1 = ch1_exercises::Iterates::defaults()
        .and_then(|ex| ex.solve(&Config::full_cpu(), None))
        .unwrap();
    let [iterates, verdicts]: [Table; 2] = ex1.tables.try_into().unwrap();
    // η = 0.5 lands on w = 5 in one step; η = 1.0 alternates 0, 10; η = 1.5 grows ×(−2).
    assert_eq!(iterates.rows[1][2], Cell::num(5.0, 6));
    assert_eq!(iterates.rows[3][3], Cell::num(10.0, 6));
    assert_eq!(iterates.rows[10][4], Cell::num(5.0 - 5.0 * 1024.0, 6));
    let ex2 =
        ch1_exercises::ex2_best_fixed_step(&ch1_exercises::EX2_KAPPAS, 1e-6, Device::Cpu).unwrap();
    let ex3 = ch1_exercises::ex3_momentum_edge(&ch1_exercises::EX3_BETAS, Device::Cpu).unwrap();
    let mut report = lrbook::report::Report::new("Chapter 1 exercises");
    report.tables = vec![iterates, verdicts, ex2, ex3];
    insta::assert_snapshot!("ch1_exercises", report.to_markdown());
}

#[test]
fn figures_are_written_with_their_data() {
    let _rng = cpu_single_thread();
    let ch = ch1::run(&Config::quick_cpu()).unwrap();
    let dir = std::env::temp_dir().join(format!("lrbook-ch1-figures-{}", std::process::id()));
    let written = ch1::draw_figures(&ch, &dir).unwrap();
    common::check_written_figures(&written, &["trajectories.svg"]);
    std::fs::remove_dir_all(&dir).ok();
}

/// On a CUDA machine, the quick configuration agrees with the CPU: the analytic parts to
/// 1e-9 relative (f64, only the reduction order differs), the sharpness runs to 1e-3
/// relative while the sharpness is still below 0.9·2/η (before the edge of stability,
/// where small differences are amplified), and the final sharpness to 10%.
#[test]
fn cuda_matches_cpu_on_the_quick_config() {
    if !Cuda::is_available() {
        eprintln!("SKIPPED cuda_matches_cpu_on_the_quick_config: no CUDA GPU visible to libtorch");
        return;
    }
    let _rng = cpu_single_thread();
    let cpu = ch1::run(&Config::quick_cpu()).unwrap();
    let gpu = ch1::run(&Config {
        device: Device::Cuda(0),
        ..Config::quick_cpu()
    })
    .unwrap();
    let close = |a: f64, b: f64, tol: f64| (a - b).abs() <= tol * a.abs().max(b.abs()).max(1e-300);
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
}
