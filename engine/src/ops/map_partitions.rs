//! `map_partitions`: a whole partition at once, iterator in, iterator out.

use crate::task::Site;

/// The `map_partitions` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

impl<In, Out> Op<In, Out> {
    /// Hands the partition's iterator to `f` and yields what `f` returns.
    #[inline]
    pub fn apply<I, J>(site: Site, input: I, f: impl FnOnce(I) -> J) -> J::IntoIter
    where
        I: Iterator<Item = In>,
        J: IntoIterator<Item = Out>,
    {
        let mut f = Some(f);
        crate::task::guarded(
            site.node,
            &mut |i| (f.take().expect("called once"))(i),
            input,
        )
        .into_iter()
    }
}
