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
use common::ledger::{compared, Ledger};
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
    // Skipped while nothing it depends on has changed since it passed.
    let Some(pass) = common::kept::unless_passed(concat!(
        file!(),
        "::quick_report_is_pinned_and_backs_the_claims"
    )) else {
        return;
    };
    let (_rng, ch) = common::pinned_report!(ch2::run, Config::quick_cpu(), "ch2_quick_report");
    check_claims(&ch, &mut Ledger::new("ch2_quick_claims", "quick"));
    pass.keep();
}

#[test]
fn full_report_is_pinned_and_backs_the_books_claims() {
    // Skipped while nothing it depends on has changed since it last passed.
    let Some(pass) = common::kept::unless_passed(concat!(
        file!(),
        "::full_report_is_pinned_and_backs_the_books_claims"
    )) else {
        return;
    };
    let (_rng, ch) = common::pinned_book_report!(ch2::Flags, "ch2_full_report");
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
    pass.keep();
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
    // Skipped while nothing it depends on has changed since it passed.
    let Some(pass) = common::kept::unless_passed(concat!(
        file!(),
        "::batched_sweep_equals_a_scalar_reference"
    )) else {
        return;
    };
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
    pass.keep();
}

/// The regime whose name the table prints.
fn regime_named(name: &str) -> Regime {
    Regime::ALL.into_iter().find(|r| r.name() == name).unwrap()
}

/// The numbers written in `text`, in order: "from 3.00 to 2.88: less than 10.0%" gives 3,
/// 2.88 and 10.
fn numbers_in(text: &str) -> Vec<f64> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter_map(|s| s.trim_matches('.').parse().ok())
        .collect()
}

#[test]
fn exercises_are_pinned() {
    // Skipped while nothing it depends on has changed since it last passed.
    let Some(pass) = common::kept::unless_passed(concat!(file!(), "::exercises_are_pinned")) else {
        return;
    };
    let _rng = cpu_single_thread();
    let cfg = Config::full_cpu();
    let mut ledger = Ledger::new(
        "ch2_exercise_claims",
        "tests/ch2_goldilocks.rs::exercises_are_pinned",
    );
    // Exercise 1 (instructor's guide): λmax = 3.8 and λmin = 1.2, so the edge is 2/3.8 and
    // the balanced step 2/5; the sweep agrees on the edge; its fastest η is 0.3833, and its
    // 15 steps equal the bound ⌈ln 10⁻⁴ / ln 0.52⌉ at 2/5.
    let ex1 = common::solve::<PredictEdge>(&cfg);
    let edge = &ex1.tables[0];
    let value = |q: &str| num(edge, row_where(edge, "quantity", q), "value");
    let c = PredictEdge::surface().unwrap().curvature();
    let section = "Exercise 1";
    ledger.claim(
        section,
        "the Hessian [[3, 1.2], [1.2, 2]] has eigenvalues 2.5 ± 1.3: λmax = 3.8 and λmin = 1.2",
        format!(
            "exact to 1e-12: λmin, λmax = {}",
            cell(edge, row_where(edge, "quantity", "λmin, λmax"), "value").render()
        ),
        (c.lambda_max - 3.8).abs() < 1e-12 && (c.lambda_min - 1.2).abs() < 1e-12,
    );
    let points = PredictEdge::defaults().unwrap().points;
    assert!(edge.title.contains(&format!("{points}-point sweep")));
    let grid_step = (ch2::ETA_HI / ch2::ETA_LO).powf(1.0 / (points - 1) as f64);
    let (predicted, measured) = (
        value("predicted edge 2/λmax"),
        value("measured edge (sweep)"),
    );
    let ratio = value("measured / predicted");
    ledger.claim(
        section,
        "gradient descent is stable for η < 2/λmax = 2/3.8, and the sweep agrees: its measured \
         edge is within 1% of 2/λmax, and within one grid step",
        format!(
            "2/λmax = {}, measured / predicted = {}, grid step ×{}",
            fmt_sig(predicted, 4),
            fmt_sig(ratio, 4),
            fmt_sig(grid_step, 4)
        ),
        (predicted - 2.0 / 3.8).abs() < 1e-12
            && (ratio - 1.0).abs() < 0.01
            && ratio > 1.0 / grid_step
            && ratio < grid_step,
    );
    ledger.claim(
        section,
        "predicting the edge from the diagonal alone (2/3, from the 3 on the diagonal) \
         overestimates it",
        format!(
            "2/3 against the measured edge: {}",
            compared(2.0 / 3.0, ">", measured)
        ),
        2.0 / 3.0 > measured,
    );
    let (balanced, fastest) = (
        value("predicted fastest η 2/(λmin+λmax)"),
        value("fastest η in the sweep"),
    );
    ledger.claim(
        section,
        "the step that balances the two directions is 2/(λmin + λmax) = 2/5; the sweep's \
         fastest η is not exactly that: 0.3833 against 0.4000",
        format!(
            "exact to 1e-12: 2/(λmin + λmax) = {}; fastest η in the sweep {}",
            fmt_sig(balanced, 4),
            fmt_sig(fastest, 4)
        ),
        (balanced - 0.4).abs() < 1e-12 && (0.38325..0.38335).contains(&fastest),
    );
    let kappa = c.lambda_max / c.lambda_min;
    let rate = (kappa - 1.0) / (kappa + 1.0);
    let bound = (ch2::EPS.ln() / rate.ln()).ceil();
    let steps = value("its steps to ε");
    ledger.claim(
        section,
        "at 2/5 the rate is (κ − 1)/(κ + 1) = 0.52, and the bound ⌈ln 10⁻⁴ / ln 0.52⌉ is 15, \
         the same count the sweep reports",
        format!(
            "rate {} (exact to 1e-12), bound {bound}, sweep {steps}",
            fmt_sig(rate, 2)
        ),
        (rate - 0.52).abs() < 1e-12 && ch2::EPS == 1e-4 && bound == 15.0 && steps == bound,
    );

    // Exercise 2: the logs, their learning rates and their diagnoses.
    let ex2 = DiagnoseLogs::defaults().unwrap();
    let solved = ex2.solve(&cfg, None).unwrap();
    let (logs, solution) = (&solved.tables[0], &solved.tables[1]);
    let section = "Exercise 2";
    let labels = ["A", "B", "C", "D"];
    assert_eq!(
        solution.rows.len(),
        labels.len(),
        "one log per learning rate"
    );
    let diag: Vec<Regime> = labels
        .iter()
        .map(|l| regime_named(&cell(solution, row_where(solution, "log", l), "diagnosis").render()))
        .collect();
    let lr = |l: &str| num(solution, row_where(solution, "log", l), "η");
    ledger.claim(
        section,
        "diagnose reads logs A to D as oscillating, too small, diverged and just right",
        format!(
            "exact, η = {}",
            labels
                .iter()
                .map(|l| fmt_sig(lr(l), 3))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        diag == vec![Oscillating, TooSmall, Diverged, JustRight],
    );
    // The log's first row is step 0 and its last the last step of every run that completed,
    // so these are each run's first and last loss.
    let last = logs.rows.len() - 1;
    assert_eq!(num(logs, 0, "step"), 0.0);
    let steps = ex2.train_examples / ex2.batch_size * ex2.epochs;
    assert_eq!(num(logs, last, "step"), (steps - 1) as f64);
    ledger.claim(
        section,
        "the logs come from an MLP with 64 hidden units on 3000 training images, in batches of \
         50 for 2 epochs: 120 steps",
        format!("steps 0 to {}", num(logs, last, "step")),
        ex2.hidden == [64]
            && ex2.train_examples == 3000
            && ex2.batch_size == 50
            && ex2.epochs == 2
            && steps == 120,
    );
    // Each log as logged: `None` after a run stopped ("—").
    let log = |l: &str| -> Vec<Option<f64>> {
        (0..logs.rows.len())
            .map(|row| cell(logs, row, &format!("log {l}")).value())
            .collect()
    };
    let step = |row: usize| num(logs, row, "step");
    let start = |l: &str| log(l)[0].unwrap();
    let end = |l: &str| log(l)[last].unwrap();
    // The peak of the first five steps against the start.
    let early_peak = |l: &str| {
        let v = log(l);
        (0..logs.rows.len())
            .filter(|&row| step(row) <= 5.0)
            .filter_map(|row| v[row])
            .fold(f64::NEG_INFINITY, f64::max)
            / start(l)
    };
    let peaks = labels.map(early_peak);
    let exploded: Vec<&str> = labels
        .iter()
        .zip(&peaks)
        .filter(|(_, &p)| p > 10.0)
        .map(|(l, _)| *l)
        .collect();
    let per_log = |xs: &[f64]| {
        labels
            .iter()
            .zip(xs)
            .map(|(l, &x)| format!("{l} {}", fmt_sig(x, 3)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    ledger.claim(
        section,
        "two of the logs, A and C, start with an explosion (above 10× their start within 5 \
         steps); B and D stay under 1.1× theirs",
        format!("peak / start over steps 0 to 5: {}", per_log(&peaks)),
        exploded == ["A", "C"] && peaks[1] < 1.1 && peaks[3] < 1.1,
    );
    let diverged = log("C");
    let logged: Vec<f64> = diverged.iter().map_while(|x| *x).collect();
    ledger.claim(
        section,
        "the diverged log C keeps climbing until the guard stops it, and the log ends",
        format!(
            "{}, then no entry after step {}",
            logged
                .iter()
                .map(|&x| fmt_sig(x, 4))
                .collect::<Vec<_>>()
                .join(", "),
            step(logged.len() - 1)
        ),
        logged.windows(2).all(|p| p[0] < p[1])
            && logged.len() < diverged.len()
            && diverged[logged.len()..].iter().all(Option::is_none),
    );
    let uniform = 10f64.ln();
    let settled: Vec<f64> = (0..logs.rows.len())
        .filter(|&row| step(row) >= 50.0)
        .map(|row| log("A")[row].unwrap())
        .collect();
    ledger.claim(
        section,
        "after its jump, the oscillating log A falls back and sits near ln 10 ≈ 2.3, the loss \
         of a uniform guess (within 0.3 at every logged step from 50 on), 2.203 at its last step",
        format!(
            "{} from step 50, ln 10 = {}",
            settled
                .iter()
                .map(|&x| fmt_sig(x, 4))
                .collect::<Vec<_>>()
                .join(", "),
            fmt_sig(uniform, 4)
        ),
        settled.iter().all(|&x| (x - uniform).abs() < 0.3)
            && (end("A") - uniform).abs() < 0.3
            && (2.2025..2.2035).contains(&end("A")),
    );
    // C's log ends early: its last entry stands for its end.
    let last_logged = |l: &str| log(l).into_iter().flatten().last().unwrap();
    let ends = labels.map(|l| last_logged(l) / start(l));
    ledger.claim(
        section,
        "the just-right log D is the only one whose loss ends far below its start: under half \
         of it, while A, B and C end above half of theirs (C at its last entry)",
        format!("last / first loss: {}", per_log(&ends)),
        end("D") < 0.5 * start("D")
            && end("A") > 0.5 * start("A")
            && end("B") > 0.5 * start("B")
            && ends[2] > 0.5,
    );
    ledger.claim(
        section,
        "the too-small log B barely moves: its last loss is below its first by less than a tenth",
        format!(
            "last {} against first {}: {} of it",
            fmt_sig(end("B"), 4),
            fmt_sig(start("B"), 4),
            fmt_sig(end("B") / start("B"), 3)
        ),
        end("B") < start("B") && end("B") > 0.9 * start("B"),
    );
    let reason = cell(solution, row_where(solution, "log", "B"), "reason").render();
    let [from, to, rule]: [f64; 3] = numbers_in(&reason)
        .try_into()
        .unwrap_or_else(|v| panic!("log B's reason has other numbers: {v:?} in {reason}"));
    let fall = (from - to) / from;
    ledger.claim(
        section,
        "over the whole log the diagnosis finds a fall from 3.00 to 2.88, about 4% of its start \
         (3.5% to 4.5%), under the 10% its rule asks for",
        format!(
            "from {} to {}: {}% of the start, rule {}%",
            fmt_sig(from, 3),
            fmt_sig(to, 3),
            fmt_sig(100.0 * fall, 2),
            fmt_sig(rule, 3)
        ),
        from == 3.0
            && to == 2.88
            && (0.035..0.045).contains(&fall)
            && rule == 100.0 * regimes::Thresholds::default().flat_ratio
            && 100.0 * fall < rule,
    );
    let (right, small) = (
        num(
            solution,
            row_where(solution, "diagnosis", "just right"),
            "η",
        ),
        num(solution, row_where(solution, "diagnosis", "too small"), "η"),
    );
    ledger.claim(
        section,
        "the just-right log's learning rate is over 3000 times the too-small log's",
        format!(
            "η {} / {} = {}",
            fmt_sig(right, 3),
            fmt_sig(small, 3),
            fmt_sig(right / small, 4)
        ),
        right / small > 3000.0,
    );
    let tables = [ex1.tables, solved.tables].concat();
    let report = lrbook::report::Report::with_tables("Chapter 2 exercises", tables);
    insta::assert_snapshot!("ch2_exercises", report.to_markdown());
    ledger.pin("ch2_exercise_claims");
    pass.keep();
}

#[test]
fn figures_are_written() {
    // Skipped while nothing it depends on has changed since it passed.
    let Some(pass) = common::kept::unless_passed(concat!(file!(), "::figures_are_written")) else {
        return;
    };
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
    pass.keep();
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
