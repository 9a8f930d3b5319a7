//! `flat_map`: each element `x` becomes the elements of `f(x)` (any `IntoIterator`).

use crate::task::Site;

/// The `flat_map` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

impl<In, Out> Op<In, Out> {
    /// Builds the operator's iterator over one partition.
    #[inline]
    pub fn apply<J: IntoIterator<Item = Out>>(
        site: Site,
        input: impl Iterator<Item = In>,
        f: impl FnMut(In) -> J,
    ) -> impl Iterator<Item = Out> {
        let node = site.node;
        input.flat_map(crate::task::guard1(node, f))
    }
}
