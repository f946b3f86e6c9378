//! "Warmup, and its off-by-one": where step 0 of a linear warmup starts, under the
//! hand-written `η·t/w`, this crate's default start factor `1/w`, and the cosine ramp.
use crate::report::{fmt_sig, Cell, Table};
use crate::schedule::{LrSchedule, Warmup};
use crate::Result;

/// The warmup off-by-one: the first steps of a `w`-step linear warmup to `lr` under the
/// hand-written `lr·t/w` (LR 0 at step 0), this crate's default `lr·(1 + (w−1)·t/w)/w`
/// (PyTorch's `LinearLR(start_factor=1/w)`), and the cosine ramp.
pub fn warmup_table(lr: f64, w: usize) -> Result<Table> {
    let zero_start = Warmup::linear(lr, w)?.with_start_factor(0.0)?;
    let linear = Warmup::linear(lr, w)?;
    let cosine = Warmup::cosine(lr, w)?;
    let mut table = crate::table!(
        "warmup_start",
        &format!(
            "The first {} steps of a {w}-step warmup to η = {}: where step 0 starts",
            w + 1,
            fmt_sig(lr, 3)
        ),
        &[
            "step",
            "η·t/w (LR 0 at step 0)",
            "linear, start factor 1/w (default)",
            "cosine, start factor 1/w",
        ],
    );
    for k in 0..=w {
        table.push(vec![
            Cell::from(k),
            Cell::num(zero_start.lr(k), 4),
            Cell::num(linear.lr(k), 4),
            Cell::num(cosine.lr(k), 4),
        ]);
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warmup_table_shows_the_zero_start_only_when_asked() {
        let t = warmup_table(0.1, 4).unwrap();
        let default = "linear, start factor 1/w (default)";
        assert_eq!(
            t.cell(0, "η·t/w (LR 0 at step 0)"),
            Some(&Cell::num(0.0, 4))
        );
        assert_eq!(t.cell(0, default), Some(&Cell::num(0.025, 4)));
        assert_eq!(t.cell(4, default), Some(&Cell::num(0.1, 4)));
    }
}
