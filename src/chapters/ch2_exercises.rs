//! Chapter 2's exercise solutions, shared by the `ch2_ex*` examples, the tests and the book.
use super::ch2::{self, MlpConfig, MlpRun};
use super::Config;
use crate::report::{fmt_sig, Cell, Table};
use crate::surfaces::{self, Surface, SweepOptions};
use crate::Result;

/// Exercise 1's quadratic: `1.5·x² + y² + 1.2·x·y`, a tilted ravine. Its Hessian is
/// `[[3, 1.2], [1.2, 2]]`, with eigenvalues `2.5 ± √(0.25 + 1.44)` = 3.8 and 1.2.
pub fn ex1_surface() -> Result<Surface> {
    Surface::quadratic("tilted", 1.5, 1.0, 1.2, [-3.0, 2.0], (-4.0, 4.0, -3.0, 3.0))
}

/// Exercise 1: the stability edge of a new quadratic, predicted from its Hessian's largest
/// eigenvalue, then measured by a batched sweep of `points` learning rates.
pub fn ex1_predict_edge(points: usize, device: tch::Device) -> Result<Table> {
    let s = ex1_surface()?;
    let c = s.curvature();
    let etas = surfaces::log_spaced(ch2::ETA_LO, ch2::ETA_HI, points)?;
    let opts = SweepOptions {
        max_steps: 2000,
        rel_tol: ch2::EPS,
        blowup: ch2::BLOWUP,
    };
    let sweep = ch2::summarise(&s, surfaces::sweep(&s, &etas, opts, device)?)?;
    let mut t = Table::new(
        "ex1_predict_edge",
        &format!(
            "Exercise 1: {} — Hessian [[3, 1.2], [1.2, 2]]; the edge predicted from λmax against a {points}-point sweep",
            s.formula
        ),
        &["quantity", "value"],
    );
    let rows: Vec<(&str, Cell)> = vec![
        (
            "λmin, λmax",
            format!("{}, {}", fmt_sig(c.lambda_min, 4), fmt_sig(c.lambda_max, 4)).into(),
        ),
        ("predicted edge 2/λmax", Cell::num(c.edge(), 4)),
        ("measured edge (sweep)", Cell::num(sweep.measured_edge(), 4)),
        (
            "measured / predicted",
            Cell::num(sweep.measured_edge() / c.edge(), 4),
        ),
        (
            "predicted fastest η 2/(λmin+λmax)",
            Cell::num(c.balanced_step(), 4),
        ),
        ("fastest η in the sweep", Cell::num(sweep.best.0, 4)),
        ("its steps to ε", sweep.best.1.into()),
    ];
    for (k, v) in rows {
        t.push(vec![k.into(), v]);
    }
    Ok(t)
}

/// Exercise 2's runs: the chapter's MLP on a small subset, at four learning rates, shown to
/// the reader in a scrambled order as logs A, B, C, D.
pub fn ex2_config() -> MlpConfig {
    MlpConfig {
        train_examples: 3000,
        test_examples: 1000,
        hidden: vec![64],
        epochs: 2,
        batch_size: 50,
        lrs: vec![1.0, 0.00003, 10.0, 0.1],
        eval_every: 30,
    }
}

/// Labels of exercise 2's logs, in the order of [`ex2_config`]'s learning rates.
pub const EX2_LABELS: [&str; 4] = ["A", "B", "C", "D"];

/// Exercise 2: four unlabeled training logs (the exercise) and their diagnoses (the
/// solution).
pub fn ex2_diagnose_logs(cfg: &Config, mc: &MlpConfig) -> Result<(Table, Table, Vec<MlpRun>)> {
    let runs = ch2::mlp_runs(cfg, mc)?;
    let mut logs = ch2::mlp_log_table(&runs);
    logs.id = "ex2_logs".into();
    logs.title = "Exercise 2: four training logs (minibatch loss) — which regime is each?".into();
    for (k, col) in logs.columns.iter_mut().skip(1).enumerate() {
        *col = format!("log {}", EX2_LABELS[k]);
    }
    let mut sol = Table::new(
        "ex2_solution",
        "Exercise 2, solution: the learning rate behind each log and its diagnosis",
        &["log", "η", "diagnosis", "reason"],
    );
    for (k, r) in runs.iter().enumerate() {
        sol.push(vec![
            EX2_LABELS[k].into(),
            Cell::num(r.lr, 3),
            r.diagnosis.regime.name().into(),
            r.diagnosis.reason.clone().into(),
        ]);
    }
    Ok((logs, sol, runs))
}
