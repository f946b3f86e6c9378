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
    // Skipped while nothing it depends on has changed since it passed.
    let Some(pass) = common::kept::unless_passed(concat!(
        file!(),
        "::quick_report_is_pinned_and_matches_the_closed_forms"
    )) else {
        return;
    };
    let (_rng, ch) = common::pinned_report!(ch1::run, Config::quick_cpu(), "ch1_quick_report");
    check_claims(&ch, &mut Ledger::new("ch1_quick_claims", "quick"), false);
    pass.keep();
}

/// The book shows the full configuration's tables; they are pinned too, and the claims the
/// prose makes about them are asserted and listed in the claims ledger.
#[test]
fn full_report_is_pinned_and_backs_the_books_claims() {
    // Skipped while nothing it depends on has changed since it last passed.
    let Some(pass) = common::kept::unless_passed(concat!(
        file!(),
        "::full_report_is_pinned_and_backs_the_books_claims"
    )) else {
        return;
    };
    let (_rng, ch) = common::pinned_book_report!(ch1::Flags, "ch1_full_report");
    let mut ledger = Ledger::new(
        "ch1_claims",
        "tests/ch1_quadratic.rs::full_report_is_pinned_and_backs_the_books_claims",
    );
    check_claims(&ch, &mut ledger, true);
    ledger.pin("ch1_claims");
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
    let [iterates, verdicts]: [Table; 2] =
        common::solve::<Iterates>(&cfg).tables.try_into().unwrap();
    let mut ledger = Ledger::new(
        "ch1_exercise_claims",
        "tests/ch1_quadratic.rs::exercises_are_pinned",
    );
    let list = |xs: &[f64], digits: usize| {
        xs.iter()
            .map(|&x| fmt_sig(x, digits))
            .collect::<Vec<_>>()
            .join(", ")
    };
    // Whole numbers (step counts, κ, iterates that are integers) as they are.
    let whole = |xs: &[f64]| {
        xs.iter()
            .map(|x| format!("{x}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    // Exercise 1 (instructor's guide): a = 2, so each step multiplies the error w − 5 by
    // 1 − 2η: 0.8 creeps towards 5, 0 lands on 5 in one step, −1 alternates between 0 and
    // 10, −2 doubles the error and flips its sign.
    assert_eq!(iterates.rows.len(), 11, "t = 0 to 10");
    assert_eq!(verdicts.rows.len(), 4, "one verdict per η");
    let ex1 = "Exercise 1";
    let w = |eta: &str| -> Vec<f64> {
        (0..iterates.rows.len())
            .map(|t| num(&iterates, t, &format!("w_t (η = {eta})")))
            .collect()
    };
    let factors: Vec<f64> = (0..verdicts.rows.len())
        .map(|row| num(&verdicts, row, "factor 1 − 2η"))
        .collect();
    let factor_is_1_minus_2eta = (0..verdicts.rows.len())
        .all(|row| (factors[row] - (1.0 - 2.0 * num(&verdicts, row, "η"))).abs() <= 1e-12);
    ledger.claim(
        ex1,
        "a = 2, so the error factor is 1 − 2η: 0.8, 0, −1 and −2 at η = 0.1, 0.5, 1.0 and 1.5",
        format!("exact to 1e-12: {}", list(&factors, 1)),
        factor_is_1_minus_2eta
            && factors
                .iter()
                .zip([0.8, 0.0, -1.0, -2.0])
                .all(|(f, want)| (f - want).abs() <= 1e-12),
    );
    let slow = w("0.1");
    let creeps = slow
        .iter()
        .enumerate()
        .all(|(t, &x)| (x - (5.0 - 5.0 * 0.8f64.powi(t as i32))).abs() <= 1e-12)
        && slow.windows(2).all(|p| p[0] < p[1] && p[1] < 5.0);
    ledger.claim(
        ex1,
        "at η = 0.1 the iterates creep towards 5: w_t = 5 − 5·0.8ᵗ rises at every step and \
         stays below 5",
        format!("exact to 1e-12: w₁₀ = {}", fmt_sig(slow[10], 6)),
        creeps,
    );
    let one_step = w("0.5");
    ledger.claim(
        ex1,
        "at η = 0.5 the first step lands on 5 exactly, and the iterates stay there",
        format!(
            "exact: w_t = 5 at {} of 10 steps",
            one_step[1..].iter().filter(|&&x| x == 5.0).count()
        ),
        one_step[1..].iter().all(|&x| x == 5.0),
    );
    let cycle = w("1");
    ledger.claim(
        ex1,
        "at η = 1.0 the iterates alternate between 0 and 10: the run neither converges nor \
         diverges",
        format!("exact: w_t = {} for t = 0 to 10", whole(&cycle)),
        cycle
            .iter()
            .enumerate()
            .all(|(t, &x)| x == if t % 2 == 0 { 0.0 } else { 10.0 }),
    );
    let grows = w("1.5");
    ledger.claim(
        ex1,
        "at η = 1.5 the error doubles and flips sign each step: w_t − 5 = −5·(−2)ᵗ",
        format!("exact: w₁₀ = {}", grows[10]),
        grows
            .iter()
            .enumerate()
            .all(|(t, &x)| x - 5.0 == -5.0 * (-2f64).powi(t as i32)),
    );
    let verdict: Vec<String> = (0..verdicts.rows.len())
        .map(|row| cell(&verdicts, row, "verdict").render())
        .collect();
    ledger.claim(
        ex1,
        "η = 0.1 converges, 0.5 converges in one step, 1.0 is a 2-cycle that does not diverge \
         but does not converge, and 1.5 diverges",
        format!(
            "verdicts from |1 − 2η| = {}",
            list(&factors.iter().map(|f| f.abs()).collect::<Vec<_>>(), 1)
        ),
        verdict
            == [
                "converges",
                "converges in one step",
                "does not converge: 2-cycle",
                "diverges",
            ],
    );

    // Exercise 2: the rates at 1/λmax and at η*, the bounds ⌈ln ε / ln rate⌉, their ratio
    // rising to 2, and the measured counts: equal to the bound at η*, and at 1/λmax equal to
    // ⌈ln(√2 ε)/ln(1 − 1/κ)⌉, never above the worst-case bound.
    let [best]: [Table; 1] = common::solve::<BestFixedStep>(&cfg)
        .tables
        .try_into()
        .unwrap();
    let ex2 = "Exercise 2";
    let eps = 1e-6;
    assert!(best.title.contains("ε = 1e-6"), "{}", best.title);
    let rows = 0..best.rows.len();
    let col = |name: &str| -> Vec<f64> { rows.clone().map(|r| num(&best, r, name)).collect() };
    let kappa = col("κ");
    let (naive_rate, best_rate) = (col("1/λmax: rate"), col("η*: rate"));
    let (naive_bound, best_bound) = (col("1/λmax: steps (bound)"), col("η*: steps (bound)"));
    let (naive_measured, best_measured) =
        (col("1/λmax: steps (measured)"), col("η*: steps (measured)"));
    let ratio = col("ratio of the bounds");
    assert_eq!(kappa, [2.0, 10.0, 100.0, 1000.0]);
    ledger.claim(
        ex2,
        "the slowest factor is 1 − 1/κ at η = 1/λmax and (κ − 1)/(κ + 1) at η*",
        format!("exact to 1e-12, κ = {}", whole(&kappa)),
        rows.clone().all(|r| {
            let k = kappa[r];
            (naive_rate[r] - (1.0 - 1.0 / k)).abs() <= 1e-12
                && (best_rate[r] - (k - 1.0) / (k + 1.0)).abs() <= 1e-12
        }),
    );
    let ceil_steps = |rate: f64, tol: f64| (tol.ln() / rate.ln()).ceil();
    ledger.claim(
        ex2,
        "the step counts of the bound columns are ⌈ln ε / ln(rate)⌉ at both step sizes",
        format!("exact, {} values of κ", kappa.len()),
        rows.clone().all(|r| {
            naive_bound[r] == ceil_steps(naive_rate[r], eps)
                && best_bound[r] == ceil_steps(best_rate[r], eps)
        }),
    );
    let last = ratio.len() - 1;
    ledger.claim(
        ex2,
        "the ratio of the bounds' step counts tends to 2 as κ grows: it rises with κ and is 2.00 \
         at κ = 1000 (between 1.99 and 2.01)",
        format!("ratios {}", list(&ratio, 3)),
        ratio.windows(2).all(|p| p[0] < p[1]) && (1.99..=2.01).contains(&ratio[last]),
    );
    ledger.claim(
        ex2,
        "at η* the measured counts equal the closed form exactly",
        format!("exact: {}", whole(&best_measured)),
        best_measured == best_bound,
    );
    ledger.claim(
        ex2,
        "at 1/λmax the measured count is ⌈ln(√2 ε)/ln(1 − 1/κ)⌉: 20, 128, 1341 and 13463",
        format!("exact: {}", whole(&naive_measured)),
        rows.clone()
            .all(|r| naive_measured[r] == ceil_steps(1.0 - 1.0 / kappa[r], 2f64.sqrt() * eps))
            && naive_measured == [20.0, 128.0, 1341.0, 13463.0],
    );
    ledger.claim(
        ex2,
        "the closed-form column is the worst case over starts: at 1/λmax no measured count \
         exceeds it",
        format!(
            "measured {} against bounds {}",
            whole(&naive_measured),
            whole(&naive_bound)
        ),
        rows.clone().all(|r| naive_measured[r] <= naive_bound[r]),
    );

    // Exercise 3: the sweep's edge against 2(1 + β), to within the sweep's resolution.
    let [edge]: [Table; 1] = common::solve::<MomentumEdge>(&cfg)
        .tables
        .try_into()
        .unwrap();
    let ex3 = "Exercise 3";
    let rows = 0..edge.rows.len();
    let beta: Vec<f64> = rows.clone().map(|r| num(&edge, r, "β")).collect();
    let predicted: Vec<f64> = rows
        .clone()
        .map(|r| num(&edge, r, "predicted edge 2(1+β)"))
        .collect();
    ledger.claim(
        ex3,
        "the predicted edge is 2(1 + β)",
        format!("exact to 1e-12, β = {}", list(&beta, 2)),
        rows.clone()
            .all(|r| (predicted[r] - 2.0 * (1.0 + beta[r])).abs() <= 1e-12),
    );
    let gaps: Vec<f64> = rows
        .clone()
        .map(|r| {
            (predicted[r] - num(&edge, r, "measured edge")) / num(&edge, r, "sweep resolution")
        })
        .collect();
    ledger.claim(
        ex3,
        "the measured edge agrees with the prediction to within the sweep's resolution: at \
         most one sweep step below it, never above",
        format!("(predicted − measured) / resolution = {}", list(&gaps, 3)),
        gaps.iter().all(|&g| g > 0.0 && g <= 1.0 + 1e-9),
    );

    let tables = [vec![iterates, verdicts], vec![best], vec![edge]].concat();
    let report = Report::with_tables("Chapter 1 exercises", tables);
    insta::assert_snapshot!("ch1_exercises", report.to_markdown());
    ledger.pin("ch1_exercise_claims");
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
    common::check_chapter_figures::<ch1::Flags>(&[], |_| ());
    pass.keep();
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
