//! `group_by_key()`: one `(k, values)` per key. No map-side combining: it would not shrink
//! the data (Spark does the same).

use rustc_hash::FxHashMap;

use crate::data::{Key, Pair};
use crate::partitioner::Partitioner;
use crate::shuffle::{ShuffleRead, bucket};
use crate::task::Site;

/// The `group_by_key` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

/// What crosses the shuffle: the pairs themselves.
impl<In: Pair, Out> super::WideOp for Op<In, Out> {
    type Record = (In::Key, In::Value);
}

type Record<In, Out> = <Op<In, Out> as super::WideOp>::Record;

impl<In: Pair, Out: Pair<Key = In::Key, Value = Vec<In::Value>>> Op<In, Out>
where
    In::Key: Key,
{
    /// Buckets one map partition by key.
    pub fn map_side(
        _site: Site,
        input: impl Iterator<Item = In>,
        partitioner: &Partitioner,
    ) -> Vec<Vec<Record<In, Out>>> {
        bucket(
            input.map(Pair::into_parts),
            partitioner.num_partitions(),
            |r| partitioner.partition(&r.0),
        )
    }

    /// Groups the values of one output partition by key, in arrival order.
    pub fn reduce_side(
        _site: Site,
        read: ShuffleRead<Record<In, Out>>,
    ) -> impl Iterator<Item = Out> {
        let mut groups: FxHashMap<In::Key, Vec<In::Value>> = FxHashMap::default();
        for (k, v) in read {
            groups.entry(k).or_default().push(v);
        }
        groups.into_iter().map(|(k, vs)| Out::from_parts(k, vs))
    }
}
