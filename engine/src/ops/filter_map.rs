//! `filter_map`: each element `x` becomes the value of `f(x)` when it is `Some`.

use crate::task::Site;

/// The `filter_map` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

impl<In, Out> Op<In, Out> {
    /// Builds the operator's iterator over one partition.
    #[inline]
    pub fn apply(
        site: Site,
        input: impl Iterator<Item = In>,
        f: impl FnMut(In) -> Option<Out>,
    ) -> impl Iterator<Item = Out> {
        let node = site.node;
        crate::fuse::filter_map(input, crate::task::guard1(node, f))
    }
}
