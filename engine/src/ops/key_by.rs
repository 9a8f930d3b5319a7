//! `key_by`: each element `x` becomes `(f(&x), x)`.

use crate::data::Pair;
use crate::task::{PanicScope, Site};

/// The `key_by` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

impl<In, Out: Pair<Value = In>> Op<In, Out> {
    /// Builds the operator's iterator over one partition.
    #[inline]
    pub fn apply(
        site: Site,
        input: impl Iterator<Item = In>,
        mut f: impl FnMut(&In) -> Out::Key,
    ) -> impl Iterator<Item = Out> {
        let node = site.node;
        input.map(move |x| {
            let g = PanicScope::enter(node);
            let k = f(&x);
            g.exit();
            Out::from_parts(k, x)
        })
    }
}
