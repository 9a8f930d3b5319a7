//! `inspect`: calls `f(&x)` on each element and passes it on.

use crate::task::Site;

/// The `inspect` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

impl<In> Op<In, In> {
    /// Builds the operator's iterator over one partition.
    #[inline]
    pub fn apply(
        site: Site,
        input: impl Iterator<Item = In>,
        f: impl FnMut(&In),
    ) -> impl Iterator<Item = In> {
        let node = site.node;
        input.inspect(crate::task::guard_ref(node, f))
    }
}
