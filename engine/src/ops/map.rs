//! `map`: each element `x` becomes `f(x)`.

use crate::task::Site;

/// The `map` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

impl<In, Out> Op<In, Out> {
    /// Builds the operator's iterator over one partition.
    #[inline]
    pub fn apply(
        site: Site,
        input: impl Iterator<Item = In>,
        f: impl FnMut(In) -> Out,
    ) -> impl Iterator<Item = Out> {
        let node = site.node;
        crate::fuse::map(input, crate::task::guard1(node, f))
    }
}
