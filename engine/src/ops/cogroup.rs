//! `cogroup(other)`: for each key of either input, `(k, (values on the left, values on the
//! right))`, each list in arrival order. Also what the joins (`joined.rs`) share with it: the
//! map side, and the groups they flatten when a shuffle spilled.
//!
//! A two-input operator brings both inputs to one hash partitioner. Each input is bucketed by
//! key as it is (no map-side combining: it would not shrink the data); an input that is already
//! partitioned by that very partitioner (co-partitioned: say both sides went through
//! `partition_by(n)` and the join has `n` partitions) is not shuffled at all: the reduce side
//! reads its partition `p` directly, a narrow dependency, as Spark's `CoGroupedRDD` does.
//!
//! The operator type is `Op<In, Out>` like every other, with `In` the *left* element type; the
//! right element type is the type parameter `R` of `reduce_side`, inferred from its argument.
//! The shuffles, co-partitioning and the map side ([`bucket_pairs`]) are run by the engine's
//! two-input protocol (`protocol::TwoShuffles`), which hands `reduce_side` both inputs.
//!
//! None of these operators calls user code, so there is no `PanicScope` here: a panic while
//! reading a co-partitioned input is reported by the parent's own guards.

use either::Either;
use rustc_hash::FxHashMap;

use crate::data::{Data, Key, Pair};
use crate::partitioner::key_hash;
use crate::shuffle::{MapOutput, MapWriter, ShuffleRead, bucket};
use crate::task::Site;

/// The `cogroup` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

impl<In: Pair, Out> Op<In, Out>
where
    In::Key: Key,
{
    /// One `(k, (vs, ws))` per key of either input, each list in arrival order (empty when
    /// the key is only on the other side).
    pub fn reduce_side<R>(
        _site: Site,
        left: Side<impl Iterator<Item = In>, In>,
        right: Side<impl Iterator<Item = R>, R>,
    ) -> impl Iterator<Item = Out>
    where
        R: Pair<Key = In::Key>,
        Out: Pair<Key = In::Key, Value = (Vec<In::Value>, Vec<R::Value>)>,
    {
        group(left, right).map(from_group::<Out>)
    }
}

/// `(k, (vs, ws))` as the declared pair type; a function, not a closure in `reduce_side`, so
/// the output type does not name the input iterators' (see `task::guard1`).
fn from_group<Out: Pair>((k, g): (Out::Key, Out::Value)) -> Out {
    Out::from_parts(k, g)
}

/// Map side of every two-input operator: the pairs, bucketed by the partitioner.
pub fn bucket_pairs<P: Pair>(input: impl Iterator<Item = P>, out: MapWriter<P>) -> MapOutput<P>
where
    P::Key: Key,
{
    let partitioner = out.partitioner().clone();
    bucket(
        input,
        out,
        move |kv| partitioner.partition(kv.key()),
        |kv| key_hash(kv.key()),
    )
}

/// One input of a two-input operator's reduce side: the parent's own partition
/// (co-partitioned) or the shuffle's.
pub type Side<I, T> = Either<I, ShuffleRead<T>>;

/// One key's values on the left and on the right.
pub(crate) type Group<K, V, W> = (K, (Vec<V>, Vec<W>));

/// Each key's values on the left and on the right, in a hash map.
type GroupMap<K, V, W> = FxHashMap<K, (Vec<V>, Vec<W>)>;

/// The groups of one output partition: from a hash map of the partition, or streamed from
/// inputs merged by key hash when a shuffle spilled.
pub(crate) type Groups<K, V, W> =
    Either<std::collections::hash_map::IntoIter<K, (Vec<V>, Vec<W>)>, CoGroups<K, V, W>>;

/// The values of both inputs, grouped by key, each list in arrival order. Without spilling the
/// map is filled in a deterministic order from a hash that is the same in every run, so
/// iterating it gives the same order every time. When either input's shuffle spilled, both are
/// merged by key hash and grouped one hash at a time (an input that did not spill is sorted in
/// memory first), so the reduce side holds one key's values rather than the partition.
pub(crate) fn group<L, R>(
    left: Side<impl Iterator<Item = L>, L>,
    right: Side<impl Iterator<Item = R>, R>,
) -> Groups<L::Key, L::Value, R::Value>
where
    L: Pair,
    L::Key: Key,
    R: Pair<Key = L::Key>,
{
    if spilled(&left, &right) {
        return Either::Right(CoGroups {
            left: sorted_by_hash(left).peekable(),
            right: sorted_by_hash(right).peekable(),
            ready: Vec::new().into_iter(),
        });
    }
    let mut groups: GroupMap<L::Key, L::Value, R::Value> = FxHashMap::default();
    for kv in left {
        let (k, v) = kv.into_parts();
        groups.entry(k).or_default().0.push(v);
    }
    for kw in right {
        let (k, w) = kw.into_parts();
        groups.entry(k).or_default().1.push(w);
    }
    Either::Left(groups.into_iter())
}

/// Whether either input's shuffle spilled to disk.
pub(crate) fn spilled<L: Data, R: Data>(
    left: &Side<impl Iterator, L>,
    right: &Side<impl Iterator, R>,
) -> bool {
    matches!(left, Either::Right(r) if r.is_spilled())
        || matches!(right, Either::Right(r) if r.is_spilled())
}

/// A boxed stream of one input's pairs, by key hash.
type Sorted<K, V> = std::iter::Peekable<Box<dyn Iterator<Item = (K, V)>>>;

/// One input as a stream of pairs sorted by key hash (stable).
fn sorted_by_hash<P: Pair>(
    side: Side<impl Iterator<Item = P>, P>,
) -> Box<dyn Iterator<Item = (P::Key, P::Value)>>
where
    P::Key: Key,
{
    match side {
        Either::Right(read) => Box::new(read.merged(hash_of::<P>()).map(P::into_parts)),
        Either::Left(input) => {
            let mut v: Vec<P> = input.collect();
            v.sort_by_cached_key(hash_of::<P>());
            Box::new(v.into_iter().map(P::into_parts))
        }
    }
}

/// The sort key of a pair (a function, so its type does not name the input iterator's).
fn hash_of<P: Pair>() -> impl FnMut(&P) -> u64
where
    P::Key: Key,
{
    |p| key_hash(p.key())
}

/// Groups two streams sorted by key hash, one hash at a time.
pub(crate) struct CoGroups<K, V, W> {
    left: Sorted<K, V>,
    right: Sorted<K, W>,
    ready: std::vec::IntoIter<Group<K, V, W>>,
}

impl<K: Key, V, W> Iterator for CoGroups<K, V, W> {
    type Item = Group<K, V, W>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(g) = self.ready.next() {
            return Some(g);
        }
        let hl = self.left.peek().map(|(k, _)| key_hash(k));
        let hr = self.right.peek().map(|(k, _)| key_hash(k));
        let h = match (hl, hr) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => return None,
        };
        // Usually one key per hash; colliding keys are told apart by `Eq`.
        let mut groups: Vec<Group<K, V, W>> = Vec::new();
        fn slot<K: Eq, V, W>(groups: &mut Vec<Group<K, V, W>>, k: K) -> &mut (Vec<V>, Vec<W>) {
            let i = match groups.iter().position(|(g, _)| *g == k) {
                Some(i) => i,
                None => {
                    groups.push((k, (Vec::new(), Vec::new())));
                    groups.len() - 1
                }
            };
            &mut groups[i].1
        }
        while let Some((k, v)) = self.left.next_if(|(k, _)| key_hash(k) == h) {
            slot(&mut groups, k).0.push(v);
        }
        while let Some((k, w)) = self.right.next_if(|(k, _)| key_hash(k) == h) {
            slot(&mut groups, k).1.push(w);
        }
        self.ready = groups.into_iter();
        self.ready.next()
    }
}

/// Every `(k, (v, w))` of one key's groups, `v` in the outer loop (Spark's order). Each value is
/// cloned once per pair it appears in, except that the last pair of each `v` takes it.
pub(crate) struct Cross<K, V, W> {
    key: K,
    vs: std::vec::IntoIter<V>,
    /// The current `v`, while it has pairs left.
    cur: Option<V>,
    ws: Vec<W>,
    /// The next `w` to pair with `cur`.
    next_w: usize,
}

impl<K, V, W> Cross<K, V, W> {
    pub(crate) fn new(key: K, vs: Vec<V>, ws: Vec<W>) -> Self {
        Cross {
            key,
            vs: vs.into_iter(),
            cur: None,
            ws,
            next_w: 0,
        }
    }
}

impl<K: Clone, V: Clone, W: Clone> Iterator for Cross<K, V, W> {
    type Item = (K, (V, W));

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.ws.is_empty() {
            return None;
        }
        let v = match self.cur.take() {
            Some(v) => v,
            None => {
                self.next_w = 0;
                self.vs.next()?
            }
        };
        let w = self.ws[self.next_w].clone();
        self.next_w += 1;
        if self.next_w < self.ws.len() {
            self.cur = Some(v.clone());
        }
        Some((self.key.clone(), (v, w)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let current = if self.cur.is_some() {
            self.ws.len() - self.next_w
        } else {
            0
        };
        let n = self
            .vs
            .len()
            .checked_mul(self.ws.len())
            .and_then(|rest| rest.checked_add(current));
        (n.unwrap_or(usize::MAX), n)
    }
}

/// `(k, v)` for each of one key's values on one side.
pub(crate) fn each<K: Clone, V>(key: K, vs: Vec<V>) -> impl Iterator<Item = (K, V)> {
    vs.into_iter().map(move |v| (key.clone(), v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cross_pairs_every_value_in_order() {
        let got: Vec<_> = Cross::new('k', vec![1, 2, 3], vec!["a", "b"]).collect();
        assert_eq!(
            got,
            vec![
                ('k', (1, "a")),
                ('k', (1, "b")),
                ('k', (2, "a")),
                ('k', (2, "b")),
                ('k', (3, "a")),
                ('k', (3, "b")),
            ]
        );
        let mut c = Cross::new('k', vec![1, 2], vec!["a", "b", "c"]);
        assert_eq!(c.size_hint(), (6, Some(6)));
        c.next();
        assert_eq!(c.size_hint(), (5, Some(5)));
        assert_eq!(c.count(), 5);
        assert_eq!(Cross::new('k', vec![1], Vec::<u8>::new()).count(), 0);
        assert_eq!(Cross::new('k', Vec::<u8>::new(), vec![1]).count(), 0);
        assert_eq!(
            Cross::new('k', vec![7], vec![8]).collect::<Vec<_>>(),
            vec![('k', (7, 8))]
        );
    }

    #[test]
    fn groups_keep_arrival_order_per_side() {
        let g: FxHashMap<_, _> = group::<(i32, char), (i32, i32)>(
            Either::Left(vec![(1, 'a'), (2, 'b'), (1, 'c')].into_iter()),
            Either::Left(vec![(3, 10), (1, 20), (1, 30)].into_iter()),
        )
        .collect();
        assert_eq!(g[&1], (vec!['a', 'c'], vec![20, 30]));
        assert_eq!(g[&2], (vec!['b'], vec![]));
        assert_eq!(g[&3], (vec![], vec![10]));
    }
}
