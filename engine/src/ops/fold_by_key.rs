//! `fold_by_key(zero, f)`: one `(k, v)` per key, the values folded with `f` from a copy of
//! `zero` in each map partition, then the partial results folded with `f`; combined on the map
//! side.

use crate::data::{Key, Pair};
use crate::shuffle::{MapOutput, MapWriter, ShuffleRead, merge_combiners};
use crate::task::Site;

/// The `fold_by_key` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

/// What crosses the shuffle: `(key, partially folded value)`.
impl<In: Pair, Out> super::WideOp for Op<In, Out> {
    type Record = (In::Key, In::Value);
}

type Record<In, Out> = <Op<In, Out> as super::WideOp>::Record;

impl<In: Pair, Out: Pair<Key = In::Key, Value = In::Value>> Op<In, Out>
where
    In::Key: Key,
{
    /// Folds one map partition per key and buckets the result.
    pub fn map_side(
        site: Site,
        input: impl Iterator<Item = In>,
        out: MapWriter<Record<In, Out>>,
        zero: In::Value,
        mut f: impl FnMut(In::Value, In::Value) -> In::Value,
    ) -> MapOutput<Record<In, Out>> {
        super::partial::combine(site.node, input.map(Pair::into_parts), out, |acc, v| {
            f(acc.unwrap_or_else(|| zero.clone()), v)
        })
    }

    /// Folds the partial values of one output partition.
    pub fn reduce_side(
        site: Site,
        read: ShuffleRead<Record<In, Out>>,
        _zero: In::Value,
        f: impl FnMut(In::Value, In::Value) -> In::Value,
    ) -> impl Iterator<Item = Out> {
        merge_combiners(site.node, read, f).map(|(k, v)| Out::from_parts(k, v))
    }
}
