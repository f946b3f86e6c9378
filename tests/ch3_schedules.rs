//! Chapter 3: the gallery, the training comparison and the exercises are pinned by
//! snapshots, and the facts the book states about them are asserted directly.
use lrbook::chapters::ch3::exercises::{FourSchedules, OneCyclePeak, WarmRestarts};
use lrbook::chapters::ch3::{self, Contender};
use lrbook::chapters::Config;
use lrbook::report::{Cell, Report};
use lrbook::schedule::{CosineAnnealingLr, LrSchedule, OneCycleConfig, OneCycleLr};

mod common;
use common::{cell, cpu_single_thread, num, row_where};

#[test]
fn quick_report_is_pinned_and_runs_follow_their_schedules() {
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
}

/// The book shows the full configuration's tables; they are pinned too, and every claim
/// the chapter's prose makes about them is asserted here.
#[test]
fn full_report_is_pinned_and_backs_the_books_claims() {
    let (_rng, ch) = common::pinned_report!(ch3::run, Config::full_cpu(), "ch3_full_report");

    let cmp = &ch.comparison;
    let acc = |c| cmp.accuracies(c);
    let sd = |c| ch3::mean_sd(&cmp.accuracies(c)).1;
    let annealers = [
        Contender::Cosine,
        Contender::WarmupCosine,
        Contender::OneCycle,
    ];
    let decays = [Contender::Step, Contender::Exponential];
    // Every verdict is the paired t-test over the shared seeds (crate::stats::paired).
    let vs = |a, b| cmp.vs(a, b).unwrap();
    assert_eq!(cmp.config.seeds.len(), 5, "the prose says 5 seeds, df 4");
    // 1. Every schedule that ends at a small η beats constant beyond the seed noise: the
    //    95% interval of the paired difference lies above 0.
    for c in annealers.iter().chain(&decays) {
        let p = vs(*c, Contender::Constant);
        assert!(p.beyond_noise() && p.ci.0 > 0.0, "{c:?}: {p:?}");
    }
    // 2. The three that anneal to about 0 cannot be told apart ...
    for a in annealers {
        for b in annealers {
            if a != b {
                assert!(!vs(a, b).beyond_noise(), "{a:?} vs {b:?}");
            }
        }
    }
    // 3. ... and each beats step and exponential decay beyond the noise.
    for a in annealers {
        for d in decays {
            let p = vs(a, d);
            assert!(p.beyond_noise() && p.ci.0 > 0.0, "{a:?} vs {d:?}: {p:?}");
        }
    }
    // 4. Plateau on the training loss cuts late or hardly at all in this budget: it ends
    //    above half its peak on average, and it gains less than any schedule that ends small
    //    (each of the three that anneal to about 0 beats it beyond the noise), and its own
    //    gain over constant is within the noise. In the figure's run (the first seed) it
    //    never cuts at all.
    let plateau_final: Vec<f64> = cmp
        .runs_of(Contender::Plateau)
        .map(|r| r.history.steps.last().unwrap().lr / cmp.config.peak_lr)
        .collect();
    assert!(ch3::mean_sd(&plateau_final).0 > 0.5, "{plateau_final:?}");
    let mean_acc = |c| ch3::mean_sd(&acc(c)).0;
    for c in annealers.iter().chain(&decays) {
        assert!(mean_acc(Contender::Plateau) < mean_acc(*c), "{c:?}");
    }
    for a in annealers {
        let p = vs(a, Contender::Plateau);
        assert!(p.beyond_noise() && p.ci.0 > 0.0, "{a:?}: {p:?}");
    }
    assert!(!vs(Contender::Plateau, Contender::Constant).beyond_noise());
    let figure_seed = cmp.config.seeds[0];
    let figure_run = cmp
        .runs_of(Contender::Plateau)
        .find(|r| r.seed == figure_seed)
        .unwrap();
    assert!(
        figure_run
            .history
            .steps
            .iter()
            .all(|s| s.lr == cmp.config.peak_lr),
        "the caption says plateau never cuts in seed {figure_seed}'s run"
    );
    // 5. Ending at a high η costs reproducibility: constant's and plateau's seed spread is
    //    larger than that of every schedule that ends small.
    let small_end_sd = annealers
        .iter()
        .chain(&decays)
        .map(|&c| sd(c))
        .fold(0.0, f64::max);
    for c in [Contender::Constant, Contender::Plateau] {
        assert!(sd(c) > small_end_sd, "{c:?}: {} vs {small_end_sd}", sd(c));
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
    // 7. The gain comes late: cosine's mean lead over constant is larger at the end than
    //    at the evaluation halfway through.
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
    assert!(
        lead(end) > lead(mid),
        "lead {} at the end vs {} halfway",
        lead(end),
        lead(mid)
    );
    for c in [Contender::WarmupCosine, Contender::OneCycle] {
        assert!(mean_steps(c) > mean_steps(Contender::Constant), "{c:?}");
        assert!(
            mean_final_loss(c) < mean_final_loss(Contender::Constant),
            "{c:?}"
        );
    }
}

#[test]
fn exercises_are_pinned() {
    let _rng = cpu_single_thread();
    let cfg = Config::full_cpu();
    let ex1 = common::solve::<FourSchedules>(&cfg);
    // The instructor's guide says: on 3 seeds (df 2), no schedule's gain over constant is
    // beyond the seed noise, though cosine's mean gain is the largest.
    let four = &ex1.tables[0];
    assert!(four.title.contains("3 seeds") && four.title.contains("(df 2)"));
    let verdicts: Vec<&Cell> = (1..four.rows.len())
        .map(|row| cell(four, row, "beyond seed noise?"))
        .collect();
    assert!(
        verdicts.iter().all(|v| **v == Cell::from("no")),
        "{verdicts:?}"
    );
    let gain = |name| {
        num(
            four,
            row_where(four, "schedule", name),
            "Δ vs constant (paired mean)",
        )
    };
    assert!(gain("cosine") > gain("step (×0.2 every third)"));
    assert!(gain("cosine") > gain("plateau (×0.3, patience 1)"));
    let ex2 = common::solve::<WarmRestarts>(&cfg);
    let ex3 = common::solve::<OneCyclePeak>(&cfg);
    let steps = &ex2.tables[0];
    for row in 0..steps.rows.len() {
        assert_eq!(
            cell(steps, row, "T₀(T_multᵏ−1)/(T_mult−1)"),
            cell(steps, row, "found by scan"),
            "restart step closed form vs scan, row {row}"
        );
    }
    // The instructor's guide says: the highest peak ends below constant, without diverging.
    let peaks = &ex3.tables[0];
    let accuracy = "test accuracy (mean)";
    let constant = num(peaks, row_where(peaks, "schedule", "constant"), accuracy);
    let highest = peaks.rows.len() - 1;
    assert!(
        num(peaks, highest, accuracy) < constant,
        "{:?}",
        peaks.rows[highest]
    );
    for row in 0..peaks.rows.len() {
        assert_eq!(
            cell(peaks, row, "diverged runs"),
            &Cell::Int(0),
            "no run diverges"
        );
    }
    let tables = [ex1, ex2, ex3].into_iter().flat_map(|s| s.tables).collect();
    let report = Report::with_tables("Chapter 3 exercises", tables);
    insta::assert_snapshot!("ch3_exercises", report.to_markdown());
}

#[test]
fn figures_are_written_with_their_data() {
    common::check_chapter_figures::<ch3::Flags>(&["gallery_decays.csv"], |_| ());
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
