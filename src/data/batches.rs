//! Minibatches: one pass (epoch) over a [`Dataset`], in shuffled or fixed order.
//!
//! ```no_run
//! # fn main() -> lrbook::Result<()> {
//! let data = lrbook::data::synthetic::linear_regression(1000, 0.1, 0)?;
//! for epoch in 0..3u64 {
//!     // A new order each epoch, and the same orders every time the program runs.
//!     for (x, y) in data.batches(32, Some(42 + epoch), false)? {
//!         // x: [32, 1], y: [32, 1]; the last batch has 1000 % 32 = 8 rows.
//!         # let _ = (x, y);
//!     }
//! }
//! # Ok(())
//! # }
//! ```
use tch::Tensor;

use super::rng::SplitMix64;
use super::Dataset;
use crate::{Error, Result};

/// The row order `0..n`, shuffled by Fisher–Yates with a generator seeded by `seed`.
///
/// The same `(n, seed)` always gives the same order, on every machine and device.
pub fn permutation(n: usize, seed: u64) -> Vec<i64> {
    let mut order: Vec<i64> = (0..n as i64).collect();
    SplitMix64::new(seed).shuffle(&mut order);
    order
}

/// An iterator over the minibatches `(inputs, targets)` of one epoch.
///
/// Made by [`Dataset::batches`]. Every batch has `batch_size` rows except perhaps the
/// last, which holds the remainder unless `drop_last` was asked for.
#[derive(Debug)]
pub struct Batches {
    inputs: Tensor,
    targets: Tensor,
    /// Row indices in visiting order, on the data's device; `None` means `0, 1, 2, …`.
    order: Option<Tensor>,
    batch_size: i64,
    /// Where the next batch starts.
    start: i64,
    /// Where the epoch stops (the data length, or less with `drop_last`).
    end: i64,
}

impl Dataset {
    /// The minibatches of one epoch.
    ///
    /// - `batch_size`: rows per batch, at least 1.
    /// - `shuffle_seed`: `Some(seed)` visits the rows in the order [`permutation`] gives
    ///   for that seed; pass a different seed each epoch (for example `seed + epoch`) for
    ///   a new order. `None` keeps the stored order, which is what evaluation wants.
    /// - `drop_last`: leave out a final batch that would be smaller than `batch_size`,
    ///   so that every step sees the same number of examples.
    ///
    /// Without `drop_last` every row is visited exactly once.
    pub fn batches(
        &self,
        batch_size: usize,
        shuffle_seed: Option<u64>,
        drop_last: bool,
    ) -> Result<Batches> {
        if batch_size == 0 {
            return Err(Error::invalid(
                "batch size",
                "got 0",
                "Pass a batch size of 1 or more, such as 64.",
            ));
        }
        let n = self.len();
        if self.targets.size().first() != Some(&(n as i64)) {
            return Err(Error::invalid(
                "dataset",
                format!(
                    "inputs have shape {:?} but targets have shape {:?}",
                    self.inputs.size(),
                    self.targets.size()
                ),
                "Give inputs and targets the same number of rows (see Dataset::new).",
            ));
        }
        if self.inputs.device() != self.targets.device() {
            return Err(Error::invalid(
                "dataset",
                format!(
                    "inputs are on {:?} but targets are on {:?}",
                    self.inputs.device(),
                    self.targets.device()
                ),
                "Move both with Dataset::to_device.",
            ));
        }
        if drop_last && batch_size > n {
            return Err(Error::invalid(
                "batch size",
                format!("{batch_size} is larger than the {n} examples, so drop_last would leave no batch at all"),
                format!("Pass a batch size of at most {n}, or drop_last = false."),
            ));
        }
        let end = if drop_last { n - n % batch_size } else { n };
        let order = shuffle_seed
            .map(|seed| Tensor::from_slice(&permutation(n, seed)).to_device(self.inputs.device()));
        Ok(Batches {
            inputs: self.inputs.shallow_clone(),
            targets: self.targets.shallow_clone(),
            order,
            batch_size: batch_size as i64,
            start: 0,
            end: end as i64,
        })
    }
}

impl Iterator for Batches {
    type Item = (Tensor, Tensor);

    fn next(&mut self) -> Option<Self::Item> {
        if self.start >= self.end {
            return None;
        }
        let len = self.batch_size.min(self.end - self.start);
        let batch = match &self.order {
            Some(order) => {
                let rows = order.narrow(0, self.start, len);
                (
                    self.inputs.index_select(0, &rows),
                    self.targets.index_select(0, &rows),
                )
            }
            // In stored order a batch is a slice of rows: a view, no copy.
            None => (
                self.inputs.narrow(0, self.start, len),
                self.targets.narrow(0, self.start, len),
            ),
        };
        self.start += len;
        Some(batch)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = (self.end - self.start).max(0);
        let batches = ((left + self.batch_size - 1) / self.batch_size) as usize;
        (batches, Some(batches))
    }
}

impl ExactSizeIterator for Batches {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use tch::{Device, Kind};

    /// Ten rows: input row i is `[10 i, 10 i + 1]`, target i is `i`.
    fn ten() -> Dataset {
        let targets = Tensor::arange(10, (Kind::Int64, Device::Cpu));
        let inputs = Tensor::stack(&[&targets * 10, &targets * 10 + 1], 1).to_kind(Kind::Float);
        Dataset::new(inputs, targets).unwrap()
    }

    fn targets_of(batches: Batches) -> Vec<Vec<i64>> {
        batches
            .map(|(_, y)| Vec::<i64>::try_from(&y).unwrap())
            .collect()
    }

    #[test]
    fn shuffled_epoch_visits_every_row_once_and_keeps_pairs() {
        let data = ten();
        let batches = data.batches(3, Some(5), false).unwrap();
        assert_eq!(batches.len(), 4);
        let mut seen = Vec::new();
        let mut sizes = Vec::new();
        for (x, y) in batches {
            sizes.push(y.size()[0]);
            let y = Vec::<i64>::try_from(&y).unwrap();
            // Each input row still belongs to its target.
            let first_col = Vec::<f32>::try_from(x.select(1, 0)).unwrap();
            assert_eq!(
                first_col,
                y.iter().map(|&t| (10 * t) as f32).collect::<Vec<_>>()
            );
            seen.extend(y);
        }
        assert_eq!(sizes, [3, 3, 3, 1]);
        assert_ne!(
            seen,
            (0..10).collect::<Vec<_>>(),
            "seed 5 should not give the identity order"
        );
        seen.sort_unstable();
        assert_eq!(seen, (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn drop_last_leaves_out_the_short_batch() {
        let sizes: Vec<usize> = targets_of(ten().batches(3, Some(1), true).unwrap())
            .iter()
            .map(Vec::len)
            .collect();
        assert_eq!(sizes, [3, 3, 3]);
        let sizes: Vec<usize> = targets_of(ten().batches(5, None, true).unwrap())
            .iter()
            .map(Vec::len)
            .collect();
        assert_eq!(sizes, [5, 5]);
    }

    #[test]
    fn no_seed_keeps_the_stored_order() {
        let got = targets_of(ten().batches(4, None, false).unwrap());
        assert_eq!(got, vec![vec![0, 1, 2, 3], vec![4, 5, 6, 7], vec![8, 9]]);
    }

    #[test]
    fn same_seed_same_order_other_seed_other_order() {
        let a = targets_of(ten().batches(4, Some(11), false).unwrap());
        let b = targets_of(ten().batches(4, Some(11), false).unwrap());
        let c = targets_of(ten().batches(4, Some(12), false).unwrap());
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(permutation(10, 11), a.concat());
    }

    #[test]
    fn bad_arguments_are_explained() {
        let msg = ten().batches(0, None, false).unwrap_err().to_string();
        assert!(msg.contains("invalid batch size: got 0"), "{msg}");
        let msg = ten().batches(11, None, true).unwrap_err().to_string();
        assert!(msg.contains("11 is larger than the 10 examples"), "{msg}");
        // Without drop_last a big batch is simply the whole set.
        assert_eq!(
            targets_of(ten().batches(11, None, false).unwrap()),
            vec![(0..10).collect::<Vec<i64>>()]
        );
        let broken = Dataset {
            inputs: Tensor::zeros([4, 2], tch::kind::FLOAT_CPU),
            targets: Tensor::zeros([3], tch::kind::INT64_CPU),
        };
        assert!(broken
            .batches(2, None, false)
            .unwrap_err()
            .to_string()
            .contains("[3]"));
    }

    /// The number of cycles of a permutation of `0..n`.
    fn cycles(p: &[i64]) -> usize {
        let mut seen = vec![false; p.len()];
        let mut count = 0;
        for i in 0..p.len() {
            if !seen[i] {
                count += 1;
                let mut j = i;
                while !seen[j] {
                    seen[j] = true;
                    j = p[j] as usize;
                }
            }
        }
        count
    }

    /// Training shuffles epoch `e` with seed `s + e` (see `train::train`). Over 4000 such
    /// epochs of 8 rows, the orders behave like uniform random permutations, checked
    /// against the exact laws, each within about 5 standard errors: every row visits every
    /// position 500 ± 105 times; a share D₈/8! = 0.3679 of orders has no fixed point; the
    /// mean number of cycles is H₈ = 2.718; and almost no order is a rotation of `0..8`
    /// (expected 4000·8/8! < 1). A rotation, or Sattolo's algorithm (Fisher–Yates with
    /// `j < i`, which makes only one-cycle permutations), fails these.
    #[test]
    fn epoch_orders_are_uniform_random_permutations() {
        let (n, epochs) = (8usize, 4000u64);
        let mut at = vec![vec![0u32; n]; n];
        let (mut no_fixed, mut total_cycles, mut rotations) = (0u32, 0usize, 0u32);
        for epoch in 0..epochs {
            let p = permutation(n, 42u64.wrapping_add(epoch));
            for (pos, &row) in p.iter().enumerate() {
                at[row as usize][pos] += 1;
            }
            no_fixed += u32::from(p.iter().enumerate().all(|(i, &r)| r != i as i64));
            total_cycles += cycles(&p);
            let r0 = p[0];
            rotations += u32::from(
                p.iter()
                    .enumerate()
                    .all(|(i, &r)| r == (r0 + i as i64) % n as i64),
            );
        }
        // Binomial(4000, 1/8): mean 500, standard deviation 20.9.
        for (row, counts) in at.iter().enumerate() {
            for (pos, &c) in counts.iter().enumerate() {
                assert!(
                    c.abs_diff(500) < 105,
                    "row {row} at position {pos}: {c} times"
                );
            }
        }
        let derangements = 14833.0 / 40320.0; // D₈ / 8!
        let share = f64::from(no_fixed) / epochs as f64;
        assert!(
            (share - derangements).abs() < 0.038,
            "no fixed point in {share}"
        );
        let h8: f64 = (1..=n).map(|k| 1.0 / k as f64).sum();
        let mean_cycles = total_cycles as f64 / epochs as f64;
        // Variance of the cycle count: H₈ − Σ1/k² = 1.19, so the standard error is 0.017.
        assert!(
            (mean_cycles - h8).abs() < 0.09,
            "mean cycles {mean_cycles} vs {h8}"
        );
        assert!(
            rotations < 5,
            "{rotations} of {epochs} orders are rotations"
        );
    }

    /// The epochs of a run see different orders, each a permutation, and the epoch order
    /// through `Dataset::batches` is the permutation of that epoch's seed.
    #[test]
    fn each_epoch_has_its_own_order() {
        let data = ten();
        let orders: Vec<Vec<i64>> = (0..20u64)
            .map(|e| targets_of(data.batches(4, Some(7 + e), false).unwrap()).concat())
            .collect();
        for (e, o) in orders.iter().enumerate() {
            assert_eq!(o, &permutation(10, 7 + e as u64));
        }
        let mut distinct = orders.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), 20, "two epochs shared an order");
    }

    proptest! {
        #[test]
        fn permutation_is_a_permutation(n in 0usize..300, seed in any::<u64>()) {
            let mut p = permutation(n, seed);
            p.sort_unstable();
            prop_assert_eq!(p, (0..n as i64).collect::<Vec<_>>());
        }

        #[test]
        fn batch_count_matches_the_sizes(n in 1usize..60, batch in 1usize..20, drop_last in any::<bool>()) {
            let data = Dataset::new(Tensor::zeros([n as i64, 1], tch::kind::FLOAT_CPU), Tensor::zeros([n as i64], tch::kind::INT64_CPU)).unwrap();
            prop_assume!(!(drop_last && batch > n));
            let batches = data.batches(batch, Some(0), drop_last).unwrap();
            let promised = batches.len();
            let sizes: Vec<i64> = batches.map(|(x, _)| x.size()[0]).collect();
            prop_assert_eq!(sizes.len(), promised);
            let total: i64 = sizes.iter().sum();
            if drop_last {
                prop_assert_eq!(total as usize, n - n % batch);
                prop_assert!(sizes.iter().all(|&s| s as usize == batch));
            } else {
                prop_assert_eq!(total as usize, n);
            }
        }
    }
}
