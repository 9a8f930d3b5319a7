//! `flat_map_values`: `(k, v)` becomes `(k, w)` for each `w` of `f(v)`; the partitioner is kept.

use crate::data::Pair;
use crate::task::Site;

/// The `flat_map_values` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

impl<In: Pair, Out: Pair<Key = In::Key>> Op<In, Out> {
    /// Builds the operator's iterator over one partition.
    #[inline]
    pub fn apply<J: IntoIterator<Item = Out::Value>>(
        site: Site,
        input: impl Iterator<Item = In>,
        mut f: impl FnMut(In::Value) -> J,
    ) -> impl Iterator<Item = Out> {
        let node = site.node;
        input.flat_map(move |kv| {
            let (k, v) = kv.into_parts();
            crate::task::guarded(node, &mut f, v)
                .into_iter()
                .map(move |w| Out::from_parts(k.clone(), w))
        })
    }
}
