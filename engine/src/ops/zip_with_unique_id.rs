//! `zip_with_unique_id()`: element `k` of partition `p` paired with `k * n + p`, `n` the
//! partition count (Spark's `zipWithUniqueId`): unique ids without a job, not consecutive.

use crate::error::Result;
use crate::rdd::Dataset;
use crate::task::Site;

/// The `zip_with_unique_id` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

impl<In> super::NarrowState for Op<In, (In, u64)> {
    /// The node's partition count.
    type State = usize;

    fn state(partitions: usize) -> usize {
        partitions
    }

    fn prepare<P: Dataset>(_node: &'static str, _n: &usize, _parent: &P) -> Result<()> {
        Ok(())
    }
}

impl<In> Op<In, (In, u64)> {
    /// Numbers partition `site.part`: `k * n + part`.
    #[inline]
    pub fn apply<I>(site: Site, input: I, n: &usize) -> impl Iterator<Item = (In, u64)> + use<In, I>
    where
        I: Iterator<Item = In>,
    {
        let (n, p) = (*n as u64, site.part as u64);
        input.zip((0u64..).map(move |k| k * n + p))
    }
}
