//! Chapter 5, "The large-batch recipe": the section's quick and full reports are pinned
//! (f64 runs, so they round alike on every processor), the claims of the page are asserted
//! with their statistics over the shared seeds and pinned in the ledger, and exercise 4 is
//! pinned and checked.
use lrbook::chapters::ch5::large_batch::exercise::{ClipNorm, WarmupAtBatch};
use lrbook::chapters::ch5::large_batch::{
    large_batch_recipe, Contender, Family, LargeBatchRecipe, Recipe, SeedLosses,
};
use lrbook::chapters::exercise::Exercise;
use lrbook::chapters::Config;
use lrbook::report::{fmt_sig, Report};
use lrbook::stats::{self, Paired, LEVEL};

mod common;
use common::ledger::{compared, Ledger, Verdict};
use common::{cpu_single_thread, row_where};

/// The section's report, as its example prints it.
fn report(r: &Recipe) -> String {
    Report::with_tables(&LargeBatchRecipe::title(), r.tables.clone()).to_markdown()
}

/// The paired comparison of a run against the per-seed targets ((1 + tolerance) × base).
fn vs_target(r: &Recipe, res: &SeedLosses) -> Paired {
    r.against_target(res).expect("no seed diverged")
}

fn run_at(r: &Recipe, contender: Contender, batch: usize) -> &SeedLosses {
    &r.at(contender, batch).expect("a run at this batch").result
}

#[test]
fn quick_report_is_pinned() {
    // Skipped while nothing it depends on has changed since it passed.
    let Some(pass) = common::kept::unless_passed(concat!(file!(), "::quick_report_is_pinned"))
    else {
        return;
    };
    let _rng = cpu_single_thread();
    let r = large_batch_recipe(&Config::quick_cpu()).unwrap();
    insta::assert_snapshot!("ch5_large_batch_recipe_quick_report", report(&r));
    assert_eq!(r.runs.len(), Contender::ALL.len() * r.config.batches.len());
    pass.keep();
}

/// The full run: its report pinned, the page's claims asserted and pinned.
#[test]
fn large_batch_recipe_backs_the_books_claims() {
    // Skipped while nothing it depends on has changed since it last passed.
    let Some(pass) = common::kept::unless_passed(concat!(
        file!(),
        "::large_batch_recipe_backs_the_books_claims"
    )) else {
        return;
    };
    let _rng = cpu_single_thread();
    let r = lrbook::cli::book_section::<lrbook::chapters::ch5::large_batch::LargeBatchRecipe>()
        .unwrap();
    insta::assert_snapshot!("ch5_large_batch_recipe_full_report", report(&r));
    let test = "tests/ch5_large_batch_recipe.rs::large_batch_recipe_backs_the_books_claims";
    let mut ledger = Ledger::new("ch5_large_batch_recipe_claims", test);
    let c = &r.config;
    let [sgd, lars, adam_sqrt, adam_linear, lamb] = Contender::ALL;
    let target = stats::mean(&r.targets());

    // The base rates: each grid's best is inside its grid, not at an end.
    let section = "Contenders and their base rates";
    for (family, lrs) in &c.grids {
        let chosen = r.base_lr(*family);
        let at = lrs.iter().position(|&lr| lr == chosen).unwrap();
        let losses: Vec<String> = r
            .grid
            .iter()
            .filter(|g| g.0 == *family)
            .map(|g| fmt_sig(g.2, 3))
            .collect();
        ledger.claim(
            section,
            &format!(
                "{}'s best base rate at B₀ lies inside its grid, not at an end",
                family.name()
            ),
            format!(
                "η = {} of {} grid points; losses {}",
                fmt_sig(chosen, 3),
                lrs.len(),
                losses.join(", ")
            ),
            at > 0 && at + 1 < lrs.len(),
        );
    }

    // How far each contender lets the batch grow.
    let section = "How far each lets the batch grow";
    for contender in [adam_sqrt, adam_linear, lamb] {
        ledger.claim(
            section,
            &format!(
                "{} matches the base up to B = 512 (16 × B₀) and not at 2048",
                contender.name()
            ),
            format!(
                "largest matching B = {}; mean loss at 512 {}",
                r.largest_matching(contender),
                compared(stats::mean(&run_at(&r, contender, 512).losses), "≤", target)
            ),
            r.largest_matching(contender) == 512,
        );
        ledger.paired(
            section,
            &format!(
                "{} at B = 2048 misses the target beyond the seed noise",
                contender.name()
            ),
            &vs_target(&r, run_at(&r, contender, 2048)),
            Verdict::Above,
        );
    }
    for contender in [adam_sqrt, lamb] {
        ledger.paired(
            section,
            &format!(
                "{} at B = 128 is below the target beyond the seed noise",
                contender.name()
            ),
            &vs_target(&r, run_at(&r, contender, 128)),
            Verdict::Below,
        );
    }
    for contender in [sgd, lars] {
        ledger.claim(
            section,
            &format!(
                "{} with warmup misses the target on the mean already at B = 128",
                contender.name()
            ),
            compared(stats::mean(&run_at(&r, contender, 128).losses), ">", target),
            r.largest_matching(contender) == c.base_batch(),
        );
        ledger.paired(
            section,
            &format!(
                "{} at B = 128: the seeds cannot tell its loss from the target",
                contender.name()
            ),
            &vs_target(&r, run_at(&r, contender, 128)),
            Verdict::Within,
        );
        ledger.paired(
            section,
            &format!(
                "{} at B = 512 misses the target beyond the seed noise",
                contender.name()
            ),
            &vs_target(&r, run_at(&r, contender, 512)),
            Verdict::Above,
        );
        let at_2048 = run_at(&r, contender, 2048);
        ledger.claim(
            section,
            &format!("{} at B = 2048 diverges on every seed", contender.name()),
            format!(
                "{} of {} seeds diverged",
                at_2048.diverged(),
                at_2048.losses.len()
            ),
            at_2048.diverged() == at_2048.losses.len(),
        );
    }

    // Adam's √ rule against its linear control.
    let section = "The square-root rule for Adam";
    for (batch, verdict, what) in [
        (
            128,
            Verdict::Within,
            "the seeds cannot tell the two rules apart",
        ),
        (
            512,
            Verdict::Within,
            "the seeds cannot tell the two rules apart",
        ),
        (
            2048,
            Verdict::Below,
            "the √ rule ends lower, beyond the seed noise",
        ),
    ] {
        let p = stats::paired(
            &run_at(&r, adam_sqrt, batch).losses,
            &run_at(&r, adam_linear, batch).losses,
            LEVEL,
        )
        .unwrap();
        ledger.paired(
            section,
            &format!("Adam at B = {batch}, √ rule − linear rule: {what}"),
            &p,
            verdict,
        );
    }

    // Warmup length.
    let section = "Warmup length";
    let w = &r.warmup;
    let pair = |i: usize| stats::paired(&w[i].1.losses, &w[i - 1].1.losses, LEVEL).unwrap();
    ledger.paired(
        section,
        &format!(
            "at B = {}, a quarter epoch of warmup ends lower than none, beyond the seed noise",
            c.warmup_batch
        ),
        &pair(1),
        Verdict::Below,
    );
    for i in 2..w.len() {
        ledger.paired(
            section,
            &format!(
                "{} epochs of warmup against {}: the seeds cannot tell them apart",
                fmt_sig(w[i].0, 3),
                fmt_sig(w[i - 1].0, 3)
            ),
            &pair(i),
            Verdict::Within,
        );
    }
    let best_warmup = w
        .iter()
        .map(|(_, res)| stats::mean(&res.losses))
        .fold(f64::INFINITY, f64::min);
    ledger.claim(
        section,
        &format!(
            "no warmup length brings SGD at B = {} to the target",
            c.warmup_batch
        ),
        format!(
            "lowest mean loss over the lengths {}",
            compared(best_warmup, ">", target)
        ),
        best_warmup > target,
    );

    // Clipping.
    let section = "Clipping";
    let [unclipped, clipped] = &r.clipping;
    ledger.claim(
        section,
        &format!(
            "at B = {} with the linear rule and no warmup, every seed diverges unclipped and \
             none clipped at norm {}",
            c.clip_batch,
            fmt_sig(c.clip_norm, 3)
        ),
        format!(
            "diverged: {} of {} unclipped, {} of {} clipped",
            unclipped.diverged(),
            unclipped.losses.len(),
            clipped.diverged(),
            clipped.losses.len()
        ),
        unclipped.diverged() == unclipped.losses.len() && clipped.diverged() == 0,
    );
    let rate = stats::mean(&clipped.clip_rates);
    ledger.claim(
        section,
        "the clipped run clips more than 9 steps in 10, and still ends far above the target",
        format!(
            "clip rate {}; mean loss {}",
            fmt_sig(rate, 3),
            compared(stats::mean(&clipped.losses), ">", target)
        ),
        rate > 0.9 && stats::mean(&clipped.losses) > 2.0 * target,
    );
    let norms = &clipped.first_seed_norms;
    let above = norms.iter().filter(|&&n| n > c.clip_norm).count();
    let late = norms[norms.len() / 2..].iter().copied().fold(0.0, f64::max);
    ledger.claim(
        section,
        "on the first seed the norm before clipping does not settle: it is as large in the \
         second half of the run as at its first step, and all but one step clip",
        format!(
            "{above} of {} steps above the threshold; largest norm in the second half {}",
            norms.len(),
            compared(late, "≥", norms[0])
        ),
        above + 1 == norms.len() && late >= norms[0],
    );
    ledger.pin("ch5_large_batch_recipe_claims");

    // The families behind the contenders are the ones the page names.
    assert_eq!(
        Contender::ALL.map(|x| x.family),
        [
            Family::Sgd,
            Family::Lars,
            Family::Adam,
            Family::Adam,
            Family::Lamb
        ]
    );
    pass.keep();
}

#[test]
fn exercise_4_is_pinned() {
    // Skipped while nothing it depends on has changed since it last passed.
    let Some(pass) = common::kept::unless_passed(concat!(file!(), "::exercise_4_is_pinned")) else {
        return;
    };
    let _rng = cpu_single_thread();
    let t = common::solve_one::<ClipNorm>(&Config::full_cpu());
    insta::assert_snapshot!(
        "ch5_large_batch_recipe_exercise_4",
        Report::with_tables(&ClipNorm::title(), vec![t.clone()]).to_markdown()
    );
    let diverged = |row: usize| t.rows[row][1].render();
    // The solution's claims: the two smallest norms save every seed, the larger do not,
    // and a norm above the first step's gradient never clips before the run blows up.
    assert_eq!(t.rows.len(), 4);
    assert_eq!(diverged(0), "0 of 3");
    assert_eq!(diverged(1), "0 of 3");
    assert_eq!(diverged(2), "3 of 3");
    assert_eq!(diverged(3), "3 of 3");
    let row = row_where(&t, "run", "clipped at norm 16.0");
    assert_eq!(common::num(&t, row, "mean clip rate"), 0.0);
    let (lo, hi) = (
        t.rows[0][2].render().split(' ').next().unwrap().to_string(),
        t.rows[1][2].render().split(' ').next().unwrap().to_string(),
    );
    assert!(lo.parse::<f64>().unwrap() < hi.parse::<f64>().unwrap());
    pass.keep();
}

#[test]
fn exercise_5_is_pinned() {
    // Skipped while nothing it depends on has changed since it last passed.
    let Some(pass) = common::kept::unless_passed(concat!(file!(), "::exercise_5_is_pinned")) else {
        return;
    };
    let _rng = cpu_single_thread();
    let t = common::solve_one::<WarmupAtBatch>(&Config::full_cpu());
    insta::assert_snapshot!(
        "ch5_large_batch_recipe_exercise_5",
        Report::with_tables(&WarmupAtBatch::title(), vec![t.clone()]).to_markdown()
    );
    // The solution's claims: no warmup length saves every seed at 64 × B₀; with none or
    // one epoch every seed diverges, and a longer warmup saves at most one of three.
    let diverged: Vec<String> = t.rows.iter().map(|r| r[2].render()).collect();
    assert_eq!(t.rows.len(), 4);
    assert_eq!(diverged[0], "3 of 3 diverged");
    assert_eq!(diverged[1], "3 of 3 diverged");
    for d in &diverged[2..] {
        assert_eq!(d, "2 of 3 diverged");
    }
    pass.keep();
}

#[test]
fn bad_input_is_an_error() {
    let bad = common::bad_positive_lists();
    let mut ex = ClipNorm::defaults().unwrap();
    common::assert_rejected(&mut ex, "--norms", &bad, |ex, v| ex.norms = v);
    let mut ex = WarmupAtBatch::defaults().unwrap();
    common::assert_rejected(&mut ex, "--batch", &[0, 1001], |ex, b| ex.batch = Some(b));
    ex.batch = Some(128);
    let bad = [vec![], vec![-1.0], vec![f64::NAN], vec![2.5]];
    common::assert_rejected(&mut ex, "--warmup-epochs", &bad, |ex, v| {
        ex.warmup_epochs = Some(v)
    });
}

#[test]
fn figures_are_written() {
    // Skipped while nothing it depends on has changed since it passed.
    let Some(pass) = common::kept::unless_passed(concat!(file!(), "::figures_are_written")) else {
        return;
    };
    common::check_section_figures(LargeBatchRecipe::default());
    pass.keep();
}
