//! Chapter 3, "The noise floor, and why annealing works": the noisy-quadratic experiments
//! (part 1, the floor; part 2, annealing) and exercises 4 and 5 are pinned by snapshots, and
//! every formula the page states is checked against its measured counterpart.
use lrbook::chapters::ch3::annealing::{
    anneal_study, budget_table as anneal_table, robbins_monro_table, start_left, AnnealConfig,
    Annealing, ExponentialStall,
};
use lrbook::chapters::ch3::noise_floor::{
    budget_table, floor_study, floor_table, problem, theta0, transient_table, FloorConfig,
    HalveOrDouble, NoiseFloor, LEVEL,
};
use lrbook::chapters::exercise::Exercise;
use lrbook::chapters::Config;
use lrbook::report::{fmt_sig, Report};
use lrbook::stats::mean_ci;

mod common;
use common::ledger::{compared, Ledger};
use common::{cell, cpu_single_thread, num, row_where};

fn reports(
    cfg: &Config,
) -> (
    Report,
    lrbook::chapters::ch3::noise_floor::FloorStudy,
    lrbook::chapters::ch3::annealing::AnnealStudy,
) {
    let f = floor_study(cfg, &FloorConfig::for_config(cfg.quick)).unwrap();
    let a = anneal_study(cfg, &AnnealConfig::for_config(cfg.quick)).unwrap();
    let tables = vec![
        floor_table(&f).unwrap(),
        transient_table(&f).unwrap(),
        budget_table(&f).unwrap(),
        anneal_table(&a).unwrap(),
        robbins_monro_table(&a).unwrap(),
    ];
    let title = format!("{} / {}", NoiseFloor::title(), Annealing::title());
    (Report::with_tables(&title, tables), f, a)
}

#[test]
fn quick_reports_are_pinned_and_match_the_examples() {
    // Skipped while nothing it depends on has changed since it passed.
    let Some(pass) = common::kept::unless_passed(concat!(
        file!(),
        "::quick_reports_are_pinned_and_match_the_examples"
    )) else {
        return;
    };
    let _rng = cpu_single_thread();
    let cfg = Config::quick_cpu();
    let (report, _, _) = reports(&cfg);
    // The examples' solve gives the same tables.
    let mut solved = common::solve::<NoiseFloor>(&cfg).tables;
    solved.extend(common::solve::<Annealing>(&cfg).tables);
    assert_eq!(solved, report.tables);
    insta::assert_snapshot!("ch3_noise_floor_quick", report.to_markdown());
    pass.keep();
}

#[test]
fn full_reports_back_the_books_claims() {
    // Skipped while nothing it depends on has changed since it last passed.
    let Some(pass) =
        common::kept::unless_passed(concat!(file!(), "::full_reports_back_the_books_claims"))
    else {
        return;
    };
    let _rng = cpu_single_thread();
    let cfg = Config::full_cpu();
    let (report, f, a) = reports(&cfg);
    let test = "tests/ch3_noise_floor.rs::full_reports_back_the_books_claims";
    let mut ledger = Ledger::new("ch3_noise_floor_claims", test);
    let q = problem().unwrap();
    let trace: f64 = q.sigmas().iter().map(|s| s * s).sum();

    // Part 1: the floor.
    let sec = "The noise floor";
    let sweep = report.table("noise_floor_sweep").unwrap();
    let ratios: Vec<f64> = (0..sweep.rows.len())
        .map(|r| num(sweep, r, "measured ÷ formula"))
        .collect();
    let worst = ratios.iter().map(|r| (r - 1.0).abs()).fold(0.0, f64::max);
    // From the raw window averages, not the rounded cells.
    let raw_worst = f
        .points
        .iter()
        .map(|p| (lrbook::stats::mean(&p.per_chain) / p.formula - 1.0).abs())
        .fold(0.0, f64::max);
    ledger.claim(
        sec,
        &format!(
            "the measured stationary loss is within 5% of Σ ησᵢ²/(2B(2−ηλᵢ)) at all {} (η, B)",
            sweep.rows.len()
        ),
        format!(
            "largest |measured ÷ formula − 1| = {}",
            fmt_sig(raw_worst, 2)
        ),
        raw_worst < 0.05 && worst < 0.05,
    );
    let within = f
        .points
        .iter()
        .filter(|p| {
            let ci = mean_ci(&p.per_chain, LEVEL).unwrap();
            let (lo, hi) = ci.interval();
            lo <= p.formula && p.formula <= hi
        })
        .count();
    ledger.claim(
        sec,
        "the formula lies inside the measured 99% interval in every row",
        format!("{within} of {} rows", f.points.len()),
        within == f.points.len(),
    );
    let small: Vec<f64> = f
        .points
        .iter()
        .filter(|p| p.eta <= 0.2)
        .map(|p| p.formula * p.batch as f64 / p.eta / (trace / 4.0) - 1.0)
        .collect();
    let small_worst = small.iter().map(|x| x.abs()).fold(0.0, f64::max);
    ledger.claim(
        sec,
        "for η ≤ 0.2 the floor is η/B times tr(Σ)/4 within 10%",
        format!("largest deviation {}", fmt_sig(small_worst, 2)),
        !small.is_empty() && small_worst < 0.1,
    );
    let top = f
        .points
        .iter()
        .find(|p| p.eta == 1.5 && p.batch == 1)
        .unwrap();
    let top_ratio = top.formula / (1.5 * trace / 4.0);
    ledger.claim(
        sec,
        "at η = 1.5 the floor is more than twice the η/B line: the 1/(2 − ηλ) factor",
        compared(top_ratio, ">", 2.0),
        top_ratio > 2.0,
    );

    let sec = "Time to reach the floor";
    let tr = report.table("noise_floor_transient").unwrap();
    let mut worst_gap = 0.0f64;
    let mut ok = true;
    for r in 0..tr.rows.len() {
        let (e, m) = (num(tr, r, "steps (exact)"), num(tr, r, "steps (measured)"));
        worst_gap = worst_gap.max((e - m).abs());
        ok &= (e - m).abs() <= (0.1 * e).max(2.0);
    }
    ledger.claim(
        sec,
        "the chains shed the start when the recursion says, within 10% or 2 steps",
        format!("largest gap {} steps", fmt_sig(worst_gap, 2)),
        ok,
    );
    let products: Vec<f64> = (0..tr.rows.len())
        .map(|r| num(tr, r, "steps · ηλ_min"))
        .collect();
    let (lo, hi) = products
        .iter()
        .fold((f64::INFINITY, 0.0f64), |(a, b), &x| (a.min(x), b.max(x)));
    ledger.claim(
        sec,
        "steps · ηλ_min stays between 0.67 and 0.75 across a 30-fold range of η",
        format!("{} to {}", fmt_sig(lo, 3), fmt_sig(hi, 3)),
        lo >= 0.67 && hi <= 0.75 && tr.rows.len() == 6,
    );

    let sec = "The best constant rate for a budget";
    let bt = report.table("noise_floor_budget").unwrap();
    let mut ok = true;
    let mut worst = 0.0f64;
    for b in &f.budgets {
        let ci = mean_ci(&b.per_chain, LEVEL).unwrap();
        let (lo, hi) = ci.interval();
        worst = worst.max((ci.mean / b.exact - 1.0).abs());
        ok &= lo <= b.exact && b.exact <= hi;
    }
    ledger.claim(
        sec,
        "at every budget the exact E f(θ_T) lies inside the chains' 99% interval",
        format!("largest |measured ÷ exact − 1| = {}", fmt_sig(worst, 2)),
        ok && worst < 0.1,
    );
    let etas: Vec<f64> = f.budgets.iter().map(|b| b.eta).collect();
    ledger.claim(
        sec,
        "the best constant η falls as the budget grows",
        format!(
            "best η {} at T = 50 to {} at T = 2000",
            fmt_sig(etas[0], 3),
            fmt_sig(*etas.last().unwrap(), 3)
        ),
        etas.windows(2).all(|w| w[1] < w[0]),
    );
    let shares: Vec<f64> = (0..bt.rows.len())
        .map(|r| num(bt, r, "floor share of E f(θ_T)"))
        .collect();
    ledger.claim(
        sec,
        "at its best η the floor is most of the loss (over 60%), and a growing share",
        format!(
            "share {} to {}",
            fmt_sig(shares[0], 3),
            fmt_sig(*shares.last().unwrap(), 3)
        ),
        shares.iter().all(|&s| s > 0.6) && shares.windows(2).all(|w| w[1] > w[0]),
    );

    // Part 2: annealing at one budget.
    let sec = "Annealing reaches below the floor";
    let at = report.table("annealing_budget").unwrap();
    let mut ok = true;
    let mut worst = 0.0f64;
    for r in &a.tuned {
        let ci = mean_ci(&r.per_chain, LEVEL).unwrap();
        let (lo, hi) = ci.interval();
        worst = worst.max((ci.mean / r.exact - 1.0).abs());
        ok &= lo <= r.exact && r.exact <= hi;
    }
    ledger.claim(
        sec,
        "every schedule's exact E f(θ_T) lies inside its chains' 99% interval",
        format!("largest |measured ÷ exact − 1| = {}", fmt_sig(worst, 2)),
        ok && worst < 0.1,
    );
    let floor = q.floor(a.tuned[0].etas[0], a.config.batch).unwrap();
    for name in ["step decay", "cosine", "1/t"] {
        let r = a.tuned.iter().find(|r| r.name == name).unwrap();
        let hi = mean_ci(&r.per_chain, LEVEL).unwrap().interval().1;
        ledger.claim(
            sec,
            &format!("{name} ends below the floor of the best constant η, measured"),
            format!("upper end of the 99% interval {}", compared(hi, "<", floor)),
            hi < floor,
        );
    }
    let ratio = |name: &str| num(at, row_where(at, "schedule", name), "÷ best constant");
    ledger.claim(
        sec,
        "cosine and 1/t end at less than a third of the best constant's loss, step decay at \
         less than half",
        format!(
            "÷ best constant: cosine {}, 1/t {}, step {}",
            fmt_sig(ratio("cosine"), 3),
            fmt_sig(ratio("1/t"), 3),
            fmt_sig(ratio("step decay"), 3)
        ),
        ratio("cosine") < 1.0 / 3.0 && ratio("1/t") < 1.0 / 3.0 && ratio("step decay") < 0.5,
    );

    let expo = a
        .tuned
        .iter()
        .find(|r| r.name == "exponential, fixed γ")
        .unwrap();
    let others = a
        .tuned
        .iter()
        .filter(|r| r.name != expo.name)
        .map(|r| r.exact)
        .fold(0.0, f64::max);
    ledger.claim(
        sec,
        "exponential decay with a fixed γ ends above every other schedule, the best constant included",
        format!("E f(θ_T) {}", compared(expo.exact, ">", others)),
        expo.exact > others,
    );
    let step = a.tuned.iter().find(|r| r.name == "step decay").unwrap();
    let half = a.config.budget / 2;
    let step_floor = q.floor(step.etas[0], a.config.batch).unwrap();
    let at_cut = step.curve[half] / step_floor;
    ledger.claim(
        sec,
        "step decay sits on the floor of its first rate at its first cut (within 10%)",
        format!("chain mean at T/2 ÷ floor(η₀) = {}", fmt_sig(at_cut, 3)),
        (at_cut - 1.0).abs() < 0.1,
    );
    let (e0, t0) = a.inverse_t;
    let product = e0 * t0 * q.lambda_min();
    ledger.claim(
        sec,
        "the tuned 1/t has η₀t₀λ_min just above 1/2, the least for a 1/T rate along λ_min",
        compared(product, ">", 0.5),
        product > 0.5 && product < 0.6,
    );

    let sec = "Robbins–Monro";
    let rm = report.table("annealing_robbins_monro").unwrap();
    let curve = |name: &str| &a.horizon_curves.iter().find(|c| c.0 == name).unwrap().2;
    let hs = &a.config.horizons;
    let c = curve("constant");
    let c_floor = q.floor(a.tuned[0].etas[0], a.config.batch).unwrap();
    let flat = hs[2..]
        .iter()
        .map(|&h| (c[h] / c_floor - 1.0).abs())
        .fold(0.0, f64::max);
    ledger.claim(
        sec,
        "the constant rate sits at its floor from T = 20000 on",
        format!("largest |E f(θ_T) ÷ floor − 1| = {}", fmt_sig(flat, 2)),
        flat < 1e-6,
    );
    let inv = curve("1/t");
    let drops: Vec<f64> = hs[1..].windows(2).map(|w| inv[w[0]] / inv[w[1]]).collect();
    ledger.claim(
        sec,
        "1/t keeps falling: about tenfold per tenfold budget from T = 2000 on",
        format!(
            "ratios {}",
            drops
                .iter()
                .map(|d| fmt_sig(*d, 3))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        drops.iter().all(|&d| (9.0..11.0).contains(&d)),
    );
    let ex = curve("exponential, fixed γ");
    let (_, etas_ex, _) = a
        .horizon_curves
        .iter()
        .find(|c| c.0 == "exponential, fixed γ")
        .unwrap();
    let left = start_left(&q, &theta0(), etas_ex);
    let stall = (ex[hs[0]] / ex[*hs.last().unwrap()] - 1.0).abs();
    ledger.claim(
        sec,
        "exponential decay with a fixed γ stalls from T = 200 on, above the start it cannot shed",
        format!(
            "E f(θ_T) changes by {} from T = 200 to 2000000; start left {}",
            fmt_sig(stall, 2),
            fmt_sig(left, 3)
        ),
        stall < 1e-6 && left > 0.0 && ex[*hs.last().unwrap()] >= left,
    );
    let sum_ex = num(
        rm,
        row_where(rm, "schedule", "exponential, fixed γ"),
        "Σηₜ to 2000000",
    );
    ledger.claim(
        sec,
        "the exponential's Σηₜ is η₀/(1−γ) = η₀t₀",
        compared(sum_ex, "=", e0 * t0),
        (sum_ex / (e0 * t0) - 1.0).abs() < 1e-3,
    );
    // Measured counterpart at T = budget: the exponential row of the budget table.
    assert_eq!(hs[1], a.config.budget);

    // Exercises.
    let ex4 = common::solve_one::<HalveOrDouble>(&cfg);
    let ex5 = common::solve_one::<ExponentialStall>(&cfg);
    let sec = "Exercise 4: halve η or double B";
    let fl = |r: &str| num(&ex4, row_where(&ex4, "change", r), "floor (formula)");
    let fm = |r: &str| num(&ex4, row_where(&ex4, "change", r), "floor (measured)");
    let steps = |r: &str| {
        num(
            &ex4,
            row_where(&ex4, "change", r),
            "steps to shed the start",
        )
    };
    let examples = |r: &str| num(&ex4, row_where(&ex4, "change", r), "examples (steps · B)");
    let worst = ["as given", "η halved", "B doubled"]
        .iter()
        .map(|r| (fm(r) / fl(r) - 1.0).abs())
        .fold(0.0, f64::max);
    ledger.claim(
        sec,
        "the measured floors are within 5% of the formula",
        format!("largest |measured ÷ formula − 1| = {}", fmt_sig(worst, 2)),
        worst < 0.05,
    );
    ledger.claim(
        sec,
        "doubling B halves the floor exactly; halving η a little more than halves it",
        format!(
            "÷ as given: B doubled {}, η halved {}",
            fmt_sig(fl("B doubled") / fl("as given"), 4),
            fmt_sig(fl("η halved") / fl("as given"), 4)
        ),
        (fl("B doubled") / fl("as given") - 0.5).abs() < 1e-12
            && fl("η halved") / fl("as given") < 0.5,
    );
    ledger.claim(
        sec,
        "halving η doubles the steps; doubling B keeps them; the examples come out about equal",
        format!(
            "steps {} / {} / {}, examples {} / {}",
            steps("as given"),
            steps("η halved"),
            steps("B doubled"),
            examples("η halved"),
            examples("B doubled")
        ),
        (steps("η halved") / steps("as given") - 2.0).abs() < 0.1
            && steps("B doubled") == steps("as given")
            && (examples("η halved") / examples("B doubled") - 1.0).abs() < 0.05,
    );
    let sec = "Exercise 5: exponential decay stalls";
    let mut ok = true;
    let mut prod = Vec::new();
    for r in 0..ex5.rows.len() {
        let sum = num(&ex5, r, "η₀/(1−γ)");
        let stall = num(&ex5, r, "E f(θ_T), T = 1000000");
        prod.push(stall * sum);
        ok &= num(&ex5, r, "start left") < stall;
        let m = cell(&ex5, r, "measured").render();
        let (mean, hw) = m.split_once(" ± ").unwrap();
        let (mean, hw): (f64, f64) = (mean.parse().unwrap(), hw.parse().unwrap());
        let exact = num(&ex5, r, "E f(θ_T), T = 10000");
        ok &= (mean - exact).abs() <= hw;
    }
    ledger.claim(
        sec,
        "every γ stalls above zero; the chains agree with the recursion within their 99% \
         interval; stall × Σηₜ stays within 0.06 to 0.08",
        format!(
            "stall × η₀/(1−γ): {}",
            prod.iter()
                .map(|p| fmt_sig(*p, 3))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        ok && prod.iter().all(|p| (0.06..0.08).contains(p)),
    );

    insta::assert_snapshot!("ch3_noise_floor_full", report.to_markdown());
    let exercises = Report::with_tables("Chapter 3 exercises 4 and 5", vec![ex4, ex5]);
    insta::assert_snapshot!("ch3_noise_floor_exercises", exercises.to_markdown());
    ledger.pin("ch3_noise_floor_claims");
    pass.keep();
}
