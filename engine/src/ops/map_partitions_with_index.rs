//! `map_partitions_with_index`: as `map_partitions`, with the partition's index as the first
//! argument (Spark's `mapPartitionsWithIndex`).

use crate::task::Site;

/// The `map_partitions_with_index` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

impl<In, Out> Op<In, Out> {
    /// Hands the partition's index and iterator to `f` and yields what `f` returns.
    #[inline]
    pub fn apply<I, J>(site: Site, input: I, f: impl FnOnce(usize, I) -> J) -> J::IntoIter
    where
        I: Iterator<Item = In>,
        J: IntoIterator<Item = Out>,
    {
        let mut f = Some(f);
        let part = site.part;
        crate::task::guarded(
            site.node,
            &mut |i| (f.take().expect("called once"))(part, i),
            input,
        )
        .into_iter()
    }
}
