//! `aggregate_by_key(zero, seq, comb)`: one `(k, u)` per key: values folded into a `U` with
//! `seq` from a copy of `zero` in each map partition, partial results merged with `comb`.

use crate::data::{Key, Pair};
use crate::shuffle::{MapOutput, MapWriter, ShuffleRead, merge_combiners};
use crate::task::Site;

/// The `aggregate_by_key` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

/// What crosses the shuffle: `(key, partial aggregate)`.
impl<In: Pair, Out: Pair> super::WideOp for Op<In, Out> {
    type Record = (In::Key, Out::Value);
}

type Record<In, Out> = <Op<In, Out> as super::WideOp>::Record;

impl<In: Pair, Out: Pair<Key = In::Key>> Op<In, Out>
where
    In::Key: Key,
{
    /// Aggregates one map partition per key and buckets the result.
    pub fn map_side(
        site: Site,
        input: impl Iterator<Item = In>,
        out: MapWriter<Record<In, Out>>,
        zero: Out::Value,
        mut seq: impl FnMut(Out::Value, In::Value) -> Out::Value,
        _comb: impl FnMut(Out::Value, Out::Value) -> Out::Value,
    ) -> MapOutput<Record<In, Out>> {
        super::partial::combine(site.node, input.map(Pair::into_parts), out, |acc, v| {
            seq(acc.unwrap_or_else(|| zero.clone()), v)
        })
    }

    /// Merges the partial aggregates of one output partition.
    pub fn reduce_side(
        site: Site,
        read: ShuffleRead<Record<In, Out>>,
        _zero: Out::Value,
        _seq: impl FnMut(Out::Value, In::Value) -> Out::Value,
        comb: impl FnMut(Out::Value, Out::Value) -> Out::Value,
    ) -> impl Iterator<Item = Out> {
        merge_combiners(site.node, read, comb).map(|(k, v)| Out::from_parts(k, v))
    }
}
