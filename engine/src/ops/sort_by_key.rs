//! `sort_by_key(ascending)`: the pairs sorted by key, ascending or descending, across all
//! partitions: a range partitioner (bounds sampled from the input, see `range.rs`) sends
//! each key to its partition, and each partition is sorted (stably: equal keys keep their
//! order of arrival). With a memory limit, map tasks spill runs already sorted by key and
//! reduce tasks merge them.

use either::Either;

use crate::data::{Data, Pair};
use crate::error::Result;
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
