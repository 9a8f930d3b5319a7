//! `map_values`: `(k, v)` becomes `(k, f(v))`; the partitioner is kept.

use crate::data::Pair;
use crate::task::Site;

/// The `map_values` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

impl<In: Pair, Out: Pair<Key = In::Key>> Op<In, Out> {
    /// Builds the operator's iterator over one partition.
    #[inline]
    pub fn apply(
        site: Site,
        input: impl Iterator<Item = In>,
        mut f: impl FnMut(In::Value) -> Out::Value,
    ) -> impl Iterator<Item = Out> {
        let node = site.node;
        input.map(move |kv| {
            let (k, v) = kv.into_parts();
            Out::from_parts(k, crate::task::guarded(node, &mut f, v))
        })
    }
}
