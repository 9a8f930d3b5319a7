//! RDD nodes: the typed `RddNode` trait that generated structs implement, its object-safe
//! counterpart `NodeDyn` that the scheduler walks, and the state every node carries.

use std::any::Any;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, OnceLock, RwLock, Weak};

use crate::checkpoint::fingerprint::Fingerprint;
use crate::checkpoint::{
    CheckpointState, CheckpointStatus, CommitOutcome, Local, MarkOutcome, Pass, Reliable,
};
use crate::codec::ElemCodec;
use crate::context::Context;
use crate::data::Data;
use crate::error::{Error, Result};
use crate::iter::{Counting, NodeIter, Tee};
use crate::listener::{BlockRead, CheckpointInfo, ReadFrom};
use crate::part_io::{PartData, Sink};
use crate::partitioner::Partitioner;
use crate::plan::{Plan, plan};
use crate::shuffle::ShuffleStatus;
use crate::storage::{Storage, StorageLevel, StorageState};
use crate::sync::lock;
use crate::task::TaskContext;

pub use crate::node_info::NodeInfo;

/// One checkpoint traversal over nodes as the scheduler sees them (see [`Pass`]).
pub type CheckpointPass = Pass<dyn NodeDyn>;

/// State shared by every node: identity, context, checkpoint state and cache storage.
pub struct NodeCore<T> {
    info: NodeInfo,
    ctx: Context,
    /// Cached and persisted blocks.
    pub(crate) storage: Arc<Mutex<Storage<T>>>,
    /// The checkpoint state machine, behind a lock of its own.
    pub(crate) checkpoint: CheckpointState<T>,
    this: OnceLock<Weak<dyn NodeDyn>>,
    fingerprint: Option<Fingerprint>,
    /// The element codec, when the element type is serde-serializable (picked at compile
    /// time by `pipeline!`): how cluster mode moves a partition's elements between processes.
    codec: Option<Arc<dyn ElemCodec<T>>>,
}

impl<T> Drop for NodeCore<T> {
    /// The last handle to the RDD is gone: with `clean_checkpoints(true)`, its checkpoint
    /// files go too (not those of resumable checkpoints, which exist for later processes).
    fn drop(&mut self) {
        if self.ctx.clean_checkpoints() {
            self.checkpoint.clean(&self.info);
        }
    }
}

impl<T: Data> NodeCore<T> {
    /// The core of a new node with a fresh id.
    pub fn new(
        ctx: &Context,
        label: &'static str,
        op: &'static str,
        partitions: usize,
        partitioner: Option<Partitioner>,
    ) -> Self {
        NodeCore {
            info: NodeInfo {
                id: ctx.next_id(),
                label,
                op,
                partitions,
                partitioner,
            },
            ctx: ctx.clone(),
            storage: Arc::new(Mutex::new(Storage::new(partitions))),
            checkpoint: CheckpointState::default(),
            this: OnceLock::new(),
            fingerprint: None,
            codec: None,
        }
    }

    /// Sets the element codec (`pipeline!` passes `Some` when the element type is
    /// serde-serializable): what cluster mode uses to send the node's partitions to other
    /// processes. Local mode never encodes with it.
    pub fn with_codec(mut self, codec: Option<Arc<dyn ElemCodec<T>>>) -> Self {
        self.codec = codec;
        self
    }

    /// The element codec, if the element type has one.
    pub fn codec(&self) -> Option<&Arc<dyn ElemCodec<T>>> {
        self.codec.as_ref()
    }

    /// Sets the node's fingerprint (see [`crate::checkpoint::fingerprint`]), with the node's
    /// partition count and partitioner mixed in; `pipeline!` does this for every node it
    /// builds. Without one, a checkpoint is never resumed. Kept only when the context resumes
    /// (`resume(true)`): fingerprints key nothing else.
    pub fn with_fingerprint(mut self, fingerprint: Option<Fingerprint>) -> Self {
        let info = &self.info;
        // Cluster mode compares job fingerprints between processes, so it keeps them too.
        self.fingerprint = fingerprint
            .filter(|_| self.ctx.resume() || self.ctx.process_count() > 1)
            .map(|f| f.with_layout(info.partitions, info.partitioner.as_ref()));
        self
    }

    /// The node's fingerprint, if it has one.
    pub fn fingerprint(&self) -> Option<Fingerprint> {
        self.fingerprint
    }

    /// Static facts about the node.
    pub fn info(&self) -> &NodeInfo {
        &self.info
    }

    /// The node's context.
    pub fn context(&self) -> &Context {
        &self.ctx
    }

    /// The node as a scheduler object. Set when the node is wrapped in a [`Node`].
    pub fn erased(&self) -> Arc<dyn NodeDyn> {
        self.this
            .get()
            .and_then(Weak::upgrade)
            .expect("an RddNode is used only through the Node handle that owns it")
    }

    /// Marks the node for a reliable checkpoint in the context's checkpoint directory.
    ///
    /// With `resume(true)` and a fingerprint, the checkpoint lives in a directory named by the
    /// fingerprint; if an earlier process committed it there, its manifest is checked against
    /// this node and the node is checkpointed at once: no job will compute its lineage.
    pub fn mark_reliable(&self, codec: Arc<dyn ElemCodec<T>>) -> Result<()> {
        let policy = Reliable::new(&self.ctx, &self.info, codec, self.fingerprint)?;
        if self.checkpoint.mark(Arc::new(policy), &self.info)? == MarkOutcome::Adopted {
            // Truncated at once, as after a commit: its ancestors are never needed.
            if let Some(node) = self.this.get().and_then(Weak::upgrade) {
                node.truncate_lineage();
            }
        }
        Ok(())
    }

    /// Whether the node's checkpoint was committed by an earlier process and resumed.
    pub fn checkpoint_resumed(&self) -> bool {
        self.checkpoint.resumed()
    }

    /// Keeps computed partitions at `level`; disk levels encode blocks with `codec`.
    pub fn persist(&self, level: StorageLevel, codec: Option<Arc<dyn ElemCodec<T>>>) -> Result<()> {
        let replaced =
            lock(&self.storage).persist(level, codec, self.ctx.block_store(), self.info.id)?;
        // Dropped (its disk blocks deleted) outside the lock.
        drop(replaced);
        Ok(())
    }

    /// Drops the stored partitions and stops persisting.
    pub fn unpersist(&self) {
        // Dropped (its disk blocks deleted) outside the lock.
        let stored = lock(&self.storage).unpersist();
        drop(stored);
    }

    /// Where the persisted partitions are, if persisting is on.
    pub(crate) fn storage_state(&self) -> Option<StorageState> {
        lock(&self.storage).storage_state()
    }

    /// Marks the node for a local checkpoint.
    pub fn mark_local(&self) {
        let local = Arc::new(Local::new(self.info.partitions));
        // A local mark reads nothing when marking, so it cannot fail.
        let _ = self.checkpoint.mark(local, &self.info);
    }

    /// Where the node stands with respect to checkpointing.
    pub fn checkpoint_status(&self) -> CheckpointStatus {
        self.checkpoint.status()
    }
}

/// The typed parents of a node, released when a checkpoint truncates its lineage.
///
/// Stored type-erased (and downcast once per partition): a node that held its parents'
/// concrete types would make every auto-trait and drop check walk its whole ancestry, and
/// rustc gives up on chains of a few dozen nodes. The marker is `fn() -> P`, which is `Send`,
/// `Sync` and trivially dropped whatever `P` is.
pub struct ParentSlot<P> {
    parents: RwLock<Option<Arc<dyn Any + Send + Sync>>>,
    _typed: PhantomData<fn() -> P>,
}

impl<P: Send + Sync + 'static> ParentSlot<P> {
    /// Holds `parents`.
    pub fn new(parents: P) -> Self {
        ParentSlot {
            parents: RwLock::new(Some(Arc::new(parents))),
            _typed: PhantomData,
        }
    }

    /// The parents, or `None` once the lineage was truncated.
    pub fn get(&self) -> Option<Arc<P>> {
        let erased = self
            .parents
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()?;
        // Only `new` stores into the slot, always a `P`.
        erased.downcast::<P>().ok()
    }

    /// Drops the parents (lineage truncation).
    pub fn clear(&self) {
        self.parents
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .take();
    }
}

/// A tuple of parent handles.
pub trait ParentSet: Send + Sync + 'static {
    /// The parents as scheduler objects, in order.
    fn erased(&self) -> Vec<Arc<dyn NodeDyn>>;
}

impl ParentSet for () {
    fn erased(&self) -> Vec<Arc<dyn NodeDyn>> {
        Vec::new()
    }
}

/// An edge of the lineage graph, from a node to what it reads.
pub enum Dependency {
    /// Partition `i` needs only a few partitions of the parent, computed in the same task.
    Narrow(Arc<dyn NodeDyn>),
    /// Every partition needs all partitions of the parent: a stage boundary.
    Shuffle(ShuffleDep),
    /// The node was checkpointed; it reads its checkpoint and has no other dependency.
    Checkpoint(CheckpointStatus),
}

/// A shuffle edge: the map side runs `owner.run_map_task(index, p)` for every partition `p` of
/// `parent`.
#[derive(Clone)]
pub struct ShuffleDep {
    /// The node whose partitions are shuffled.
    pub parent: Arc<dyn NodeDyn>,
    /// The node that reads the shuffle (it knows the map-side code).
    pub owner: Arc<dyn NodeDyn>,
    /// Which of the owner's shuffles.
    pub index: usize,
    /// Whether the map outputs are all there.
    pub status: Arc<dyn ShuffleStatus>,
}

/// A node as the scheduler sees it: no element type.
pub trait NodeDyn: Send + Sync + 'static {
    /// Static facts.
    fn info(&self) -> &NodeInfo;
    /// Current dependencies (a single checkpoint edge once checkpointed).
    fn dependencies(&self) -> Vec<Dependency>;
    /// Runs map task `part` of shuffle `dep`.
    fn run_map_task(&self, cx: &TaskContext, dep: usize, part: usize) -> Result<()>;
    /// Runs before the map stage of shuffle `dep` (a sort samples its input here).
    fn prepare_map_stage(&self, dep: usize) -> Result<()>;
    /// Computes partition `part` and drops the elements (side outputs still happen).
    fn drain_partition(&self, cx: &TaskContext, part: usize);
    /// Spark's `doCheckpoint` recursion from this node.
    fn do_checkpoint_dyn(&self, pass: &mut CheckpointPass);
    /// Checkpoint state.
    fn checkpoint_status(&self) -> CheckpointStatus;
    /// Whether the checkpoint was committed by an earlier process and resumed.
    fn checkpoint_resumed(&self) -> bool {
        false
    }
    /// Where the persisted partitions are, when `cache()` or `persist()` is on.
    fn storage_state(&self) -> Option<StorageState>;
    /// What a committed checkpoint holds, for the listener event.
    fn checkpoint_info(&self, job: usize) -> CheckpointInfo;
    /// Starts writing partitions as a side output.
    fn arm(&self) -> Result<bool>;
    /// Stops writing partitions as a side output.
    fn disarm(&self);
    /// Commits the checkpoint if every partition was written, then truncates the lineage.
    fn commit_checkpoint(&self) -> Result<bool>;
    /// Drops every reference to the ancestors (parents, shuffle outputs), once checkpointed.
    fn truncate_lineage(&self);
    /// Partitions still missing from a pending checkpoint.
    fn missing_checkpoint_parts(&self) -> Result<Vec<usize>>;
    /// The node's fingerprint, when it has one (`resume(true)` or cluster mode).
    fn fingerprint_dyn(&self) -> Option<Fingerprint>;
    /// Computes partition `part` and encodes its elements with the element codec (`None`
    /// when the element type has none): what cluster mode sends to the other processes, which
    /// read it back instead of computing it.
    fn encode_partition(&self, cx: &TaskContext, part: usize) -> Option<Vec<u8>>;
    /// Cluster mode: the records of the checkpoint parts this process wrote.
    fn checkpoint_parts(&self) -> Vec<u8>;
    /// Cluster mode: records the checkpoint parts another process wrote.
    fn adopt_checkpoint_parts(&self, bytes: &[u8]) -> Result<()>;
    /// Runs on the caller's thread before a job's stages, for every node the job may compute
    /// (see [`RddNode::prepare_job`]).
    fn prepare_job(&self) -> Result<()>;
    /// The node's range bounds when its elements are pairs range-partitioned by their key
    /// (after `sort_by_key`), once sampled.
    fn key_range(&self) -> Option<KeyRange>;
}

/// The range bounds of a node range-partitioned by its pairs' key: `bounds` is an
/// `Arc<Vec<K>>` of the key type in output order (type-erased, as nodes are), so output
/// partition `i` holds the keys between bound `i - 1` and bound `i`.
#[derive(Clone)]
pub struct KeyRange {
    /// The bounds, an `Arc<Vec<K>>`.
    pub bounds: Arc<dyn Any + Send + Sync>,
    /// Whether the partitions hold ascending keys.
    pub ascending: bool,
}

/// A typed RDD node, implemented by each struct that `pipeline!` generates (and by hand-written
/// nodes): its element type, parents, partitions, how to compute a partition, and Spark's
/// checkpoint recursion.
pub trait RddNode: Send + Sync + Sized + 'static {
    /// Element type.
    type Item: Data;
    /// Tuple of parent handles (`()` for a source).
    type Parents: ParentSet;

    /// Shared node state.
    fn core(&self) -> &NodeCore<Self::Item>;

    /// The parents, until truncated.
    fn parents(&self) -> &ParentSlot<Self::Parents>;

    /// Computes partition `part` as an iterator that owns what it needs, so a chain of narrow
    /// nodes is one fused, statically dispatched iterator.
    fn compute(
        &self,
        parents: &Self::Parents,
        cx: &TaskContext,
        part: usize,
    ) -> impl Iterator<Item = Self::Item> + use<Self>;

    /// The node's shuffle protocol (dependencies, map tasks, release), from
    /// [`crate::protocol`]; `None`, the default, for a node whose dependencies are all narrow.
    fn exchange(&self) -> Option<&dyn Exchange<Self>> {
        None
    }

    /// Runs on the caller's thread before the stages of any job that may compute this node,
    /// with its parents: an operator that needs a job of its own first (`zip_with_index`
    /// counts its parent's partitions) runs it here, outside any task, where a job is safe
    /// (a job run inside a task could make a rayon worker wait on itself) and collective in
    /// cluster mode. The default does nothing.
    fn prepare_job(&self, parents: &Self::Parents) -> Result<()> {
        let _ = parents;
        Ok(())
    }

    /// The node's range bounds when its pairs are range-partitioned by key (see
    /// [`NodeDyn::key_range`]): by default its shuffle's (`sort_by_key`); a narrow node that
    /// keeps its parent's partitioner forwards its parent's.
    fn key_range(&self) -> Option<KeyRange> {
        self.exchange()?.key_range()
    }

    /// Spark's `RDD.doCheckpoint`: entered once per pass; a marked node selects itself (after
    /// its marked ancestors when the pass says so); an unmarked node recurses into its parents.
    fn do_checkpoint(&self, pass: &mut CheckpointPass);
}

/// A node's shuffle protocol as the scheduler drives it; `N` is the node, which holds the
/// user's code (the map side, say). The implementations are in `protocol`; the trait is here,
/// beside [`RddNode::exchange`], so nodes do not depend on the protocols built on them.
pub trait Exchange<N: RddNode>: Send + Sync {
    /// The node's dependencies while it has its parents.
    fn dependencies(&self, node: &N, parents: &N::Parents) -> Vec<Dependency>;
    /// Runs map task `part` of shuffle `dep`: computes that parent partition and stores its
    /// output.
    fn map_task(
        &self,
        node: &N,
        parents: &N::Parents,
        cx: &TaskContext,
        dep: usize,
        part: usize,
    ) -> Result<()>;
    /// Runs on the driver before the map stage of shuffle `dep` (a sort samples here).
    fn prepare(&self, node: &N, parents: &N::Parents, dep: usize) -> Result<()>;
    /// Drops every map output (the node was checkpointed: nothing reads them again).
    fn release(&self);
    /// The range bounds of a shuffle that range-partitions pairs by their key (see
    /// [`NodeDyn::key_range`]); `None`, the default, for other shuffles.
    fn key_range(&self) -> Option<KeyRange> {
        None
    }
}

/// The error of a map task asked of a shuffle the node does not have.
pub(crate) fn no_shuffle(label: &str, dep: usize) -> Error {
    Error::InvalidArgument(format!("node `{label}` has no shuffle {dep}"))
}

/// Produces partition `part` of `node`: from its checkpoint or cache when it has one, else by
/// computing it, with the side outputs (checkpoint writer, cache) that record it.
pub(crate) fn iter_node<N: RddNode>(
    node: &N,
    cx: &TaskContext,
    part: usize,
) -> NodeIter<N::Item, impl Iterator<Item = N::Item> + use<N>> {
    let core = node.core();
    // Cluster mode: this partition was computed by another process and sent here.
    #[cfg(feature = "cluster")]
    if let Some(bytes) = cx.replay(core.info().id, part) {
        return NodeIter::Owned(decode_replay(core, cx, &bytes).into_iter());
    }
    // Three rounds at most: parents are cleared only after the checkpoint is committed, so if
    // they are gone the next plan reads the checkpoint; a part recorded before the commit
    // that cannot be read is forgotten, so the next plan computes it.
    for _ in 0..3 {
        match plan(&core.storage, &core.checkpoint, part) {
            Plan::Read {
                reader,
                from,
                recompute_on_error,
                cache,
            } => match reader() {
                Ok(data) => {
                    read_block(cx, core.info(), part, from, data.len());
                    if let (Some(sink), PartData::Owned(v)) = (cache, &data) {
                        fill_cache(cx, sink, v);
                    }
                    return match data {
                        PartData::Owned(v) => NodeIter::Owned(v.into_iter()),
                        PartData::Shared(b) => NodeIter::Shared(crate::iter::SharedIter::new(b)),
                    };
                }
                Err(e) if recompute_on_error => {
                    tracing::warn!(node = core.info().label, part, "recomputing: {e}");
                }
                Err(e) => {
                    cx.fail(e);
                    return NodeIter::Owned(Vec::new().into_iter());
                }
            },
            Plan::Compute(sinks) => {
                if let Some(parents) = node.parents().get() {
                    let it = node.compute(&parents, cx, part);
                    return NodeIter::Computed(Tee::new(it, sinks, cx));
                }
            }
        }
    }
    cx.fail(Error::InvalidArgument(format!(
        "node `{}` lost its lineage without a committed checkpoint",
        core.info().label
    )));
    NodeIter::Owned(Vec::new().into_iter())
}

/// The elements of a partition encoded by [`NodeDyn::encode_partition`] in another process.
#[cfg(feature = "cluster")]
fn decode_replay<T: Data>(core: &NodeCore<T>, cx: &TaskContext, bytes: &[u8]) -> Vec<T> {
    let label = core.info().label;
    let decoded = match (core.codec(), bytes.len() >= 8) {
        (Some(codec), true) => {
            let records = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes"));
            codec.decode_all(&bytes[8..], records)
        }
        _ => Err("no element codec or a short block".to_string()),
    };
    decoded.unwrap_or_else(|e| {
        cx.fail(Error::Internal(format!(
            "a partition of `{label}` received from another process cannot be decoded: {e}"
        )));
        Vec::new()
    })
}

/// Fills a cache from a block read from a checkpoint file; the cache publishes it when the
/// task succeeds.
fn fill_cache<T>(cx: &TaskContext, mut sink: Box<dyn Sink<T>>, block: &[T]) {
    for x in block {
        sink.push(x);
    }
    match sink.finish(cx) {
        Ok(commit) => cx.add_commit(commit),
        Err(e) => cx.fail(e),
    }
}

/// Records in the task's metrics that partition `part` of `node` was read from storage.
fn read_block(cx: &TaskContext, node: &NodeInfo, part: usize, from: ReadFrom, records: usize) {
    let records = records as u64;
    cx.metrics(|m| {
        m.records_in += records;
        m.blocks_read.push(BlockRead {
            rdd: node.label,
            id: node.id,
            partition: part,
            from,
            records,
        });
    });
}

impl<N: RddNode> NodeDyn for N {
    fn info(&self) -> &NodeInfo {
        self.core().info()
    }

    fn fingerprint_dyn(&self) -> Option<Fingerprint> {
        self.core().fingerprint()
    }

    fn checkpoint_parts(&self) -> Vec<u8> {
        self.core().checkpoint.shared_parts()
    }

    fn adopt_checkpoint_parts(&self, bytes: &[u8]) -> Result<()> {
        self.core().checkpoint.adopt_parts(bytes)
    }

    fn encode_partition(&self, cx: &TaskContext, part: usize) -> Option<Vec<u8>> {
        let codec = self.core().codec()?.clone();
        let mut out = vec![0u8; 8];
        let mut records = 0u64;
        let mut failed = None;
        iter_node(self, cx, part).for_each(|x| {
            if failed.is_none() {
                match codec.encode(&x, &mut out) {
                    Ok(()) => records += 1,
                    Err(e) => failed = Some(e),
                }
            }
        });
        if let Some(e) = failed {
            cx.fail(Error::InvalidArgument(format!(
                "cannot encode an element of `{}` to send it to another process: {e}",
                self.core().info().label
            )));
        }
        out[..8].copy_from_slice(&records.to_le_bytes());
        Some(out)
    }

    fn dependencies(&self) -> Vec<Dependency> {
        let status = self.core().checkpoint_status();
        if let CheckpointStatus::Checkpointed { .. } = status {
            return vec![Dependency::Checkpoint(status)];
        }
        match (self.parents().get(), self.exchange()) {
            (Some(p), Some(x)) => x.dependencies(self, &p),
            (Some(p), None) => p.erased().into_iter().map(Dependency::Narrow).collect(),
            (None, _) => vec![Dependency::Checkpoint(self.core().checkpoint_status())],
        }
    }

    fn run_map_task(&self, cx: &TaskContext, dep: usize, part: usize) -> Result<()> {
        match (self.parents().get(), self.exchange()) {
            (Some(p), Some(x)) => x.map_task(self, &p, cx, dep, part),
            (Some(_), None) => Err(no_shuffle(self.core().info().label, dep)),
            (None, _) => Ok(()),
        }
    }

    fn prepare_map_stage(&self, dep: usize) -> Result<()> {
        match (self.parents().get(), self.exchange()) {
            (Some(p), Some(x)) => x.prepare(self, &p, dep),
            _ => Ok(()),
        }
    }

    fn drain_partition(&self, cx: &TaskContext, part: usize) {
        Counting::output(iter_node(self, cx, part), cx, self.core().info().id).for_each(drop);
    }

    fn do_checkpoint_dyn(&self, pass: &mut CheckpointPass) {
        RddNode::do_checkpoint(self, pass)
    }

    fn checkpoint_status(&self) -> CheckpointStatus {
        self.core().checkpoint_status()
    }

    fn checkpoint_resumed(&self) -> bool {
        self.core().checkpoint_resumed()
    }

    fn storage_state(&self) -> Option<StorageState> {
        self.core().storage_state()
    }

    fn checkpoint_info(&self, job: usize) -> CheckpointInfo {
        let info = self.core().info();
        let (kind, dir, records, bytes) = self.core().checkpoint.totals();
        CheckpointInfo {
            job,
            rdd: info.label,
            id: info.id,
            kind,
            dir,
            records,
            bytes,
        }
    }

    fn arm(&self) -> Result<bool> {
        self.core().checkpoint.arm()
    }

    fn disarm(&self) {
        self.core().checkpoint.disarm()
    }

    fn commit_checkpoint(&self) -> Result<bool> {
        let outcome = self.core().checkpoint.commit(self.core().info())?;
        match outcome {
            CommitOutcome::Committed => {
                self.truncate_lineage();
                tracing::debug!(node = self.core().info().label, "checkpoint committed");
                Ok(true)
            }
            CommitOutcome::Missing | CommitOutcome::Nothing => Ok(false),
        }
    }

    fn truncate_lineage(&self) {
        // Drop every reference to the ancestors so they can be freed.
        self.parents().clear();
        if let Some(x) = self.exchange() {
            x.release();
        }
    }

    fn missing_checkpoint_parts(&self) -> Result<Vec<usize>> {
        Ok(self.core().checkpoint.missing())
    }

    fn prepare_job(&self) -> Result<()> {
        // A checkpointed node is read back, never computed: nothing to prepare.
        if let CheckpointStatus::Checkpointed { .. } = self.core().checkpoint_status() {
            return Ok(());
        }
        match self.parents().get() {
            Some(p) => RddNode::prepare_job(self, &p),
            None => Ok(()),
        }
    }

    fn key_range(&self) -> Option<KeyRange> {
        RddNode::key_range(self)
    }
}

/// A cheap, clonable handle to a typed node: the type of each field of a generated pipeline.
///
/// Actions and checkpoint methods come from the [`Dataset`](crate::Dataset) trait (in the prelude).
pub struct Node<N>(Arc<N>);

impl<N> Clone for Node<N> {
    fn clone(&self) -> Self {
        Node(self.0.clone())
    }
}

impl<N: RddNode> Node<N> {
    /// Wraps a freshly built node.
    pub fn new(node: N) -> Self {
        let arc = Arc::new(node);
        let weak: Weak<dyn NodeDyn> = Arc::downgrade(&(arc.clone() as Arc<dyn NodeDyn>));
        let _ = arc.core().this.set(weak);
        Node(arc)
    }

    /// The node itself.
    pub fn node(&self) -> &N {
        &self.0
    }

    pub(crate) fn arc(&self) -> &Arc<N> {
        &self.0
    }
}

impl<N> std::ops::Deref for Node<N> {
    type Target = N;
    fn deref(&self) -> &N {
        &self.0
    }
}

impl<N: RddNode> std::fmt::Debug for Node<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let i = self.0.core().info();
        write!(f, "{}[{}] {}", i.label, i.id, i.op)
    }
}
