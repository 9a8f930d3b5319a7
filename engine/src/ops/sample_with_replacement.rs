//! `sample_with_replacement(fraction, seed)`: each element repeated a Poisson(`fraction`)
//! number of times (Spark's `PoissonSampler`, what `sample(true, fraction, seed)` uses), so
//! the expected output size is `fraction` times the input's; reproducible for a given seed
//! and partition. A `fraction` that is negative or not finite fails the task with an error
//! naming the node.

use rand::SeedableRng;
use rand_distr::{Distribution, Poisson};

use crate::error::Error;
use crate::task::Site;

/// The `sample_with_replacement` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

impl<In: Clone> Op<In, In> {
    /// Samples one partition.
    #[inline]
    pub fn apply(
        site: Site,
        input: impl Iterator<Item = In>,
        fraction: f64,
        seed: u64,
    ) -> impl Iterator<Item = In> {
        // A different stream per partition, the same on every run and attempt.
        let rng = rand_pcg::Pcg64Mcg::seed_from_u64(
            seed ^ (site.part as u64)
                .wrapping_add(1)
                .wrapping_mul(0x9E37_79B9_7F4A_7C15),
        );
        let poisson = match fraction {
            f if f.is_finite() && f > 0.0 => Poisson::new(f).ok(),
            0.0 => None,
            f => {
                site.cx.fail(Error::InvalidArgument(format!(
                    "node `{}`: `sample_with_replacement` needs a finite fraction >= 0, got {f}",
                    site.node
                )));
                None
            }
        };
        let input = input.take(if poisson.is_some() { usize::MAX } else { 0 });
        input.flat_map(repeat(rng, poisson))
    }
}

/// Each element `Poisson(fraction)` times, made outside `apply` (see `task::guard1`).
fn repeat<T: Clone>(
    mut rng: rand_pcg::Pcg64Mcg,
    poisson: Option<Poisson<f64>>,
) -> impl FnMut(T) -> std::iter::RepeatN<T> {
    move |x| {
        let n = poisson.as_ref().map_or(0, |p| p.sample(&mut rng) as usize);
        std::iter::repeat_n(x, n)
    }
}
