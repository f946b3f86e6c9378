//! "Which schedule when": the usual advice, with the comparison's measured difference from
//! constant next to each row that it measured.
use super::comparison::{beyond_seed_noise, mean_sd, Comparison, Contender};
use crate::report::{fmt_sig, Cell, Table};

/// The guidance table: which schedule for which situation, with this chapter's own
/// measurement as evidence where it has one.
pub fn guidance_table(cmp: &Comparison) -> Table {
    let baseline = cmp.accuracies(Contender::Constant);
    let evidence = |c: Contender| -> String {
        if !cmp.config.contenders.contains(&c) || baseline.is_empty() {
            return "not measured here".into();
        }
        let acc = cmp.accuracies(c);
        let d = mean_sd(&acc).0 - mean_sd(&baseline).0;
        format!(
            "{} vs constant ({}seed noise)",
            signed(d, 2),
            if beyond_seed_noise(&acc, &baseline) {
                "beyond "
            } else {
                "within "
            }
        )
    };
    let mut table = Table::new(
        "guidance",
        "Which schedule when, with this chapter's measured test-accuracy difference",
        &["situation", "reach for", "why", "measured here"],
    );
    let rows: [(&str, &str, &str, Option<Contender>); 7] = [
        (
            "a known budget of steps",
            "cosine to 0",
            "no milestones to tune; spends its last steps at small η",
            Some(Contender::Cosine),
        ),
        (
            "large batch, Adam, or a fragile start",
            "linear warmup + cosine",
            "small first steps while curvature and Adam's moments settle",
            Some(Contender::WarmupCosine),
        ),
        (
            "SGD with momentum, short budget",
            "one-cycle",
            "high η in the middle, momentum cycled against it",
            Some(Contender::OneCycle),
        ),
        (
            "a reproduced paper recipe",
            "step / multistep",
            "the milestones are part of the recipe",
            Some(Contender::Step),
        ),
        (
            "unknown budget, validation metric available",
            "plateau",
            "cuts only when progress stalls; needs patience tuned to the noise",
            Some(Contender::Plateau),
        ),
        (
            "smooth decay without a fixed end",
            "exponential or inverse sqrt",
            "defined for any number of steps",
            Some(Contender::Exponential),
        ),
        (
            "searching for good η ranges, ensembling snapshots",
            "cyclic or warm restarts",
            "each cycle revisits large η; each trough is a usable snapshot",
            None,
        ),
    ];
    for (situation, schedule, why, measured) in rows {
        table.push(vec![
            Cell::from(situation),
            Cell::from(schedule),
            Cell::from(why),
            Cell::Text(measured.map_or("not measured here".into(), evidence)),
        ]);
    }
    table
}

fn signed(x: f64, digits: usize) -> String {
    let s = fmt_sig(x, digits);
    if x > 0.0 && s != "0" {
        format!("+{s}")
    } else {
        s
    }
}
