//! The reduce side shared by the four joins when neither input spilled: a hash table of the
//! right side's values by key, probed by the left side as it streams past. The same table
//! groups `group_by_key`'s values ([`grouped`]).
//!
//! Grouping both sides into `(Vec<V>, Vec<W>)` per key (what `cogroup` must do) costs two
//! vectors and a hash insert per key of either side, and holds the left side in memory too. A
//! join needs neither: the left side's values are paired as they arrive, each moved into its
//! last pair. The right side's values sit in one vector in arrival order, each with the index
//! of its key's next value, so a key costs no allocation of its own.
//!
//! Order of the output: the left side's arrival order, each left value with its key's right
//! values in their arrival order (the pairs of one key in the same relative order as the
//! grouped join gives: `v` in the outer loop); then, for the outer joins keeping the right
//! side, each right value whose key no left value had, key by key in the table's order. The
//! hash is the same in every run, so the order is too.

use rustc_hash::FxHashMap;

use crate::combine_table::{Table as Hint, expected_len, learn_len};
use crate::data::{Key, Pair};

/// No next value in a key's chain.
const END: usize = usize::MAX;

/// One joined record, before the operator gives it its declared shape.
pub(crate) enum Joined<K, V, W> {
    /// A left value and a right value of the same key.
    Both(K, V, W),
    /// A left value whose key the right side does not have.
    Left(K, V),
    /// A right value whose key the left side does not have.
    Right(K, W),
}

/// Where one key's values are in [`Table::values`], and whether a left value probed it.
struct Chain {
    first: usize,
    last: usize,
    /// Values in the chain.
    len: usize,
    matched: bool,
}

/// The right side by key: values in arrival order, each with the index of its key's next one.
struct Table<K, W> {
    keys: FxHashMap<K, Chain>,
    values: Vec<(W, usize)>,
}

impl<K: Key, W> Table<K, W> {
    fn empty() -> Self {
        Table {
            keys: FxHashMap::default(),
            values: Vec::new(),
        }
    }

    /// The table of `right`, sized from what `node`'s earlier tasks held (or, before any, from
    /// the records `right` says it has at least), so that it is not grown by doubling.
    fn build<R: Pair<Key = K, Value = W>>(
        node: &'static str,
        right: impl Iterator<Item = R>,
    ) -> Self {
        let mut t = Self::with_room(node, right.size_hint());
        right.for_each(|kw| t.push(kw.into_parts()));
        learn_len(node, Hint::Values, t.values.len());
        t
    }

    /// An empty table for a right side of `(lower, upper)` records: room for the values that
    /// `node`'s earlier tables held (or `lower`), and for `lower` keys. The keys' capacity is
    /// the input's, never a hint: the unmatched keys are given in the map's order, which
    /// depends on its capacity, and a join gives the same order in every run.
    fn with_room(node: &'static str, (lower, upper): (usize, Option<usize>)) -> Self {
        Table {
            keys: FxHashMap::with_capacity_and_hasher(lower, Default::default()),
            values: Vec::with_capacity(expected_len(node, Hint::Values, upper).max(lower)),
        }
    }

    fn push(&mut self, (k, w): (K, W)) {
        let i = self.values.len();
        match self.keys.entry(k) {
            std::collections::hash_map::Entry::Occupied(e) => {
                let c = e.into_mut();
                self.values[c.last].1 = i;
                c.last = i;
                c.len += 1;
            }
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(Chain {
                    first: i,
                    last: i,
                    len: 1,
                    matched: false,
                });
            }
        }
        self.values.push((w, END));
    }

    /// The first value of `k`'s chain, marking the key matched.
    #[inline]
    fn probe(&mut self, k: &K) -> Option<usize> {
        let c = self.keys.get_mut(k)?;
        c.matched = true;
        Some(c.first)
    }
}

/// `records` grouped by key, each key's values in arrival order in a vector of exactly their
/// number (`group_by_key`'s reduce side). The values are chained per key in one vector first:
/// pushing them into a vector per key as they arrive would reallocate each vector at every
/// doubling, most of the work of grouping many short lists (PageRank's adjacency lists).
pub(crate) fn grouped<K: Key, V>(
    node: &'static str,
    records: impl Iterator<Item = (K, V)>,
) -> impl Iterator<Item = (K, Vec<V>)> {
    let (lower, upper) = records.size_hint();
    // The keys grown from empty, as the map of vectors this replaces did, so that the groups
    // come in the same order (the map's, which depends on its capacity) in every run.
    let mut t = Table {
        keys: FxHashMap::default(),
        values: Vec::with_capacity(expected_len(node, Hint::Values, upper).max(lower)),
    };
    records.for_each(|(k, v)| t.push((k, Some(v))));
    learn_len(node, Hint::Values, t.values.len());
    let Table { keys, mut values } = t;
    keys.into_iter().map(move |(k, c)| {
        let mut vs = Vec::with_capacity(c.len);
        let mut i = c.first;
        while i != END {
            let (v, next) = &mut values[i];
            vs.push(v.take().expect("each value is in one chain"));
            i = *next;
        }
        (k, vs)
    })
}

/// The joined records of one output partition (see the module's documentation for their
/// order). `keep_left` / `keep_right`: whether unmatched values of that side are given.
pub(crate) struct HashJoin<I, K, V, W> {
    left: I,
    table: Table<K, W>,
    keep_left: bool,
    keep_right: bool,
    /// A left value being paired, with the index of its next right value.
    cur: Option<(K, V, usize)>,
    /// Once the left side is exhausted: the right values no left value matched.
    rest: Option<Unmatched<K, W>>,
}

impl<I, K: Key, V: Clone, W: Clone> HashJoin<I, K, V, W> {
    /// `(k, v)` with the right value at index `i`; `k` and `v` kept for the key's next right
    /// value if there is one, else moved.
    #[inline]
    fn pair(&mut self, k: K, v: V, i: usize) -> Joined<K, V, W> {
        let (w, n) = &self.table.values[i];
        let (w, n) = (w.clone(), *n);
        if n != END {
            self.cur = Some((k.clone(), v.clone(), n));
        }
        Joined::Both(k, v, w)
    }

    /// Builds the table from `right` (read to its end now) and streams `left`; `node` is the
    /// join's label, under which the table's size is remembered for its next tasks.
    pub(crate) fn new<P, R>(
        node: &'static str,
        left: I,
        right: impl Iterator<Item = R>,
        keep_left: bool,
        keep_right: bool,
    ) -> Self
    where
        I: Iterator<Item = P>,
        P: Pair<Key = K, Value = V>,
        R: Pair<Key = K, Value = W>,
    {
        HashJoin {
            left,
            table: Table::build(node, right),
            keep_left,
            keep_right,
            cur: None,
            rest: None,
        }
    }
}

impl<I, P, K, V, W> Iterator for HashJoin<I, K, V, W>
where
    I: Iterator<Item = P>,
    P: Pair<Key = K, Value = V>,
    K: Key,
    V: Clone,
    W: Clone,
{
    type Item = Joined<K, V, W>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some((k, v, i)) = self.cur.take() {
            return Some(self.pair(k, v, i));
        }
        loop {
            if let Some(rest) = &mut self.rest {
                return rest.next().map(|(k, w)| Joined::Right(k, w));
            }
            match self.left.next() {
                Some(kv) => {
                    let (k, v) = kv.into_parts();
                    match self.table.probe(&k) {
                        Some(first) => return Some(self.pair(k, v, first)),
                        None if self.keep_left => return Some(Joined::Left(k, v)),
                        None => {}
                    }
                }
                None => {
                    let table = std::mem::replace(&mut self.table, Table::empty());
                    self.rest = Some(Unmatched::new(table, self.keep_right));
                }
            }
        }
    }

    /// Internal iteration over the left side (much faster than `next` through a shuffle read
    /// or a chain of adapters).
    fn fold<B, F: FnMut(B, Self::Item) -> B>(self, init: B, mut f: F) -> B {
        let HashJoin {
            left,
            mut table,
            keep_left,
            keep_right,
            cur,
            rest,
        } = self;
        let mut acc = init;
        if let Some(rest) = rest {
            return rest.fold(acc, |acc, (k, w)| f(acc, Joined::Right(k, w)));
        }
        if let Some((k, v, i)) = cur {
            acc = pairs(&table, k, v, i, acc, &mut f);
        }
        acc = left.fold(acc, |acc, kv| {
            let (k, v) = kv.into_parts();
            match table.probe(&k) {
                Some(first) => pairs(&table, k, v, first, acc, &mut f),
                None if keep_left => f(acc, Joined::Left(k, v)),
                None => acc,
            }
        });
        if keep_right {
            acc = Unmatched::new(table, true).fold(acc, |acc, (k, w)| f(acc, Joined::Right(k, w)));
        }
        acc
    }
}

/// Folds `(k, v, w)` for each right value from index `i` of its key's chain; `v` and `k` are
/// moved into the last pair.
#[inline]
fn pairs<K: Clone, V: Clone, W: Clone, B>(
    table: &Table<K, W>,
    k: K,
    v: V,
    mut i: usize,
    mut acc: B,
    f: &mut impl FnMut(B, Joined<K, V, W>) -> B,
) -> B {
    loop {
        let (w, n) = &table.values[i];
        let (w, n) = (w.clone(), *n);
        if n == END {
            return f(acc, Joined::Both(k, v, w));
        }
        acc = f(acc, Joined::Both(k.clone(), v.clone(), w));
        i = n;
    }
}

/// The right values of the keys no left value matched, key by key.
struct Unmatched<K, W> {
    keys: std::collections::hash_map::IntoIter<K, Chain>,
    values: Vec<(Option<W>, usize)>,
    /// A key being given, with the index of its next value.
    cur: Option<(K, usize)>,
}

impl<K, W> Unmatched<K, W> {
    /// The unmatched values of `table`; none unless `keep_right`.
    fn new(table: Table<K, W>, keep_right: bool) -> Self {
        if !keep_right {
            return Unmatched {
                keys: FxHashMap::default().into_iter(),
                values: Vec::new(),
                cur: None,
            };
        }
        Unmatched {
            keys: table.keys.into_iter(),
            values: table
                .values
                .into_iter()
                .map(|(w, n)| (Some(w), n))
                .collect(),
            cur: None,
        }
    }
}

impl<K: Clone, W> Iterator for Unmatched<K, W> {
    type Item = (K, W);

    fn next(&mut self) -> Option<(K, W)> {
        loop {
            if let Some((k, i)) = self.cur.take() {
                let (w, n) = &mut self.values[i];
                let n = *n;
                let Some(w) = w.take() else {
                    continue;
                };
                if n == END {
                    return Some((k, w));
                }
                self.cur = Some((k.clone(), n));
                return Some((k, w));
            }
            let (k, c) = self.keys.next()?;
            if !c.matched {
                self.cur = Some((k, c.first));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Rec = Joined<u8, char, i32>;

    fn join(
        keep_left: bool,
        keep_right: bool,
    ) -> HashJoin<std::vec::IntoIter<(u8, char)>, u8, char, i32> {
        let left = vec![(1, 'a'), (2, 'b'), (1, 'c'), (4, 'd')];
        let right = vec![(3, 30), (1, 10), (1, 11), (5, 50), (2, 20), (5, 51)];
        HashJoin::new(
            "test.join",
            left.into_iter(),
            right.into_iter(),
            keep_left,
            keep_right,
        )
    }

    fn show_u32(r: Joined<u32, u32, u32>) -> (u32, Option<u32>, Option<u32>) {
        match r {
            Joined::Both(k, v, w) => (k, Some(v), Some(w)),
            Joined::Left(k, v) => (k, Some(v), None),
            Joined::Right(k, w) => (k, None, Some(w)),
        }
    }

    fn show(r: Rec) -> (u8, Option<char>, Option<i32>) {
        match r {
            Joined::Both(k, v, w) => (k, Some(v), Some(w)),
            Joined::Left(k, v) => (k, Some(v), None),
            Joined::Right(k, w) => (k, None, Some(w)),
        }
    }

    /// Through `next`, one record at a time, then the rest through `fold` from the middle.
    fn by_next(
        mut j: impl Iterator<Item = Rec>,
        stop_after: usize,
    ) -> Vec<(u8, Option<char>, Option<i32>)> {
        let mut out = Vec::new();
        while out.len() < stop_after {
            match j.next() {
                Some(r) => out.push(show(r)),
                None => return out,
            }
        }
        j.fold(out, |mut out, r| {
            out.push(show(r));
            out
        })
    }

    #[test]
    fn a_table_has_room_for_the_values_the_nodes_last_table_held() {
        const NODE: &str = "hash_join.test.room";
        // A right side that hides its length, as a flattened chain does.
        let right = || {
            let mut pairs = (0..1000u64).map(|i| (i % 100, i));
            std::iter::from_fn(move || pairs.next())
        };
        let first = Table::<u64, u64>::with_room(NODE, right().size_hint());
        assert_eq!(first.values.capacity(), 0);
        let built = Table::build(NODE, right());
        assert_eq!((built.keys.len(), built.values.len()), (100, 1000));
        let next = Table::<u64, u64>::with_room(NODE, right().size_hint());
        assert!(
            next.values.capacity() >= 1000 + 1000 / 8,
            "{}",
            next.values.capacity()
        );
        // The keys' room is the input's only (their order depends on it).
        assert_eq!(next.keys.capacity(), 0);
        // Never more than a right side that knows its length can hold.
        let small = Table::<u64, u64>::with_room(NODE, (10, Some(10)));
        assert_eq!(small.values.capacity(), 10);
    }

    #[test]
    fn a_join_gives_the_same_order_after_its_tables_learnt_a_size() {
        let run = || {
            let left = (0..300u32).map(|i| (i % 50, i));
            let right = (0..400u32).map(|i| (i % 80 + 25, i));
            HashJoin::new("hash_join.test.order", left, right, true, true)
                .map(show_u32)
                .collect::<Vec<_>>()
        };
        let first = run();
        assert_eq!(first.len(), 25 * 6 + 25 * 6 * 5 + 55 * 5);
        assert_eq!(run(), first);
    }

    #[test]
    fn grouped_values_in_arrival_order_in_vectors_of_their_exact_length() {
        let records: Vec<(u32, u64)> = (0..5000u64).map(|i| ((i * 7 % 301) as u32, i)).collect();
        let mut want: std::collections::BTreeMap<u32, Vec<u64>> = Default::default();
        for &(k, v) in &records {
            want.entry(k).or_default().push(v);
        }
        // Twice: the second time with the tables sized from the first.
        for _ in 0..2 {
            let mut got = std::collections::BTreeMap::new();
            for (k, vs) in grouped("hash_join.test.grouped", records.clone().into_iter()) {
                assert_eq!(vs.capacity(), vs.len(), "key {k}");
                assert!(got.insert(k, vs).is_none(), "key {k} given twice");
            }
            assert_eq!(got, want);
        }
    }

    #[test]
    fn left_order_with_each_keys_right_values_in_arrival_order() {
        let want = vec![
            (1, Some('a'), Some(10)),
            (1, Some('a'), Some(11)),
            (2, Some('b'), Some(20)),
            (1, Some('c'), Some(10)),
            (1, Some('c'), Some(11)),
        ];
        // Every split between `next` and `fold` gives the same records.
        for stop in 0..=want.len() + 1 {
            assert_eq!(by_next(join(false, false), stop), want, "stop {stop}");
        }
    }

    #[test]
    fn outer_sides_add_unmatched_values() {
        let mut left_outer = by_next(join(true, false), 0);
        assert_eq!(left_outer.pop(), Some((4, Some('d'), None)));
        assert_eq!(left_outer.len(), 5);
        let full: Vec<_> = (0..10)
            .map(|stop| by_next(join(true, true), stop))
            .collect();
        assert!(full.iter().all(|f| *f == full[0]), "{full:?}");
        let mut got = full[0].clone();
        // The unmatched right values come last, each key's in arrival order.
        let tail: Vec<_> = got.split_off(6);
        assert_eq!(got[5], (4, Some('d'), None));
        let mut keys: Vec<_> = tail.iter().map(|r| r.0).collect();
        keys.dedup();
        assert_eq!(tail.len(), 3);
        let fives: Vec<_> = tail.iter().filter(|r| r.0 == 5).collect();
        assert_eq!(fives, [&(5, None, Some(50)), &(5, None, Some(51))]);
        assert!(tail.contains(&(3, None, Some(30))));
        assert_eq!(keys.len(), 2, "one key's values together: {tail:?}");
        let right_only = by_next(join(false, true), 3);
        assert_eq!(right_only.len(), 8);
        assert_eq!(right_only[5..], tail[..]);
    }
}
