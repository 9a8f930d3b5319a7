//! `reduce_by_key(f)`: one `(k, v)` per key, the values merged with `f` (associative and
//! commutative), combined on the map side before the shuffle.

use crate::data::{Key, Pair};
use crate::shuffle::{MapOutput, MapWriter, ShuffleRead, merge_combiners};
use crate::task::Site;

/// The `reduce_by_key` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

/// What crosses the shuffle: `(key, partially reduced value)`.
impl<In: Pair, Out> super::WideOp for Op<In, Out> {
    type Record = (In::Key, In::Value);
}

type Record<In, Out> = <Op<In, Out> as super::WideOp>::Record;

impl<In: Pair, Out: Pair<Key = In::Key, Value = In::Value>> Op<In, Out>
where
    In::Key: Key,
{
    /// Reduces one map partition per key and buckets the result.
    pub fn map_side(
        site: Site,
        input: impl Iterator<Item = In>,
        out: MapWriter<Record<In, Out>>,
        mut f: impl FnMut(In::Value, In::Value) -> In::Value,
    ) -> MapOutput<Record<In, Out>> {
        super::partial::combine(
            site.node,
            input.map(Pair::into_parts),
            out,
            |acc, v| match acc {
                None => v,
                Some(a) => f(a, v),
            },
        )
    }

    /// Merges the partial values of one output partition.
    pub fn reduce_side(
        site: Site,
        read: ShuffleRead<Record<In, Out>>,
        f: impl FnMut(In::Value, In::Value) -> In::Value,
    ) -> impl Iterator<Item = Out> {
        merge_combiners(site.node, read, f).map(|(k, v)| Out::from_parts(k, v))
    }
}
