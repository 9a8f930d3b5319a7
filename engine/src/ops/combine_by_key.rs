//! `combine_by_key(create, merge_value, merge_combiners)`: Spark's general per-key aggregation:
//! `create(v)` starts a combiner from a key's first value in a map partition, `merge_value`
//! adds the next values, `merge_combiners` merges combiners across map partitions.

use crate::data::{Key, Pair};
use crate::shuffle::{MapOutput, MapWriter, ShuffleRead, merge_combiners};
use crate::task::Site;

/// The `combine_by_key` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

/// What crosses the shuffle: `(key, combiner)`.
impl<In: Pair, Out: Pair> super::WideOp for Op<In, Out> {
    type Record = (In::Key, Out::Value);
}

type Record<In, Out> = <Op<In, Out> as super::WideOp>::Record;

impl<In: Pair, Out: Pair<Key = In::Key>> Op<In, Out>
where
    In::Key: Key,
{
    /// Combines one map partition per key and buckets the result.
    pub fn map_side(
        site: Site,
        input: impl Iterator<Item = In>,
        out: MapWriter<Record<In, Out>>,
        mut create: impl FnMut(In::Value) -> Out::Value,
        mut merge_value: impl FnMut(Out::Value, In::Value) -> Out::Value,
        _merge_combiners: impl FnMut(Out::Value, Out::Value) -> Out::Value,
    ) -> MapOutput<Record<In, Out>> {
        super::partial::combine(
            site.node,
            input.map(Pair::into_parts),
            out,
            |acc, v| match acc {
                None => create(v),
                Some(c) => merge_value(c, v),
            },
        )
    }

    /// Merges the combiners of one output partition.
    pub fn reduce_side(
        site: Site,
        read: ShuffleRead<Record<In, Out>>,
        _create: impl FnMut(In::Value) -> Out::Value,
        _merge_value: impl FnMut(Out::Value, In::Value) -> Out::Value,
        merge: impl FnMut(Out::Value, Out::Value) -> Out::Value,
    ) -> impl Iterator<Item = Out> {
        merge_combiners(site.node, read, merge).map(|(k, v)| Out::from_parts(k, v))
    }
}
