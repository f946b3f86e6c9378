//! Chapter 4, "Tuned SGD against tuned Adam": the page's quick and full reports and exercise
//! 8 are pinned, the tuning is checked to read the validation split only, and the page's
//! claims are asserted and pinned in the ledger.
//!
//! Every run trains in float64, so that the numbers do not depend on the processor: in
//! float32 they differed between Intel and AMD (CONTRIBUTING.md, "Numbers across machines"),
//! and on AMD the CNN's SGD-against-Adam interval ended just below zero, a verdict a last-bit
//! difference could flip.
use lrbook::chapters::ch4::sgd_vs_adam::exercise::DecayCoefficient;
use lrbook::chapters::ch4::sgd_vs_adam::tables::at_edge;
use lrbook::chapters::ch4::sgd_vs_adam::{
    choose, decoupled_shrink, sgd_vs_adam, steps_per_run, Arch, Method, Outcome, SgdVsAdam,
    SgdVsAdamSection,
};
use lrbook::chapters::exercise::Exercise;
use lrbook::chapters::Config;
use lrbook::report::{fmt_sig, Report, Table};
use lrbook::stats;

mod common;
use common::ledger::{Ledger, Verdict};
use common::{cpu_single_thread, num, row_where};

/// The page's report, as its example prints it.
fn report(s: &SgdVsAdam) -> String {
    Report::with_tables(&SgdVsAdamSection::title(), s.tables.clone()).to_markdown()
}

fn table<'a>(s: &'a SgdVsAdam, id: &str) -> &'a Table {
    s.tables.iter().find(|t| t.id == id).unwrap()
}

/// Every tuned rule's rate is a point of its grid with the grid's best validation accuracy,
/// every rule has one run per seed, and Adam + L2 runs at AdamW's rate. Returns whether
/// re-choosing from grids whose test accuracies are scrambled gives the same rates.
fn check_choices(s: &SgdVsAdam) -> bool {
    let mut same = true;
    for r in &s.archs {
        for m in Method::TUNED {
            let grid = r.grid_of(m);
            let best = grid
                .iter()
                .filter(|(_, o)| !o.diverged())
                .map(|(_, o)| o.val_accuracy)
                .fold(f64::NEG_INFINITY, f64::max);
            let chosen = grid.iter().find(|(lr, _)| *lr == r.lr(m)).unwrap();
            assert_eq!(chosen.1.val_accuracy, best, "{m:?} on {:?}", r.arch);
            assert_eq!(r.outcomes(m).len(), s.seeds.len());
            let scrambled: Vec<(f64, Outcome)> = grid
                .iter()
                .enumerate()
                .map(|(i, (lr, o))| {
                    let test_accuracy = if i % 2 == 0 { 1.0 } else { 0.0 };
                    (
                        *lr,
                        Outcome {
                            test_accuracy,
                            ..*o
                        },
                    )
                })
                .collect();
            same &= choose(&scrambled) == Some(r.lr(m));
        }
        assert_eq!(r.lr(Method::AdamL2), r.lr(Method::AdamW));
        assert_eq!(r.outcomes(Method::AdamL2).len(), s.seeds.len());
    }
    same
}

#[test]
fn quick_report_is_pinned() {
    // Skipped while nothing it depends on has changed since it passed.
    let Some(pass) = common::kept::unless_passed(concat!(file!(), "::quick_report_is_pinned"))
    else {
        return;
    };
    let _rng = cpu_single_thread();
    let s = sgd_vs_adam(&Config::quick_cpu()).unwrap();
    insta::assert_snapshot!("ch4_sgd_vs_adam_quick_report", report(&s));
    assert!(check_choices(&s));
    assert_eq!(s.seeds, [0, 1, 2]);
    pass.keep();
}

/// The full run: its report and exercise 8 pinned, the page's claims in the ledger.
#[test]
fn sgd_vs_adam_backs_the_books_claims() {
    // Skipped while nothing it depends on has changed since it last passed.
    let Some(pass) =
        common::kept::unless_passed(concat!(file!(), "::sgd_vs_adam_backs_the_books_claims"))
    else {
        return;
    };
    let _rng = cpu_single_thread();
    // Run as `make book` runs the example, which then replays this run.
    let s = lrbook::cli::book_section::<lrbook::chapters::ch4::sgd_vs_adam::SgdVsAdamSection>()
        .unwrap();
    let test = "tests/ch4_sgd_vs_adam.rs::sgd_vs_adam_backs_the_books_claims";
    insta::assert_snapshot!("ch4_sgd_vs_adam_full_report", report(&s));
    let mut ledger = Ledger::new("ch4_sgd_vs_adam_claims", test);
    let n = s.seeds.len();
    let (mlp, cnn) = (s.arch(Arch::Mlp), s.arch(Arch::Cnn));

    // Tuning.
    let section = "Each rule tuned on a validation split";
    let same = check_choices(&s);
    ledger.claim(
        section,
        "the grid's choice reads the validation split only: re-choosing from grids whose test \
         accuracies are replaced by arbitrary values picks the same rates",
        format!(
            "{} grids of {} points, every choice the same",
            2 * Method::TUNED.len(),
            s.config.grid(Method::Sgd).len()
        ),
        same,
    );
    let edges: Vec<String> = s
        .archs
        .iter()
        .flat_map(|r| {
            Method::TUNED
                .iter()
                .filter(|&&m| at_edge(&s, m, r.lr(m)))
                .map(|m| format!("{} on {:?}", m.name(), r.arch))
                .collect::<Vec<_>>()
        })
        .collect();
    ledger.claim(
        section,
        "on both networks every rule's chosen rate lies inside its grid, not at an end",
        format!(
            "chosen η: MLP {}; CNN {}",
            Method::TUNED.map(|m| fmt_sig(mlp.lr(m), 3)).join(", "),
            Method::TUNED.map(|m| fmt_sig(cnn.lr(m), 3)).join(", ")
        ),
        edges.is_empty(),
    );
    let ratio =
        |r: &lrbook::chapters::ch4::sgd_vs_adam::ArchResult| r.lr(Method::Sgd) / r.lr(Method::Adam);
    ledger.claim(
        section,
        "SGD + momentum's tuned rate is 10^1.5 (about 32) times Adam's on the MLP and 10 times \
         on the CNN",
        format!(
            "ratios {} and {}",
            fmt_sig(ratio(mlp), 4),
            fmt_sig(ratio(cnn), 4)
        ),
        (ratio(mlp) / 10f64.powf(1.5) - 1.0).abs() < 1e-9 && (ratio(cnn) / 10.0 - 1.0).abs() < 1e-9,
    );
    let mut adam_val: Vec<f64> = mlp
        .grid_of(Method::Adam)
        .iter()
        .map(|(_, o)| o.val_accuracy)
        .collect();
    adam_val.sort_by(|a, b| b.total_cmp(a));
    ledger.claim(
        section,
        "on the MLP, Adam's two best grid points differ in validation accuracy by less than \
         0.01",
        format!(
            "best {}, second {}",
            fmt_sig(adam_val[0], 3),
            fmt_sig(adam_val[1], 3)
        ),
        adam_val[0] - adam_val[1] < 0.01,
    );
    let tuned = table(&s, "sgd_vs_adam_tuned");
    let mut gaps = Vec::new();
    for r in &s.archs {
        for m in Method::TUNED {
            let val: Vec<f64> = r.outcomes(m).iter().map(|o| o.val_accuracy).collect();
            gaps.push(stats::mean(&val) - stats::mean(&r.test_accuracies(m)));
        }
    }
    assert_eq!(tuned.rows.len(), 6);
    ledger.claim(
        section,
        "for every rule on both networks the mean validation accuracy is above the mean test \
         accuracy",
        format!(
            "validation − test: {}",
            gaps.iter()
                .map(|g| fmt_sig(*g, 2))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        gaps.iter().all(|g| *g > 0.0),
    );

    // The test set.
    let section = "What the test set says";
    let p = |r: &lrbook::chapters::ch4::sgd_vs_adam::ArchResult, a, b| {
        r.paired_test(a, b).expect("no seed diverged")
    };
    let (sgd, adam, adamw, l2) = (Method::Sgd, Method::Adam, Method::AdamW, Method::AdamL2);
    ledger.paired(
        section,
        &format!("on the MLP, tuned SGD + momentum ends with a higher test accuracy than tuned Adam, paired over {n} seeds"),
        &p(mlp, sgd, adam),
        Verdict::Above,
    );
    ledger.paired(
        section,
        "on the MLP, tuned SGD + momentum ends with a higher test accuracy than tuned AdamW",
        &p(mlp, sgd, adamw),
        Verdict::Above,
    );
    ledger.paired(
        section,
        "on the CNN no difference between tuned SGD + momentum and tuned Adam is detected",
        &p(cnn, sgd, adam),
        Verdict::Within,
    );
    ledger.paired(
        section,
        "on the CNN no difference between tuned SGD + momentum and tuned AdamW is detected",
        &p(cnn, sgd, adamw),
        Verdict::Within,
    );
    ledger.paired(
        section,
        "on the MLP no difference between tuned AdamW and tuned Adam is detected",
        &p(mlp, adamw, adam),
        Verdict::Within,
    );
    ledger.paired(
        section,
        "on the CNN no difference between tuned AdamW and tuned Adam is detected",
        &p(cnn, adamw, adam),
        Verdict::Within,
    );
    let cnn_pairs = [p(cnn, sgd, adam), p(cnn, sgd, adamw)];
    ledger.claim(
        section,
        "on the CNN both mean differences favour the Adams (SGD + momentum − each is below \
         zero), but both intervals reach above zero",
        format!(
            "means {} and {}, upper ends {} and {}",
            fmt_sig(cnn_pairs[0].mean_diff, 2),
            fmt_sig(cnn_pairs[1].mean_diff, 2),
            fmt_sig(cnn_pairs[0].ci.1, 2),
            fmt_sig(cnn_pairs[1].ci.1, 2)
        ),
        cnn_pairs.iter().all(|q| q.mean_diff < 0.0 && q.ci.1 > 0.0),
    );
    let sizes: Vec<f64> = [mlp, cnn]
        .iter()
        .flat_map(|r| [p(r, sgd, adam), p(r, sgd, adamw)])
        .map(|q| q.mean_diff.abs())
        .collect();
    ledger.claim(
        section,
        "each of the four SGD-against-Adam differences is below 2 points of accuracy",
        format!(
            "|mean difference| {}",
            sizes
                .iter()
                .map(|x| fmt_sig(*x, 2))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        sizes.iter().all(|x| *x < 0.02),
    );

    // AdamW against Adam + L2.
    let section = "AdamW against Adam + L2";
    for (r, name) in [(mlp, "MLP"), (cnn, "CNN")] {
        ledger.paired(
            section,
            &format!(
                "on the {name}, at λ = 0.01 and AdamW's tuned rate, Adam + L2 ends with a \
                 smaller weight norm than AdamW"
            ),
            &r.paired_norm(adamw, l2).unwrap(),
            Verdict::Above,
        );
        ledger.paired(
            section,
            &format!("on the {name}, no difference in test accuracy between AdamW and Adam + L2 is detected"),
            &p(r, adamw, l2),
            Verdict::Within,
        );
    }
    let steps = steps_per_run(&s.config);
    let shrinks: Vec<f64> = [mlp, cnn]
        .iter()
        .map(|r| decoupled_shrink(r.lr(adamw), s.config.decay, steps))
        .collect();
    ledger.claim(
        section,
        "AdamW's decay alone, (1 − ηλ)^T at the tuned rate, would shrink the weights by less \
         than 2% over a run on either network",
        format!(
            "T = {steps}: MLP {}, CNN {}",
            fmt_sig(shrinks[0], 4),
            fmt_sig(shrinks[1], 4)
        ),
        shrinks.iter().all(|f| *f > 0.98 && *f < 1.0),
    );

    // Exercise 8.
    let section = "Exercises";
    let ex = common::solve_one::<DecayCoefficient>(&Config::full_cpu());
    insta::assert_snapshot!(
        "ch4_sgd_vs_adam_exercise",
        Report::with_tables("Chapter 4, exercise 8", vec![ex.clone()]).to_markdown()
    );
    let decay = table(&s, "sgd_vs_adam_decay");
    let page_row = row_where(decay, "network", "MLP 784-128-10");
    let ex_row = row_where(&ex, "λ", "0.010");
    let cell = |t: &Table, row: usize, col: &str| common::cell(t, row, col).render();
    ledger.claim(
        section,
        "exercise 8 at λ = 0.01 repeats the page's MLP runs: the same test accuracies",
        format!(
            "AdamW {}, Adam + L2 {}",
            cell(&ex, ex_row, "AdamW test accuracy"),
            cell(&ex, ex_row, "Adam + L2 test accuracy")
        ),
        cell(&ex, ex_row, "AdamW test accuracy") == cell(decay, page_row, "AdamW")
            && cell(&ex, ex_row, "Adam + L2 test accuracy") == cell(decay, page_row, "Adam + L2"),
    );
    let lambdas: Vec<f64> = (0..ex.rows.len()).map(|i| num(&ex, i, "λ")).collect();
    let beyond: Vec<String> = (0..ex.rows.len())
        .map(|i| cell(&ex, i, "beyond noise?"))
        .collect();
    let diffs: Vec<f64> = (0..ex.rows.len())
        .map(|i| num(&ex, i, "difference"))
        .collect();
    ledger.claim(
        section,
        "exercise 8: Adam + L2 loses test accuracy to AdamW beyond the seed noise at λ = 0.1 \
         and 1, and no difference is detected at 0.001 and 0.01",
        format!(
            "λ {}: difference {}, beyond noise {}",
            lambdas
                .iter()
                .map(|x| fmt_sig(*x, 2))
                .collect::<Vec<_>>()
                .join(", "),
            diffs
                .iter()
                .map(|x| fmt_sig(*x, 2))
                .collect::<Vec<_>>()
                .join(", "),
            beyond.join(", ")
        ),
        lambdas == [0.001, 0.01, 0.1, 1.0]
            && beyond == ["no", "no", "yes", "yes"]
            && diffs[2] > 0.0
            && diffs[3] > 0.0,
    );
    let norm = |col: &str| -> Vec<f64> {
        (0..ex.rows.len())
            .map(|i| {
                cell(&ex, i, col)
                    .split(' ')
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap()
            })
            .collect()
    };
    let (w_norm, l2_norm) = (norm("AdamW ‖θ‖₂"), norm("Adam + L2 ‖θ‖₂"));
    ledger.claim(
        section,
        "exercise 8: Adam + L2's weight norm falls at every step of λ, to about a third of \
         AdamW's at λ = 1, while AdamW's stays within 6% of its value at λ = 0.001",
        format!(
            "Adam + L2 {}; AdamW {}",
            l2_norm
                .iter()
                .map(|x| fmt_sig(*x, 3))
                .collect::<Vec<_>>()
                .join(", "),
            w_norm
                .iter()
                .map(|x| fmt_sig(*x, 3))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        l2_norm.windows(2).all(|w| w[1] < w[0])
            && l2_norm[3] < 0.4 * w_norm[3]
            && w_norm.iter().all(|w| (w / w_norm[0] - 1.0).abs() < 0.06),
    );
    let norm_cis: Vec<String> = (0..ex.rows.len())
        .map(|i| cell(&ex, i, "norm difference, 95% CI"))
        .collect();
    let lower_ends: Vec<f64> = norm_cis
        .iter()
        .map(|t| t.split(" to ").next().unwrap().parse().unwrap())
        .collect();
    ledger.claim(
        section,
        "exercise 8: at every λ, AdamW's weight norm exceeds Adam + L2's beyond the seed noise",
        format!("95% CIs of AdamW − Adam + L2: {}", norm_cis.join("; ")),
        lower_ends.iter().all(|x| *x > 0.0),
    );
    let shrink = num(&ex, 3, "(1 − ηλ)^T");
    let measured = w_norm[3] / w_norm[0];
    ledger.claim(
        section,
        "exercise 8: from λ = 0.001 to λ = 1 AdamW's norm falls by about its closed-form \
         shrink (1 − ηλ)^T, within 1% of the weights",
        format!(
            "norm ratio {}, (1 − ηλ)^T {}",
            fmt_sig(measured, 3),
            fmt_sig(shrink, 4)
        ),
        (measured - shrink).abs() < 0.01,
    );
    let rates = cnn.lr(adamw) / mlp.lr(adamw);
    ledger.claim(
        section,
        "AdamW's tuned rate on the CNN is 10^1.5 (about 32) times its tuned rate on the MLP",
        format!("ratio {}", fmt_sig(rates, 4)),
        (rates / 10f64.powf(1.5) - 1.0).abs() < 1e-9,
    );
    ledger.pin("ch4_sgd_vs_adam_claims");
    pass.keep();
}

#[test]
fn bad_input_is_an_error() {
    let cfg = Config::quick_cpu();
    let mut ex = DecayCoefficient::defaults().unwrap();
    for bad in [
        vec![],
        vec![f64::NAN],
        vec![-0.1],
        vec![0.01, 11.0],
        vec![f64::INFINITY],
    ] {
        ex.decays = bad.clone();
        let err = ex.solve(&cfg, None).unwrap_err().to_string();
        assert!(err.contains("--decays"), "{bad:?}: {err}");
    }
}

#[test]
fn figures_are_written() {
    // Skipped while nothing it depends on has changed since it passed.
    let Some(pass) = common::kept::unless_passed(concat!(file!(), "::figures_are_written")) else {
        return;
    };
    common::check_section_figures(SgdVsAdamSection::default());
    pass.keep();
}
