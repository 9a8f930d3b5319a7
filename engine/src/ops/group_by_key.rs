//! `group_by_key()`: one `(k, values)` per key. No map-side combining: it would not shrink
//! the data (Spark does the same).

use std::collections::hash_map::Entry;

use rustc_hash::FxHashMap;

use crate::data::{Key, Pair};
use crate::ops::union::Either;
use crate::shuffle::{MapOutput, MapWriter, ShuffleRead, bucket};
use crate::spill::{HashGroups, key_hash};
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
        _site: Site,
        read: ShuffleRead<Record<In, Out>>,
    ) -> impl Iterator<Item = Out> {
        let groups = if read.is_spilled() {
            let sorted = read.merged(|(k, _)| key_hash(k));
            Either::Right(HashGroups::new(sorted, |v| vec![v], push))
        } else {
            Either::Left(Chained::build(read))
        };
        groups.map(|(k, vs)| Out::from_parts(k, vs))
    }
}

/// No next value in a key's chain.
const END: usize = usize::MAX;

/// Where one key's values are in [`Chained::values`], and how many there are.
struct Chain {
    first: usize,
    last: usize,
    len: usize,
}

/// A partition's values in arrival order, each with the index of its key's next value, and
/// each key's chain: one hash update per value and no vector per key while reading, so each
/// key's `Vec` is allocated once, at its exact length, when it is given (growing a vector per
/// key by pushes reallocated every list several times).
struct Chained<K, V> {
    keys: std::collections::hash_map::IntoIter<K, Chain>,
    values: Vec<(Option<V>, usize)>,
}

impl<K: Key, V: crate::data::Data> Chained<K, V> {
    fn build(read: ShuffleRead<(K, V)>) -> Self {
        let mut keys: FxHashMap<K, Chain> = FxHashMap::default();
        let mut values: Vec<(Option<V>, usize)> = Vec::with_capacity(read.size_hint().0);
        read.for_each(|(k, v)| {
            let i = values.len();
            match keys.entry(k) {
                Entry::Occupied(e) => {
                    let c = e.into_mut();
                    values[c.last].1 = i;
                    c.last = i;
                    c.len += 1;
                }
                Entry::Vacant(e) => {
                    e.insert(Chain {
                        first: i,
                        last: i,
                        len: 1,
                    });
                }
            }
            values.push((Some(v), END));
        });
        Chained {
            keys: keys.into_iter(),
            values,
        }
    }
}

impl<K, V> Iterator for Chained<K, V> {
    type Item = (K, Vec<V>);

    fn next(&mut self) -> Option<(K, Vec<V>)> {
        let (k, c) = self.keys.next()?;
        let mut vs = Vec::with_capacity(c.len);
        let mut i = c.first;
        while i != END {
            let (v, next) = &mut self.values[i];
            vs.extend(v.take());
            i = *next;
        }
        Some((k, vs))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.keys.size_hint()
    }
}

fn push<V>(mut vs: Vec<V>, v: V) -> Vec<V> {
    vs.push(v);
    vs
}
