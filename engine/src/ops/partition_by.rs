//! `partition_by(n)`: the same pairs, hash-partitioned by key into `n` partitions (so later
//! operators on the same keys and partitioner need no shuffle).

use crate::data::{Key, Pair};
use crate::shuffle::{MapOutput, MapWriter, ShuffleRead, bucket};
use crate::task::Site;

/// The `partition_by` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

/// What crosses the shuffle: the pairs themselves.
impl<In, Out> super::WideOp for Op<In, Out> {
    type Record = In;
}

impl<In: Pair> Op<In, In>
where
    In::Key: Key,
{
    /// Buckets one map partition by key.
    pub fn map_side(
        _site: Site,
        input: impl Iterator<Item = In>,
        out: MapWriter<In>,
    ) -> MapOutput<In> {
        let partitioner = out.partitioner().clone();
        // Runs need no order within a partition: `()` keeps map order.
        bucket(
            input,
            out,
            move |kv| partitioner.partition(kv.key()),
            |_| (),
        )
    }

    /// The pairs of one output partition, in map-partition order (runs after in-memory outputs).
    pub fn reduce_side(_site: Site, read: ShuffleRead<In>) -> impl Iterator<Item = In> {
        read
    }
}
