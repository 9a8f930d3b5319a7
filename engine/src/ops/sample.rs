//! `sample(fraction, seed)`: keeps each element with probability `fraction` (Bernoulli
//! sampling without replacement), reproducibly for a given seed and partition.

use rand::{Rng, SeedableRng};

use crate::task::Site;

/// The `sample` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

impl<In> Op<In, In> {
    /// Samples one partition.
    #[inline]
    pub fn apply(
        site: Site,
        input: impl Iterator<Item = In>,
        fraction: f64,
        seed: u64,
    ) -> impl Iterator<Item = In> {
        let fraction = fraction.clamp(0.0, 1.0);
        // A different stream per partition, the same on every run and attempt.
        let rng = rand_pcg::Pcg64Mcg::seed_from_u64(
            seed ^ (site.part as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
        );
        input.filter(bernoulli(rng, fraction))
    }
}

/// The sampling predicate, made outside `apply` (see `task::guard1`).
fn bernoulli<T>(mut rng: rand_pcg::Pcg64Mcg, fraction: f64) -> impl FnMut(&T) -> bool {
    move |_| rng.random::<f64>() < fraction
}
