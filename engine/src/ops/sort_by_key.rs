//! `sort_by_key(ascending)`: the pairs sorted by key, ascending or descending, across all
//! partitions: a range partitioner (bounds sampled from the input, see `range.rs`) sends
//! each key to its partition, and each partition is sorted (stably: equal keys keep their
//! order of arrival). With a memory limit, map tasks spill runs already sorted by key and
//! reduce tasks merge them.

use std::any::Any;
use std::sync::{Arc, OnceLock};

use either::Either;

use crate::data::{Data, Pair};
use crate::error::Result;
use crate::partitioner::{Partitioner, RangePlace};
use crate::range::{Bounds, Directed, directed, partition_of};
use crate::rdd::Dataset;
use crate::shuffle::{MapOutput, MapWriter, ShuffleRead, bucket};
use crate::task::Site;

/// The `sort_by_key` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

/// What crosses the shuffle: the pairs themselves.
impl<In, Out> super::WideOp for Op<In, Out> {
    type Record = In;
}

impl<In: Pair> Op<In, In>
where
    In::Key: Ord,
{
    /// Samples the keys of `parent` for the range bounds (before the map stage).
    pub fn prepare<D: Dataset<Item = In>>(
        node: &'static str,
        parent: &D,
        partitions: usize,
        bounds: &Bounds,
        ascending: bool,
    ) -> Result<()> {
        bounds.prepare(node, parent, partitions, ascending, |kv| kv.key().clone())?;
        // Partitioned by the pairs' own key: `filter_by_range` may skip partitions.
        bounds.mark_key_range(ascending);
        Ok(())
    }

    /// The partitioner the sort's output reports: its ranges, placing keys by the bounds the
    /// node samples (`bounds`, shared with its engine value), so that a later join with
    /// another input places that input's keys alike and reads the sorted one in place.
    pub fn range_partitioner<D: Dataset<Item = In>>(
        node: &'static str,
        parent: &D,
        partitions: usize,
        bounds: Arc<Bounds>,
        ascending: bool,
    ) -> Partitioner {
        Partitioner::range(
            partitions,
            ascending,
            Arc::new(Ranges::<D> {
                node,
                parent: parent.clone(),
                partitions,
                bounds,
                ascending,
                cached: OnceLock::new(),
            }),
        )
    }

    /// Sends each pair of one map partition to its key's range.
    pub fn map_side(
        site: Site,
        input: impl Iterator<Item = In>,
        out: MapWriter<In>,
        bounds: &Bounds,
        ascending: bool,
    ) -> MapOutput<In> {
        let b = match bounds.expect::<In::Key>(site.node) {
            Ok(b) => b,
            Err(e) => return out.fail(e),
        };
        bucket(
            input,
            out,
            move |kv| partition_of(&b, kv.key(), ascending),
            move |kv| Directed {
                key: kv.key().clone(),
                ascending,
            },
        )
    }

    /// One output partition, sorted by key.
    pub fn reduce_side(
        _site: Site,
        read: ShuffleRead<In>,
        ascending: bool,
    ) -> impl Iterator<Item = In> {
        if read.is_spilled() {
            Either::Right(read.merged(key_of::<In>(ascending)))
        } else {
            let mut v: Vec<In> = read.collect();
            v.sort_by(|a, b| directed(a.key().cmp(b.key()), ascending));
            Either::Left(v.into_iter())
        }
    }
}

/// The merge key of a pair (a function, so its type does not name the reader's).
fn key_of<In: Pair>(ascending: bool) -> impl FnMut(&In) -> Directed<In::Key>
where
    In::Key: Data,
{
    move |kv| Directed {
        key: kv.key().clone(),
        ascending,
    }
}

/// A sort's ranges as a partitioner: the bounds, sampled from `parent` when first needed.
struct Ranges<D: Dataset>
where
    D::Item: Pair,
{
    node: &'static str,
    parent: D,
    partitions: usize,
    bounds: Arc<Bounds>,
    ascending: bool,
    /// The bounds once sampled: no lock per placed key.
    cached: OnceLock<Arc<Vec<<D::Item as Pair>::Key>>>,
}

impl<D: Dataset> RangePlace for Ranges<D>
where
    D::Item: Pair,
    <D::Item as Pair>::Key: Ord,
{
    fn place(&self, key: &dyn Any) -> Option<usize> {
        let key = key.downcast_ref::<<D::Item as Pair>::Key>()?;
        let b = match self.cached.get() {
            Some(b) => b,
            None => {
                let b = self.bounds.get::<<D::Item as Pair>::Key>()?;
                self.cached.get_or_init(|| b)
            }
        };
        Some(partition_of(b, key, self.ascending))
    }

    fn prepare(&self) -> Result<()> {
        self.bounds.prepare(
            self.node,
            &self.parent,
            self.partitions,
            self.ascending,
            |kv| kv.key().clone(),
        )
    }
}
