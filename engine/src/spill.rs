//! Spilling shuffles under a memory limit: a map task whose buffer outgrows its share of
//! `memory_limit` sorts it into a *run* (a temporary file holding its records in partition
//! order, each partition sorted by the operator's sort key) and starts over; reduce tasks read
//! their partition's segment of every run and merge them (k-way) on that sort key, so operators
//! that group by key can stream one key at a time instead of holding a hash map of the whole
//! partition.
//!
//! Records cross the disk with the engine's element codec (`codec`: serde + postcard), framed
//! by a 4-byte length. A record type that is not serde-serializable cannot spill: its shuffles
//! stay in memory (with a warning), which the generated code decides at compile time through
//! [`Probe`].
//!
//! Spill files live in one temporary directory per context and are deleted when the run that
//! owns them is dropped: when a shuffle's outputs are released or its node dropped, when a
//! failing map task unwinds, and at the latest when the context is dropped.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::marker::PhantomData;
use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::codec::{ElemCodec, Postcard};
use crate::error::{Error, Result};
use crate::partitioner::key_hash;
use crate::task::TaskContext;

/// Largest read buffer of one run segment while merging (per run, per reduce task); the
/// buffers of a merge share the task's budget, down to [`MIN_READ_BUFFER`] each.
pub const READ_BUFFER: usize = 64 * 1024;
/// Smallest read buffer of one run segment.
pub const MIN_READ_BUFFER: usize = 4 * 1024;
/// Write buffer of a run being written (per map task).
const WRITE_BUFFER: usize = 64 * 1024;

/// A shared spill codec: the engine's one element codec (`codec.rs`), which also writes
/// checkpoints and disk blocks.
pub type Codec<R> = Arc<dyn ElemCodec<R>>;

/// Picks, at compile time, the spill codec of a record type: `(&Probe::<R>::new()).codec()`
/// resolves to [`Spillable::codec`] (postcard) when `R` is serde-serializable and to
/// [`NotSpillable::codec`] (`None`) otherwise. Generated code calls it with concrete types
/// and both traits in scope.
pub struct Probe<R>(PhantomData<fn() -> R>);

impl<R> Probe<R> {
    /// The probe for `R`.
    pub fn new() -> Self {
        Probe(PhantomData)
    }
}

impl<R> Default for Probe<R> {
    fn default() -> Self {
        Self::new()
    }
}

/// The codec of a serializable record type (preferred by method resolution).
pub trait Spillable<R> {
    /// `Some(postcard)`.
    fn codec(&self) -> Option<Codec<R>>;
}

impl<R: Serialize + DeserializeOwned + 'static> Spillable<R> for Probe<R> {
    fn codec(&self) -> Option<Codec<R>> {
        Some(Arc::new(Postcard::<R>::new()))
    }
}

/// The fallback for record types that cannot spill.
pub trait NotSpillable<R> {
    /// `None`.
    fn codec(&self) -> Option<Codec<R>> {
        None
    }
}

impl<R> NotSpillable<R> for &Probe<R> {}

/// What a map task may buffer before spilling: its share of the limit, and the limit itself
/// (which no single record may exceed).
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// Bytes this task may buffer.
    pub per_task: u64,
    /// The context's whole limit.
    pub limit: u64,
}

/// Where one map task writes its runs.
pub struct RunSink<R> {
    codec: Codec<R>,
    cx: TaskContext,
    node: &'static str,
    budget: Budget,
    partitions: usize,
    /// Runs written so far, with their compaction level.
    runs: Vec<(Run, u32)>,
    sizes: SizeTracker,
}

impl<R> RunSink<R> {
    /// The sink of a map task of `node` whose records go to `partitions` outputs, or `None`
    /// when its context has no memory limit or `codec` is `None`.
    pub fn new(
        cx: &TaskContext,
        node: &'static str,
        partitions: usize,
        codec: Option<&Codec<R>>,
    ) -> Option<Self> {
        let cfg = cx.context().spill();
        let limit = cfg.limit()?;
        let Some(codec) = codec else {
            cfg.warn_unspillable(node);
            return None;
        };
        let threads = cx.context().threads().max(1) as u64;
        Some(RunSink {
            codec: codec.clone(),
            cx: cx.clone(),
            node,
            budget: Budget {
                per_task: (limit / threads).max(1),
                limit,
            },
            partitions,
            runs: Vec::new(),
            sizes: SizeTracker::default(),
        })
    }

    /// This task's budget.
    pub fn budget(&self) -> Budget {
        self.budget
    }

    /// Estimated bytes of one buffered record: `slot` bytes in its container plus its
    /// (sampled) serialized size, standing for the heap bytes it owns.
    pub fn estimate(&mut self, slot: usize, sample: impl FnOnce() -> Option<R>) -> u64 {
        let codec = &self.codec;
        (slot + self.sizes.observe(|| sample().map(|r| codec.size(&r)))) as u64
    }

    /// Exact estimate of one record about to be buffered; fails when it alone exceeds the limit.
    pub fn measure(&self, slot: usize, r: &R) -> Result<u64> {
        let n = self.codec.size(r) as u64;
        if n > self.budget.limit {
            return Err(self.too_large(n));
        }
        Ok(slot as u64 + n)
    }

    fn too_large(&self, bytes: u64) -> Error {
        Error::RecordTooLarge {
            node: self.node.to_string(),
            bytes,
            limit: self.budget.limit,
        }
    }

    /// Sorts `records` by `(partition, sort_key)` (stable) and writes them as one run; leaves
    /// `records` empty.
    pub fn spill<S: Ord>(
        &mut self,
        records: &mut Vec<(usize, R)>,
        mut sort_key: impl FnMut(&R) -> S,
    ) -> Result<()>
    where
        R: 'static,
    {
        if records.is_empty() {
            return Ok(());
        }
        records.sort_by_cached_key(|(p, r)| (*p, sort_key(r)));
        let mut w = RunWriter::new(self)?;
        for (p, r) in records.drain(..) {
            w.write(self, p, &r)?;
        }
        let run = w.finish(self)?;
        self.runs.push((run, 0));
        self.compact(&mut sort_key)
    }

    /// Keeps the number of runs logarithmic in the data: whenever [`FAN_IN`] runs of one level
    /// are last in line, they are merged into one run of the next level (so every record is
    /// rewritten about `log16(runs)` times, and a reduce task never opens more than
    /// `15 * levels` runs per map task).
    fn compact<S: Ord>(&mut self, sort_key: &mut impl FnMut(&R) -> S) -> Result<()>
    where
        R: 'static,
    {
        loop {
            let Some(&(_, level)) = self.runs.last() else {
                return Ok(());
            };
            let n = self
                .runs
                .iter()
                .rev()
                .take_while(|(_, l)| *l == level)
                .count();
            if n < FAN_IN {
                return Ok(());
            }
            let group: Vec<Run> = self
                .runs
                .drain(self.runs.len() - n..)
                .map(|(r, _)| r)
                .collect();
            let mut w = RunWriter::new(self)?;
            for p in 0..self.partitions {
                let mut sources: Vec<Box<dyn Iterator<Item = R>>> = Vec::new();
                for r in &group {
                    if let Some(reader) = r.open(p, &self.codec, &self.cx, READ_BUFFER)? {
                        sources.push(Box::new(reader));
                    }
                }
                for r in Merge::new(sources, &mut *sort_key) {
                    w.write(self, p, &r)?;
                }
                if self.cx.failed() {
                    // The reader recorded the cause on the task.
                    return Err(Error::Internal(format!(
                        "merging spill runs of `{}` failed",
                        self.node
                    )));
                }
            }
            let merged = w.finish(self)?;
            // `group` drops here: the merged runs' files are deleted.
            self.runs.push((merged, level + 1));
        }
    }

    /// The runs written (the map task's output).
    pub fn into_runs(self) -> Vec<Run> {
        self.runs.into_iter().map(|(r, _)| r).collect()
    }
}

/// Runs merged at once when compacting.
pub const FAN_IN: usize = 16;

/// Writes one run: records in partition order, each a 4-byte length and its encoding.
struct RunWriter {
    w: BufWriter<File>,
    path: tempfile::TempPath,
    offsets: Vec<u64>,
    /// Records per partition.
    counts: Vec<u64>,
    pos: u64,
    next_part: usize,
    buf: Vec<u8>,
}

impl RunWriter {
    fn new<R>(sink: &RunSink<R>) -> Result<Self> {
        let dir = sink.cx.context().spill().dir()?;
        let (file, path) = tempfile::Builder::new()
            .prefix("run-")
            .tempfile_in(dir)
            .map_err(|e| Error::io("create spill file in", dir, e))?
            .into_parts();
        Ok(RunWriter {
            w: BufWriter::with_capacity(WRITE_BUFFER, file),
            path,
            offsets: vec![0; sink.partitions + 1],
            counts: vec![0; sink.partitions],
            pos: 0,
            next_part: 0,
            buf: Vec::new(),
        })
    }

    /// Appends `r` to partition `p` (partitions come in order).
    fn write<R>(&mut self, sink: &RunSink<R>, p: usize, r: &R) -> Result<()> {
        while self.next_part <= p {
            self.offsets[self.next_part] = self.pos;
            self.next_part += 1;
        }
        self.buf.clear();
        sink.codec
            .encode(r, &mut self.buf)
            .map_err(|e| Error::Internal(format!("spill of `{}`: {e}", sink.node)))?;
        let n = self.buf.len() as u64;
        if n > sink.budget.limit {
            return Err(sink.too_large(n));
        }
        let io = |e| Error::io("write spill file", self.path.to_path_buf(), e);
        self.w.write_all(&(n as u32).to_le_bytes()).map_err(io)?;
        self.w.write_all(&self.buf).map_err(io)?;
        self.pos += 4 + n;
        self.counts[p] += 1;
        Ok(())
    }

    fn finish<R>(mut self, sink: &RunSink<R>) -> Result<Run> {
        let pos = self.pos;
        self.offsets[self.next_part..]
            .iter_mut()
            .for_each(|o| *o = pos);
        self.w
            .flush()
            .map_err(|e| Error::io("write spill file", self.path.to_path_buf(), e))?;
        sink.cx.context().spill().add_spilled(pos);
        sink.cx.add_spilled_bytes(pos);
        tracing::debug!(node = sink.node, bytes = pos, "spilled a run");
        Ok(Run {
            path: self.path,
            offsets: self.offsets,
            counts: self.counts,
        })
    }
}

/// A running average of sampled serialized sizes: every record is measured until 64 were,
/// then one in 64 (measuring means cloning a hash-map entry, so not every one).
#[derive(Default)]
struct SizeTracker {
    seen: u64,
    sampled: u64,
    total: u64,
}

impl SizeTracker {
    fn observe(&mut self, measure: impl FnOnce() -> Option<usize>) -> usize {
        self.seen += 1;
        if (self.sampled < 64 || self.seen.is_multiple_of(64))
            && let Some(n) = measure()
        {
            self.sampled += 1;
            self.total += n as u64;
        }
        self.total.checked_div(self.sampled).unwrap_or(0) as usize
    }
}

/// One sorted run: a temporary file (deleted on drop) and where each partition starts.
pub struct Run {
    path: tempfile::TempPath,
    /// `offsets[p]..offsets[p + 1]` is partition `p`.
    offsets: Vec<u64>,
    /// Records per partition.
    counts: Vec<u64>,
}

impl Run {
    /// Records of partition `part` and their bytes in the file, for task metrics.
    pub(crate) fn size(&self, part: usize) -> (u64, u64) {
        (
            self.counts[part],
            self.offsets[part + 1] - self.offsets[part],
        )
    }

    /// Records and bytes of the whole run.
    pub(crate) fn total(&self) -> (u64, u64) {
        (
            self.counts.iter().sum(),
            self.offsets.last().copied().unwrap_or(0),
        )
    }

    /// Whether partition `part` has records in this run.
    pub(crate) fn has(&self, part: usize) -> bool {
        self.offsets[part] < self.offsets[part + 1]
    }

    /// A reader of partition `part`'s records with a `buffer`-byte read buffer, or `None` when
    /// it has none.
    pub(crate) fn open<R>(
        &self,
        part: usize,
        codec: &Codec<R>,
        cx: &TaskContext,
        buffer: usize,
    ) -> Result<Option<RunReader<R>>> {
        let (start, end) = (self.offsets[part], self.offsets[part + 1]);
        if start == end {
            return Ok(None);
        }
        let path = self.path.to_path_buf();
        let mut f = File::open(&path).map_err(|e| Error::io("open spill file", &path, e))?;
        f.seek(SeekFrom::Start(start))
            .map_err(|e| Error::io("seek in spill file", &path, e))?;
        Ok(Some(RunReader {
            reader: BufReader::with_capacity(buffer, f),
            remaining: end - start,
            buf: Vec::new(),
            codec: codec.clone(),
            cx: cx.clone(),
            path,
        }))
    }
}

/// Reads one partition's segment of a run. A read error fails the task and ends the iterator.
pub struct RunReader<R> {
    reader: BufReader<File>,
    remaining: u64,
    buf: Vec<u8>,
    codec: Codec<R>,
    cx: TaskContext,
    path: PathBuf,
}

impl<R> RunReader<R> {
    fn read_one(&mut self) -> Result<R> {
        let mut len = [0u8; 4];
        let io = |e| Error::io("read spill file", self.path.clone(), e);
        self.reader.read_exact(&mut len).map_err(io)?;
        let len = u32::from_le_bytes(len) as usize;
        self.buf.resize(len, 0);
        self.reader.read_exact(&mut self.buf).map_err(io)?;
        self.remaining = self.remaining.saturating_sub(4 + len as u64);
        self.codec
            .decode(&self.buf)
            .map_err(|e| Error::Internal(format!("spill file {}: {e}", self.path.display())))
    }
}

impl<R> Iterator for RunReader<R> {
    type Item = R;

    fn next(&mut self) -> Option<R> {
        if self.remaining == 0 {
            return None;
        }
        match self.read_one() {
            Ok(r) => Some(r),
            Err(e) => {
                self.remaining = 0;
                self.cx.fail(e);
                None
            }
        }
    }
}

/// A k-way merge of sources each sorted by `key`: yields their records in `key` order, ties
/// in source order (so the merge is stable).
pub struct Merge<R, S, F> {
    sources: Vec<Box<dyn Iterator<Item = R>>>,
    heads: Vec<Option<R>>,
    heap: BinaryHeap<Reverse<(S, usize)>>,
    key: F,
}

impl<R, S: Ord, F: FnMut(&R) -> S> Merge<R, S, F> {
    /// Merges `sources` by `key`.
    pub fn new(mut sources: Vec<Box<dyn Iterator<Item = R>>>, mut key: F) -> Self {
        let mut heap = BinaryHeap::with_capacity(sources.len());
        let heads = sources
            .iter_mut()
            .enumerate()
            .map(|(i, s)| {
                let r = s.next();
                if let Some(r) = &r {
                    heap.push(Reverse((key(r), i)));
                }
                r
            })
            .collect();
        Merge {
            sources,
            heads,
            heap,
            key,
        }
    }
}

impl<R, S: Ord, F: FnMut(&R) -> S> Iterator for Merge<R, S, F> {
    type Item = R;

    fn next(&mut self) -> Option<R> {
        let Reverse((_, i)) = self.heap.pop()?;
        let r = self.heads[i].take();
        if let Some(n) = self.sources[i].next() {
            self.heap.push(Reverse(((self.key)(&n), i)));
            self.heads[i] = Some(n);
        }
        r
    }
}

/// Groups a stream of `(k, x)` sorted by the partitioner's `key_hash` into one `(k, acc)` per
/// key, `acc` started by `init` and extended by `add` in stream order. Holds one hash's keys at
/// a time.
pub struct HashGroups<I: Iterator, K, A, Fi, Fa> {
    inner: std::iter::Peekable<I>,
    ready: std::vec::IntoIter<(K, A)>,
    init: Fi,
    add: Fa,
}

impl<I, K, X, A, Fi, Fa> HashGroups<I, K, A, Fi, Fa>
where
    I: Iterator<Item = (K, X)>,
    K: std::hash::Hash + Eq,
    Fi: FnMut(X) -> A,
    Fa: FnMut(A, X) -> A,
{
    /// Groups `inner`.
    pub fn new(inner: I, init: Fi, add: Fa) -> Self {
        HashGroups {
            inner: inner.peekable(),
            ready: Vec::new().into_iter(),
            init,
            add,
        }
    }
}

impl<I, K, X, A, Fi, Fa> Iterator for HashGroups<I, K, A, Fi, Fa>
where
    I: Iterator<Item = (K, X)>,
    K: std::hash::Hash + Eq,
    Fi: FnMut(X) -> A,
    Fa: FnMut(A, X) -> A,
{
    type Item = (K, A);

    fn next(&mut self) -> Option<(K, A)> {
        if let Some(g) = self.ready.next() {
            return Some(g);
        }
        let (k, x) = self.inner.next()?;
        let h = key_hash(&k);
        // Usually one key per hash; collisions are told apart by `Eq`.
        let mut groups: Vec<(K, Option<A>)> = vec![(k, Some((self.init)(x)))];
        while let Some((k, _)) = self.inner.peek() {
            if key_hash(k) != h {
                break;
            }
            let (k, x) = self.inner.next().expect("peeked");
            match groups.iter_mut().find(|(g, _)| *g == k) {
                Some((_, acc)) => {
                    let a = acc.take().expect("accumulator present");
                    *acc = Some((self.add)(a, x));
                }
                None => groups.push((k, Some((self.init)(x)))),
            }
        }
        self.ready = groups
            .into_iter()
            .map(|(k, a)| (k, a.expect("accumulator present")))
            .collect::<Vec<_>>()
            .into_iter();
        self.ready.next()
    }
}
