//! The tables of "The large-batch recipe".
use super::{paired_or_none, Contender, Family, Recipe, SeedLosses};
use crate::report::{fmt_sig, Cell, Table};
use crate::stats::{self, Paired};

/// The base rates: each grid point's final loss at B₀ on the first seed.
pub fn grid_table(r: &Recipe) -> Table {
    let c = &r.config;
    let mut t = crate::table!(
        "large_batch_base_lr",
        &format!(
            "Base learning rate of each adaptive rule at B₀ = {}: final held-out loss of each \
             grid point, seed {} only, constant rate; SGD keeps the chapter's η₀ = {}; {}",
            c.base_batch(),
            r.seeds[0],
            fmt_sig(c.ch5.base_lr, 3),
            c.caption()
        ),
        &["rule", "η at B₀", "final held-out loss", "chosen"],
    );
    for &(family, lr, loss) in &r.grid {
        t.push(vec![
            Cell::from(family.name()),
            Cell::num(lr, 3),
            loss_cell(loss),
            Cell::from(if r.base_lr(family) == lr { "yes" } else { "" }),
        ]);
    }
    t
}

/// The four cells of a paired comparison, or dashes where there is none.
pub fn paired_or_dashes(p: Option<Paired>) -> [Cell; 4] {
    match p {
        Some(p) => stats::paired_cells(&p),
        None => [(); 4].map(|_| Cell::from("—")),
    }
}

fn loss_cell(loss: f64) -> Cell {
    if loss.is_finite() {
        Cell::num(loss, 3)
    } else {
        Cell::from("diverged")
    }
}

/// Every contender at every batch against the base.
pub fn recipe_table(r: &Recipe) -> Table {
    let c = &r.config;
    let n = r.seeds.len();
    let mut t = crate::table!(
        "large_batch_recipe",
        &format!(
            "Each contender scaled from its base rate at B₀ (η₀ for SGD), with {} epoch of \
             linear warmup from that rate; match = mean loss ≤ {}× the base's; the paired \
             columns compare each seed's loss with {}× that seed's base loss; {}; {}",
            c.ch5.warmup_epochs,
            fmt_sig(1.0 + c.ch5.tolerance, 3),
            fmt_sig(1.0 + c.ch5.tolerance, 3),
            c.caption(),
            stats::seeds_caption(n)
        ),
        &[
            "B",
            "contender",
            "η",
            "final held-out loss",
            "loss − target",
            "95% CI",
            &stats::paired_t_column(n),
            "beyond noise?",
            "matches base?",
        ],
    );
    let mut row = |batch: usize, name: &str, res: &SeedLosses, is_base: bool| {
        let mut cells = vec![
            Cell::from(batch),
            Cell::from(name),
            Cell::num(res.lr, 3),
            res.cell(),
        ];
        cells.extend(paired_or_dashes(r.against_target(res).filter(|_| !is_base)));
        let verdict = if is_base {
            "base"
        } else if r.matches(res) {
            "yes"
        } else {
            "no"
        };
        cells.push(Cell::from(verdict));
        t.push(cells);
    };
    row(c.base_batch(), "SGD (base)", &r.base, true);
    for run in &r.runs {
        row(run.batch, &run.contender.name(), &run.result, false);
    }
    t
}

/// The headline: how far each contender lets the batch grow.
pub fn summary_table(r: &Recipe) -> Table {
    let c = &r.config;
    let mut t = crate::table!(
        "large_batch_summary",
        &format!(
            "Largest batch up to which every batch matches the base's held-out loss within \
             {}% on the mean over {} seeds (from B₀ = {}; tried up to B = {})",
            fmt_sig(100.0 * c.ch5.tolerance, 2),
            r.seeds.len(),
            c.base_batch(),
            c.batches.iter().max().copied().unwrap_or(c.base_batch())
        ),
        &["contender", "base η at B₀", "largest matching B", "× B₀"],
    );
    for contender in Contender::ALL {
        let b = r.largest_matching(contender);
        t.push(vec![
            Cell::from(contender.name()),
            Cell::num(r.base_lr(contender.family), 3),
            Cell::from(b),
            Cell::from(b / c.base_batch()),
        ]);
    }
    t
}

/// Adam's √ rule against its linear-rule control, batch by batch (paired over the seeds).
pub fn sqrt_rule_table(r: &Recipe) -> Table {
    let n = r.seeds.len();
    let mut t = crate::table!(
        "large_batch_adam_rules",
        &format!(
            "Adam with the square-root rule against Adam with the linear rule, both from η = \
             {} at B₀ with the same warmup: final held-out loss, and the paired difference \
             √ − linear; {}; {}",
            fmt_sig(r.base_lr(Family::Adam), 3),
            r.config.caption(),
            stats::seeds_caption(n)
        ),
        &[
            "B",
            "η (√ rule)",
            "loss, √ rule",
            "η (linear rule)",
            "loss, linear rule",
            "√ − linear",
            "95% CI",
            &stats::paired_t_column(n),
            "beyond noise?",
        ],
    );
    let (sqrt, linear) = (Contender::ALL[2], Contender::ALL[3]);
    for &batch in &r.config.batches {
        let (Some(a), Some(b)) = (r.at(sqrt, batch), r.at(linear, batch)) else {
            continue;
        };
        let mut cells = vec![
            Cell::from(batch),
            Cell::num(a.result.lr, 3),
            a.result.cell(),
            Cell::num(b.result.lr, 3),
            b.result.cell(),
        ];
        cells.extend(paired_or_dashes(paired_or_none(
            &a.result.losses,
            &b.result.losses,
        )));
        t.push(cells);
    }
    t
}

/// Warmup length at one large batch, each length against the one before it.
pub fn warmup_table(r: &Recipe) -> Table {
    let c = &r.config;
    let n = r.seeds.len();
    let columns = warmup_columns(n);
    let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
    let mut t = crate::table!(
        "large_batch_warmup",
        &format!(
            "Warmup length at B = {} ({} steps per epoch), SGD with the linear rule (η = {}), \
             warmup linear from η₀ = {}; each row paired against the row above; {}; {}",
            c.warmup_batch,
            c.steps_per_epoch(c.warmup_batch),
            fmt_sig(r.warmup.first().map_or(f64::NAN, |w| w.1.lr), 3),
            fmt_sig(c.ch5.base_lr, 3),
            c.caption(),
            stats::seeds_caption(n)
        ),
        &columns,
    );
    warmup_rows(&mut t, c.steps_per_epoch(c.warmup_batch), &r.warmup);
    t
}

/// The columns of a warmup table over `n` seeds.
pub fn warmup_columns(n: usize) -> Vec<String> {
    [
        "warmup (epochs)",
        "warmup steps",
        "final held-out loss",
        "minus the row above",
        "95% CI",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([stats::paired_t_column(n), "beyond noise?".to_string()])
    .collect()
}

/// One row per warmup length (`steps_per_epoch` steps an epoch), each paired against the
/// row above.
pub fn warmup_rows(t: &mut Table, steps_per_epoch: usize, runs: &[(f64, SeedLosses)]) {
    let mut previous: Option<&SeedLosses> = None;
    for (epochs, res) in runs {
        let mut cells = vec![
            Cell::num(*epochs, 3),
            Cell::from((epochs * steps_per_epoch as f64).round() as usize),
            res.cell(),
        ];
        cells.extend(paired_or_dashes(
            previous.and_then(|p| paired_or_none(&res.losses, &p.losses)),
        ));
        t.push(cells);
        previous = Some(res);
    }
}

/// Clipping at a rate that diverges without it.
pub fn clipping_table(r: &Recipe) -> Table {
    let c = &r.config;
    let mut t = crate::table!(
        "large_batch_clipping",
        &format!(
            "Gradient clipping by global norm at B = {}, SGD with the linear rule and no \
             warmup (η = {}); clip rate = fraction of steps whose norm exceeded the threshold; \
             {}; {}",
            c.clip_batch,
            fmt_sig(r.clipping[0].lr, 3),
            c.caption(),
            stats::seeds_caption(r.seeds.len())
        ),
        &[
            "run",
            "seeds diverged",
            "final held-out loss",
            "mean clip rate",
        ],
    );
    let names = [
        "unclipped".to_string(),
        format!("clipped at norm {}", fmt_sig(c.clip_norm, 3)),
    ];
    for (name, res) in names.iter().zip(&r.clipping) {
        t.push(clip_row(name, res));
    }
    t
}

/// A row of a clipping table: the run, how many seeds diverged, the loss, the clip rate.
pub fn clip_row(name: &str, res: &SeedLosses) -> Vec<Cell> {
    vec![
        Cell::from(name),
        Cell::from(format!("{} of {}", res.diverged(), res.losses.len())),
        res.cell(),
        if res.clip_rates.is_empty() {
            Cell::from("—")
        } else {
            Cell::num(stats::mean(&res.clip_rates), 3)
        },
    ]
}
