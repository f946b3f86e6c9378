//! Chapter 3: the gallery, the training comparison and the exercises are pinned by
//! snapshots, and the facts the book states about them are asserted directly.
use lrbook::chapters::ch3::exercises::{FourSchedules, OneCyclePeak, WarmRestarts};
use lrbook::chapters::ch3::{self, Contender};
use lrbook::chapters::Config;
use lrbook::report::{Cell, Report};
use lrbook::schedule::{CosineAnnealingLr, LrSchedule, OneCycleConfig, OneCycleLr};

mod common;
use common::ledger::{compared, Ledger, Verdict};
use common::{cell, cpu_single_thread, num, row_where};
use lrbook::report::fmt_sig;

#[test]
fn quick_report_is_pinned_and_runs_follow_their_schedules() {
    // Skipped while nothing it depends on has changed since it passed.
    let Some(pass) = common::kept::unless_passed(concat!(
        file!(),
        "::quick_report_is_pinned_and_runs_follow_their_schedules"
    )) else {
        return;
    };
    let (_rng, ch) = common::pinned_report!(ch3::run, Config::quick_cpu(), "ch3_quick_report");

    // Gallery landmarks against closed forms: cosine is at half its peak halfway.
    let gallery = ch.report.table("gallery").unwrap();
    let mean_lr = "mean η over 100";
    let cosine = row_where(gallery, "schedule", "cosine");
    assert!((num(gallery, cosine, "η at 50") - 0.05).abs() < 1e-12);
    // The mean of a T-step cosine to 0 is η(T+1)/(2T) (exercise 2), rounded to 4 digits.
    let cosine_mean = num(gallery, cosine, mean_lr);
    assert!(
        (cosine_mean - 0.1 * 101.0 / 200.0).abs() < 1e-12,
        "{cosine_mean}"
    );

    // The prose: a constant schedule spends the most (largest mean η); cosine, linear decay
    // and one-cycle spend about half of it.
    let mean = |name: &str| num(gallery, row_where(gallery, "schedule", name), mean_lr);
    for row in 0..gallery.rows.len() {
        let schedule = cell(gallery, row, "schedule");
        assert!(
            num(gallery, row, mean_lr) <= mean("constant"),
            "{schedule:?}"
        );
    }
    for name in ["cosine", "linear decay", "one-cycle (PyTorch)"] {
        let share = mean(name) / mean("constant");
        assert!((0.45..0.55).contains(&share), "{name}: {share}");
    }

    let cmp = &ch.comparison;
    let total = cmp.config.total_steps();
    assert_eq!(cmp.runs.len(), 7 * cmp.config.seeds.len());
    for run in &cmp.runs {
        assert!(!run.history.diverged(), "{:?} diverged", run.contender);
        assert_eq!(run.history.steps.len(), total);
        assert_eq!(run.history.evals.len(), cmp.config.setup.epochs);
        let lrs: Vec<f64> = run.history.steps.iter().map(|s| s.lr).collect();
        match run.contender {
            Contender::Cosine => {
                let s = CosineAnnealingLr::new(cmp.config.peak_lr, total, 0.0).unwrap();
                for (k, lr) in lrs.iter().enumerate() {
                    assert_eq!(*lr, s.lr(k));
                }
            }
            Contender::OneCycle => {
                let s =
                    OneCycleLr::new(cmp.config.peak_lr, total, OneCycleConfig::default()).unwrap();
                assert_eq!(lrs[0], s.lr(0));
                assert_eq!(lrs[total - 1], s.lr(total - 1));
            }
            Contender::Plateau => {
                assert!(
                    lrs.windows(2).all(|w| w[1] <= w[0]),
                    "plateau only lowers η"
                );
            }
            Contender::Constant => assert!(lrs.iter().all(|&l| l == cmp.config.peak_lr)),
            _ => {}
        }
        // Every run learns: test accuracy well above chance (0.1).
        assert!(run.history.final_accuracy() > 0.6, "{:?}", run.contender);
    }
    pass.keep();
}

/// The book shows the full configuration's tables; they are pinned too, and every claim
/// the chapter's prose makes about them is asserted here.
#[test]
fn full_report_is_pinned_and_backs_the_books_claims() {
    // Skipped while nothing it depends on has changed since it last passed.
    let Some(pass) = common::kept::unless_passed(concat!(
        file!(),
        "::full_report_is_pinned_and_backs_the_books_claims"
    )) else {
        return;
    };
    let (_rng, ch) = common::pinned_book_report!(ch3::Flags, "ch3_full_report");

    let cmp = &ch.comparison;
    let sd = |c| ch3::mean_sd(&cmp.accuracies(c)).1;
    let name = |c: Contender| c.name();
    let annealers = [
        Contender::Cosine,
        Contender::WarmupCosine,
        Contender::OneCycle,
    ];
    let decays = [Contender::Step, Contender::Exponential];
    // Every verdict is the paired t-test over the shared seeds (lrbook::stats::paired).
    let vs = |a, b| cmp.vs(a, b).unwrap();
    assert_eq!(cmp.config.seeds.len(), 5, "the prose says 5 seeds, df 4");
    let mut ledger = Ledger::new(
        "ch3_claims",
        "tests/ch3_schedules.rs::full_report_is_pinned_and_backs_the_books_claims",
    );
    let section = "Does the schedule matter?";
    // 1. Every schedule that ends at a small η beats constant beyond the seed noise: the
    //    95% interval of the paired difference lies above 0.
    for c in annealers.iter().chain(&decays) {
        ledger.paired(
            section,
            &format!("{} beats constant beyond the seed noise", name(*c)),
            &vs(*c, Contender::Constant),
            Verdict::Above,
        );
    }
    // 2. The three that anneal to about 0 cannot be told apart ...
    for (i, a) in annealers.iter().enumerate() {
        for b in &annealers[i + 1..] {
            ledger.paired(
                section,
                &format!("{} and {} cannot be told apart", name(*a), name(*b)),
                &vs(*a, *b),
                Verdict::Within,
            );
        }
    }
    // 3. ... and each beats step and exponential decay beyond the noise.
    for a in annealers {
        for d in decays {
            ledger.paired(
                section,
                &format!("{} beats {} beyond the seed noise", name(a), name(d)),
                &vs(a, d),
                Verdict::Above,
            );
        }
    }
    // 4. Plateau on the training loss cuts late or hardly at all in this budget: it ends
    //    above half its peak on average, its gain over constant is within the noise, and
    //    each of the three that anneal to about 0 beats it beyond the noise. In the figure's
    //    run (the first seed) it never cuts at all.
    let plateau_final: Vec<f64> = cmp
        .runs_of(Contender::Plateau)
        .map(|r| r.history.steps.last().unwrap().lr / cmp.config.peak_lr)
        .collect();
    let plateau_end = ch3::mean_sd(&plateau_final).0;
    ledger.claim(
        section,
        "plateau ends above half its peak η on average",
        format!("mean final η / peak = {}", fmt_sig(plateau_end, 3)),
        plateau_end > 0.5,
    );
    ledger.paired(
        section,
        "plateau's gain over constant is within the seed noise",
        &vs(Contender::Plateau, Contender::Constant),
        Verdict::Within,
    );
    for a in annealers {
        ledger.paired(
            section,
            &format!("{} beats plateau beyond the seed noise", name(a)),
            &vs(a, Contender::Plateau),
            Verdict::Above,
        );
    }
    let figure_seed = cmp.config.seeds[0];
    let figure_run = cmp
        .runs_of(Contender::Plateau)
        .find(|r| r.seed == figure_seed)
        .unwrap();
    let cuts = figure_run
        .history
        .steps
        .iter()
        .filter(|s| s.lr != cmp.config.peak_lr)
        .count();
    ledger.claim(
        section,
        &format!("plateau never cuts its η in the figure's run (seed {figure_seed})"),
        format!("steps below the peak: {cuts}"),
        cuts == 0,
    );
    // 5. Constant's and plateau's seed spread is larger than that of every schedule that
    //    ends small (the prose calls this a hint: five seeds).
    let small_end_sd = annealers
        .iter()
        .chain(&decays)
        .map(|&c| sd(c))
        .fold(0.0, f64::max);
    for c in [Contender::Constant, Contender::Plateau] {
        ledger.claim(
            section,
            &format!(
                "{}'s seed sd exceeds that of every schedule that ends small",
                name(c)
            ),
            format!("sd {}", compared(sd(c), ">", small_end_sd)),
            sd(c) > small_end_sd,
        );
    }
    // 6. Warmup and one-cycle start slower (later to the target loss) but end lower.
    let window = cmp.loss_window();
    let target = cmp.config.target_loss;
    let mean_steps = |c| {
        let s: Vec<f64> = cmp
            .runs_of(c)
            .map(|r| r.steps_to_target(target, window).unwrap() as f64)
            .collect();
        ch3::mean_sd(&s).0
    };
    let mean_final_loss = |c| {
        let l: Vec<f64> = cmp
            .runs_of(c)
            .map(|r| r.history.mean_final_loss(window))
            .collect();
        ch3::mean_sd(&l).0
    };
    for c in [Contender::WarmupCosine, Contender::OneCycle] {
        let (steps, base) = (mean_steps(c), mean_steps(Contender::Constant));
        ledger.claim(
            section,
            &format!("{} reaches the target loss later than constant", name(c)),
            format!("mean steps {}", compared(steps, ">", base)),
            steps > base,
        );
        let (loss, base) = (mean_final_loss(c), mean_final_loss(Contender::Constant));
        ledger.claim(
            section,
            &format!("{} ends with a lower training loss than constant", name(c)),
            format!("mean final loss {}", compared(loss, "<", base)),
            loss < base,
        );
    }
    // 7. Most of the gain is there by halfway: cosine's mean lead over constant at the
    //    halfway evaluation is more than half its lead at the end.
    let mean_acc_at = |c, eval: usize| {
        let a: Vec<f64> = cmp
            .runs_of(c)
            .map(|r| r.history.evals[eval].accuracy.unwrap())
            .collect();
        ch3::mean_sd(&a).0
    };
    let epochs = cmp.config.setup.epochs;
    let (mid, end) = (epochs / 2 - 1, epochs - 1);
    let lead = |e| mean_acc_at(Contender::Cosine, e) - mean_acc_at(Contender::Constant, e);
    ledger.claim(
        section,
        "most of cosine's mean lead over constant is already there at the halfway evaluation",
        format!(
            "lead {} halfway, {} at the end",
            fmt_sig(lead(mid), 3),
            fmt_sig(lead(end), 3)
        ),
        lead(end) > 0.0 && lead(mid) > 0.5 * lead(end),
    );
    ledger.pin("ch3_claims");
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
    let ex1 = common::solve::<FourSchedules>(&cfg);
    let mut ledger = Ledger::new(
        "ch3_exercise_claims",
        "tests/ch3_schedules.rs::exercises_are_pinned",
    );
    // The instructor's guide says: on 3 seeds (df 2), no schedule's gain over constant is
    // beyond the seed noise, though cosine's mean gain is the largest.
    let four = &ex1.tables[0];
    assert!(four.title.contains("3 seeds") && four.title.contains("(df 2)"));
    let t_column = "paired t (df 2)";
    for row in 1..four.rows.len() {
        let Cell::Text(schedule) = cell(four, row, "schedule") else {
            panic!("schedule names are text")
        };
        let Cell::Text(interval) = cell(four, row, "95% CI of Δ") else {
            panic!("intervals are text")
        };
        ledger.claim(
            "Exercise 1: four schedules",
            &format!("{schedule}'s gain over constant is within the seed noise"),
            format!(
                "paired t = {}, df 2, 95% CI {interval}",
                cell(four, row, t_column).render()
            ),
            *cell(four, row, "beyond seed noise?") == Cell::from("no"),
        );
    }
    let gain = |name| {
        num(
            four,
            row_where(four, "schedule", name),
            "Δ vs constant (paired mean)",
        )
    };
    let cosine = gain("cosine");
    let best_other = gain("step (×0.2 every third)").max(gain("plateau (×0.3, patience 1)"));
    ledger.claim(
        "Exercise 1: four schedules",
        "cosine's mean gain over constant is the largest",
        format!("mean gain {}", compared(cosine, ">", best_other)),
        cosine > best_other,
    );
    let ex2 = common::solve::<WarmRestarts>(&cfg);
    let ex3 = common::solve::<OneCyclePeak>(&cfg);
    let steps = &ex2.tables[0];
    let closed_equals_scan = (0..steps.rows.len()).all(|row| {
        cell(steps, row, "T₀(T_multᵏ−1)/(T_mult−1)") == cell(steps, row, "found by scan")
    });
    ledger.claim(
        "Exercise 2: warm restarts",
        "every restart step equals the closed form T₀(T_multᵏ−1)/(T_mult−1)",
        "exact",
        closed_equals_scan,
    );
    // The instructor's guide says: no peak differs from constant beyond the noise; the
    // highest peak ends below constant in the mean, and no run diverges.
    let peaks = &ex3.tables[0];
    let accuracy = "test accuracy (mean)";
    let constant = num(peaks, row_where(peaks, "schedule", "constant"), accuracy);
    let within = (1..peaks.rows.len())
        .all(|row| *cell(peaks, row, "beyond seed noise?") == Cell::from("no"));
    ledger.claim(
        "Exercise 3: how high should one-cycle go?",
        "no one-cycle peak differs from constant beyond the seed noise (3 seeds, df 2)",
        format!(
            "paired t = {}, df 2",
            (1..peaks.rows.len())
                .map(|row| cell(peaks, row, t_column).render())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        within,
    );
    let highest = peaks.rows.len() - 1;
    let top = num(peaks, highest, accuracy);
    ledger.claim(
        "Exercise 3: how high should one-cycle go?",
        "the highest peak's mean accuracy is below constant's",
        format!("mean accuracy {}", compared(top, "<", constant)),
        top < constant,
    );
    let diverged = (0..peaks.rows.len())
        .filter(|&row| *cell(peaks, row, "diverged runs") != Cell::Int(0))
        .count();
    ledger.claim(
        "Exercise 3: how high should one-cycle go?",
        "no run diverges at any peak",
        format!("rows with a diverged run: {diverged}"),
        diverged == 0,
    );
    let tables = [ex1, ex2, ex3].into_iter().flat_map(|s| s.tables).collect();
    let report = Report::with_tables("Chapter 3 exercises", tables);
    insta::assert_snapshot!("ch3_exercises", report.to_markdown());
    ledger.pin("ch3_exercise_claims");
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
    common::check_chapter_figures::<ch3::Flags>(&["gallery_decays.csv"], |_| ());
    pass.keep();
}

/// On a CUDA machine, the quick comparison agrees with the CPU: the same schedules give the
/// same learning rates exactly, and final test accuracies agree to 0.03 (float32 training,
/// different kernels and summation orders).
#[test]
fn cuda_matches_cpu_on_the_quick_config() {
    common::on_cpu_and_cuda(
        "cuda_matches_cpu_on_the_quick_config",
        ch3::run,
        |cpu, gpu| {
            for (a, b) in cpu.comparison.runs.iter().zip(&gpu.comparison.runs) {
                if a.contender != Contender::Plateau {
                    let la: Vec<f64> = a.history.steps.iter().map(|s| s.lr).collect();
                    let lb: Vec<f64> = b.history.steps.iter().map(|s| s.lr).collect();
                    assert_eq!(la, lb, "{:?}", a.contender);
                }
                let (x, y) = (a.history.final_accuracy(), b.history.final_accuracy());
                assert!(
                    (x - y).abs() < 0.03,
                    "{:?} seed {}: {x} vs {y}",
                    a.contender,
                    a.seed
                );
            }
            eprintln!("CUDA and CPU agree on chapter 3's quick config");
        },
    );
}
