//! Chapter 4, "AMSGrad and RAdam: two repairs to Adam": the page's quick and full reports
//! are pinned, lrbook's Adam is checked against the scalar recursion and RAdam's measured
//! step against its closed form, and the page's claims are asserted and pinned in the ledger.
use lrbook::chapters::ch4::adam_fixes::warmup::{
    self, distance_comparisons, exponential_warmup, linear_warmup, rectification, WarmupLength,
};
use lrbook::chapters::ch4::adam_fixes::{
    adam_drift, adam_fixes, drift_edge_beta2, AdamFixes, AdamFixesSection, FailureEdge, C,
};
use lrbook::chapters::exercise::Exercise;
use lrbook::chapters::Config;
use lrbook::report::{fmt_sig, Report, Table};
use lrbook::stats;

mod common;
use common::ledger::{compared, Ledger, Verdict};
use common::{cpu_single_thread, num};

/// The page's report, as its example prints it.
fn report(s: &AdamFixes) -> String {
    Report::with_tables(&AdamFixesSection::title(), s.tables.clone()).to_markdown()
}

fn table<'a>(s: &'a AdamFixes, id: &str) -> &'a Table {
    s.tables.iter().find(|t| t.id == id).unwrap()
}

#[test]
fn quick_report_is_pinned() {
    // Skipped while nothing it depends on has changed since it passed.
    let Some(pass) = common::kept::unless_passed(concat!(file!(), "::quick_report_is_pinned"))
    else {
        return;
    };
    let _rng = cpu_single_thread();
    let s = adam_fixes(&Config::quick_cpu()).unwrap();
    common::assert_snapshot_on_cpus(
        concat!(file!(), "::quick_report_is_pinned"),
        "ch4_adam_fixes_quick_report",
        &report(&s),
        common::PINNED_VENDORS,
    );
    // Even the quick run matches the recursion to rounding.
    let t = table(&s, "adam_fixes_reddi");
    for row in 0..t.rows.len() {
        assert!(num(t, row, "max |lrbook − recursion|") < 1e-12);
    }
    pass.keep();
}

/// The full run: its report pinned, every closed form against its measurement, the page's
/// claims in the ledger.
#[test]
fn adam_fixes_backs_the_books_claims() {
    // Skipped while nothing it depends on has changed since it last passed.
    let Some(pass) =
        common::kept::unless_passed(concat!(file!(), "::adam_fixes_backs_the_books_claims"))
    else {
        return;
    };
    let _rng = cpu_single_thread();
    let s =
        lrbook::cli::book_section::<lrbook::chapters::ch4::adam_fixes::AdamFixesSection>().unwrap();
    common::assert_snapshot_on_cpus(
        concat!(file!(), "::adam_fixes_backs_the_books_claims"),
        "ch4_adam_fixes_full_report",
        &report(&s),
        common::PINNED_VENDORS,
    );
    let test = "tests/ch4_adam_fixes.rs::adam_fixes_backs_the_books_claims";
    let mut ledger = Ledger::new("ch4_adam_fixes_claims", test);

    // Section 1: Reddi et al.'s problem.
    let section = "Where Adam provably fails";
    let t = table(&s, "adam_fixes_reddi");
    let last = t.rows.len() - 1;
    let worst_gap = (0..t.rows.len())
        .map(|r| num(t, r, "max |lrbook − recursion|"))
        .fold(0.0, f64::max);
    ledger.claim(
        section,
        "lrbook's Adam and AMSGrad follow the scalar recursion written from the paper (with \
         PyTorch's bias corrections and ε) to 1e-12 at every round",
        format!(
            "{} rounds each, largest gap {}",
            num(t, last, "T"),
            fmt_sig(worst_gap, 2)
        ),
        worst_gap < 1e-12,
    );
    let limit = num(t, last, "2(C−2)/3");
    let adam_regret: Vec<f64> = (0..t.rows.len()).map(|r| num(t, r, "Adam R_T/T")).collect();
    ledger.claim(
        section,
        "Adam ends at x = +1, the worst point, and its average regret climbs with T towards \
         2(C−2)/3, a positive constant",
        format!(
            "x_T = {}; R_T/T = {} at T = {}, limit {}",
            fmt_sig(num(t, last, "Adam x_T"), 4),
            adam_regret
                .iter()
                .map(|x| fmt_sig(*x, 3))
                .collect::<Vec<_>>()
                .join(", "),
            t.rows
                .iter()
                .map(|r| r[0].render())
                .collect::<Vec<_>>()
                .join(", "),
            fmt_sig(limit, 3)
        ),
        num(t, last, "Adam x_T") == 1.0
            && adam_regret.windows(2).skip(1).all(|w| w[1] > w[0])
            && (adam_regret[last] / limit - 1.0).abs() < 0.02,
    );
    let ams_regret: Vec<f64> = (0..t.rows.len())
        .map(|r| num(t, r, "AMSGrad R_T/T"))
        .collect();
    ledger.claim(
        section,
        "AMSGrad ends within 0.002 of x = −1, and its average regret falls with T towards 0",
        format!(
            "x_T = {}; R_T/T = {}",
            fmt_sig(num(t, last, "AMSGrad x_T"), 4),
            ams_regret
                .iter()
                .map(|x| fmt_sig(*x, 3))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        (num(t, last, "AMSGrad x_T") + 1.0).abs() < 0.002
            && ams_regret.windows(2).skip(1).all(|w| w[1] < w[0])
            && ams_regret[last] < 0.1 * ams_regret[1],
    );
    ledger.claim(
        section,
        "the paper's algorithm, without bias correction or ε, ends on the same sides",
        format!(
            "x_T: Adam {}, AMSGrad {}",
            fmt_sig(num(t, last, "paper's Adam x_T"), 4),
            fmt_sig(num(t, last, "paper's AMSGrad x_T"), 4)
        ),
        num(t, last, "paper's Adam x_T") > 0.99 && num(t, last, "paper's AMSGrad x_T") < -0.99,
    );

    // The sweep over β₂.
    let t = table(&s, "adam_fixes_beta2_sweep");
    let rows = t.rows.len();
    let sign_matches = (0..rows).all(|r| {
        let predicted = num(t, r, "Adam drift / α (closed form)") > 0.0;
        (num(t, r, "Adam x_T") > 0.0) == predicted
    });
    ledger.claim(
        section,
        "at every β₂ of both row sets, Adam's x_T lies on the side the sign of the closed-form \
         drift predicts",
        format!("{rows} rows"),
        sign_matches,
    );
    let edge = drift_edge_beta2(C);
    ledger.claim(
        section,
        "at β₁ = 0 and C = 3 Adam fails for β₂ below β₂* ≈ 0.47 and converges above it; at \
         β₂ = 0.999 it ends within 0.01 of −1",
        format!(
            "β₂* = {} (drift {} at 0.3, {} at 0.5); x_T = {} at β₂ = 0.999",
            fmt_sig(edge, 4),
            fmt_sig(adam_drift(C, 0.0, 0.3), 3),
            fmt_sig(adam_drift(C, 0.0, 0.5), 3),
            fmt_sig(num(t, 6, "Adam x_T"), 4)
        ),
        (edge - 0.47).abs() < 0.005
            && num(t, 0, "Adam x_T") > 0.99
            && num(t, 1, "Adam x_T") > 0.0
            && num(t, 3, "Adam x_T") < -0.9
            && num(t, 6, "Adam x_T") < -0.99,
    );
    let beta1_rows = || 7..rows;
    ledger.claim(
        section,
        "with β₁ = 0.9 Adam ends within 0.01 of −1 at every β₂ of the sweep: momentum averages \
         the rare large gradient with the small ones",
        format!(
            "largest x_T {}",
            fmt_sig(
                beta1_rows()
                    .map(|r| num(t, r, "Adam x_T"))
                    .fold(f64::MIN, f64::max),
                4
            )
        ),
        beta1_rows().all(|r| num(t, r, "Adam x_T") < -0.99)
            && beta1_rows().all(|r| num(t, r, "Adam drift / α (closed form)") < 0.0),
    );
    let ams_worst = (0..rows)
        .map(|r| num(t, r, "AMSGrad x_T"))
        .fold(f64::MIN, f64::max);
    ledger.claim(
        section,
        "AMSGrad ends within 0.01 of −1 at every row",
        format!("largest x_T {}", fmt_sig(ams_worst, 4)),
        ams_worst < -0.99,
    );

    // Section 2: the multipliers.
    let section = "RAdam is (almost) a warmup";
    let t = table(&s, "adam_fixes_multipliers");
    let mut worst_ratio: f64 = 0.0;
    let mut sgd_rows = 0;
    for r in 0..t.rows.len() {
        let measured = num(t, r, "measured RAdam/Adam step");
        match t.cell(r, "r_t").and_then(|c| c.value()) {
            Some(rt) => worst_ratio = worst_ratio.max((measured / rt - 1.0).abs()),
            None => {
                sgd_rows += 1;
                worst_ratio = worst_ratio.max((measured - 1.0).abs());
            }
        }
    }
    ledger.claim(
        section,
        "lrbook's RAdam step, divided by its Adam step on a constant gradient, is r_t to 1e-6 \
         once ρ_t > 5, and the full gradient step (ratio 1 at g = 1) before",
        format!(
            "{} rows ({sgd_rows} SGD steps), worst relative gap {}",
            t.rows.len(),
            fmt_sig(worst_ratio, 2)
        ),
        worst_ratio < 1e-6 && sgd_rows == 8,
    );
    for beta2 in warmup::MULTIPLIER_BETA2 {
        let w = warmup::warmup_steps(beta2);
        let first = (1..w).find(|&t| rectification(beta2, t).is_some()).unwrap();
        let above = |t: usize| rectification(beta2, t).unwrap() > linear_warmup(beta2, t);
        let cross = (first..w).find(|&t| !above(t)).unwrap_or(w);
        let split = (first..cross).all(above) && (cross..w).all(|t| !above(t));
        let at_w = rectification(beta2, w).unwrap();
        let near_exp = (w / 2..=5 * w / 2)
            .map(|t| (rectification(beta2, t).unwrap() - exponential_warmup(beta2, t)).abs())
            .fold(0.0, f64::max);
        ledger.claim(
            section,
            &format!(
                "β₂ = {}: RAdam's first rectified step is t = {first}; from there r_t lies above \
                 the linear warmup until past the middle of the warmup, then below it up to \
                 2/(1−β₂) = {w}, where it is still below 1; from 1/(1−β₂) to 5/(1−β₂) it is \
                 within 0.05 of the exponential warmup",
                fmt_sig(beta2, 4)
            ),
            format!(
                "closed form at every step; below the linear warmup from t = {cross}; r at \
                 2/(1−β₂): {}; largest gap to the exponential warmup {}",
                fmt_sig(at_w, 3),
                fmt_sig(near_exp, 2)
            ),
            first == 6 && split && cross > w / 2 && cross < w && at_w < 1.0 && near_exp < 0.05,
        );
    }

    // Section 2: training.
    let r = &s.training;
    let w = warmup::warmup_steps(r.config.beta2);
    let peak = |m: usize| -> Vec<f64> {
        r.losses[m]
            .iter()
            .map(|l| l[..w].iter().copied().fold(f64::MIN, f64::max))
            .collect()
    };
    let rises = |m: usize| {
        r.losses[m]
            .iter()
            .zip(peak(m))
            .filter(|(l, p)| *p > l[0])
            .count()
    };
    ledger.claim(
        section,
        "plain Adam's training loss rises above its starting value within the warmup window at \
         most seeds",
        format!(
            "at {} of {} seeds (warmup Adam at {}, RAdam at {})",
            rises(0),
            r.seeds.len(),
            rises(1),
            rises(2)
        ),
        rises(0) * 2 > r.seeds.len(),
    );
    let p = stats::paired(&peak(0), &peak(1), stats::LEVEL).unwrap();
    assert!(p.mean_diff > 0.0);
    ledger.paired(
        section,
        "plain Adam's highest training loss in the warmup window is higher than warmup \
         Adam's on average, but the seeds cannot tell the two apart",
        &p,
        Verdict::Within,
    );
    let p = stats::paired(&peak(2), &peak(1), stats::LEVEL).unwrap();
    ledger.paired(
        section,
        "RAdam's highest loss there cannot be told from warmup Adam's",
        &p,
        Verdict::Within,
    );
    let comparisons = distance_comparisons(r).unwrap();
    ledger.paired(
        section,
        "during the warmup window RAdam's loss curve is closer to warmup Adam's than to plain \
         Adam's",
        &comparisons[0].paired,
        Verdict::Below,
    );
    ledger.paired(
        section,
        "after the warmup the two distances cannot be told apart",
        &comparisons[1].paired,
        Verdict::Within,
    );
    ledger.paired(
        section,
        "over the whole run RAdam's curve is still closer to warmup Adam's, from the warmup \
         window's share",
        &comparisons[2].paired,
        Verdict::Below,
    );
    let finals = warmup::final_losses(r, 100);
    let p_adam = stats::paired(&finals[0], &finals[1], stats::LEVEL).unwrap();
    let p_radam = stats::paired(&finals[2], &finals[1], stats::LEVEL).unwrap();
    ledger.claim(
        section,
        "the final losses of the three cannot be told apart",
        format!(
            "Adam − warmup: 95% CI {}; RAdam − warmup: 95% CI {}",
            stats::interval_text(p_adam.ci.0, p_adam.ci.1, 2),
            stats::interval_text(p_radam.ci.0, p_radam.ci.1, 2)
        ),
        !p_adam.beyond_noise() && !p_radam.beyond_noise(),
    );
    let _ = compared;
    ledger.pin_on_cpus(
        concat!(file!(), "::adam_fixes_backs_the_books_claims"),
        "ch4_adam_fixes_claims",
        common::PINNED_VENDORS,
    );
    pass.keep();
}

#[test]
fn exercises_are_pinned() {
    // Skipped while nothing it depends on has changed since it last passed.
    let Some(pass) = common::kept::unless_passed(concat!(file!(), "::exercises_are_pinned")) else {
        return;
    };
    let _rng = cpu_single_thread();
    let t = common::solve_one::<FailureEdge>(&Config::full_cpu());
    insta::assert_snapshot!(
        "ch4_adam_fixes_exercise",
        Report::with_tables(&FailureEdge::title(), vec![t.clone()]).to_markdown()
    );
    let mut ledger = Ledger::new(
        "ch4_adam_fixes_exercise_claims",
        "tests/ch4_adam_fixes.rs::exercises_are_pinned",
    );
    let (closed, measured) = (num(&t, 0, "C"), num(&t, 1, "C"));
    ledger.claim(
        "Exercise 4",
        "at β₂ = 0.1 the measured edge lies below the closed-form edge, within 10% of it",
        compared(measured, "<", closed),
        measured < closed && measured > 0.9 * closed,
    );
    ledger.claim(
        "Exercise 4",
        "1% inside the measured edge lrbook's Adam ends on the wrong side and AMSGrad within \
         0.01 of −1",
        format!(
            "x_T: Adam {}, AMSGrad {}",
            fmt_sig(num(&t, 2, "Adam x_T"), 4),
            fmt_sig(num(&t, 2, "AMSGrad x_T"), 4)
        ),
        num(&t, 2, "Adam x_T") > 0.0 && num(&t, 2, "AMSGrad x_T") < -0.99,
    );

    let t = common::solve_one::<WarmupLength>(&Config::full_cpu());
    common::assert_snapshot_on_cpus(
        concat!(file!(), "::exercises_are_pinned"),
        "ch4_adam_fixes_exercise_5",
        &Report::with_tables(&WarmupLength::title(), vec![t.clone()]).to_markdown(),
        common::PINNED_VENDORS,
    );
    let reference = common::row_where(&t, "warmup steps", "200");
    let d = |r: usize| t.rows[r][1].render();
    let mean_d = |r: usize| d(r).split(' ').next().unwrap().parse::<f64>().unwrap();
    let closest = (0..t.rows.len()).all(|r| mean_d(r) >= mean_d(reference));
    ledger.claim(
        "Exercise 5",
        "of warmups over 0, 50, 100, 200 and 400 steps, the untuned 2/(1−β₂) = 200 brings \
         Adam's loss curve closest to RAdam's on average",
        (0..t.rows.len())
            .map(|r| format!("{}: {}", t.rows[r][0].render(), d(r)))
            .collect::<Vec<_>>()
            .join("; "),
        closest,
    );
    let verdict = |w: &str| t.rows[common::row_where(&t, "warmup steps", w)][5].render();
    ledger.claim(
        "Exercise 5",
        "no warmup, 50 steps and 400 steps bring it farther from RAdam, beyond the seed noise; \
         100 steps cannot be told apart from 200",
        format!(
            "paired 95% CIs of the difference: 0: {}; 50: {}; 100: {}; 400: {}",
            t.rows[common::row_where(&t, "warmup steps", "0")][3].render(),
            t.rows[common::row_where(&t, "warmup steps", "50")][3].render(),
            t.rows[common::row_where(&t, "warmup steps", "100")][3].render(),
            t.rows[common::row_where(&t, "warmup steps", "400")][3].render()
        ),
        verdict("0") == "yes"
            && verdict("50") == "yes"
            && verdict("100") == "no"
            && verdict("400") == "yes",
    );
    ledger.pin_on_cpus(
        concat!(file!(), "::exercises_are_pinned"),
        "ch4_adam_fixes_exercise_claims",
        common::PINNED_VENDORS,
    );
    pass.keep();
}

#[test]
fn bad_input_is_an_error() {
    let mut ex = FailureEdge::defaults().unwrap();
    for b in [f64::NAN, 0.0, 1.0, -0.5, 1e-9] {
        ex.beta2 = b;
        assert!(ex.solve(&Config::quick_cpu(), None).is_err(), "β₂ = {b}");
    }
    ex.beta2 = 0.1;
    for steps in [0, 10_000_000] {
        ex.steps = steps;
        assert!(
            ex.solve(&Config::quick_cpu(), None).is_err(),
            "steps = {steps}"
        );
    }
}

#[test]
fn bad_warmups_are_an_error() {
    let mut ex = WarmupLength::defaults().unwrap();
    for w in [vec![], vec![100_000]] {
        ex.warmups = w.clone();
        assert!(ex.solve(&Config::quick_cpu(), None).is_err(), "{w:?}");
    }
}

#[test]
fn figures_are_written() {
    // Skipped while nothing it depends on has changed since it passed.
    let Some(pass) = common::kept::unless_passed(concat!(file!(), "::figures_are_written")) else {
        return;
    };
    common::check_section_figures(AdamFixesSection::default());
    pass.keep();
}
