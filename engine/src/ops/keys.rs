//! `keys`: `(k, v)` becomes `k` (Spark's `keys`; no partitioner kept: the elements are no
//! longer pairs).

use crate::data::Pair;
use crate::task::Site;

/// The `keys` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

impl<In: Pair<Key = Out>, Out> Op<In, Out> {
    /// Builds the operator's iterator over one partition.
    #[inline]
    pub fn apply(_site: Site, input: impl Iterator<Item = In>) -> impl Iterator<Item = Out> {
        // No user code runs: the split is the pair's own.
        crate::fuse::map(input, |kv: In| kv.into_parts().0)
    }
}
