//! Map-side combining that first checks that it pays (the map side of `reduce_by_key`,
//! `fold_by_key`, `aggregate_by_key`, `combine_by_key` and `distinct`).
//!
//! Combining a map partition per key costs a hash-table update per record and a table as large
//! as the partition's distinct keys; it pays when keys repeat, since fewer records are then
//! bucketed and merged again on the reduce side. When nearly every key is new (PageRank's
//! contributions: a partition's ranks spread over most pages), the table outgrows the cache
//! while removing few records, and bucketing the records as they are is faster: the reduce
//! side merges them per key anyway. As adaptive partial aggregation in query engines, the first
//! [`SAMPLE`] records decide: if more than half of their keys are distinct, the partition is
//! bucketed without combining (each value turned into a combiner on its own); otherwise, or when
//! the partition has fewer records, it is combined as before. Either way the reduce side
//! merges the same combiners per key, so the results are the same (for floating-point
//! reductions, up to the order of the additions, which is no more fixed than a shuffle's).
//!
//! The decision sees only the start of a partition: keys that recur only after many distinct
//! others (the same long key list repeated) are shuffled uncombined, more records but the same
//! results.

use hashbrown::HashTable;

use crate::combine_table::{Table, expected_len, learn_len};
use crate::data::{Data, Key};
use crate::partitioner::key_hash;
use crate::shuffle::{MapOutput, MapWriter, bucket, combine_values};
use crate::task::PanicScope;

/// Records read before deciding whether to combine.
pub(crate) const SAMPLE: usize = 1 << 14;

/// Combines the values of `input` per key with `step` (see [`combine_values`]) when the first
/// [`SAMPLE`] records repeat keys enough, else buckets each value as a combiner of its own
/// (`step(None, v)`).
pub(crate) fn combine<K: Key, V, C: Data>(
    node: &'static str,
    input: impl Iterator<Item = (K, V)>,
    out: MapWriter<(K, C)>,
    step: impl FnMut(Option<C>, V) -> C,
) -> MapOutput<(K, C)> {
    let mut input = input;
    // Sized from the node's earlier tasks (a flattened input rarely knows its length), so
    // that neither the sample nor its set of hashes grows by doubling.
    let room = expected_len(node, Table::Sample, Some(SAMPLE)).max(SAMPLE.min(input.size_hint().0));
    let mut sample: Vec<(K, V)> = Vec::with_capacity(room);
    // The distinct key hashes, each its own table hash (it is a finished hash already, the one
    // the combine table uses), so none is hashed twice.
    let mut keys: HashTable<u64> =
        HashTable::with_capacity(expected_len(node, Table::SampleKeys, Some(SAMPLE)));
    // `next`, not `fold`: only a prefix is taken, and the rest is folded below.
    for kv in input.by_ref().take(SAMPLE) {
        let h = key_hash(&kv.0);
        keys.entry(h, |&x| x == h, |&x| x).or_insert(h);
        sample.push(kv);
    }
    learn_len(node, Table::Sample, sample.len());
    learn_len(node, Table::SampleKeys, keys.len());
    let combines = sample.len() < SAMPLE || keys.len() <= SAMPLE / 2;
    drop(keys);
    let input = sample.into_iter().chain(input);
    if combines {
        combine_values(node, input, out, step)
    } else {
        let partitioner = out.partitioner().clone();
        bucket(
            input.map(alone(node, step)),
            out,
            move |kv| partitioner.partition(&kv.0),
            |kv| key_hash(&kv.0),
        )
    }
}

/// `(k, v)` to `(k, step(None, v))`, as user code of `node`. Made here, not in [`combine`], so
/// its type does not name the input iterator's.
fn alone<K: 'static, V, C>(
    node: &'static str,
    mut step: impl FnMut(Option<C>, V) -> C,
) -> impl FnMut((K, V)) -> (K, C) {
    move |(mut k, v)| {
        let g = PanicScope::enter(node);
        let c = step(None, v);
        g.exit();
        // The key goes into a map output, which outlives the record (`text::settle`).
        crate::text::settle(&mut k);
        (k, c)
    }
}
