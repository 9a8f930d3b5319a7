//! The hash shuffle: map tasks split their partition into one bucket per output partition
//! (combining values per key first where the operator allows it); reduce tasks read their
//! bucket from every map output.

use std::collections::hash_map::Entry;
use std::sync::{Arc, Mutex};

use rustc_hash::FxHashMap;

use crate::context::Context;
use crate::data::{Data, Key};
use crate::error::Error;
use crate::partitioner::Partitioner;
use crate::storage::lock;
use crate::task::{PanicScope, Site};

/// Whether a shuffle's map outputs are all there (what the scheduler needs to know).
pub trait ShuffleStatus: Send + Sync {
    /// Shuffle id.
    fn id(&self) -> usize;
    /// All map outputs present.
    fn is_complete(&self) -> bool;
    /// Map partitions without output.
    fn missing(&self) -> Vec<usize>;
    /// Records and estimated bytes of map partition `part`'s output, for task metrics.
    fn map_output_size(&self, part: usize) -> (u64, u64) {
        let _ = part;
        (0, 0)
    }
}

/// Map outputs of one shuffle: for each map partition, one bucket per output partition.
pub struct ShuffleSlot<R> {
    id: usize,
    partitioner: Partitioner,
    outputs: Mutex<Vec<Option<MapOutput<R>>>>,
}

/// The buckets written by one map task, one per output partition.
type MapOutput<R> = Arc<Vec<Vec<R>>>;

impl<R: Data> ShuffleSlot<R> {
    /// A shuffle from `map_partitions` partitions through `partitioner`.
    pub fn new(ctx: &Context, map_partitions: usize, partitioner: Partitioner) -> Arc<Self> {
        Arc::new(ShuffleSlot {
            id: ctx.next_id(),
            partitioner,
            outputs: Mutex::new(vec![None; map_partitions]),
        })
    }

    /// The partitioner of the output.
    pub fn partitioner(&self) -> &Partitioner {
        &self.partitioner
    }

    /// Stores the buckets of map partition `part`. Outputs are deterministic, so when two jobs
    /// race the first one stays.
    pub fn put(&self, part: usize, buckets: Vec<Vec<R>>) {
        debug_assert_eq!(buckets.len(), self.partitioner.num_partitions());
        let mut o = lock(&self.outputs);
        if o[part].is_none() {
            o[part] = Some(Arc::new(buckets));
        }
    }

    /// The records of output partition `part`, from every map output. A missing map output is
    /// reported on the task, never read as an empty one.
    pub fn read(&self, site: &Site) -> ShuffleRead<R> {
        let outputs: Option<Vec<_>> = lock(&self.outputs).iter().cloned().collect();
        let outputs = outputs.unwrap_or_else(|| {
            site.cx.fail(Error::Internal(format!(
                "shuffle {} read by `{}` before all its map outputs were written",
                self.id, site.node
            )));
            Vec::new()
        });
        let records: usize = outputs.iter().map(|o| o[site.part].len()).sum();
        site.cx.metrics(|m| {
            m.records_in += records as u64;
            m.shuffle_records_read += records as u64;
            m.shuffle_bytes_read += (records * std::mem::size_of::<R>()) as u64;
        });
        ShuffleRead {
            outputs,
            part: site.part,
            map: 0,
            pos: 0,
        }
    }

    /// Drops every map output (after the reading RDD was checkpointed).
    pub fn clear(&self) {
        lock(&self.outputs).iter_mut().for_each(|o| *o = None);
    }
}

impl<R: Data> ShuffleStatus for ShuffleSlot<R> {
    fn id(&self) -> usize {
        self.id
    }

    fn is_complete(&self) -> bool {
        lock(&self.outputs).iter().all(Option::is_some)
    }

    fn missing(&self) -> Vec<usize> {
        lock(&self.outputs)
            .iter()
            .enumerate()
            .filter(|(_, o)| o.is_none())
            .map(|(i, _)| i)
            .collect()
    }

    fn map_output_size(&self, part: usize) -> (u64, u64) {
        let records: usize = lock(&self.outputs)[part]
            .as_ref()
            .map_or(0, |o| o.iter().map(Vec::len).sum());
        (records as u64, (records * std::mem::size_of::<R>()) as u64)
    }
}

/// Iterates one output partition across all map outputs, cloning records (map outputs stay for
/// later jobs, as Spark keeps shuffle files).
pub struct ShuffleRead<R> {
    outputs: Vec<Arc<Vec<Vec<R>>>>,
    part: usize,
    map: usize,
    pos: usize,
}

impl<R: Clone> Iterator for ShuffleRead<R> {
    type Item = R;

    #[inline]
    fn next(&mut self) -> Option<R> {
        while let Some(out) = self.outputs.get(self.map) {
            if let Some(r) = out[self.part].get(self.pos) {
                self.pos += 1;
                return Some(r.clone());
            }
            self.map += 1;
            self.pos = 0;
        }
        None
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n: usize = self.outputs[self.map.min(self.outputs.len())..]
            .iter()
            .map(|o| o[self.part].len())
            .sum::<usize>()
            .saturating_sub(self.pos);
        (n, Some(n))
    }
}

/// Splits records into one bucket per output partition, by `partition_of`.
pub fn bucket<T>(
    input: impl Iterator<Item = T>,
    partitions: usize,
    mut partition_of: impl FnMut(&T) -> usize,
) -> Vec<Vec<T>> {
    let mut buckets: Vec<Vec<T>> = (0..partitions).map(|_| Vec::new()).collect();
    input.for_each(|x| {
        let p = partition_of(&x);
        buckets[p].push(x);
    });
    buckets
}

/// Map-side combine: one combiner per key, built by `step(None, v)` for the key's first value
/// and `step(Some(c), v)` for the next ones, then bucketed by the partitioner. One closure
/// rather than Spark's `createCombiner` and `mergeValue` pair, so an operator can use the same
/// user function for both.
pub fn combine_values<K: Key, V, C>(
    node: &'static str,
    input: impl Iterator<Item = (K, V)>,
    partitioner: &Partitioner,
    mut step: impl FnMut(Option<C>, V) -> C,
) -> Vec<Vec<(K, C)>> {
    // `Option` lets a combiner be moved out and back without a `Default` bound.
    let mut map: FxHashMap<K, Option<C>> = FxHashMap::default();
    // `for_each` (internal iteration) lets each adapter of the fused chain run its own loop.
    input.for_each(|(k, v)| {
        let g = PanicScope::enter(node);
        match map.entry(k) {
            Entry::Occupied(mut e) => {
                let slot = e.get_mut();
                let old = slot.take();
                *slot = Some(step(old, v));
            }
            Entry::Vacant(e) => {
                e.insert(Some(step(None, v)));
            }
        }
        g.exit();
    });
    let n = partitioner.num_partitions();
    let mut buckets: Vec<Vec<(K, C)>> = (0..n).map(|_| Vec::new()).collect();
    for (k, c) in map {
        let p = partitioner.partition(&k);
        buckets[p].push((k, c.expect("combiner present")));
    }
    buckets
}

/// Reduce-side merge of combiners per key.
pub fn merge_combiners<K: Key, C>(
    node: &'static str,
    input: impl Iterator<Item = (K, C)>,
    mut merge: impl FnMut(C, C) -> C,
) -> impl Iterator<Item = (K, C)> {
    let mut map: FxHashMap<K, Option<C>> = FxHashMap::default();
    for (k, c) in input {
        match map.entry(k) {
            Entry::Occupied(mut e) => {
                let slot = e.get_mut();
                let old = slot.take().expect("combiner present");
                let g = PanicScope::enter(node);
                *slot = Some(merge(old, c));
                g.exit();
            }
            Entry::Vacant(e) => {
                e.insert(Some(c));
            }
        }
    }
    map.into_iter()
        .map(|(k, c)| (k, c.expect("combiner present")))
}
