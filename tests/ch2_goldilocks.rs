//! Chapter 2: the sweep, the shown runs, the MLP runs and the exercises are pinned by
//! snapshots, and every claim the chapter's prose makes about them is asserted here.
use lrbook::chapters::ch2::exercises::{DiagnoseLogs, PredictEdge};
use lrbook::chapters::ch2::{self, Chapter2};
use lrbook::chapters::exercise::Exercise;
use lrbook::chapters::Config;
use lrbook::regimes::{self, Regime};
use lrbook::surfaces::{self, Surface, SurfaceKind, SweepOptions, SweepPoint};
use tch::Device;

use Regime::{Diverged, JustRight, Oscillating, TooSmall};

mod common;
use common::ledger::Ledger;
use common::{cell, cpu_single_thread, num, row_where};
use lrbook::report::fmt_sig;

/// The claims that hold for the quick and the full configuration alike, asserted and
/// recorded in `ledger`.
fn check_claims(ch: &Chapter2, ledger: &mut Ledger) {
    let sweep_section = "A thousand learning rates at once";
    for s in &ch.sweeps {
        let name = s.surface.name.as_str();
        let pred = s.surface.curvature().edge();
        let ratio = s.measured_edge() / pred;
        // The measured edge agrees with 2/λmax to within one grid step of the sweep.
        let step = (ch2::ETA_HI / ch2::ETA_LO).powf(1.0 / (s.points.len() - 1) as f64);
        ledger.claim(
            sweep_section,
            &format!("{name}: the measured edge matches 2/λmax within one grid step"),
            format!(
                "measured / predicted = {}, grid step ×{}",
                fmt_sig(ratio, 4),
                fmt_sig(step, 5)
            ),
            ratio > 1.0 / step && ratio < step,
        );
        // Every regime appears, in order of η: too small, just right, oscillating, diverged.
        let order: Vec<Regime> = ch2::bands(&s.regimes).iter().map(|b| b.0).collect();
        ledger.claim(
            sweep_section,
            &format!("{name}: the four regimes appear in order of η"),
            format!("{} bands", order.len()),
            order == vec![TooSmall, JustRight, Oscillating, Diverged],
        );
    }
    let by = |n: &str| ch.sweeps.iter().find(|s| s.surface.name == n).unwrap();
    // Quadratics: the edge is a cliff: every η above 2/λmax blows up, none below does.
    for n in ["bowl", "ravine"] {
        let s = by(n);
        let pred = s.surface.curvature().edge();
        let cliff = s
            .points
            .iter()
            .all(|p| p.diverged_at.is_some() == (p.eta > pred));
        ledger.claim(
            sweep_section,
            &format!("{n}: every η above 2/λmax blows up and none below does"),
            format!("exact, {} learning rates", s.points.len()),
            cliff,
        );
    }
    // Rosenbrock: between the edge and the blow-up lies a wide band where descent neither
    // converges nor blows up: the first blow-up is above 2× the edge.
    let r = by("rosenbrock");
    let (blowup, edge) = (r.first_blowup.unwrap(), r.surface.curvature().edge());
    ledger.claim(
        sweep_section,
        "rosenbrock: the first blow-up lies above twice the edge",
        format!("first blow-up / edge = {}", fmt_sig(blowup / edge, 3)),
        blowup > 2.0 * edge,
    );
    // The ravine: the limit is set by the sharp direction (edge 2/λmax = 2/4), the speed by
    // the flat one: even the fastest η needs at least ln ε / ln(1 − η λmin) steps.
    let rv = by("ravine");
    let c = rv.surface.curvature();
    let (eta, steps) = rv.best;
    // The flat coordinate alone must shrink from |x₀| to ε‖x₀ − x*‖.
    let [x0, y0] = rv.surface.start;
    let need = ch2::EPS * (x0 * x0 + y0 * y0).sqrt() / x0.abs();
    let flat_bound = (need.ln() / (1.0 - eta * c.lambda_min).ln()).ceil() as usize;
    ledger.claim(
        sweep_section,
        "ravine: the fastest η needs the steps the flat direction alone needs (at most one more)",
        format!("{steps} steps, flat-direction bound {flat_bound}"),
        steps >= flat_bound && steps <= flat_bound + 1,
    );
    ledger.claim(
        sweep_section,
        "ravine: the fastest η sits right under the edge (above 90% of it)",
        format!("fastest η / edge = {}", fmt_sig(eta / c.edge(), 3)),
        eta > 0.9 * c.edge(),
    );
    // The ravine's oscillating band is narrower (relative to its edge) than the bowl's.
    let osc_width = |n: &str| {
        let s = by(n);
        let b = ch2::bands(&s.regimes)
            .into_iter()
            .find(|b| b.0 == Oscillating)
            .unwrap();
        s.points[b.2].eta / s.points[b.1].eta
    };
    ledger.claim(
        sweep_section,
        "the ravine's oscillating band is narrower, relative to its edge, than the bowl's",
        format!(
            "band width ×{} against ×{}",
            fmt_sig(osc_width("ravine"), 3),
            fmt_sig(osc_width("bowl"), 3)
        ),
        osc_width("ravine") < osc_width("bowl"),
    );
    // The bowl's fastest η is next to 1/2, where one step would reach the minimum.
    let bowl_best = by("bowl").best.0;
    ledger.claim(
        sweep_section,
        "bowl: the fastest η is next to 1/2, where one step reaches the minimum",
        format!("fastest η = {}", fmt_sig(bowl_best, 4)),
        (bowl_best - 0.5).abs() < 0.01,
    );

    // The shown runs sit in the regimes they are meant to show.
    let runs_section = "Four runs per surface";
    for s in &ch.shown {
        let name = s.surface.name.as_str();
        ledger.claim(
            runs_section,
            &format!("{name}: the four shown runs lie in the four regimes of the sweep"),
            "exact",
            s.sweep_regimes == vec![TooSmall, JustRight, Oscillating, Diverged],
        );
        let diag: Vec<Regime> = s.diagnoses.iter().map(|d| d.regime).collect();
        // The loss alone cannot see the zig-zag on a quadratic (it falls monotonically), so
        // the oscillating run reads "just right" there; on Rosenbrock it reads oscillating.
        let expected = if name == "rosenbrock" {
            vec![TooSmall, JustRight, Oscillating, Diverged]
        } else {
            vec![TooSmall, JustRight, JustRight, Diverged]
        };
        ledger.claim(
            "Diagnosing a loss history",
            &format!(
                "{name}: the diagnosis from the loss alone reads {}",
                expected
                    .iter()
                    .map(|r| r.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "exact",
            diag == expected,
        );
        let l = &s.paths[2].losses;
        if name == "rosenbrock" {
            // Rosenbrock's oscillating run ends in a 2-cycle: the loss alternates between
            // two values at every step.
            let tail = &l[l.len() - 100..];
            let two_cycle = tail
                .windows(3)
                .all(|w| (w[2] - w[0]).abs() <= 1e-9 * w[0] && (w[1] - w[0]).abs() > 1e-3 * w[0]);
            ledger.claim(
                runs_section,
                "rosenbrock: the oscillating run ends in a 2-cycle of two distinct losses",
                "period 2 over the last 100 steps, to 1e-9",
                two_cycle,
            );
        } else {
            // The loss falls monotonically while the sharp coordinate flips sign every step.
            let ys: Vec<f64> = s.paths[2].points.iter().map(|p| p[1]).collect();
            ledger.claim(
                runs_section,
                &format!(
                    "{name}: the oscillating run's loss falls at every step while its sharp \
                     coordinate changes sign at each of the first 20 steps"
                ),
                "exact",
                l.windows(2).all(|w| w[1] <= w[0])
                    && ys.windows(2).take(20).all(|w| w[0] * w[1] < 0.0),
            );
        }
    }
    // The MLP: one run per regime, in order of η.
    let mlp_section = "A real network";
    let diag: Vec<Regime> = ch.mlp.iter().map(|r| r.diagnosis.regime).collect();
    ledger.claim(
        mlp_section,
        "the four MLP runs are diagnosed too small, just right, oscillating, diverged",
        "exact",
        diag == vec![TooSmall, JustRight, Oscillating, Diverged],
    );
    // The diverged run was stopped by the guard within a few steps; the others completed.
    ledger.claim(
        mlp_section,
        "the diverged run is stopped by the guard within 10 steps, and only that run diverges",
        format!("stopped after {} steps", ch.mlp[3].history.steps.len()),
        ch.mlp[3].history.diverged()
            && ch.mlp[3].history.steps.len() <= 10
            && ch.mlp[..3].iter().all(|r| !r.history.diverged()),
    );
    // The oscillating run ends well below the others (under 0.3), and just right has the
    // best test accuracy of the four.
    let accuracy = |k: usize| ch.mlp[k].history.final_accuracy();
    ledger.claim(
        mlp_section,
        "the oscillating run ends with a test accuracy below 0.3",
        format!("accuracy {}", fmt_sig(accuracy(2), 3)),
        accuracy(2) < 0.3,
    );
    let best = accuracy(1);
    ledger.claim(
        mlp_section,
        "just right has the best test accuracy of the four runs",
        format!("accuracy {}", fmt_sig(best, 3)),
        [0, 2, 3]
            .iter()
            .all(|&k| accuracy(k) < best || accuracy(k).is_nan()),
    );
}

#[test]
fn quick_report_is_pinned_and_backs_the_claims() {
    let (_rng, ch) = common::pinned_report!(ch2::run, Config::quick_cpu(), "ch2_quick_report");
    check_claims(&ch, &mut Ledger::new("ch2_quick_claims", "quick"));
}

#[test]
fn full_report_is_pinned_and_backs_the_books_claims() {
    let (_rng, ch) = common::pinned_report!(ch2::run, Config::full_cpu(), "ch2_full_report");
    insta::assert_snapshot!("ch2_slider_json", ch2::slider_json(&ch.sweeps));
    assert_eq!(ch.sweeps[0].points.len(), 1000);
    let mut ledger = Ledger::new(
        "ch2_claims",
        "tests/ch2_goldilocks.rs::full_report_is_pinned_and_backs_the_books_claims",
    );
    check_claims(&ch, &mut ledger);
    // The ravine's grid point just below the edge neither reaches ε nor blows up.
    let rv = ch
        .sweeps
        .iter()
        .find(|s| s.surface.name == "ravine")
        .unwrap();
    let pred = rv.surface.curvature().edge();
    let below = rv.points.iter().rev().find(|p| p.eta < pred).unwrap();
    ledger.claim(
        "A thousand learning rates at once",
        "ravine: the grid point just below the edge neither reaches ε nor blows up in the budget",
        format!("η = {}", fmt_sig(below.eta, 4)),
        below.steps_to_eps.is_none() && below.diverged_at.is_none(),
    );
    ledger.pin("ch2_claims");
}

/// ∇f in closed form, written out here independently of the library's autograd.
fn gradient(kind: SurfaceKind, x: f64, y: f64) -> (f64, f64) {
    match kind {
        SurfaceKind::Quadratic { a, b, c } => (2.0 * a * x + c * y, 2.0 * b * y + c * x),
        SurfaceKind::Rosenbrock => (
            -2.0 * (1.0 - x) - 400.0 * x * (y - x * x),
            200.0 * (y - x * x),
        ),
    }
}

/// The reference for one η: a plain `f64` loop of `x ← x − η∇f(x)` with the bookkeeping
/// [`SweepOptions`] documents (steps to ε counted from the last entry into the ε-ball that
/// lasted to the end; a blow-up freezes the run and forgets the ball).
fn scalar_run(s: &Surface, eta: f64, opts: SweepOptions) -> SweepPoint {
    let [mx, my] = s.minimizer();
    let [mut x, mut y] = s.start;
    let e0 = (x - mx).hypot(y - my);
    let (mut entered, mut diverged_at, mut ratio) = (None, None, 1.0);
    for t in 0..=opts.max_steps {
        ratio = (x - mx).hypot(y - my) / e0;
        if !ratio.is_finite() || ratio > opts.blowup {
            diverged_at = Some(t);
            entered = None;
            break;
        }
        if ratio <= opts.rel_tol {
            entered.get_or_insert(t);
        } else {
            entered = None;
        }
        if t == opts.max_steps {
            break;
        }
        let (gx, gy) = gradient(s.kind, x, y);
        x -= eta * gx;
        y -= eta * gy;
    }
    SweepPoint {
        eta,
        steps_to_eps: entered,
        diverged_at,
        final_ratio: ratio,
    }
}

/// The batched sweep against the scalar reference, η by η: the same steps to ε and blow-up
/// step, and the same final distance to 10⁻⁹ relative, or 10⁻¹³ inside the ε-ball (only
/// rounding differs). On Rosenbrock only the η below its edge 2/λmax are compared: above
/// it the iterate bounces chaotically, and a last-bit difference sends the runs apart.
/// The one-row-at-a-time loop, which shares the update step, must agree exactly.
#[test]
fn batched_sweep_equals_a_scalar_reference() {
    let _rng = cpu_single_thread();
    for s in Surface::all() {
        let etas = surfaces::log_spaced(ch2::ETA_LO, ch2::ETA_HI, 40).unwrap();
        let opts = SweepOptions {
            max_steps: if s.name == "rosenbrock" { 1000 } else { 600 },
            rel_tol: ch2::EPS,
            blowup: ch2::BLOWUP,
        };
        let batch = surfaces::sweep(&s, &etas, opts, Device::Cpu).unwrap();
        // Every fifth η one at a time (the naive loop is slow).
        let some: Vec<f64> = etas.iter().copied().step_by(5).collect();
        let naive = surfaces::sweep_one_at_a_time(&s, &some, opts, Device::Cpu).unwrap();
        let batch_some: Vec<SweepPoint> = batch.iter().copied().step_by(5).collect();
        assert_eq!(batch_some, naive, "{}", s.name);
        let edge = s.curvature().edge();
        let mut compared = 0;
        for (p, &eta) in batch.iter().zip(&etas) {
            if s.name == "rosenbrock" && eta >= edge {
                continue;
            }
            let r = scalar_run(&s, eta, opts);
            assert_eq!(
                (p.steps_to_eps, p.diverged_at),
                (r.steps_to_eps, r.diverged_at),
                "{} η = {eta}",
                s.name
            );
            assert!(
                (p.final_ratio - r.final_ratio).abs() <= 1e-9 * r.final_ratio.max(ch2::EPS),
                "{} η = {eta}: {} vs {}",
                s.name,
                p.final_ratio,
                r.final_ratio
            );
            compared += 1;
        }
        // The comparison covered most of the grid, and on the quadratics η that reached ε
        // (Rosenbrock's valley needs more steps than this test runs).
        let reached = batch.iter().filter(|p| p.steps_to_eps.is_some()).count();
        let quadratic = s.name != "rosenbrock";
        assert!(
            compared >= 10 && (reached >= 5 || !quadratic),
            "{}: {compared}, {reached}",
            s.name
        );
    }
}

/// The regime whose name the table prints.
fn regime_named(name: &str) -> Regime {
    Regime::ALL.into_iter().find(|r| r.name() == name).unwrap()
}

#[test]
fn exercises_are_pinned() {
    let _rng = cpu_single_thread();
    let cfg = Config::full_cpu();
    let ex1 = common::solve::<PredictEdge>(&cfg);
    let edge = &ex1.tables[0];
    let c = PredictEdge::surface().unwrap().curvature();
    assert!((c.lambda_max - 3.8).abs() < 1e-12 && (c.lambda_min - 1.2).abs() < 1e-12);
    let ratio = num(
        edge,
        row_where(edge, "quantity", "measured / predicted"),
        "value",
    );
    assert!((ratio - 1.0).abs() < 0.01, "{ratio}");
    let ex2 = DiagnoseLogs::defaults().unwrap();
    let solved = ex2.solve(&cfg, None).unwrap();
    let (logs, solution) = (&solved.tables[0], &solved.tables[1]);
    let diag: Vec<Regime> = ["A", "B", "C", "D"]
        .iter()
        .map(|l| regime_named(&cell(solution, row_where(solution, "log", l), "diagnosis").render()))
        .collect();
    // Logs A–D are oscillating, too small, diverged and just right (the solution says so).
    assert_eq!(diag, vec![Oscillating, TooSmall, Diverged, JustRight]);
    // The log's first row is step 0 and its last the last step of every run that completed,
    // so these are each run's first and last loss.
    let last = logs.rows.len() - 1;
    assert_eq!(num(logs, 0, "step"), 0.0);
    let steps = ex2.train_examples / ex2.batch_size * ex2.epochs;
    assert_eq!(num(logs, last, "step"), (steps - 1) as f64);
    let end = |l: &str| num(logs, last, &format!("log {l}"));
    let start = |l: &str| num(logs, 0, &format!("log {l}"));
    // The instructor's guide: A sits near ln 10, the loss of a uniform guess; only D ends
    // far (below half) under its start; B drifts down by less than a tenth.
    assert!((end("A") - 10f64.ln()).abs() < 0.3, "{}", end("A"));
    assert!(end("D") < 0.5 * start("D"));
    assert!(end("A") > 0.5 * start("A") && end("B") > 0.5 * start("B"));
    assert!(end("B") < start("B") && end("B") > 0.9 * start("B"));
    let tables = [ex1.tables, solved.tables].concat();
    let report = lrbook::report::Report::with_tables("Chapter 2 exercises", tables);
    insta::assert_snapshot!("ch2_exercises", report.to_markdown());
}

#[test]
fn figures_are_written() {
    common::check_chapter_figures::<ch2::Flags>(&[], |written| {
        for p in written {
            let bytes = std::fs::read(p).unwrap();
            assert!(
                bytes.len() < 1_500_000,
                "{} is too big: {}",
                p.display(),
                bytes.len()
            );
            if p.extension().is_some_and(|e| e == "gif") {
                assert!(bytes.starts_with(b"GIF89a"));
            }
        }
    });
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let _rng = cpu_single_thread();
    let mut mc = ch2::Ch2Config::for_config(true).mlp;
    mc.lrs = vec![0.1, -0.5];
    let e = ch2::mlp_runs(&Config::quick_cpu(), &mc)
        .unwrap_err()
        .to_string();
    assert!(e.contains("learning rate"), "{e}");
    for eta in [0.0, -1e-3] {
        let e = surfaces::paths(&Surface::ravine(), &[eta], 10, 1e6, Device::Cpu).unwrap_err();
        assert!(e.to_string().contains("> 0"), "{e}");
    }
    assert!(regimes::diagnose(&[]).is_err());
    assert!(regimes::diagnose(&[f64::NAN, f64::NAN, f64::NAN]).is_err());
}

/// On a CUDA machine the quick config's sweeps agree with the CPU's: the same regimes
/// everywhere and the same measured edges (f64 on both).
#[test]
fn cuda_matches_cpu_on_the_quick_config() {
    common::on_cpu_and_cuda(
        "cuda_matches_cpu_on_the_quick_config",
        ch2::run,
        |cpu, gpu| {
            for (a, b) in cpu.sweeps.iter().zip(&gpu.sweeps) {
                assert_eq!(a.regimes, b.regimes, "{}", a.surface.name);
                assert_eq!(a.edge_bracket, b.edge_bracket, "{}", a.surface.name);
            }
            for (a, b) in cpu.mlp.iter().zip(&gpu.mlp) {
                assert_eq!(a.diagnosis.regime, b.diagnosis.regime, "η = {}", a.lr);
            }
            eprintln!("CUDA and CPU agree on chapter 2's quick config");
        },
    );
}
