//! `group_by_key()`: one `(k, values)` per key. No map-side combining: it would not shrink
//! the data (Spark does the same).

use either::Either;

use crate::data::{Key, Pair};
use crate::partitioner::key_hash;
use crate::shuffle::{MapOutput, MapWriter, ShuffleRead, bucket};
use crate::spill::HashGroups;
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
        out: MapWriter<Record<In, Out>>,
    ) -> MapOutput<Record<In, Out>> {
        let partitioner = out.partitioner().clone();
        bucket(
            input.map(Pair::into_parts),
            out,
            move |r| partitioner.partition(&r.0),
            |r| key_hash(&r.0),
        )
    }

    /// Groups the values of one output partition by key, in arrival order: in a hash map, or,
    /// when the shuffle spilled, streaming over the runs merged by key hash.
    pub fn reduce_side(
        site: Site,
        read: ShuffleRead<Record<In, Out>>,
    ) -> impl Iterator<Item = Out> {
        let groups = if read.is_spilled() {
            let sorted = read.merged(|(k, _)| key_hash(k));
            Either::Right(HashGroups::new(sorted, |v| vec![v], push))
        } else {
            Either::Left(super::hash_join::grouped(site.node, read))
        };
        groups.map(|(k, vs)| Out::from_parts(k, vs))
    }
}

fn push<V>(mut vs: Vec<V>, v: V) -> Vec<V> {
    vs.push(v);
    vs
}
