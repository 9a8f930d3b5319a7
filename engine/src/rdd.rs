//! `Dataset`: what every RDD handle offers — the typed `Node<N>` fields of generated pipelines
//! and the type-erased `Rdd<T>` alike. Actions live in `actions.rs`.

use std::collections::HashMap;
use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use crate::actions;
use crate::checkpoint::CheckpointStatus;
use crate::codec::Postcard;
use crate::data::{Checkpointable, Data, DiskStorable, Key, Pair, PairMap};
use crate::error::Result;
use crate::iter::{BoxedIter, Counting};
use crate::more_actions::{self, local_iter::LocalIterator};
use crate::node::{CheckpointPass, Node, NodeCore, NodeDyn, ParentSet, RddNode, iter_node};
use crate::partitioner::Partitioner;
use crate::save::{self, SaveOptions};
use crate::stats::{Buckets, Numeric, StatCounter};
use crate::storage::{StorageLevel, StorageState};
use crate::task::TaskContext;

mod split;

/// An RDD handle: actions (each runs one job), checkpoint and cache control, lineage.
///
/// ```
/// use rddflow_engine::prelude::*;
/// use rddflow_engine::sources::range::range;
///
/// let ctx = Context::builder().threads(2).build()?;
/// let nums = range(&ctx, "Doc.nums", 0..10, 3)?;
/// assert_eq!(nums.count()?, 10);
/// assert_eq!(nums.collect()?, (0..10).collect::<Vec<u64>>());
/// assert_eq!(nums.reduce(|a, b| a + b)?, Some(45));
/// assert_eq!(nums.take(4)?, vec![0, 1, 2, 3]);
/// # Ok::<(), rddflow_engine::Error>(())
/// ```
pub trait Dataset: Clone + Send + Sync + 'static {
    /// Element type.
    type Item: Data;

    /// The node as a scheduler object.
    // For the engine and generated code (their types are under `__private`), like the
    // methods below marked hidden.
    #[doc(hidden)]
    fn erased(&self) -> Arc<dyn NodeDyn>;

    /// Shared node state.
    #[doc(hidden)]
    fn core(&self) -> &NodeCore<Self::Item>;

    /// Partition `part`, read from a checkpoint or cache when there is one, else computed;
    /// its elements are counted as the task's output when this RDD is the task's root.
    #[doc(hidden)]
    fn iter_partition(
        &self,
        cx: &TaskContext,
        part: usize,
    ) -> impl Iterator<Item = Self::Item> + use<Self> {
        Counting::output(self.iter_parent(cx, part), cx, self.id())
    }

    /// Partition `part` as a child node reads it inside a fused chain: as
    /// [`iter_partition`](Dataset::iter_partition) without counting, which only a task's
    /// consumer of its root does.
    #[doc(hidden)]
    fn iter_parent(
        &self,
        cx: &TaskContext,
        part: usize,
    ) -> impl Iterator<Item = Self::Item> + use<Self>;

    /// Spark's `doCheckpoint` recursion from this RDD (see [`RddNode::do_checkpoint`]).
    #[doc(hidden)]
    fn do_checkpoint(&self, pass: &mut CheckpointPass);

    /// The type-erased handle.
    fn rdd(&self) -> Rdd<Self::Item>;

    /// Unique id within the context.
    fn id(&self) -> usize {
        self.core().info().id
    }

    /// Number of partitions.
    fn num_partitions(&self) -> usize {
        self.core().info().partitions
    }

    /// The partitioner, when the elements are partitioned by key.
    fn partitioner(&self) -> Option<Partitioner> {
        self.core().info().partitioner.clone()
    }

    /// Marks this RDD for a reliable checkpoint, written by the next job that computes it.
    /// Fails with `CheckpointDirNotSet` when the context has no checkpoint directory.
    fn checkpoint(&self) -> Result<()>
    where
        Self::Item: Checkpointable,
    {
        self.core()
            .mark_reliable(Arc::new(Postcard::<Self::Item>::new()))
    }

    /// Marks this RDD for a local checkpoint: kept in memory, lineage truncated, not durable.
    fn local_checkpoint(&self) -> Result<()> {
        self.core().mark_local();
        Ok(())
    }

    /// Whether the checkpoint was materialized (lineage truncated).
    fn is_checkpointed(&self) -> bool {
        matches!(
            self.core().checkpoint_status(),
            CheckpointStatus::Checkpointed { .. }
        )
    }

    /// The checkpoint state.
    fn checkpoint_status(&self) -> CheckpointStatus {
        self.core().checkpoint_status()
    }

    /// Whether the checkpoint was committed by an earlier process and resumed
    /// (`Context::builder().resume(true)`): the RDD's lineage never ran in this process.
    fn checkpoint_resumed(&self) -> bool {
        self.core().checkpoint_resumed()
    }

    /// The node's fingerprint, which keys resumable checkpoints; `None` for hand-built nodes
    /// and when the context does not resume (`resume(false)`, the default).
    fn fingerprint(&self) -> Option<crate::checkpoint::fingerprint::Fingerprint> {
        self.core().fingerprint()
    }

    /// The directory of a materialized reliable checkpoint (one `part-NNNNN` per partition).
    fn checkpoint_file(&self) -> Option<PathBuf> {
        // Only a checkpoint with files has a directory, whatever its policy.
        match self.core().checkpoint_status() {
            CheckpointStatus::Checkpointed { dir, .. } => dir,
            _ => None,
        }
    }

    /// Keeps computed partitions in memory for later jobs: `persist(StorageLevel::Memory)`
    /// for any element type. Blocks evicted under the context's `memory_limit` are recomputed.
    fn cache(&self) -> &Self {
        // Memory-only storage never fails: it needs no codec.
        let _ = self.core().persist(StorageLevel::Memory, None);
        self
    }

    /// Keeps computed partitions at `level` for later jobs. Disk blocks are encoded with the
    /// checkpoint codec, hence the bound; they are deleted by `unpersist` or when the RDD is
    /// dropped.
    ///
    /// ```
    /// use rddflow_engine::prelude::*;
    /// use rddflow_engine::StorageLevel;
    /// use rddflow_engine::sources::range::range;
    ///
    /// let ctx = Context::builder().threads(2).build()?;
    /// let nums = range(&ctx, "Doc.nums", 0..100, 4)?;
    /// nums.persist(StorageLevel::Disk)?;
    /// assert_eq!(nums.count()?, 100); // computes and writes the blocks
    /// assert_eq!(nums.storage_state().unwrap().on_disk, 4);
    /// assert_eq!(nums.count()?, 100); // reads them back
    /// nums.unpersist();
    /// assert!(nums.storage_state().is_none());
    /// # Ok::<(), rddflow_engine::Error>(())
    /// ```
    fn persist(&self, level: StorageLevel) -> Result<&Self>
    where
        Self::Item: DiskStorable,
    {
        self.core()
            .persist(level, Some(Arc::new(Postcard::<Self::Item>::new())))?;
        Ok(self)
    }

    /// Drops stored partitions (memory and disk blocks) and stops persisting.
    fn unpersist(&self) -> &Self {
        self.core().unpersist();
        self
    }

    /// Where the persisted partitions are, when `cache()` or `persist()` is on.
    fn storage_state(&self) -> Option<StorageState> {
        self.core().storage_state()
    }

    /// The lineage, like Spark's `toDebugString`: one line per RDD, this one first, each
    /// followed by what it reads.
    ///
    /// ```text
    /// (2) P.counts[4] reduce_by_key partitioned hash(2)
    ///  +-(3) P.pairs[3] map [cached] memory 3/3
    ///     |  P.nums[2] filter
    ///     |  P.lines[1] text_file
    /// ```
    ///
    /// - A line is `Pipeline.node[id] operator`, then `partitioned <partitioner>` when the
    ///   elements are partitioned by key, then its state in brackets.
    /// - `(n)` is the partition count, given on the first line of each stage: at the top, and
    ///   after each `+-`, which marks a shuffle boundary (the RDD below it is shuffled into the
    ///   one above; a new stage starts). ` |  ` continues the same stage through a narrow
    ///   dependency, indented by three spaces per shuffle boundary crossed.
    /// - States: `[marked for reliable checkpoint]` / `[marked for local checkpoint]` (a
    ///   checkpoint the next job writes), `[checkpointed]` (materialized; the next line,
    ///   ` |  checkpoint (reliable) at DIR` or `(local)`, is then all the RDD depends on: the
    ///   lineage is truncated), and `[cached] LEVEL STORED/TOTAL` for a cached or persisted RDD,
    ///   with `(N on disk)` when some partitions are on disk.
    ///
    /// ```
    /// use rddflow_engine::prelude::*;
    /// use rddflow_engine::sources::range::range;
    ///
    /// let ctx = Context::builder().threads(2).build()?;
    /// let nums = range(&ctx, "Doc.nums", 0..10, 3)?;
    /// nums.cache();
    /// nums.count()?;
    /// assert_eq!(nums.lineage(), "(3) Doc.nums[1] range [cached] memory 3/3\n");
    /// # Ok::<(), rddflow_engine::Error>(())
    /// ```
    fn lineage(&self) -> String {
        crate::lineage::render(&self.erased())
    }

    /// All elements, in partition order.
    fn collect(&self) -> Result<Vec<Self::Item>> {
        actions::collect(self)
    }

    /// Number of elements.
    fn count(&self) -> Result<u64> {
        actions::count(self)
    }

    /// Combines all elements with `f` (associative and commutative); `None` when empty.
    fn reduce<F>(&self, f: F) -> Result<Option<Self::Item>>
    where
        F: Fn(Self::Item, Self::Item) -> Self::Item + Send + Sync,
    {
        actions::reduce(self, f)
    }

    /// Folds each partition from `zero`, then the partition results from `zero`.
    fn fold<F>(&self, zero: Self::Item, f: F) -> Result<Self::Item>
    where
        F: Fn(Self::Item, Self::Item) -> Self::Item + Send + Sync,
    {
        actions::aggregate(self, zero, &f, &f)
    }

    /// Aggregates each partition with `seq` from `zero`, then merges with `comb`.
    fn aggregate<U, S, C>(&self, zero: U, seq: S, comb: C) -> Result<U>
    where
        U: Clone + Send + Sync,
        S: Fn(U, Self::Item) -> U + Send + Sync,
        C: Fn(U, U) -> U + Send + Sync,
    {
        actions::aggregate(self, zero, &seq, &comb)
    }

    /// The first `n` elements, scanning as few partitions as possible.
    fn take(&self, n: usize) -> Result<Vec<Self::Item>> {
        actions::take(self, n)
    }

    /// The first element.
    fn first(&self) -> Result<Option<Self::Item>> {
        Ok(actions::take(self, 1)?.into_iter().next())
    }

    /// Runs `f` on every element, in parallel.
    fn for_each<F>(&self, f: F) -> Result<()>
    where
        F: Fn(Self::Item) + Send + Sync,
    {
        actions::for_each(self, f)
    }

    /// Number of elements per key.
    fn count_by_key(&self) -> Result<HashMap<<Self::Item as Pair>::Key, u64>>
    where
        Self::Item: Pair,
        <Self::Item as Pair>::Key: Key,
    {
        actions::count_by_key(self)
    }

    /// Number of occurrences of each element.
    fn count_by_value(&self) -> Result<HashMap<Self::Item, u64>>
    where
        Self::Item: Key,
    {
        actions::count_by_value(self)
    }

    /// The pairs as a map (a later value for a key replaces an earlier one).
    fn collect_map(&self) -> Result<PairMap<Self::Item>>
    where
        Self::Item: Pair,
        <Self::Item as Pair>::Key: Key,
    {
        actions::collect_map(self)
    }

    /// Writes one `part-NNNNN` text file per partition into `dir`, one `Display` line per
    /// element, then an empty `_SUCCESS` file. Parts are staged under `dir/_temporary` and
    /// moved into place only when every task has succeeded (Hadoop's output committer): a
    /// failed job (a `Display` that panics on every attempt, an I/O error) leaves no part and
    /// no `_SUCCESS`. `dir` may be missing or empty; a non-empty `dir` is
    /// [`Error::OutputExists`](crate::Error::OutputExists).
    fn save_as_text_file(&self, dir: impl AsRef<Path>) -> Result<()>
    where
        Self::Item: Display,
    {
        save::save(self, dir.as_ref(), save::Text, &save::SaveOptions::new())
    }

    /// Writes one `part-NNNNN.jsonl` file per partition into `dir`, one JSON value per line
    /// (`serde_json`), committed as [`save_as_text_file`](Dataset::save_as_text_file).
    fn save_as_json_lines(&self, dir: impl AsRef<Path>) -> Result<()>
    where
        Self::Item: Serialize,
    {
        save::save(
            self,
            dir.as_ref(),
            save::JsonLines,
            &save::SaveOptions::new(),
        )
    }

    /// Writes one `part-NNNNN.csv` file per partition into `dir`: a header row of the element
    /// struct's field names, then one row per element (the `csv` crate quotes fields holding
    /// commas, quotes or newlines). Committed as
    /// [`save_as_text_file`](Dataset::save_as_text_file). The element type must serialize as
    /// a struct of scalar fields (the `csv` crate's rule); an empty partition is an empty file.
    fn save_as_csv(&self, dir: impl AsRef<Path>) -> Result<()>
    where
        Self::Item: Serialize,
    {
        save::save(self, dir.as_ref(), save::Csv, &save::SaveOptions::new())
    }

    /// [`save_as_text_file`](Dataset::save_as_text_file) with [`SaveOptions`]: with
    /// `Compression::Gzip` the parts are `part-NNNNN.gz`, which `text_file` reads back
    /// decompressed.
    ///
    /// ```
    /// use rddflow_engine::prelude::*;
    /// use rddflow_engine::sources::{parallelize::parallelize, text_file::text_file};
    /// use rddflow_engine::{Compression, SaveOptions};
    ///
    /// let ctx = Context::builder().threads(2).build()?;
    /// let out = tempfile::tempdir().unwrap().path().join("out");
    /// let nums = parallelize(&ctx, "Doc.nums", vec![1, 2, 3], 2)?;
    /// nums.save_as_text_file_with(&out, &SaveOptions::new().compression(Compression::Gzip))?;
    /// assert!(out.join("part-00000.gz").exists());
    /// let back = text_file(&ctx, "Doc.back", &out, None)?.collect()?;
    /// assert_eq!(back, vec!["1", "2", "3"]);
    /// # Ok::<(), rddflow_engine::Error>(())
    /// ```
    fn save_as_text_file_with(&self, dir: impl AsRef<Path>, options: &SaveOptions) -> Result<()>
    where
        Self::Item: Display,
    {
        save::save(self, dir.as_ref(), save::Text, options)
    }

    /// [`save_as_json_lines`](Dataset::save_as_json_lines) with [`SaveOptions`] (parts
    /// `part-NNNNN.jsonl.gz` or `.jsonl.zst` when compressed, read back by `json_lines`).
    fn save_as_json_lines_with(&self, dir: impl AsRef<Path>, options: &SaveOptions) -> Result<()>
    where
        Self::Item: Serialize,
    {
        save::save(self, dir.as_ref(), save::JsonLines, options)
    }

    /// [`save_as_csv`](Dataset::save_as_csv) with [`SaveOptions`] (parts `part-NNNNN.csv.gz`
    /// or `.csv.zst` when compressed, read back by `csv_file`).
    fn save_as_csv_with(&self, dir: impl AsRef<Path>, options: &SaveOptions) -> Result<()>
    where
        Self::Item: Serialize,
    {
        save::save(self, dir.as_ref(), save::Csv, options)
    }

    /// Writes one `part-NNNNN.parquet` file per partition into `dir` (feature `parquet`),
    /// committed as [`save_as_text_file`](Dataset::save_as_text_file). The Arrow schema is
    /// traced from the element type by `serde_arrow` before the job starts: one column per
    /// field, `Option` fields nullable, nested structs as Parquet groups; pages are Snappy
    /// compressed (Spark's default). A type with no table schema (not a struct) is
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument). `parquet_file` reads the
    /// output back, as do Spark, DuckDB, Polars and DataFusion.
    #[cfg(feature = "parquet")]
    fn save_as_parquet(&self, dir: impl AsRef<Path>) -> Result<()>
    where
        Self::Item: Serialize + serde::de::DeserializeOwned,
    {
        let format = save::parquet::Parquet::<Self::Item>::new()?;
        save::save(self, dir.as_ref(), format, &save::SaveOptions::new())
    }

    // More actions (SPEC section 4); implementations in `more_actions/`.

    /// The `n` largest elements, in descending order (Spark's `top`). Each partition keeps at
    /// most `n` elements in a bounded heap: the job holds O(partitions x n), never the RDD.
    ///
    /// ```
    /// use rddflow_engine::prelude::*;
    /// use rddflow_engine::sources::parallelize::parallelize;
    ///
    /// let ctx = Context::builder().threads(2).build()?;
    /// let nums = parallelize(&ctx, "Doc.nums", vec![5, 1, 9, 3, 7, 9], 3)?;
    /// assert_eq!(nums.top(3)?, vec![9, 9, 7]);
    /// assert_eq!(nums.take_ordered(2)?, vec![1, 3]);
    /// assert_eq!((nums.max()?, nums.min()?), (Some(9), Some(1)));
    /// # Ok::<(), rddflow_engine::Error>(())
    /// ```
    fn top(&self, n: usize) -> Result<Vec<Self::Item>>
    where
        Self::Item: Ord,
    {
        more_actions::ordered::top(self, n)
    }

    /// The `n` smallest elements, in ascending order (Spark's `takeOrdered`), with bounded
    /// heaps per partition like [`top`](Dataset::top).
    fn take_ordered(&self, n: usize) -> Result<Vec<Self::Item>>
    where
        Self::Item: Ord,
    {
        more_actions::ordered::take_ordered(self, n)
    }

    /// The largest element; `None` when empty.
    fn max(&self) -> Result<Option<Self::Item>>
    where
        Self::Item: Ord,
    {
        more_actions::ordered::max(self)
    }

    /// The smallest element; `None` when empty.
    fn min(&self) -> Result<Option<Self::Item>>
    where
        Self::Item: Ord,
    {
        more_actions::ordered::min(self)
    }

    /// The sum of the elements (`Sum` per partition, then of the partial sums); the type's
    /// zero when empty.
    ///
    /// ```
    /// use rddflow_engine::prelude::*;
    /// use rddflow_engine::sources::range::range;
    ///
    /// let ctx = Context::builder().threads(2).build()?;
    /// let nums = range(&ctx, "Doc.nums", 1..101, 4)?;
    /// assert_eq!(nums.sum()?, 5050);
    /// assert_eq!(nums.mean()?, 50.5);
    /// # Ok::<(), rddflow_engine::Error>(())
    /// ```
    fn sum(&self) -> Result<Self::Item>
    where
        Self::Item: std::iter::Sum,
    {
        more_actions::numeric::sum(self)
    }

    /// The mean of the elements as `f64`; NaN when empty (as Spark's `StatCounter`).
    fn mean(&self) -> Result<f64>
    where
        Self::Item: Numeric,
    {
        Ok(self.stats()?.mean())
    }

    /// Count, sum, mean, population and sample variance and deviation, minimum and maximum,
    /// in one job: a [`StatCounter`] per partition, merged as Spark's (numerically stable).
    ///
    /// ```
    /// use rddflow_engine::prelude::*;
    /// use rddflow_engine::sources::parallelize::parallelize;
    ///
    /// let ctx = Context::builder().threads(2).build()?;
    /// let xs = parallelize(&ctx, "Doc.xs", vec![2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0], 3)?;
    /// let s = xs.stats()?;
    /// assert_eq!((s.count(), s.mean(), s.variance(), s.stdev()), (8, 5.0, 4.0, 2.0));
    /// assert_eq!((s.min(), s.max()), (2.0, 9.0));
    /// # Ok::<(), rddflow_engine::Error>(())
    /// ```
    fn stats(&self) -> Result<StatCounter>
    where
        Self::Item: Numeric,
    {
        more_actions::numeric::stats(self)
    }

    /// Counts of the elements per bucket, with the bucket bounds, as Spark's `histogram`:
    /// `buckets` is a count of even buckets from the minimum to the maximum (an empty RDD, or
    /// one holding an infinity or NaN, is then `InvalidArgument`) or the increasing bounds
    /// themselves. Buckets are `[b(i), b(i+1))`, the last one closed; elements outside the
    /// bounds (and NaN) are not counted.
    ///
    /// ```
    /// use rddflow_engine::prelude::*;
    /// use rddflow_engine::sources::range::range;
    ///
    /// let ctx = Context::builder().threads(2).build()?;
    /// let nums = range(&ctx, "Doc.nums", 0..51, 3)?;
    /// let (bounds, counts) = nums.histogram(2)?;
    /// assert_eq!((bounds, counts), (vec![0.0, 25.0, 50.0], vec![25, 26]));
    /// let (_, counts) = nums.histogram(vec![0.0, 10.0, 100.0])?;
    /// assert_eq!(counts, vec![10, 41]);
    /// # Ok::<(), rddflow_engine::Error>(())
    /// ```
    fn histogram(&self, buckets: impl Into<Buckets>) -> Result<(Vec<f64>, Vec<u64>)>
    where
        Self::Item: Numeric,
    {
        more_actions::numeric::histogram(self, buckets.into())
    }

    /// Whether there is no element; runs partitions only until one has an element.
    fn is_empty(&self) -> Result<bool> {
        more_actions::scan::is_empty(self)
    }

    /// The values of `key`, in partition order. When the partitioner is known (after
    /// `reduce_by_key`, `partition_by`, ...) only the key's partition is computed.
    ///
    /// ```
    /// use rddflow_engine::prelude::*;
    /// use rddflow_engine::sources::parallelize::parallelize;
    ///
    /// let ctx = Context::builder().threads(2).build()?;
    /// let pairs = parallelize(&ctx, "Doc.pairs", vec![("a", 1), ("b", 2), ("a", 3)], 2)?;
    /// assert_eq!(pairs.lookup(&"a")?, vec![1, 3]);
    /// assert!(pairs.lookup(&"z")?.is_empty());
    /// # Ok::<(), rddflow_engine::Error>(())
    /// ```
    fn lookup(&self, key: &<Self::Item as Pair>::Key) -> Result<Vec<<Self::Item as Pair>::Value>>
    where
        Self::Item: Pair,
        <Self::Item as Pair>::Key: Key,
    {
        more_actions::scan::lookup(self, key)
    }

    /// Runs `f` once per partition on an iterator of its elements, in parallel (Spark's
    /// `foreachPartition`): for setup shared by a partition, such as one connection.
    fn for_each_partition<F>(&self, f: F) -> Result<()>
    where
        F: Fn(&mut dyn Iterator<Item = Self::Item>) + Send + Sync,
    {
        more_actions::scan::for_each_partition(self, f)
    }

    /// [`reduce`](Dataset::reduce) whose partition results are combined in rounds of groups
    /// (Spark's `treeReduce`; `depth` >= 1 levels, each round's groups in parallel).
    fn tree_reduce<F>(&self, f: F, depth: usize) -> Result<Option<Self::Item>>
    where
        F: Fn(Self::Item, Self::Item) -> Self::Item + Send + Sync,
    {
        more_actions::tree::tree_reduce(self, &f, depth)
    }

    /// [`aggregate`](Dataset::aggregate) whose partition results are combined in rounds of
    /// groups (Spark's `treeAggregate`; `depth` >= 1, else `InvalidArgument`).
    ///
    /// ```
    /// use rddflow_engine::prelude::*;
    /// use rddflow_engine::sources::range::range;
    ///
    /// let ctx = Context::builder().threads(2).build()?;
    /// let nums = range(&ctx, "Doc.nums", 0..1000, 16)?;
    /// let (sum, n) = nums.tree_aggregate((0, 0), |(s, n), x| (s + x, n + 1), |a, b| (a.0 + b.0, a.1 + b.1), 2)?;
    /// assert_eq!((sum, n), (499_500, 1000));
    /// assert_eq!(nums.tree_reduce(|a, b| a.max(b), 3)?, Some(999));
    /// # Ok::<(), rddflow_engine::Error>(())
    /// ```
    fn tree_aggregate<U, S, C>(&self, zero: U, seq: S, comb: C, depth: usize) -> Result<U>
    where
        U: Clone + Send + Sync,
        S: Fn(U, Self::Item) -> U + Send + Sync,
        C: Fn(U, U) -> U + Send + Sync,
    {
        more_actions::tree::tree_aggregate(self, zero, &seq, &comb, depth)
    }

    /// `n` elements drawn uniformly at random, in random order (Spark's `takeSample`): without
    /// replacement, all elements when there are fewer than `n`; with replacement, `n` draws
    /// (none from an empty RDD). The same `seed` and partitioning give the same sample.
    ///
    /// ```
    /// use rddflow_engine::prelude::*;
    /// use rddflow_engine::sources::range::range;
    ///
    /// let ctx = Context::builder().threads(2).build()?;
    /// let nums = range(&ctx, "Doc.nums", 0..100, 4)?;
    /// let mut s = nums.take_sample(false, 10, 7)?;
    /// assert_eq!(s, nums.take_sample(false, 10, 7)?);
    /// s.sort();
    /// s.dedup();
    /// assert_eq!(s.len(), 10);
    /// assert_eq!(nums.take_sample(true, 500, 7)?.len(), 500);
    /// # Ok::<(), rddflow_engine::Error>(())
    /// ```
    fn take_sample(&self, with_replacement: bool, n: usize, seed: u64) -> Result<Vec<Self::Item>> {
        more_actions::sample::take_sample(self, with_replacement, n, seed)
    }

    /// The approximate number of distinct elements, by HyperLogLog++ (one sketch per
    /// partition, merged), with relative standard deviation about `relative_sd` (Spark's
    /// default is 0.05; at least 0.00412, the finest precision of the sketch).
    ///
    /// ```
    /// use rddflow_engine::prelude::*;
    /// use rddflow_engine::sources::range::range;
    ///
    /// let ctx = Context::builder().threads(2).build()?;
    /// let nums = range(&ctx, "Doc.nums", 0..10_000, 4)?;
    /// let n = nums.count_approx_distinct(0.05)?;
    /// assert!((9_000..11_000).contains(&n));
    /// # Ok::<(), rddflow_engine::Error>(())
    /// ```
    fn count_approx_distinct(&self, relative_sd: f64) -> Result<u64>
    where
        Self::Item: Key,
    {
        more_actions::approx::count_approx_distinct(self, relative_sd)
    }

    /// Splits the RDD at random into one RDD per weight (Spark's `randomSplit`): the weights
    /// are normalized, each element lands in exactly one split, split `j` holding about
    /// `weights[j] / sum` of the elements, and the same seed gives the same splits. Each split
    /// reads this RDD again when computed: cache it first to compute it once. Builds the
    /// splits and runs nothing; with an empty, negative or all-zero weight list it returns
    /// one split whose actions fail with `Error::InvalidArgument` naming the node.
    ///
    /// ```
    /// use rddflow_engine::prelude::*;
    /// use rddflow_engine::sources::range::range;
    ///
    /// let ctx = Context::builder().threads(2).build()?;
    /// let nums = range(&ctx, "Doc.nums", 0..1000, 4)?;
    /// let splits = nums.random_split(&[0.8, 0.2], 7);
    /// let (train, test) = (splits[0].collect()?, splits[1].collect()?);
    /// assert_eq!(train.len() + test.len(), 1000);
    /// assert!(train.iter().all(|x| !test.contains(x)));
    /// # Ok::<(), rddflow_engine::Error>(())
    /// ```
    fn random_split(&self, weights: &[f64], seed: u64) -> Vec<Rdd<Self::Item>> {
        split::random_split(&self.rdd(), weights, seed)
    }

    /// The elements in partition order, computing one partition at a time (one job each) as
    /// the iterator reaches it: the caller holds at most one partition. A failed job yields
    /// one `Err`, then the iterator ends.
    ///
    /// ```
    /// use rddflow_engine::prelude::*;
    /// use rddflow_engine::sources::range::range;
    ///
    /// let ctx = Context::builder().threads(2).build()?;
    /// let nums = range(&ctx, "Doc.nums", 0..10, 3)?;
    /// let all: Vec<u64> = nums.to_local_iterator().collect::<Result<_>>()?;
    /// assert_eq!(all, (0..10).collect::<Vec<u64>>());
    /// # Ok::<(), rddflow_engine::Error>(())
    /// ```
    fn to_local_iterator(&self) -> LocalIterator<Self::Item> {
        LocalIterator::new(self.rdd())
    }
}

// Parent tuples of handles: here rather than in `node.rs`, which sits below `Dataset`.
impl<A: Dataset> ParentSet for (A,) {
    fn erased(&self) -> Vec<Arc<dyn NodeDyn>> {
        vec![self.0.erased()]
    }
}

impl<A: Dataset, B: Dataset> ParentSet for (A, B) {
    fn erased(&self) -> Vec<Arc<dyn NodeDyn>> {
        vec![self.0.erased(), self.1.erased()]
    }
}

impl<A: Dataset, B: Dataset, C: Dataset> ParentSet for (A, B, C) {
    fn erased(&self) -> Vec<Arc<dyn NodeDyn>> {
        vec![self.0.erased(), self.1.erased(), self.2.erased()]
    }
}

// What actions need of a handle: every `Dataset` has it.
impl<D: Dataset> actions::Handle for D {
    type Item = D::Item;

    fn erased(&self) -> Arc<dyn NodeDyn> {
        Dataset::erased(self)
    }

    fn core(&self) -> &NodeCore<D::Item> {
        Dataset::core(self)
    }

    fn iter_partition(
        &self,
        cx: &TaskContext,
        part: usize,
    ) -> impl Iterator<Item = D::Item> + use<D> {
        Dataset::iter_partition(self, cx, part)
    }
}

impl<N: RddNode> Dataset for Node<N> {
    type Item = N::Item;

    fn erased(&self) -> Arc<dyn NodeDyn> {
        self.node().core().erased()
    }

    fn core(&self) -> &NodeCore<N::Item> {
        self.node().core()
    }

    #[inline]
    fn iter_parent(&self, cx: &TaskContext, part: usize) -> impl Iterator<Item = N::Item> + use<N> {
        iter_node(self.node(), cx, part)
    }

    fn do_checkpoint(&self, pass: &mut CheckpointPass) {
        self.node().do_checkpoint(pass)
    }

    fn rdd(&self) -> Rdd<N::Item> {
        let erased: Arc<dyn ErasedRdd<N::Item>> = self.erased_typed();
        Rdd { inner: erased }
    }
}

impl<N: RddNode> Node<N> {
    fn erased_typed(&self) -> Arc<dyn ErasedRdd<N::Item>> {
        // Same allocation as the handle: an `Rdd` keeps the node alive like any handle.
        let arc: Arc<N> = self.arc().clone();
        arc
    }
}

/// A typed node behind dynamic dispatch, for `Rdd<T>`.
trait ErasedRdd<T>: NodeDyn {
    fn core_t(&self) -> &NodeCore<T>;
    fn iter_boxed(&self, cx: &TaskContext, part: usize) -> BoxedIter<'static, T>;
    fn do_checkpoint_t(&self, pass: &mut CheckpointPass);
}

impl<N: RddNode> ErasedRdd<N::Item> for N {
    fn core_t(&self) -> &NodeCore<N::Item> {
        self.core()
    }

    fn iter_boxed(&self, cx: &TaskContext, part: usize) -> BoxedIter<'static, N::Item> {
        BoxedIter::new(iter_node(self, cx, part))
    }

    fn do_checkpoint_t(&self, pass: &mut CheckpointPass) {
        RddNode::do_checkpoint(self, pass)
    }
}

/// A type-erased RDD of `T`: what `.rdd()` returns and what an `Rdd<T>` pipeline parameter
/// takes, so pipelines compose (one pipeline instance per iteration, say). Cheap to clone.
pub struct Rdd<T> {
    inner: Arc<dyn ErasedRdd<T>>,
}

impl<T> Clone for Rdd<T> {
    fn clone(&self) -> Self {
        Rdd {
            inner: self.inner.clone(),
        }
    }
}

impl<T: Data> std::fmt::Debug for Rdd<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let i = self.inner.info();
        write!(f, "Rdd({}[{}] {})", i.label, i.id, i.op)
    }
}

impl<T: Data> Dataset for Rdd<T> {
    type Item = T;

    fn erased(&self) -> Arc<dyn NodeDyn> {
        self.inner.clone()
    }

    fn core(&self) -> &NodeCore<T> {
        self.inner.core_t()
    }

    fn iter_parent(&self, cx: &TaskContext, part: usize) -> impl Iterator<Item = T> + use<T> {
        self.inner.iter_boxed(cx, part)
    }

    fn do_checkpoint(&self, pass: &mut CheckpointPass) {
        self.inner.do_checkpoint_t(pass)
    }

    fn rdd(&self) -> Rdd<T> {
        self.clone()
    }
}
