//! "AdamW is not Adam with L2": Adam with an L2 term against AdamW's decoupled decay, at
//! the same λ, seed and budget as the sensitivity sweep.
use super::sensitivity::net_run;
use super::NetConfig;
use crate::chapters::Config;
use crate::data::fashion_mnist::FashionMnist;
use crate::optim::{Rule, TorchArgs};
use crate::report::{fmt_sig, Cell, Table};
use crate::{validate, Result};

/// Adam with L2 against AdamW at the same decay values, at η = 1e-3.
pub fn adamw_table(cfg: &Config, nc: &NetConfig, data: &FashionMnist) -> Result<Table> {
    let lr = 1e-3;
    let mut table = crate::table!(
        "adamw",
        &format!("Adam with an L2 term against AdamW's decoupled decay, η = {}, same λ, same seed and budget as the sweep", fmt_sig(lr, 1)),
        &["λ", "Adam + L2: held-out loss", "accuracy", "weight norm", "AdamW: held-out loss", "accuracy", "weight norm"],
    );
    for &wd in &nc.decays {
        validate::non_negative("weight decay", wd)?;
        let decay = TorchArgs {
            weight_decay: Some(wd),
            ..TorchArgs::default()
        };
        let l2 = net_run(data, nc, &Rule::Adam.with(decay), lr, cfg.seed, cfg.device)?;
        let dec = net_run(data, nc, &Rule::AdamW.with(decay), lr, cfg.seed, cfg.device)?;
        table.push(vec![
            Cell::num(wd, 1),
            Cell::num(l2.loss, 3),
            Cell::num(l2.accuracy, 3),
            Cell::num(l2.weight_norm, 3),
            Cell::num(dec.loss, 3),
            Cell::num(dec.accuracy, 3),
            Cell::num(dec.weight_norm, 3),
        ]);
    }
    Ok(table)
}
