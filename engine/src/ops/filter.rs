//! `filter`: keeps the elements for which `f(&x)` is true.

use crate::task::Site;

/// The `filter` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

impl<In> Op<In, In> {
    /// Builds the operator's iterator over one partition.
    #[inline]
    pub fn apply(
        site: Site,
        input: impl Iterator<Item = In>,
        f: impl FnMut(&In) -> bool,
    ) -> impl Iterator<Item = In> {
        let node = site.node;
        crate::fuse::filter(input, crate::task::guard_ref(node, f))
    }
}
