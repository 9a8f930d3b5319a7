//! `subtract_by_key(other)`: the pairs of the parent whose key is not a key of `other`, with
//! every such pair kept (duplicates too), as Spark's `subtractByKey`. Without a partition
//! count the output takes the parent's partitioner, else a hash partitioner over the parent's
//! partition count (Spark's default here, not the default-partitioner rule).
//!
//! The reduce side holds the keys of `other`'s partition in a set and streams the parent's
//! past it (Spark's `SubtractedRDD` holds one side in memory too).

use rustc_hash::FxHashSet;

use super::cogroup::Side;
use crate::data::{Key, Pair};
use crate::task::Site;

/// The `subtract_by_key` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

impl<In: Pair> Op<In, In>
where
    In::Key: Key,
{
    /// The parent's pairs of one output partition whose key `right` lacks, in arrival order.
    pub fn reduce_side<R>(
        _site: Site,
        left: Side<impl Iterator<Item = In>, In>,
        right: Side<impl Iterator<Item = R>, R>,
    ) -> impl Iterator<Item = In>
    where
        R: Pair<Key = In::Key>,
    {
        let keys: FxHashSet<In::Key> = right.map(|r| r.into_parts().0).collect();
        left.filter(move |kv| !keys.contains(kv.key()))
    }
}
