//! `group_with(b, c)`: for each key of any of the three inputs, `(k, (vs, ws, xs))`, the values
//! of the parent, `b` and `c`, each list in arrival order (Spark's three-way `cogroup`, called
//! `groupWith`). The inputs cross three shuffles to one partitioner
//! (`protocol::ThreeShuffles`); an input already partitioned by it is read without a shuffle.
//!
//! The groups of a partition are held in a hash map, also when a shuffle spilled (the reads
//! stream from disk, the groups do not).

use rustc_hash::FxHashMap;

use super::cogroup::Side;
use crate::data::{Key, Pair};
use crate::task::Site;

/// The `group_with` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

/// One key's values in each input.
type Groups<V, W, X> = (Vec<V>, Vec<W>, Vec<X>);

/// Each key's values in each input.
type GroupMap<K, V, W, X> = FxHashMap<K, Groups<V, W, X>>;

impl<In: Pair, Out> Op<In, Out>
where
    In::Key: Key,
{
    /// One `(k, (vs, ws, xs))` per key of any input (a list is empty where the key is absent).
    pub fn reduce_side<B, C>(
        _site: Site,
        a: Side<impl Iterator<Item = In>, In>,
        b: Side<impl Iterator<Item = B>, B>,
        c: Side<impl Iterator<Item = C>, C>,
    ) -> impl Iterator<Item = Out>
    where
        B: Pair<Key = In::Key>,
        C: Pair<Key = In::Key>,
        Out: Pair<Key = In::Key, Value = Groups<In::Value, B::Value, C::Value>>,
    {
        let mut groups: GroupMap<In::Key, In::Value, B::Value, C::Value> = FxHashMap::default();
        for (k, v) in a.map(Pair::into_parts) {
            groups.entry(k).or_default().0.push(v);
        }
        for (k, w) in b.map(Pair::into_parts) {
            groups.entry(k).or_default().1.push(w);
        }
        for (k, x) in c.map(Pair::into_parts) {
            groups.entry(k).or_default().2.push(x);
        }
        groups.into_iter().map(from_group::<Out>)
    }
}

/// `(k, groups)` as the declared pair type (a function, so the output type does not name the
/// input iterators').
fn from_group<Out: Pair>((k, g): (Out::Key, Out::Value)) -> Out {
    Out::from_parts(k, g)
}
