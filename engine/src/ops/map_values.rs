//! `map_values`: `(k, v)` becomes `(k, f(v))`; the partitioner is kept.

use crate::data::Pair;
use crate::task::Site;

/// The `map_values` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

/// The adapter closure, made outside `apply` (see `task::guard1`).
fn values<In: Pair, Out: Pair<Key = In::Key>, F: FnMut(In::Value) -> Out::Value>(
    node: &'static str,
    mut f: F,
) -> impl FnMut(In) -> Out {
    #[inline(always)]
    move |kv| {
        let (k, v) = kv.into_parts();
        Out::from_parts(k, crate::task::guarded(node, &mut f, v))
    }
}

impl<In: Pair, Out: Pair<Key = In::Key>> Op<In, Out> {
    /// Builds the operator's iterator over one partition.
    #[inline]
    pub fn apply(
        site: Site,
        input: impl Iterator<Item = In>,
        f: impl FnMut(In::Value) -> Out::Value,
    ) -> impl Iterator<Item = Out> {
        let node = site.node;
        crate::fuse::map(input, values::<In, Out, _>(node, f))
    }
}
