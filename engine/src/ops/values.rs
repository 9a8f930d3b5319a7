//! `values`: `(k, v)` becomes `v` (Spark's `values`).

use crate::data::Pair;
use crate::task::Site;

/// The `values` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

impl<In: Pair<Value = Out>, Out> Op<In, Out> {
    /// Builds the operator's iterator over one partition.
    #[inline]
    pub fn apply(_site: Site, input: impl Iterator<Item = In>) -> impl Iterator<Item = Out> {
        crate::fuse::map(input, |kv: In| kv.into_parts().1)
    }
}
