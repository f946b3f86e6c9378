//! Chapter 4: the quick and full reports and the exercises are pinned by snapshots, and
//! every claim the chapter's prose makes about them is asserted here.
use lrbook::chapters::{ch4, ch4_exercises, Config};
use lrbook::report::{Cell, Table};
use tch::{Cuda, Device};

mod common;
use common::cpu_single_thread;

fn num(cell: &Cell) -> f64 {
    match cell {
        Cell::Num { value, .. } => *value,
        Cell::Int(i) => *i as f64,
        Cell::Text(t) => panic!("expected a number, got {t:?}"),
    }
}

fn row<'a>(t: &'a Table, first: &str) -> &'a Vec<Cell> {
    t.rows
        .iter()
        .find(|r| r[0] == Cell::from(first))
        .unwrap_or_else(|| panic!("no row {first} in {}", t.id))
}

/// The claims the book makes, checked on either configuration.
fn check_claims(ch: &ch4::Chapter4, quick: bool) {
    let r = &ch.report;
    // Conformance: every rule within 1e-10 of torch.optim.
    let conf = r.table("conformance").unwrap();
    assert_eq!(conf.rows.len(), 12);
    assert!(conf.rows.iter().all(|row| row[4] == Cell::from("yes")));

    // Ravine: heavy ball < Nesterov < GD in steps, at every κ; GD's rate is exactly theory's.
    let ravine = r.table("ravine").unwrap();
    let gd_over_hb: Vec<f64> = ravine
        .rows
        .chunks(3)
        .map(|k| num(&k[0][4]) / num(&k[1][4]))
        .collect();
    assert!(
        gd_over_hb.windows(2).all(|w| w[1] > w[0]),
        "the gap widens with κ: {gd_over_hb:?}"
    );
    for k in ravine.rows.chunks(3) {
        let (gd, hb, nag) = (num(&k[0][4]), num(&k[1][4]), num(&k[2][4]));
        assert!(hb < nag && nag < gd, "{k:?}");
        assert!((num(&k[0][5]) - num(&k[0][6])).abs() < 1e-3, "{k:?}");
        for m in &k[1..] {
            let (measured, predicted) = (num(&m[5]), num(&m[6]));
            assert!(
                measured >= predicted && measured < predicted * 1.06,
                "{m:?}"
            );
        }
    }

    // Effective LR: the per-parameter ratio follows the gradient scale (about 100×) for all
    // three; AdaGrad's only ever falls, RMSProp's and Adam's recover from their minimum.
    for run in &ch.effective {
        let &(_, big, small) = run.rates.last().unwrap();
        let ratio = small / big;
        assert!(ratio > 50.0 && ratio < 200.0, "{}: ratio {ratio}", run.name);
        let first = run.rates.iter().map(|r| r.1);
        let min = first.clone().fold(f64::INFINITY, f64::min);
        if run.name == "AdaGrad" {
            assert!(
                run.rates.windows(2).all(|w| w[1].1 <= w[0].1),
                "AdaGrad's η_eff rose"
            );
        } else if !quick {
            assert!(big > 1.5 * min, "{}: {big} vs min {min}", run.name);
        }
    }

    // Bias correction: corrected steps are η, uncorrected ones follow the closed form.
    let bc = r.table("bias_correction").unwrap();
    for row in &bc.rows {
        assert!((num(&row[1]) - 1.0).abs() < 1e-6);
        assert!((num(&row[2]) - num(&row[3])).abs() < 1e-4 * num(&row[3]));
    }
    assert!((num(&bc.rows[0][3]) - 0.1 / 0.001f64.sqrt()).abs() < 1e-9);
    assert!(
        bc.rows.windows(2).all(|w| num(&w[1][2]) > num(&w[0][2])),
        "keeps growing"
    );

    // Sparse features: AdaGrad beats SGD on test loss and on the rare weights.
    let sparse = r.table("sparse").unwrap();
    let (sgd, ada) = (row(sparse, "SGD"), row(sparse, "AdaGrad"));
    assert!(num(&ada[2]) < num(&sgd[2]) && num(&ada[4]) < 0.75 * num(&sgd[4]));

    // Memory: measured bytes per f32 parameter.
    let mem = r.table("memory").unwrap();
    for (name, bytes) in [
        ("SGD", 0.0),
        ("SGD, momentum", 4.0),
        ("Adam", 8.0),
        ("Adam, AMSGrad", 12.0),
        ("AdamW", 8.0),
    ] {
        assert_eq!(num(&row(mem, name)[4]), bytes, "{name}");
    }

    // AdamW: at the largest λ, Adam + L2 shrinks the weights far more and loses loss and
    // accuracy, while AdamW barely moves.
    let adamw = r.table("adamw").unwrap();
    let last = adamw.rows.last().unwrap();
    assert!(
        num(&last[3]) < num(&last[6]) && num(&last[1]) > num(&last[4]),
        "{last:?}"
    );
    if !quick {
        assert!(num(&last[3]) < 0.5 * num(&last[6]), "{last:?}");
        assert!(num(&last[2]) < num(&last[5]), "{last:?}");
    }
    let first = &adamw.rows[0];
    assert!(
        (num(&last[6]) - num(&first[6])).abs() < 0.1 * num(&first[6]),
        "AdamW norm moved"
    );
}

#[test]
fn quick_report_is_pinned() {
    let _rng = cpu_single_thread();
    let ch = ch4::run(&Config::quick_cpu()).expect("chapter 4 quick run");
    insta::assert_snapshot!("ch4_quick_report", ch.report.to_markdown());
    check_claims(&ch, true);
}

/// The book shows the full configuration; it is pinned and its claims asserted, including
/// the sensitivity claim: Adam's good band is the widest of the three.
#[test]
fn full_report_is_pinned_and_backs_the_books_claims() {
    let _rng = cpu_single_thread();
    let ch = ch4::run(&Config::full_cpu()).expect("chapter 4 full run");
    insta::assert_snapshot!("ch4_full_report", ch.report.to_markdown());
    check_claims(&ch, false);
    let sweep = |name: &str| ch.sensitivity.iter().find(|s| s.name == name).unwrap();
    let width = |name: &str| sweep(name).band_decades();
    assert!(width("Adam") > width("SGD") && width("Adam") > width("SGD + momentum 0.9"));
    // ... by exactly one half-decade grid point.
    let others = width("SGD").max(width("SGD + momentum 0.9"));
    assert!((width("Adam") - others - 0.5).abs() < 1e-9);
    // Adam at SGD's best learning rate is far outside Adam's good band.
    assert!(sweep("SGD").best().0 > 3.0 * sweep("Adam").good_band().1);
    // Momentum 0.9 lowers SGD's best η by about 1/(1−β) = 10, to the grid's resolution.
    let shift = sweep("SGD").best().0 / sweep("SGD + momentum 0.9").best().0;
    assert!(
        shift > 10.0 / 10f64.sqrt() * 0.99 && shift < 10.0 * 10f64.sqrt() * 1.01,
        "{shift}"
    );
    // Every optimizer's best loss is an interior point of the grid (the sweep brackets it).
    for s in &ch.sensitivity {
        let (best, _) = s.best();
        assert!(
            best > s.points[0].0 && best < s.points.last().unwrap().0,
            "{}",
            s.name
        );
    }
}

#[test]
fn exercises_are_pinned() {
    let ex1 = ch4_exercises::ex1_bias_correction(&ch4_exercises::EX1_BETAS, 10_000).unwrap();
    let ex2 = ch4_exercises::ex2_momentum_scaling(&ch4_exercises::EX2_KAPPAS).unwrap();
    let ex3 = ch4_exercises::ex3_rarity(&ch4_exercises::EX3_RARE_P, 0).unwrap();
    // The guide: with the defaults the uncorrected step overshoots by more than 6×; with
    // β₁ = 0.99 the first step is too small, yet it still overshoots later.
    let largest = |i: usize| match &ex1.rows[i][3] {
        Cell::Text(t) => t.split(' ').next().unwrap().parse::<f64>().unwrap(),
        c => panic!("{c:?}"),
    };
    assert!(largest(0) > 6.0 && num(&ex1.rows[2][2]) < 1.0 && largest(2) > 1.5);
    // GD's steps grow like κ; momentum's like √κ (their ratios stay within a narrow range).
    for r in &ex2.rows {
        assert!(num(&r[2]) > 6.0 && num(&r[2]) < 7.5, "{r:?}");
        assert!(num(&r[4]) > 7.0 && num(&r[4]) < 11.0, "{r:?}");
    }
    // AdaGrad wins at every rarity.
    assert!(ex3.rows.iter().all(|r| num(&r[5]) < 1.0));
    // ... but the advantage is not monotone in rarity: largest at 0.02, smaller at 0.005.
    let ratio = |i: usize| num(&ex3.rows[i][5]);
    assert!(ratio(2) < ratio(3) && ratio(2) < ratio(0), "{:?}", ex3.rows);
    let mut report = lrbook::report::Report::new("Chapter 4 exercises");
    report.tables = vec![ex1, ex2, ex3];
    insta::assert_snapshot!("ch4_exercises", report.to_markdown());
}

#[test]
fn figures_are_written_with_their_data() {
    let _rng = cpu_single_thread();
    let ch = ch4::run(&Config::quick_cpu()).unwrap();
    let dir = std::env::temp_dir().join(format!("lrbook-ch4-figures-{}", std::process::id()));
    let written = ch4::draw_figures(&ch, &dir).unwrap();
    common::check_written_figures(
        &written,
        &[
            "ravine.svg",
            "effective_lr.svg",
            "sensitivity.svg",
            "sensitivity.csv",
        ],
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// On a CUDA machine the quick sensitivity sweep agrees with the CPU within 5% per point
/// (float32 kernels differ); the analytic parts run on the CPU either way.
#[test]
fn cuda_matches_cpu_on_the_quick_config() {
    if !Cuda::is_available() {
        eprintln!("SKIPPED cuda_matches_cpu_on_the_quick_config: no CUDA GPU visible to libtorch");
        return;
    }
    let _rng = cpu_single_thread();
    let cpu = ch4::run(&Config::quick_cpu()).unwrap();
    let gpu = ch4::run(&Config {
        device: Device::Cuda(0),
        ..Config::quick_cpu()
    })
    .unwrap();
    for (a, b) in cpu.sensitivity.iter().zip(&gpu.sensitivity) {
        for (x, y) in a.points.iter().zip(&b.points) {
            if x.1.is_finite() && y.1.is_finite() {
                assert!(
                    (x.1 - y.1).abs() < 0.05 * x.1,
                    "{} η={}: {} vs {}",
                    a.name,
                    x.0,
                    x.1,
                    y.1
                );
            }
        }
    }
}
