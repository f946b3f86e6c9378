//! Chapter 4, "NAdam, AdaMax, ε and β₂": the section's quick and full reports and both
//! exercises are pinned, every closed form is checked against its measurement, and the
//! claims of the page are asserted and pinned in the ledger.
use lrbook::chapters::ch4::adam_knobs::{
    adam_knobs, ratio_bounds, AdamKnobs, AdamKnobsSection, Method, ADAMAX_BETA2, POWERS,
};
use lrbook::chapters::ch4::adam_knobs_steps::{
    below_or_value, constant_step, drop_first_step, drop_recovery, jump_step, spike_step, HalfStep,
    SpikeStep, EPSILONS,
};
use lrbook::chapters::exercise::Exercise;
use lrbook::chapters::Config;
use lrbook::report::{fmt_sig, Report};

mod common;
use common::ledger::Ledger;
use common::{cpu_single_thread, num};

/// The section's report, as its example prints it.
fn report(s: &AdamKnobs) -> String {
    Report::with_tables(&AdamKnobsSection::title(), s.tables.clone()).to_markdown()
}

fn list(v: &[f64], digits: usize) -> String {
    v.iter()
        .map(|x| fmt_sig(*x, digits))
        .collect::<Vec<_>>()
        .join(", ")
}

#[test]
fn quick_report_is_pinned() {
    // Skipped while nothing it depends on has changed since it passed.
    let Some(pass) = common::kept::unless_passed(concat!(file!(), "::quick_report_is_pinned"))
    else {
        return;
    };
    let _rng = cpu_single_thread();
    let s = adam_knobs(&Config::quick_cpu()).unwrap();
    insta::assert_snapshot!("ch4_adam_knobs_quick_report", report(&s));
    // Even the quick run: the reference agrees, and every ratio is within its bounds.
    let t = s
        .tables
        .iter()
        .find(|t| t.id == "adam_knobs_nadam_check")
        .unwrap();
    assert!(t
        .rows
        .iter()
        .all(|r| r[1..].iter().all(|c| c.render() == "< 1e-12")));
    assert!((0..POWERS.len()).all(|k| s.adamax.outside_bounds(k) == 0));
    pass.keep();
}

/// Steps to the target of method `j` at the i-th η, or `None`.
fn steps(s: &AdamKnobs, i: usize, j: usize) -> Option<usize> {
    s.sweep.runs[i][j].steps_to_target()
}

/// The full run: its report pinned, every closed form against its measurement, the claims.
#[test]
fn adam_knobs_backs_the_books_claims() {
    // Skipped while nothing it depends on has changed since it last passed.
    let Some(pass) =
        common::kept::unless_passed(concat!(file!(), "::adam_knobs_backs_the_books_claims"))
    else {
        return;
    };
    let _rng = cpu_single_thread();
    let s =
        lrbook::cli::book_section::<lrbook::chapters::ch4::adam_knobs::AdamKnobsSection>().unwrap();
    common::assert_snapshot_on_cpus(
        concat!(file!(), "::adam_knobs_backs_the_books_claims"),
        "ch4_adam_knobs_full_report",
        &report(&s),
        common::PINNED_VENDORS,
    );
    let test = "tests/ch4_adam_knobs.rs::adam_knobs_backs_the_books_claims";
    let mut ledger = Ledger::new("ch4_adam_knobs_claims", test);

    // NAdam against its reference.
    let section = "NAdam is Nesterov inside Adam";
    let t = s
        .tables
        .iter()
        .find(|t| t.id == "adam_knobs_nadam_check")
        .unwrap();
    let cells = t.rows.len() * (t.rows[0].len() - 1);
    ledger.claim(
        section,
        "lrbook's Adam and NAdam (ψ = 4e-3 and ψ = 1000) follow the reference recursion, fed \
         the same gradients, to within 1e-12 at every step and every η checked",
        format!("{cells} runs of 100 steps, every largest |θ_lrbook − θ_reference| < 1e-12"),
        t.rows
            .iter()
            .all(|r| r[1..].iter().all(|c| c.render() == "< 1e-12")),
    );

    // NAdam on the ravine.
    let etas = &s.sweep.config.etas;
    let (adam, nadam, at_once) = (0, 1, 2);
    assert_eq!(Method::ALL[adam], Method::Adam);
    let small: Vec<usize> = (0..etas.len()).filter(|&i| etas[i] <= 0.0101).collect();
    let ratios: Vec<f64> = small
        .iter()
        .map(|&i| steps(&s, i, at_once).unwrap() as f64 / steps(&s, i, adam).unwrap() as f64)
        .collect();
    ledger.claim(
        section,
        "at η ≤ 0.01 NAdam with μ_t = β₁ reaches the target within 2% of Adam's steps",
        format!("steps ratio NAdam(ψ = 1000)/Adam: {}", list(&ratios, 4)),
        small.len() >= 4 && ratios.iter().all(|r| (r - 1.0).abs() < 0.02),
    );
    let slow: Vec<usize> = (0..etas.len()).filter(|&i| etas[i] <= 0.018).collect();
    let slowest = slow.iter().all(|&i| {
        let n = steps(&s, i, nadam).unwrap();
        n > steps(&s, i, adam).unwrap() && n > steps(&s, i, at_once).unwrap()
    });
    ledger.claim(
        section,
        "at η ≤ 0.0178 NAdam with the default ψ = 4e-3 is the slowest of the three",
        format!(
            "steps (Adam, NAdam ψ = 4e-3): {}",
            slow.iter()
                .map(|&i| format!(
                    "{}/{}",
                    steps(&s, i, adam).unwrap(),
                    steps(&s, i, nadam).unwrap()
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        slow.len() >= 6 && slowest,
    );
    let middle: Vec<usize> = (0..etas.len())
        .filter(|&i| etas[i] > 0.03 && etas[i] < 0.11)
        .collect();
    let mut faster = true;
    let mut stat = Vec::new();
    for &i in &middle {
        let r = &s.sweep.runs[i];
        let a = steps(&s, i, adam).unwrap();
        for j in [nadam, at_once] {
            faster &= steps(&s, i, j).is_some_and(|n| n < a)
                && r[j].sign_changes() < r[adam].sign_changes();
        }
        stat.push(format!(
            "η = {}: steps {}/{}/{}, sign changes {}/{}/{}",
            fmt_sig(etas[i], 3),
            a,
            steps(&s, i, nadam).unwrap(),
            steps(&s, i, at_once).unwrap(),
            r[adam].sign_changes(),
            r[nadam].sign_changes(),
            r[at_once].sign_changes()
        ));
    }
    ledger.claim(
        section,
        "at η from 0.0316 to 0.1 both NAdams reach the target in fewer steps than Adam, and θ₂ \
         changes sign less often on the way",
        format!("Adam/NAdam ψ = 4e-3/NAdam ψ = 1000: {}", stat.join("; ")),
        middle.len() == 3 && faster,
    );
    let large: Vec<usize> = (0..etas.len())
        .filter(|&i| etas[i] > 0.3 && etas[i] < 0.6)
        .collect();
    let adam_fine = large
        .iter()
        .all(|&i| steps(&s, i, adam).is_some_and(|n| n <= 130));
    let nadam_stuck = large.iter().all(|&i| {
        [nadam, at_once]
            .iter()
            .all(|&j| steps(&s, i, j).is_none_or(|n| n > 2500))
    });
    ledger.claim(
        section,
        "at η = 0.316 and 0.562 Adam reaches the target within 130 steps, while both NAdams need \
         more than 2500 or miss it within 3000",
        format!(
            "Adam {}; NAdam ψ = 1000: {}",
            large
                .iter()
                .map(|&i| steps(&s, i, adam).unwrap().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            large
                .iter()
                .map(|&i| steps(&s, i, at_once).map_or("missed".into(), |n| n.to_string()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        large.len() == 2 && adam_fine && nadam_stuck,
    );

    // AdaMax.
    let section = "AdaMax is the ∞-norm limit";
    let a = &s.adamax;
    let n = a.grads.len();
    let outside: usize = (0..POWERS.len()).map(|k| a.outside_bounds(k)).sum();
    ledger.claim(
        section,
        "for every p from 1 to 128, u⁽ᵖ⁾/u⁽∞⁾ lies between (1−β₂ᵖ)^(1/p) and ((1−β₂ᵖ)t)^(1/p) \
         at every step t",
        format!("{} ratios, {outside} outside", POWERS.len() * n),
        outside == 0,
    );
    let at_end: Vec<f64> = (0..POWERS.len())
        .map(|k| a.lp[k][n - 1] / a.infinity[n - 1])
        .collect();
    let (lo, hi) = ratio_bounds(ADAMAX_BETA2, 128.0, n);
    ledger.claim(
        section,
        "at the last step the ratio grows with p, and at p = 128 it is within 2% of 1",
        format!(
            "ratios {}; bounds at p = 128: {}, {}",
            list(&at_end, 4),
            fmt_sig(lo, 4),
            fmt_sig(hi, 4)
        ),
        at_end.windows(2).all(|w| w[0] < w[1]) && (at_end[POWERS.len() - 1] - 1.0).abs() < 0.02,
    );
    let (gap_hi, gap_lo) = a.lrbook_gap();
    ledger.claim(
        section,
        "lrbook's Adamax, with ε inside the max, exceeds the ε-free u⁽∞⁾ by at least 0 and at \
         most ε at every step",
        format!(
            "u_lrbook − u⁽∞⁾ from {} to {}, ε = 1e-8",
            fmt_sig(gap_lo, 2),
            fmt_sig(gap_hi, 2)
        ),
        gap_lo >= 0.0 && gap_hi <= 1e-8 * (1.0 + 1e-6),
    );

    // ε.
    let section = "What ε does";
    let e = &s.eps;
    let mut worst: f64 = 0.0;
    for (j, &eps) in EPSILONS.iter().enumerate() {
        for (i, &x) in e.scales.iter().enumerate() {
            worst = worst.max((e.steps[j][i] / constant_step(x, eps) - 1.0).abs());
        }
    }
    ledger.claim(
        section,
        "under a constant gradient of scale s, lrbook's Adam steps η·s/(s+ε), to 1e-9 relative, \
         at every s from 1e-12 to 100 and every ε",
        format!(
            "{} points, worst relative difference {}",
            EPSILONS.len() * e.scales.len(),
            below_or_value(worst, 1e-12)
        ),
        worst < 1e-9,
    );
    let (mut above, mut below) = (0.0f64, 0.0f64);
    for (j, &eps) in EPSILONS.iter().enumerate() {
        for (i, &x) in e.scales.iter().enumerate() {
            if x >= 1e3 * eps * 0.999 {
                above = above.max((e.steps[j][i] - 1.0).abs());
            }
            if x <= 1e-3 * eps * 1.001 {
                below = below.max((e.steps[j][i] / (x / eps) - 1.0).abs());
            }
        }
    }
    ledger.claim(
        section,
        "from s = 1000ε up the step is η within 0.1%; from s = ε/1000 down it is η·s/ε (SGD at \
         rate η/ε) within 0.1%",
        format!(
            "largest |step/η − 1| above: {}; largest |step/(ηs/ε) − 1| below: {}",
            fmt_sig(above, 2),
            fmt_sig(below, 2)
        ),
        above < 1e-3 && below < 1e-3,
    );

    // β₂.
    let section = "What β₂ does";
    let t = s.tables.iter().find(|t| t.id == "adam_knobs_jump").unwrap();
    let mut worst: f64 = 0.0;
    let mut ratio = Vec::new();
    for row in 0..t.rows.len() {
        let b2 = num(t, row, "β₂");
        let m0 = num(t, row, "measured, β₁ = 0");
        worst = worst.max((m0 / jump_step(b2, 100.0) - 1.0).abs());
        assert!(m0 <= num(t, row, "limit 1/√(1−β₂)"));
        ratio.push(num(t, row, "measured, β₁ = 0.9") / m0);
    }
    ledger.claim(
        section,
        "with β₁ = 0 the largest step after a jump by k = 100 is k/√(β₂+(1−β₂)k²) within 0.1%, \
         at every β₂ from 0.9 to 0.9999",
        format!(
            "{} β₂'s, worst relative difference {}",
            t.rows.len(),
            fmt_sig(worst, 2)
        ),
        t.rows.len() == 5 && worst < 1e-3,
    );
    ledger.claim(
        section,
        "with β₁ = 0.9 the largest step after the jump is less than a third of β₁ = 0's at every β₂",
        format!("ratio β₁ = 0.9 to β₁ = 0: {}", list(&ratio, 3)),
        ratio.iter().all(|r| *r < 1.0 / 3.0),
    );
    let t = s.tables.iter().find(|t| t.id == "adam_knobs_drop").unwrap();
    let mut off = Vec::new();
    for row in 0..t.rows.len() {
        let closed = drop_recovery(num(t, row, "β₂"), 100.0) as f64;
        assert_eq!(closed, num(t, row, "⌈ln(3/(k²−1))/ln β₂⌉"));
        off.push(num(t, row, "measured, β₁ = 0") - closed);
        off.push(num(t, row, "measured, β₁ = 0.9") - closed);
    }
    ledger.claim(
        section,
        "after a drop by k = 100 the step is back to η/2 within one step of ⌈ln(3/(k²−1))/ln β₂⌉, \
         with β₁ = 0 and with β₁ = 0.9, at every β₂",
        format!("measured − closed form: {}", list(&off, 1)),
        off.iter().all(|d| d.abs() <= 1.0),
    );
    let first: Vec<f64> = s
        .beta2
        .iter()
        .filter(|r| r.beta1 == 0.0)
        .map(|r| r.drop[0] / drop_first_step(r.beta2, 100.0) - 1.0)
        .collect();
    ledger.claim(
        section,
        "with β₁ = 0 the first step after the drop is (1/k)/√(β₂+(1−β₂)/k²) within 0.1%",
        format!(
            "largest relative difference {}",
            fmt_sig(first.iter().fold(0.0f64, |a, b| a.max(b.abs())), 2)
        ),
        first.len() == 5 && first.iter().all(|d| d.abs() < 1e-3),
    );

    // The exercises.
    let section = "Exercises";
    let t = common::solve_one::<HalfStep>(&Config::full_cpu());
    let rel = t.rows[0][3].render();
    ledger.claim(
        section,
        "exercise 6: the bisection finds Adam's step at η/2 where the gradient scale is ε, to 1e-9",
        format!("ε = 1e-8, |measured/closed − 1| {rel}"),
        rel == "< 1e-9" && (num(&t, 0, "measured s") / 1e-8 - 1.0).abs() < 1e-5,
    );
    let t = common::solve_one::<SpikeStep>(&Config::full_cpu());
    let worst = (0..2)
        .map(|r| {
            (num(&t, r, "measured largest step/η") / num(&t, r, "(β₁+(1−β₁)k)/√(β₂+(1−β₂)k²)")
                - 1.0)
                .abs()
        })
        .fold(0.0, f64::max);
    ledger.claim(
        section,
        "exercise 7: after a 100× one-step spike at β₂ = 0.999 the largest step is \
         (β₁+(1−β₁)k)/√(β₂+(1−β₂)k²) within 0.1%, with β₁ = 0 and 0.9, taken at the spike",
        format!(
            "largest step/η {} and {}; worst relative difference {}",
            fmt_sig(num(&t, 0, "measured largest step/η"), 4),
            fmt_sig(num(&t, 1, "measured largest step/η"), 4),
            fmt_sig(worst, 2)
        ),
        worst < 1e-3 && num(&t, 0, "at step") == 1.0 && num(&t, 1, "at step") == 1.0,
    );
    let jump = s.tables.iter().find(|t| t.id == "adam_knobs_jump").unwrap();
    let lasting = num(
        jump,
        common::row_where(jump, "β₂", "0.99900"),
        "measured, β₁ = 0.9",
    );
    let spike = num(&t, 1, "measured largest step/η");
    ledger.claim(
        section,
        "with β₁ = 0.9 and β₂ = 0.999 a lasting jump by 100 takes a largest step about twice \
         that of a one-step spike (between 1.8 and 2.2 times)",
        format!(
            "lasting {}, spike {}",
            fmt_sig(lasting, 4),
            fmt_sig(spike, 4)
        ),
        (1.8..=2.2).contains(&(lasting / spike)),
    );
    ledger.pin_on_cpus(
        concat!(file!(), "::adam_knobs_backs_the_books_claims"),
        "ch4_adam_knobs_claims",
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
    let six = common::solve_one::<HalfStep>(&Config::full_cpu());
    let seven = common::solve_one::<SpikeStep>(&Config::full_cpu());
    insta::assert_snapshot!(
        "ch4_adam_knobs_exercises",
        Report::with_tables("Chapter 4, exercises 6 and 7", vec![six, seven]).to_markdown()
    );
    // The closed form of exercise 7 at β₁ = 0 is the jump's.
    assert!((spike_step(0.0, 0.999, 100.0) - jump_step(0.999, 100.0)).abs() < 1e-15);
    pass.keep();
}

#[test]
fn bad_input_is_an_error() {
    let cfg = Config::quick_cpu();
    let mut six = HalfStep::defaults().unwrap();
    for e in [f64::NAN, 0.0, -1e-8, 2.0, 1e-13] {
        six.eps = e;
        assert!(six.solve(&cfg, None).is_err(), "ε = {e}");
    }
    six.eps = 1e-8;
    for n in [0, 1_000_000] {
        six.steps = n;
        assert!(six.solve(&cfg, None).is_err(), "steps = {n}");
    }
    let mut seven = SpikeStep::defaults().unwrap();
    for b in [f64::NAN, -0.1, 1.0, 0.999999] {
        seven.beta2 = b;
        assert!(seven.solve(&cfg, None).is_err(), "β₂ = {b}");
    }
    seven.beta2 = 0.999;
    for b in [f64::NAN, 1.0] {
        seven.beta1 = b;
        assert!(seven.solve(&cfg, None).is_err(), "β₁ = {b}");
    }
    seven.beta1 = 0.9;
    for k in [f64::NAN, 0.5, 1e7] {
        seven.spike = k;
        assert!(seven.solve(&cfg, None).is_err(), "k = {k}");
    }
}

#[test]
fn figures_are_written() {
    // Skipped while nothing it depends on has changed since it passed.
    let Some(pass) = common::kept::unless_passed(concat!(file!(), "::figures_are_written")) else {
        return;
    };
    common::check_section_figures(AdamKnobsSection::default());
    pass.keep();
}
