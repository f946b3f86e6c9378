//! Chapter 4: the quick and full reports and the exercises are pinned by snapshots, and
//! every claim the chapter's prose makes about them is asserted here.
use lrbook::chapters::ch4::exercises::{BiasCorrection, MomentumScaling, Rarity};
use lrbook::chapters::{ch4, Config};
use lrbook::report::{Cell, Report};

mod common;
use common::{cell, num, num_nth, row_where};

/// The claims the book makes, checked on either configuration.
fn check_claims(ch: &ch4::Chapter4, quick: bool) {
    let r = &ch.report;
    // Conformance: every rule within 1e-10 of torch.optim.
    let conf = r.table("conformance").unwrap();
    assert_eq!(conf.rows.len(), 12);
    assert!((0..conf.rows.len()).all(|i| *cell(conf, i, "within 1e-10?") == Cell::from("yes")));

    // Ravine: heavy ball < Nesterov < GD in steps, at every κ; GD's rate is exactly theory's.
    // Rows come in threes per κ: gradient descent, heavy ball, Nesterov.
    let ravine = r.table("ravine").unwrap();
    let steps = |i: usize| num(ravine, i, "steps to ε");
    let kappas: Vec<usize> = (0..ravine.rows.len()).step_by(3).collect();
    let gd_over_hb: Vec<f64> = kappas.iter().map(|&k| steps(k) / steps(k + 1)).collect();
    assert!(
        gd_over_hb.windows(2).all(|w| w[1] > w[0]),
        "the gap widens with κ: {gd_over_hb:?}"
    );
    for &k in &kappas {
        let (gd, hb, nag) = (steps(k), steps(k + 1), steps(k + 2));
        let rows = &ravine.rows[k..k + 3];
        assert!(hb < nag && nag < gd, "{rows:?}");
        let rate = |i: usize| {
            (
                num(ravine, i, "rate measured"),
                num(ravine, i, "rate predicted"),
            )
        };
        let (measured, predicted) = rate(k);
        assert!((measured - predicted).abs() < 1e-3, "{rows:?}");
        for m in k + 1..k + 3 {
            let (measured, predicted) = rate(m);
            assert!(
                measured >= predicted && measured < predicted * 1.06,
                "{:?}",
                ravine.rows[m]
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
    let closed = |i: usize| num(bc, i, "(1−β₁ᵗ)/√(1−β₂ᵗ)");
    let without = |i: usize| num(bc, i, "without correction");
    for i in 0..bc.rows.len() {
        assert!((num(bc, i, "with correction") - 1.0).abs() < 1e-6);
        assert!((without(i) - closed(i)).abs() < 1e-4 * closed(i));
    }
    assert!((closed(0) - 0.1 / 0.001f64.sqrt()).abs() < 1e-9);
    assert!(
        (1..bc.rows.len()).all(|i| without(i) > without(i - 1)),
        "keeps growing"
    );

    // Sparse features: AdaGrad beats SGD on test loss and on the rare weights.
    let sparse = r.table("sparse").unwrap();
    let (sgd, ada) = (
        row_where(sparse, "optimizer", "SGD"),
        row_where(sparse, "optimizer", "AdaGrad"),
    );
    let rare = |i: usize| num(sparse, i, "mean |w − w*|, rare");
    assert!(
        num(sparse, ada, "test log-loss") < num(sparse, sgd, "test log-loss")
            && rare(ada) < 0.75 * rare(sgd)
    );

    // Memory: measured bytes per f32 parameter.
    let mem = r.table("memory").unwrap();
    for (name, bytes) in [
        ("SGD", 0.0),
        ("SGD, momentum", 4.0),
        ("Adam", 8.0),
        ("Adam, AMSGrad", 12.0),
        ("AdamW", 8.0),
    ] {
        let i = row_where(mem, "update rule", name);
        assert_eq!(num(mem, i, "state bytes per parameter"), bytes, "{name}");
    }

    // AdamW: at the largest λ, Adam + L2 shrinks the weights far more and loses loss and
    // accuracy, while AdamW barely moves. The table repeats "accuracy" and "weight norm":
    // the first is Adam + L2's, the second AdamW's.
    let adamw = r.table("adamw").unwrap();
    let last = adamw.rows.len() - 1;
    let l2_norm = |i: usize| num_nth(adamw, i, "weight norm", 0);
    let adamw_norm = |i: usize| num_nth(adamw, i, "weight norm", 1);
    let l2_loss = num(adamw, last, "Adam + L2: held-out loss");
    let adamw_loss = num(adamw, last, "AdamW: held-out loss");
    let row = &adamw.rows[last];
    assert!(
        l2_norm(last) < adamw_norm(last) && l2_loss > adamw_loss,
        "{row:?}"
    );
    if !quick {
        assert!(l2_norm(last) < 0.5 * adamw_norm(last), "{row:?}");
        assert!(
            num_nth(adamw, last, "accuracy", 0) < num_nth(adamw, last, "accuracy", 1),
            "{row:?}"
        );
    }
    assert!(
        (adamw_norm(last) - adamw_norm(0)).abs() < 0.1 * adamw_norm(0),
        "AdamW norm moved"
    );
}

#[test]
fn quick_report_is_pinned() {
    let (_rng, ch) = common::pinned_report!(ch4::run, Config::quick_cpu(), "ch4_quick_report");
    check_claims(&ch, true);
}

/// The book shows the full configuration; it is pinned and its claims asserted, including
/// the sensitivity claim: Adam's good band is the widest of the three.
#[test]
fn full_report_is_pinned_and_backs_the_books_claims() {
    let (_rng, ch) =
        common::pinned_report_per_cpu!(ch4::run, Config::full_cpu(), "ch4_full_report");
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
    let _rng = common::cpu_single_thread(); // the other tests of this binary seed and draw too
    let cfg = Config::quick_cpu();
    let ex1 = common::solve_one::<BiasCorrection>(&cfg);
    let ex2 = common::solve_one::<MomentumScaling>(&cfg);
    let ex3 = common::solve_one::<Rarity>(&cfg);
    // The guide: with the defaults the uncorrected step overshoots by more than 6×; with
    // β₁ = 0.99 the first step is too small, yet it still overshoots later.
    let largest = |i: usize| match cell(&ex1, i, "largest step (at t)") {
        Cell::Text(t) => t.split(' ').next().unwrap().parse::<f64>().unwrap(),
        c => panic!("{c:?}"),
    };
    assert!(largest(0) > 6.0 && num(&ex1, 2, "step 1: (1−β₁)/√(1−β₂)") < 1.0 && largest(2) > 1.5);
    // GD's steps grow like κ; momentum's like √κ (their ratios stay within a narrow range).
    for i in 0..ex2.rows.len() {
        let (gd, hb) = (
            num(&ex2, i, "GD steps / κ"),
            num(&ex2, i, "heavy ball / √κ"),
        );
        assert!(gd > 6.0 && gd < 7.5, "{:?}", ex2.rows[i]);
        assert!(hb > 7.0 && hb < 11.0, "{:?}", ex2.rows[i]);
    }
    // AdaGrad wins at every rarity.
    let ratio = |i: usize| num(&ex3, i, "AdaGrad / SGD");
    assert!((0..ex3.rows.len()).all(|i| ratio(i) < 1.0));
    // ... but the advantage is not monotone in rarity: largest at 0.02, smaller at 0.005.
    assert!(ratio(2) < ratio(3) && ratio(2) < ratio(0), "{:?}", ex3.rows);
    let report = Report::with_tables("Chapter 4 exercises", vec![ex1, ex2, ex3]);
    insta::assert_snapshot!("ch4_exercises", report.to_markdown());
}

#[test]
fn figures_are_written_with_their_data() {
    common::check_chapter_figures::<ch4::Flags>(&["sensitivity.csv"], |_| ());
}

/// On a CUDA machine the quick sensitivity sweep supports the same conclusions as the CPU's:
/// the same divergence status at every grid point, each device's best η inside the other's
/// good band, good bands whose ends differ by at most one grid point, and held-out losses
/// within 5% inside the CPU's good band (float32 kernels sum in another order). Losses
/// outside the band, near the divergence edge, are chaotic and are not compared.
#[test]
fn cuda_matches_cpu_on_the_quick_config() {
    common::on_cpu_and_cuda(
        "cuda_matches_cpu_on_the_quick_config",
        ch4::run,
        |cpu, gpu| {
            assert_eq!(cpu.sensitivity.len(), gpu.sensitivity.len());
            for (a, b) in cpu.sensitivity.iter().zip(&gpu.sensitivity) {
                let lrs: Vec<f64> = a.points.iter().map(|p| p.0).collect();
                assert_eq!(lrs, b.points.iter().map(|p| p.0).collect::<Vec<_>>());
                for (x, y) in a.points.iter().zip(&b.points) {
                    assert_eq!(
                        x.1.is_infinite(),
                        y.1.is_infinite(),
                        "{} η={}: diverged on one device only ({} vs {})",
                        a.name,
                        x.0,
                        x.1,
                        y.1
                    );
                }
                let index = |lr: f64| lrs.iter().position(|&l| l == lr).unwrap() as i64;
                let ((clo, chi), (glo, ghi)) = (a.good_band(), b.good_band());
                let inside = |lr: f64, (lo, hi): (f64, f64)| lo <= lr && lr <= hi;
                assert!(
                    inside(b.best().0, (clo, chi)),
                    "{}: GPU best η {} outside the CPU band",
                    a.name,
                    b.best().0
                );
                assert!(
                    inside(a.best().0, (glo, ghi)),
                    "{}: CPU best η {} outside the GPU band",
                    a.name,
                    a.best().0
                );
                assert!(
                    (index(clo) - index(glo)).abs() <= 1 && (index(chi) - index(ghi)).abs() <= 1,
                    "{}: good bands {clo}–{chi} (CPU) and {glo}–{ghi} (GPU)",
                    a.name
                );
                for (x, y) in a.points.iter().zip(&b.points) {
                    if inside(x.0, (clo, chi)) {
                        assert!(
                            common::close(x.1, y.1, 0.05),
                            "{} η={}: {} vs {}",
                            a.name,
                            x.0,
                            x.1,
                            y.1
                        );
                    }
                }
            }
        },
    );
}
