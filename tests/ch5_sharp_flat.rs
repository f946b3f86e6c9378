//! Chapter 5, "Sharp and flat minima, measured": the page's quick and full reports are
//! pinned (f64 runs, so they round alike on every processor), the claims of the page are
//! asserted with their statistics over the shared seeds and pinned in the ledger, and
//! exercise 6 is pinned and checked.
use lrbook::chapters::ch5::sharp_flat::exercise::RescaleOrder;
use lrbook::chapters::ch5::sharp_flat::tables::Quantity;
use lrbook::chapters::ch5::sharp_flat::{sharp_flat, Condition, SharpFlat, SharpFlatSection};
use lrbook::chapters::exercise::Exercise;
use lrbook::chapters::Config;
use lrbook::report::{fmt_sig, Report};
use lrbook::stats::{self, Paired};

mod common;
use common::cpu_single_thread;
use common::ledger::{compared, Ledger, Verdict};

/// The page's report, as its example prints it.
fn report(r: &SharpFlat) -> String {
    Report::with_tables(&SharpFlatSection::title(), r.tables.clone()).to_markdown()
}

fn pair(r: &SharpFlat, a: Condition, b: Condition, q: Quantity) -> Paired {
    r.paired(a, b, |m| q.of(m)).expect("no run diverged")
}

fn mean(r: &SharpFlat, c: Condition, q: Quantity) -> f64 {
    stats::mean(&r.values(c, |m| q.of(m)))
}

/// A paired claim: its words, the comparison `a − b` of a quantity, and its verdict.
type PairedClaim<'a> = (&'a str, (Condition, Condition, Quantity), Verdict);

/// Asserts and records each paired claim of `section`, in order.
fn paired_claims(ledger: &mut Ledger, r: &SharpFlat, section: &str, claims: &[PairedClaim]) {
    for &(claim, (a, b, q), verdict) in claims {
        ledger.paired(section, claim, &pair(r, a, b, q), verdict);
    }
}

/// Asserts and records that `c` ends at a higher mean training loss than the base.
fn higher_training_loss(
    ledger: &mut Ledger,
    r: &SharpFlat,
    section: &str,
    c: Condition,
    what: &str,
) {
    let (ours, base) = (
        mean(r, c, Quantity::TrainLoss),
        mean(r, Condition::Base, Quantity::TrainLoss),
    );
    ledger.claim(
        section,
        &format!("{what} ends at a higher mean training loss than the base"),
        compared(ours, ">", base),
        ours > base,
    );
}

#[test]
fn quick_report_is_pinned() {
    // Skipped while nothing it depends on has changed since it passed.
    let Some(pass) = common::kept::unless_passed(concat!(file!(), "::quick_report_is_pinned"))
    else {
        return;
    };
    let _rng = cpu_single_thread();
    let r = sharp_flat(&Config::quick_cpu()).unwrap();
    insta::assert_snapshot!("ch5_sharp_flat_quick_report", report(&r));
    assert_eq!(r.runs.len(), Condition::ALL.len());
    assert!(r.runs.iter().all(|(_, m)| m.len() == r.seeds.len()));
    pass.keep();
}

/// The full run: its report pinned, the page's claims asserted and pinned.
#[test]
fn sharp_flat_backs_the_books_claims() {
    // Skipped while nothing it depends on has changed since it last passed.
    let Some(pass) =
        common::kept::unless_passed(concat!(file!(), "::sharp_flat_backs_the_books_claims"))
    else {
        return;
    };
    let _rng = cpu_single_thread();
    // Run as `make book` runs the example, which then replays this run.
    let r =
        lrbook::cli::book_section::<lrbook::chapters::ch5::sharp_flat::SharpFlatSection>().unwrap();
    insta::assert_snapshot!("ch5_sharp_flat_full_report", report(&r));
    let test = "tests/ch5_sharp_flat.rs::sharp_flat_backs_the_books_claims";
    let mut ledger = Ledger::new("ch5_sharp_flat_claims", test);
    use Condition::{Base, LargeBatch, LargeBatchLonger, LargeLr, VeryLargeLr};
    use Quantity::{Sharpness, TestAccuracy, TrainLoss};

    let n = r.seeds.len();
    let diverged: usize = r
        .runs
        .iter()
        .map(|(_, m)| m.iter().filter(|x| !x.test_accuracy.is_finite()).count())
        .sum();
    let cap = r.config.power.max_iters;
    let most_products = r
        .runs
        .iter()
        .flat_map(|(_, m)| m.iter().map(|x| x.products))
        .chain(r.rescaled.iter().map(|x| x.products))
        .max()
        .unwrap();

    let section = "Sharpness, and how it is measured";
    ledger.claim(
        section,
        "every power iteration stopped at its tolerance, before its cap of products",
        format!("most products taken {most_products}, cap {cap}"),
        most_products < cap,
    );

    let section = "Large rate, large batch, and the test accuracy";
    ledger.claim(
        section,
        "no run diverged",
        format!("{diverged} of {} runs diverged", n * Condition::ALL.len()),
        diverged == 0,
    );
    let edge = Condition::ALL
        .iter()
        .flat_map(|&c| {
            let lr = r.config.setting(c).0;
            r.of(c).iter().map(move |m| m.sharpness * lr / 2.0)
        })
        .fold(0.0, f64::max);
    ledger.claim(
        section,
        "every network ends with its sharpness below 2/η, chapter 1's edge of stability",
        format!("largest λmax ÷ (2/η) over every run: {}", fmt_sig(edge, 3)),
        edge < 1.0,
    );
    paired_claims(
        &mut ledger,
        &r,
        section,
        &[
            (
                "large η ends flatter than the base, beyond the seed noise",
                (LargeLr, Base, Sharpness),
                Verdict::Below,
            ),
            (
                "very large η ends flatter than the base, beyond the seed noise",
                (VeryLargeLr, Base, Sharpness),
                Verdict::Below,
            ),
            (
                "large η (0.1): the seeds cannot tell its test accuracy from the base's",
                (LargeLr, Base, TestAccuracy),
                Verdict::Within,
            ),
            (
                "very large η (0.3): its test accuracy is lower than the base's, beyond the \
                 seed noise",
                (VeryLargeLr, Base, TestAccuracy),
                Verdict::Below,
            ),
        ],
    );
    higher_training_loss(&mut ledger, &r, section, VeryLargeLr, "very large η");
    paired_claims(
        &mut ledger,
        &r,
        section,
        &[
            (
                "large B at the same epochs ends sharper than the base, beyond the seed noise",
                (LargeBatch, Base, Sharpness),
                Verdict::Above,
            ),
            (
                "large B at the same epochs: its test accuracy is lower than the base's, \
                 beyond the seed noise",
                (LargeBatch, Base, TestAccuracy),
                Verdict::Below,
            ),
        ],
    );
    higher_training_loss(
        &mut ledger,
        &r,
        section,
        LargeBatch,
        "large B at the same epochs",
    );

    let section = "The same function, any sharpness";
    let most_change = r
        .rescaled
        .iter()
        .map(|x| x.max_output_change.max(x.loss_change))
        .fold(0.0, f64::max);
    ledger.claim(
        section,
        "at every α, every test logit and the training loss agree with the original network's \
         to within 1e-12",
        format!(
            "largest change over {} values of α below 1e-12",
            r.rescaled.len()
        ),
        most_change < 1e-12,
    );
    let at = |alpha: f64| r.at_alpha(alpha).expect("α in the grid").sharpness;
    for (alpha, other) in [(100.0, 10.0), (0.01, 0.1)] {
        let ratio = at(alpha) / at(other);
        ledger.claim(
            section,
            &format!(
                "from α = {} to α = {}, the sharpness grows by α's factor squared, 100, to 1%",
                fmt_sig(other, 3),
                fmt_sig(alpha, 3)
            ),
            format!("ratio {}", fmt_sig(ratio, 4)),
            (ratio / 100.0 - 1.0).abs() < 0.01,
        );
        ledger.claim(
            section,
            &format!(
                "at α = {}, the sharpness is more than 1000 times its value at α = 1",
                fmt_sig(alpha, 3)
            ),
            format!("ratio {}", fmt_sig(at(alpha) / at(1.0), 3)),
            at(alpha) > 1000.0 * at(1.0),
        );
    }
    let flattest = r
        .rescaled
        .iter()
        .min_by(|a, b| a.sharpness.total_cmp(&b.sharpness))
        .unwrap();
    ledger.claim(
        section,
        "of the α tried, α = 1 gives the smallest sharpness",
        format!(
            "smallest at α = {}: {}",
            fmt_sig(flattest.alpha, 3),
            fmt_sig(flattest.sharpness, 3)
        ),
        flattest.alpha == 1.0,
    );

    let section = "Train longer";
    paired_claims(
        &mut ledger,
        &r,
        section,
        &[
            (
                "large B at the base's steps: its test accuracy is above the base's, by an \
                 interval that excludes 0",
                (LargeBatchLonger, Base, TestAccuracy),
                Verdict::Above,
            ),
            (
                "large B: the base's steps end higher than the base's epochs, beyond the seed \
                 noise",
                (LargeBatchLonger, LargeBatch, TestAccuracy),
                Verdict::Above,
            ),
            (
                "large B at the base's steps ends at a lower training loss than the base",
                (LargeBatchLonger, Base, TrainLoss),
                Verdict::Below,
            ),
            (
                "large B at the base's steps is sharper than the base, beyond the seed noise",
                (LargeBatchLonger, Base, Sharpness),
                Verdict::Above,
            ),
            (
                "training the large batch longer: the seeds cannot tell its sharpness from \
                 the shorter run's",
                (LargeBatchLonger, LargeBatch, Sharpness),
                Verdict::Within,
            ),
        ],
    );

    ledger.pin("ch5_sharp_flat_claims");
    pass.keep();
}

#[test]
fn exercise_6_is_pinned() {
    // Skipped while nothing it depends on has changed since it last passed.
    let Some(pass) = common::kept::unless_passed(concat!(file!(), "::exercise_6_is_pinned")) else {
        return;
    };
    let _rng = cpu_single_thread();
    let t = common::solve_one::<RescaleOrder>(&Config::full_cpu());
    insta::assert_snapshot!(
        "ch5_sharp_flat_exercise_6",
        Report::with_tables(&RescaleOrder::title(), vec![t.clone()]).to_markdown()
    );
    // The solution's claims: at α = 1 the large-η network is the flatter; rescaling it by
    // α = 3.16 makes it sharper than the base at α = 1, and by α = 10 more than ten times
    // sharper, with both functions unchanged; at every common α it stays the flatter of the
    // two, at between a third and a half of the base's sharpness.
    let row = |alpha: &str| common::row_where(&t, "α", alpha);
    let one = row("1.00");
    let base_at_one = common::num(&t, one, "base λmax");
    assert!(common::num(&t, one, "large-η λmax") < base_at_one);
    assert!(common::num(&t, row("3.16"), "large-η λmax") > base_at_one);
    assert!(common::num(&t, row("10.0"), "large-η λmax") > 10.0 * base_at_one);
    for i in 0..t.rows.len() {
        let ratio = common::num(&t, i, "large-η ÷ base");
        assert!(ratio > 1.0 / 3.0 && ratio < 0.5, "row {i}: {ratio}");
    }
    pass.keep();
}

#[test]
fn bad_input_is_an_error() {
    let mut bad = common::bad_positive_lists();
    bad.extend([vec![1e-4], vec![1e4]]);
    let mut ex = RescaleOrder::defaults().unwrap();
    common::assert_rejected(&mut ex, "--alphas", &bad, |ex, v| ex.alphas = v);
}

#[test]
fn figures_are_written() {
    // Skipped while nothing it depends on has changed since it passed.
    let Some(pass) = common::kept::unless_passed(concat!(file!(), "::figures_are_written")) else {
        return;
    };
    common::check_section_figures(SharpFlatSection::default());
    pass.keep();
}
