//! `repartition_and_sort_within_partitions(n or partitioner)`: the pairs shuffled by the
//! partitioner (a count is a hash partitioner), each output partition sorted by key (stably:
//! equal keys keep their order of arrival), as Spark's
//! `repartitionAndSortWithinPartitions`: cheaper than `partition_by` then a sort per
//! partition, since with a memory limit map tasks spill runs already sorted by key and reduce
//! tasks merge them. The output keeps the partitioner.

use either::Either;

use crate::data::{Data, Key, Pair};
use crate::shuffle::{MapOutput, MapWriter, ShuffleRead, bucket};
use crate::task::Site;

/// The `repartition_and_sort_within_partitions` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

/// What crosses the shuffle: the pairs themselves.
impl<In, Out> super::WideOp for Op<In, Out> {
    type Record = In;
}

impl<In: Pair> Op<In, In>
where
    In::Key: Key + Ord,
{
    /// Buckets one map partition by the partitioner; spilled runs are sorted by key.
    pub fn map_side(
        _site: Site,
        input: impl Iterator<Item = In>,
        out: MapWriter<In>,
    ) -> MapOutput<In> {
        let partitioner = out.partitioner().clone();
        bucket(
            input,
            out,
            move |kv| partitioner.partition(kv.key()),
            key_of::<In>,
        )
    }

    /// One output partition, sorted by key.
    pub fn reduce_side(_site: Site, read: ShuffleRead<In>) -> impl Iterator<Item = In> {
        if read.is_spilled() {
            Either::Right(read.merged(key_of::<In>))
        } else {
            let mut v: Vec<In> = read.collect();
            v.sort_by(|a, b| a.key().cmp(b.key()));
            Either::Left(v.into_iter())
        }
    }
}

/// A pair's sort key.
fn key_of<In: Pair>(kv: &In) -> In::Key
where
    In::Key: Data,
{
    kv.key().clone()
}
