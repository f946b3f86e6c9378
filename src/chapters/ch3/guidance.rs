//! "Which schedule when": the usual advice, with the comparison's measured difference from
//! constant next to each row, and what that measurement did and did not cover.
use super::comparison::{Comparison, Contender};
use crate::report::{fmt_sig, Cell, Table};
use crate::{stats, Result};

/// How far the comparison's one set-up matches a row's situation.
#[derive(Clone, Copy)]
enum Coverage {
    /// The comparison ran this situation (small-batch SGD with momentum, a fixed budget).
    Ran,
    /// The schedule ran, but not in this situation: the number is small-batch SGD's only.
    OtherSituation(&'static str),
}

/// One row of the guidance table: situation, schedule, why, and the comparison's contender
/// with how far its run covers the situation (none when nothing here measured it).
type GuidanceRow = (
    &'static str,
    &'static str,
    &'static str,
    Option<(Contender, Coverage)>,
);

/// The guidance table: which schedule for which situation, with this chapter's own
/// paired measurement as evidence where it has one, and a plain statement where the
/// measurement does not cover the situation.
pub fn guidance_table(cmp: &Comparison) -> Result<Table> {
    let cc = &cmp.config;
    let evidence = |c: Contender, coverage: Coverage| -> Result<String> {
        if !cc.contenders.contains(&c) || !cc.contenders.contains(&Contender::Constant) {
            return Ok("not measured here".into());
        }
        let p = cmp.vs(c, Contender::Constant)?;
        let measured = format!(
            "{} vs constant, 95% CI {} ({} seed noise)",
            signed(p.mean_diff, 2),
            stats::interval_text(p.ci.0, p.ci.1, 2),
            if p.beyond_noise() { "beyond" } else { "within" }
        );
        Ok(match coverage {
            Coverage::Ran => measured,
            Coverage::OtherSituation(missing) => {
                format!("{missing} not run; in the small-batch SGD run: {measured}")
            }
        })
    };
    let mut table = crate::table!(
        "guidance",
        &format!(
            "Which schedule when. The last column is this chapter's one measurement: \
             small-batch SGD (batch {}, momentum {}) on an MLP, every schedule at the same \
             untuned peak η = {}, paired over {} seeds; it says nothing about a row's \
             situation that it did not run",
            cc.setup.batch_size,
            fmt_sig(cc.momentum, 2),
            fmt_sig(cc.peak_lr, 3),
            cc.seeds.len()
        ),
        &["situation", "reach for", "why", "measured here"],
    );
    let rows: [GuidanceRow; 7] = [
        (
            "a known budget of steps",
            "cosine to 0",
            "no milestones to tune; spends its last steps at small η",
            Some((Contender::Cosine, Coverage::Ran)),
        ),
        (
            "large batch, Adam, or a fragile start",
            "linear warmup + cosine",
            "small first steps while curvature and Adam's moments settle",
            Some((
                Contender::WarmupCosine,
                Coverage::OtherSituation("large batch and Adam"),
            )),
        ),
        (
            "SGD with momentum, short budget",
            "one-cycle",
            "high η in the middle, momentum cycled against it",
            Some((Contender::OneCycle, Coverage::Ran)),
        ),
        (
            "a reproduced paper recipe",
            "step / multistep",
            "the milestones are part of the recipe",
            Some((Contender::Step, Coverage::Ran)),
        ),
        (
            "unknown budget, validation metric available",
            "plateau",
            "cuts only when progress stalls; needs patience tuned to the noise",
            Some((
                Contender::Plateau,
                Coverage::OtherSituation("a validation-metric plateau"),
            )),
        ),
        (
            "smooth decay without a fixed end",
            "exponential or inverse sqrt",
            "defined for any number of steps",
            Some((Contender::Exponential, Coverage::Ran)),
        ),
        (
            "searching for good η ranges, ensembling snapshots",
            "cyclic or warm restarts",
            "each cycle revisits large η; each trough is a usable snapshot",
            None,
        ),
    ];
    for (situation, schedule, why, measured) in rows {
        let evidence = match measured {
            Some((c, coverage)) => evidence(c, coverage)?,
            None => "not measured here".into(),
        };
        table.push(vec![
            Cell::from(situation),
            Cell::from(schedule),
            Cell::from(why),
            Cell::Text(evidence),
        ]);
    }
    Ok(table)
}

fn signed(x: f64, digits: usize) -> String {
    let s = fmt_sig(x, digits);
    if x > 0.0 && s != "0" {
        format!("+{s}")
    } else {
        s
    }
}
