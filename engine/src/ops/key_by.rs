//! `key_by`: each element `x` becomes `(f(&x), x)`.

use crate::data::Pair;
use crate::task::{PanicScope, Site};

/// The `key_by` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

/// The adapter closure, made outside `apply` (see `task::guard1`).
fn keyed<In, Out: Pair<Value = In>, F: FnMut(&In) -> Out::Key>(
    node: &'static str,
    mut f: F,
) -> impl FnMut(In) -> Out {
    #[inline(always)]
    move |x| {
        let g = PanicScope::enter(node);
        let k = f(&x);
        g.exit();
        Out::from_parts(k, x)
    }
}

impl<In, Out: Pair<Value = In>> Op<In, Out> {
    /// Builds the operator's iterator over one partition.
    #[inline]
    pub fn apply(
        site: Site,
        input: impl Iterator<Item = In>,
        f: impl FnMut(&In) -> Out::Key,
    ) -> impl Iterator<Item = Out> {
        let node = site.node;
        crate::fuse::map(input, keyed::<In, Out, _>(node, f))
    }
}
