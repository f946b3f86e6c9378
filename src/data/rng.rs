//! A tiny deterministic random number generator for datasets and shuffling.
//!
//! The synthetic sets and the minibatch order are drawn from this generator, not from
//! libtorch's global one, so they depend only on the seed you pass: not on what else
//! the program drew before, not on the device, and not on the libtorch version.
//!
//! The generator is SplitMix64 (Steele, Lea and Flood, 2014; the version in Vigna's
//! reference code). It is small, fast and good enough for data sets and shuffles; it is
//! not meant for cryptography.

/// SplitMix64: 64 bits of state, one addition and a few multiplications per number.
///
/// The same seed always gives the same sequence, on every platform.
#[derive(Clone, Debug)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator whose sequence is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number uniform in `[0, 1)`, with 53 random bits (all an `f64` can hold).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A number uniform in `[low, high)`.
    pub fn uniform_in(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.uniform()
    }

    /// A standard normal number (mean 0, standard deviation 1), by the Box–Muller method.
    ///
    /// Each call uses two uniform numbers and returns one normal number; the second one
    /// Box–Muller could give is dropped to keep the generator free of hidden state.
    pub fn normal(&mut self) -> f64 {
        // 1 - uniform() lies in (0, 1], so the logarithm is finite.
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// An integer uniform in `0..n` (`n` must be at least 1).
    ///
    /// Uses the high half of a 128-bit product (Lemire's method without the rejection
    /// step); the bias is below `n / 2^64`, far too small to matter for a shuffle.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Shuffles `items` in place with the Fisher–Yates algorithm: every order is
    /// equally likely.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_reference_splitmix64_sequence() {
        // First outputs of Vigna's splitmix64.c for seed 1234567.
        let mut rng = SplitMix64::new(1234567);
        assert_eq!(rng.next_u64(), 6457827717110365317);
        assert_eq!(rng.next_u64(), 3203168211198807973);
        assert_eq!(rng.next_u64(), 9817491932198370423);
    }

    #[test]
    fn uniform_and_normal_have_the_right_moments() {
        let mut rng = SplitMix64::new(7);
        let n = 100_000;
        let u: Vec<f64> = (0..n).map(|_| rng.uniform()).collect();
        assert!(u.iter().all(|&x| (0.0..1.0).contains(&x)));
        let mean_u = u.iter().sum::<f64>() / n as f64;
        // Standard error of the mean of U(0,1) is sqrt(1/12/n) ≈ 0.0009; allow 5 of them.
        assert!((mean_u - 0.5).abs() < 0.0045, "{mean_u}");

        let z: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        let mean = z.iter().sum::<f64>() / n as f64;
        let var = z.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        // Standard errors: 0.0032 for the mean, about 0.0045 for the variance.
        assert!(mean.abs() < 0.016, "{mean}");
        assert!((var - 1.0).abs() < 0.025, "{var}");
    }

    #[test]
    fn below_stays_in_range_and_shuffle_is_a_permutation() {
        let mut rng = SplitMix64::new(3);
        assert!((0..1000).all(|_| rng.below(7) < 7));
        let mut v: Vec<u32> = (0..100).collect();
        rng.shuffle(&mut v);
        assert_ne!(v, (0..100).collect::<Vec<_>>());
        v.sort_unstable();
        assert_eq!(v, (0..100).collect::<Vec<_>>());
    }
}
