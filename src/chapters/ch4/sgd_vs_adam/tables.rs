//! The tables of "Tuned SGD against tuned Adam".
use super::{
    decay_caption, decoupled_shrink, steps_per_run, Arch, ArchResult, Method, SgdVsAdam,
    COMPARISONS,
};
use crate::report::{fmt_sig, Cell, Table};
use crate::stats::{self, Paired};

/// "0.852 ± 0.004" over the seeds, or how many diverged.
pub fn spread_cell(xs: &[f64]) -> Cell {
    match stats::spread(xs) {
        Some(m) => Cell::Text(m.text()),
        None => Cell::from(format!(
            "{} of {} diverged",
            xs.iter().filter(|x| !x.is_finite()).count(),
            xs.len()
        )),
    }
}

/// The four cells of a paired comparison, or dashes where a seed diverged.
fn paired_or_dashes(p: Option<Paired>) -> [Cell; 4] {
    match p {
        Some(p) => stats::paired_cells(&p),
        None => [(); 4].map(|_| Cell::from("—")),
    }
}

/// What a paired comparison `a − b` lets the page say.
pub fn reading(p: Option<&Paired>, a: &str, b: &str, n: usize) -> String {
    match p {
        None => "a seed diverged: no test".to_string(),
        Some(p) if !p.beyond_noise() => {
            format!("no difference detected at this budget and n = {n}")
        }
        Some(p) if p.mean_diff > 0.0 => format!("{a} higher"),
        Some(_) => format!("{b} higher"),
    }
}

/// Every grid point's validation accuracy and loss on the tuning seed.
pub fn grid_table(s: &SgdVsAdam) -> Table {
    let c = &s.config;
    let mut t = crate::table!(
        "sgd_vs_adam_grid",
        &format!(
            "Each rule's learning-rate grid, half a decade apart, scored on the validation \
             split after one run from seed {} (the test set is not read to choose); chosen = \
             highest validation accuracy, ties to the lower validation loss; AdamW with λ = \
             {}; {}",
            s.tune_seed,
            fmt_sig(c.decay, 2),
            c.caption()
        ),
        &[
            "network",
            "rule",
            "η",
            "validation accuracy",
            "validation loss",
            "chosen",
        ],
    );
    for r in &s.archs {
        for &(method, lr, o) in &r.grid {
            let diverged = o.diverged();
            t.push(vec![
                Cell::from(r.arch.name(c)),
                Cell::from(method.name()),
                Cell::num(lr, 3),
                if diverged {
                    Cell::from("diverged")
                } else {
                    Cell::num(o.val_accuracy, 3)
                },
                if diverged {
                    Cell::from("diverged")
                } else {
                    Cell::num(o.val_loss, 3)
                },
                Cell::from(if r.lr(method) == lr { "yes" } else { "" }),
            ]);
        }
    }
    t
}

/// Whether `lr` is the first or last point of `method`'s grid.
pub fn at_edge(s: &SgdVsAdam, method: Method, lr: f64) -> bool {
    let g = s.config.grid(method);
    g.first() == Some(&lr) || g.last() == Some(&lr)
}

/// Each tuned rule at its rate: test accuracy over the seeds.
pub fn tuned_table(s: &SgdVsAdam) -> Table {
    let c = &s.config;
    let mut t = crate::table!(
        "sgd_vs_adam_tuned",
        &format!(
            "Each rule at its tuned rate, trained from each of the seeds {} (not the tuning \
             seed): test accuracy, mean ± 95% interval; edge = the rate is an end of its \
             grid; {}; {}",
            seeds_list(&s.seeds),
            c.caption(),
            stats::seeds_caption(s.seeds.len())
        ),
        &[
            "network",
            "rule",
            "tuned η",
            "grid edge?",
            "validation accuracy",
            "test accuracy",
        ],
    );
    for r in &s.archs {
        for method in Method::TUNED {
            let lr = r.lr(method);
            let val: Vec<f64> = r.outcomes(method).iter().map(|o| o.val_accuracy).collect();
            t.push(vec![
                Cell::from(r.arch.name(c)),
                Cell::from(method.name()),
                Cell::num(lr, 3),
                Cell::from(if at_edge(s, method, lr) { "yes" } else { "no" }),
                spread_cell(&val),
                spread_cell(&r.test_accuracies(method)),
            ]);
        }
    }
    t
}

/// The seeds as "0, 1, 2, 3, 4".
pub fn seeds_list(seeds: &[u64]) -> String {
    seeds
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The pairs of tuned rules, compared on test accuracy over the seeds.
pub fn paired_table(s: &SgdVsAdam) -> Table {
    let c = &s.config;
    let n = s.seeds.len();
    let mut t = crate::table!(
        "sgd_vs_adam_paired",
        &format!(
            "Test accuracy of the tuned rules, paired over the seeds: difference = first rule \
             − second, seed by seed; the interval covers the seed noise only (the test images \
             are the same for every run); {}; {}",
            c.caption(),
            stats::seeds_caption(n)
        ),
        &[
            "network",
            "comparison",
            "test accuracy difference",
            "95% CI",
            &stats::paired_t_column(n),
            "beyond noise?",
            "reading",
        ],
    );
    for r in &s.archs {
        for (a, b) in COMPARISONS {
            let p = r.paired_test(a, b);
            let mut row = vec![
                Cell::from(r.arch.name(c)),
                Cell::from(format!("{} − {}", a.name(), b.name())),
            ];
            row.extend(paired_or_dashes(p));
            row.push(Cell::from(reading(p.as_ref(), a.name(), b.name(), n)));
            t.push(row);
        }
    }
    t
}

/// AdamW against Adam + L2 at the same λ and rate: test accuracy and weight norm, paired.
pub fn decay_table(s: &SgdVsAdam) -> Table {
    let c = &s.config;
    let n = s.seeds.len();
    let steps = steps_per_run(c);
    let mut t = crate::table!(
        "sgd_vs_adam_decay",
        &format!(
            "AdamW − Adam + L2, paired over the seeds: test accuracy and the final weight norm \
             ‖θ‖₂; {}; decoupled shrink (1 − ηλ)^T over T = {steps} steps: {}; {}; {}",
            decay_caption(c),
            decay_shrinks(s),
            c.caption(),
            stats::seeds_caption(n)
        ),
        &[
            "network",
            "η",
            "measure",
            "AdamW",
            "Adam + L2",
            "difference",
            "95% CI",
            &stats::paired_t_column(n),
            "beyond noise?",
        ],
    );
    for r in &s.archs {
        let (w, l2) = (Method::AdamW, Method::AdamL2);
        let rows = [
            (
                "test accuracy",
                r.test_accuracies(w),
                r.test_accuracies(l2),
                r.paired_test(w, l2),
            ),
            (
                "weight norm ‖θ‖₂",
                r.weight_norms(w),
                r.weight_norms(l2),
                r.paired_norm(w, l2),
            ),
        ];
        for (measure, a, b, p) in rows {
            let mut row = vec![
                Cell::from(r.arch.name(c)),
                Cell::num(r.lr(w), 3),
                Cell::from(measure),
                spread_cell(&a),
                spread_cell(&b),
            ];
            row.extend(paired_or_dashes(p));
            t.push(row);
        }
    }
    t
}

/// "MLP 0.99…, CNN 0.99…": `(1 − ηλ)^T` at each network's AdamW rate.
fn decay_shrinks(s: &SgdVsAdam) -> String {
    let steps = steps_per_run(&s.config);
    s.archs
        .iter()
        .map(|r: &ArchResult| {
            format!(
                "{} {}",
                match r.arch {
                    Arch::Mlp => "MLP",
                    Arch::Cnn => "CNN",
                },
                fmt_sig(
                    decoupled_shrink(r.lr(Method::AdamW), s.config.decay, steps),
                    4
                )
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}
