//! The shuffle's table of combiners per key. Each key is hashed once, with the partitioner's
//! hash ([`key_hash`]), and the hash is stored with the entry:
//! - growing the table moves entries without hashing their keys again;
//! - bucketing the keys by output partition reads the stored hash;
//! - a probe compares the stored hash before the key, so a slot whose 7-bit tag matches by
//!   chance costs a `u64` comparison, not a key comparison. This matters on the reduce side:
//!   the keys of one output partition share the hash bits that chose the partition, which are
//!   also the bits the table takes its tags from (with 64 partitions, 6 of the 7).
//!
//! Buffers whose capacity cannot change an output's order are sized from the lengths that
//! earlier tasks of the same node reached ([`expected_len`]). This table is not: it iterates
//! in an order that depends on its capacity, and outputs are the same, in the same order, in
//! every run of the same pipeline, so it still grows from empty.

use std::hash::Hash;
use std::sync::{LazyLock, Mutex};

use hashbrown::HashTable;
use hashbrown::hash_table::Entry as Slot;
use rustc_hash::FxHashMap;

use crate::partitioner::key_hash;
use crate::sync::lock;

/// Combiners per key; see the module documentation.
pub(crate) struct CombineTable<K, C> {
    table: HashTable<Entry<K, C>>,
}

/// One key with its hash and its combiner. The combiner is not an `Option` (which would let it
/// be moved out and back safely, but adds a word to every entry of a `u64` count: 48 bytes
/// instead of 40 for a `Text` key); [`Hole`] moves it out and back instead.
pub(crate) struct Entry<K, C> {
    pub(crate) hash: u64,
    pub(crate) key: K,
    pub(crate) comb: C,
}

/// A known key's entry while its combiner is moved out to the user's step. If the step panics,
/// the entry is removed with its combiner forgotten (it was moved into the step, which dropped
/// it), so the table never drops it twice; the task fails with the panic.
struct Hole<'a, K, C>(Option<hashbrown::hash_table::OccupiedEntry<'a, Entry<K, C>>>);

impl<K, C> Drop for Hole<'_, K, C> {
    fn drop(&mut self) {
        if let Some(o) = self.0.take() {
            let (Entry { key, comb, .. }, _) = o.remove();
            drop(key);
            std::mem::forget(comb);
        }
    }
}

impl<K: Hash + Eq + 'static, C> CombineTable<K, C> {
    pub(crate) fn new() -> Self {
        CombineTable {
            table: HashTable::new(),
        }
    }

    /// Feeds `v` to `key`'s combiner: `step(None, v)` for a new key, `step(Some(c), v)` for
    /// a known one. Returns the entry when the key was new.
    #[inline]
    pub(crate) fn add<V>(
        &mut self,
        key: K,
        v: V,
        step: impl FnOnce(Option<C>, V) -> C,
    ) -> Option<&mut Entry<K, C>> {
        let hash = key_hash(&key);
        match self
            .table
            .entry(hash, |e| e.hash == hash && e.key == key, |e| e.hash)
        {
            Slot::Occupied(o) => {
                let mut hole = Hole(Some(o));
                let comb: *mut C = match &mut hole.0 {
                    Some(o) => &mut o.get_mut().comb,
                    None => unreachable!("just filled"),
                };
                // SAFETY: `comb` points into the entry `hole` holds; the value read out is
                // written back before the entry is used again, and if `step` unwinds instead,
                // `hole` removes the entry without dropping the moved-out value.
                unsafe { comb.write(step(Some(comb.read()), v)) };
                hole.0 = None;
                None
            }
            Slot::Vacant(slot) => {
                // The table and the map output it becomes outlive the record: a key sharing
                // a read buffer keeps only itself (`text::settle`).
                let mut key = key;
                crate::text::settle(&mut key);
                let comb = step(None, v);
                Some(slot.insert(Entry { hash, key, comb }).into_mut())
            }
        }
    }

    /// Distinct keys.
    pub(crate) fn len(&self) -> usize {
        self.table.len()
    }

    /// Every entry, consuming the table.
    pub(crate) fn into_entries(self) -> impl Iterator<Item = Entry<K, C>> {
        self.table.into_iter()
    }
}

/// A buffer that a node's tasks fill, for the size hints of [`expected_len`] and
/// [`learn_len`]: each task of a node holds about as many entries as the node's previous task
/// did (the same job's earlier task, or the previous job's task of the same node: an
/// iterative program builds its pipeline again under the same labels), so sizing the buffer
/// from that count saves growing it from empty, which copies or rehashes every entry at each
/// doubling. Only buffers whose capacity cannot change the order of an output: hash tables
/// whose entries are given out in their iteration order are not sized this way.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) enum Table {
    /// The records a map-side combine samples.
    Sample,
    /// The set of the sampled records' key hashes (only counted).
    SampleKeys,
    /// The values that a hash join's right side or a grouping chains per key, in arrival
    /// order.
    Values,
}

/// Lengths seen per node label and table. Process-wide, as node labels are: a hint only sizes
/// a table, it never changes what the table holds.
static SEEN: LazyLock<Mutex<FxHashMap<(&'static str, Table), usize>>> =
    LazyLock::new(Default::default);

/// Entries to reserve for `node`'s `table`: the length the node's tasks reached, an eighth
/// more (so a task slightly larger than the last does not rehash everything as it ends), at
/// most `bound` (the input's records, when known); 0 before any task of the node finished.
pub(crate) fn expected_len(node: &'static str, table: Table, bound: Option<usize>) -> usize {
    let seen = lock(&SEEN).get(&(node, table)).copied().unwrap_or(0);
    let want = seen.saturating_add(seen / 8);
    bound.map_or(want, |b| want.min(b))
}

/// Records that a task of `node` ended with `len` entries in `table`. The hint keeps the
/// largest length, halved each time a task holds fewer, so that it follows a node whose
/// inputs shrink within a few tasks while a skewed partition does not pull it down at once.
pub(crate) fn learn_len(node: &'static str, table: Table, len: usize) {
    let mut seen = lock(&SEEN);
    let e = seen.entry((node, table)).or_insert(0);
    *e = len.max(*e / 2);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::partitioner::Partitioner;

    /// A key whose hash is the same for every value: every probe meets every other key.
    #[derive(Clone, Debug, PartialEq, Eq)]
    struct Colliding(u32);

    impl Hash for Colliding {
        fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
            h.write_u8(7);
        }
    }

    fn count<K: Hash + Eq + 'static>(keys: impl IntoIterator<Item = K>) -> Vec<(K, u64, u64)> {
        let mut t = CombineTable::new();
        for k in keys {
            t.add(k, 1u64, |c, v| c.unwrap_or(0) + v);
        }
        t.into_entries().map(|e| (e.key, e.comb, e.hash)).collect()
    }

    #[test]
    fn combines_values_per_key_and_stores_the_partitioners_hash() {
        let words = "a b a c b a".split(' ').map(str::to_owned);
        let mut got = count(words);
        got.sort();
        let hash = |w: &str| key_hash(&w.to_owned());
        assert_eq!(
            got,
            vec![
                ("a".to_owned(), 3, hash("a")),
                ("b".to_owned(), 2, hash("b")),
                ("c".to_owned(), 1, hash("c")),
            ]
        );
        let p = Partitioner::hash(7);
        for (k, _, h) in &got {
            assert_eq!(p.partition_of_hash(*h), p.partition(k));
        }
    }

    #[test]
    fn keys_with_equal_hashes_stay_apart() {
        let keys = (0..100).flat_map(|i| [Colliding(i), Colliding(i % 10)]);
        let mut got: Vec<(u32, u64)> = count(keys).into_iter().map(|(k, c, _)| (k.0, c)).collect();
        got.sort();
        let want: Vec<(u32, u64)> = (0..100).map(|i| (i, if i < 10 { 11 } else { 1 })).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn hints_follow_the_lengths_a_nodes_tasks_reached() {
        const NODE: &str = "combine_table.test.hints";
        assert_eq!(expected_len(NODE, Table::Sample, None), 0);
        learn_len(NODE, Table::Sample, 800);
        // An eighth to spare, at most the bound; other tables of the node are apart.
        assert_eq!(expected_len(NODE, Table::Sample, None), 900);
        assert_eq!(expected_len(NODE, Table::Sample, Some(850)), 850);
        assert_eq!(expected_len(NODE, Table::Values, None), 0);
        // A larger task raises the hint at once; smaller ones halve it per task.
        learn_len(NODE, Table::Sample, 1600);
        assert_eq!(expected_len(NODE, Table::Sample, None), 1800);
        learn_len(NODE, Table::Sample, 100);
        assert_eq!(expected_len(NODE, Table::Sample, None), 900);
        learn_len(NODE, Table::Sample, 100);
        learn_len(NODE, Table::Sample, 100);
        assert_eq!(expected_len(NODE, Table::Sample, None), 225);
    }

    /// A combiner that counts its drops.
    struct Counted(std::rc::Rc<std::cell::Cell<usize>>);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }

    #[test]
    fn a_step_that_panics_drops_each_combiner_once() {
        let drops = std::rc::Rc::new(std::cell::Cell::new(0));
        let mut t = CombineTable::new();
        for k in 0..10u32 {
            t.add(k, (), |c: Option<Counted>, ()| {
                c.unwrap_or_else(|| Counted(drops.clone()))
            });
        }
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            t.add(3, (), |c: Option<Counted>, ()| {
                let _moved_in = c;
                panic!("user step fails")
            });
        }));
        assert!(r.is_err());
        // The failed key's combiner was dropped by the unwinding step, and its entry is gone.
        assert_eq!((drops.get(), t.len()), (1, 9));
        drop(t);
        assert_eq!(drops.get(), 10);
    }

    #[test]
    fn a_new_key_returns_its_entry_and_a_known_key_does_not() {
        let mut t = CombineTable::new();
        let e = t.add("k".to_owned(), 2u64, |c, v| c.unwrap_or(0) + v);
        assert_eq!(e.map(|e| e.comb), Some(2));
        assert!(
            t.add("k".to_owned(), 3u64, |c, v| c.unwrap_or(0) + v)
                .is_none()
        );
        assert_eq!(t.len(), 1);
        let e = t.into_entries().next().expect("one entry");
        assert_eq!(e.comb, 5);
    }
}
