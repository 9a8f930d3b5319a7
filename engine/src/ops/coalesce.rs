//! `coalesce(n)`: fewer partitions without a shuffle; partition `i` concatenates a contiguous
//! run of parent partitions.

use crate::rdd::Dataset;
use crate::task::Site;

/// The `coalesce` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

/// Partition count after coalescing `parent` partitions into at most `n` (at least one).
pub fn partitions(parent: usize, n: usize) -> usize {
    n.clamp(1, parent.max(1))
}

/// The parent partitions of partition `i` out of `n`.
pub fn parent_range(parent: usize, n: usize, i: usize) -> std::ops::Range<usize> {
    (i * parent / n)..((i + 1) * parent / n)
}

impl<In> Op<In, In> {
    /// Chains the parent partitions of `site.part`, each computed when reached.
    #[inline]
    pub fn apply<P: Dataset<Item = In>>(
        site: Site,
        parent: &P,
        partitions: usize,
    ) -> impl Iterator<Item = In> + use<In, P> {
        let parent = parent.clone();
        let range = parent_range(parent.num_partitions(), partitions, site.part);
        let cx = site.cx;
        range.flat_map(move |p| parent.iter_parent(&cx, p))
    }
}
