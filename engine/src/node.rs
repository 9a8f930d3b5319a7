//! RDD nodes: the typed `RddNode` trait that generated structs implement, its object-safe
//! counterpart `NodeDyn` that the scheduler walks, and the state every node carries.

use std::any::Any;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, OnceLock, RwLock, Weak};

use crate::checkpoint::fingerprint::Fingerprint;
use crate::checkpoint::manifest::{Expected, Manifest};
use crate::checkpoint::{CheckpointPass, CheckpointStatus, CommitOutcome};
use crate::context::Context;
use crate::data::Data;
use crate::error::{Error, Result};
use crate::iter::{Counting, NodeIter, Tee};
use crate::listener::{BlockRead, CheckpointInfo, ReadFrom};
use crate::partitioner::Partitioner;
use crate::rdd::Dataset;
use crate::shuffle::ShuffleStatus;
use crate::storage::{Plan, Slots, StorageLevel, StorageState, lock};
use crate::task::TaskContext;

/// Static facts about a node.
#[derive(Clone, Debug)]
pub struct NodeInfo {
    /// Unique within its context.
    pub id: usize,
    /// `Pipeline.node`.
    pub label: &'static str,
    /// The operator or source that defines it (`map`, `reduce_by_key`, `text_file`, ...).
    pub op: &'static str,
    /// Number of partitions.
    pub partitions: usize,
    /// How its elements are partitioned by key, if known.
    pub partitioner: Option<Partitioner>,
}

/// State shared by every node: identity, context, checkpoint and cache slots.
pub struct NodeCore<T> {
    info: NodeInfo,
    ctx: Context,
    pub(crate) slots: Arc<Mutex<Slots<T>>>,
    this: OnceLock<Weak<dyn NodeDyn>>,
    fingerprint: Option<Fingerprint>,
}

impl<T> Drop for NodeCore<T> {
    /// The last handle to the RDD is gone: with `clean_checkpoints(true)`, its checkpoint
    /// files go too (not those of resumable checkpoints, which exist for later processes).
    fn drop(&mut self) {
        if !self.ctx.clean_checkpoints() {
            return;
        }
        let slots = lock(&self.slots);
        if let Some(dir) = slots.ckpt.owned_dir() {
            match std::fs::remove_dir_all(dir) {
                Ok(()) => tracing::debug!(node = self.info.label, "checkpoint files removed"),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => tracing::warn!(
                    node = self.info.label,
                    "cannot remove checkpoint {}: {e}",
                    dir.display()
                ),
            }
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
            slots: Arc::new(Mutex::new(Slots::new(partitions))),
            this: OnceLock::new(),
            fingerprint: None,
        }
    }

    /// Sets the node's fingerprint (see [`crate::checkpoint::fingerprint`]), with the node's
    /// partition count and partitioner mixed in; `pipeline!` does this for every node it
    /// builds. Without one, a checkpoint is never resumed. Kept only when the context resumes
    /// (`resume(true)`): fingerprints key nothing else.
    pub fn with_fingerprint(mut self, fingerprint: Option<Fingerprint>) -> Self {
        let info = &self.info;
        self.fingerprint = fingerprint
            .filter(|_| self.ctx.resume())
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
    pub fn mark_reliable(
        &self,
        codec: Arc<dyn crate::checkpoint::codec::ElemCodec<T>>,
    ) -> Result<()> {
        let label = self.info.label;
        let resumable = self.fingerprint.filter(|_| self.ctx.resume());
        let dir = match resumable {
            Some(fp) => self.ctx.resume_dir(label)?.join(format!("{label}-{fp}")),
            None => self
                .ctx
                .checkpoint_run_dir(label)?
                .join(format!("rdd-{}", self.info.id)),
        };
        let mut slots = lock(&self.slots);
        if !matches!(slots.ckpt, crate::checkpoint::Ckpt::None) {
            return Ok(());
        }
        // A damaged resumable checkpoint is reported, not silently replaced: the user decides.
        let hint = |e: Error| match e {
            Error::CorruptCheckpoint { path, reason } => Error::CorruptCheckpoint {
                path,
                reason: format!(
                    "{reason} (remove {} to compute this checkpoint again)",
                    dir.display()
                ),
            },
            other => other,
        };
        if resumable.is_some() {
            crate::checkpoint::manifest::remove_stale_temp_files(&dir);
        }
        if resumable.is_some()
            && let Some(m) = Manifest::read_if_exists(&dir).map_err(hint)?
        {
            m.check(
                &dir,
                &Expected {
                    node: label,
                    element_type: std::any::type_name::<T>(),
                    codec: codec.name(),
                    fingerprint: resumable.map(|f| f.to_string()),
                    partitions: self.info.partitions,
                    partitioner: self.info.partitioner.as_ref(),
                },
            )
            .map_err(hint)?;
            tracing::info!(node = label, dir = %dir.display(), "resuming checkpoint");
            slots.resume(codec, dir, m);
            drop(slots);
            // Truncated at once, as after a commit: its ancestors are never needed.
            if let Some(node) = self.this.get().and_then(Weak::upgrade) {
                node.truncate_lineage();
            }
            return Ok(());
        }
        slots.mark_reliable(codec, dir, self.ctx.checkpoint_compression(), resumable);
        Ok(())
    }

    /// Whether the node's checkpoint was committed by an earlier process and resumed.
    pub fn checkpoint_resumed(&self) -> bool {
        lock(&self.slots).ckpt.resumed()
    }

    /// Keeps computed partitions at `level`; disk levels encode blocks with `codec`.
    pub fn persist(
        &self,
        level: StorageLevel,
        codec: Option<Arc<dyn crate::checkpoint::codec::ElemCodec<T>>>,
    ) -> Result<()> {
        lock(&self.slots).persist(level, codec, self.ctx.block_store(), self.info.id)
    }

    /// Drops the stored partitions and stops persisting.
    pub fn unpersist(&self) {
        lock(&self.slots).unpersist();
    }

    /// Marks the node for a local checkpoint.
    pub fn mark_local(&self) {
        lock(&self.slots).mark_local();
    }

    /// Where the node stands with respect to checkpointing.
    pub fn checkpoint_status(&self) -> CheckpointStatus {
        lock(&self.slots).status()
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

    /// Dependencies while not checkpointed: narrow on every parent unless overridden.
    fn dependencies(&self, parents: &Self::Parents) -> Vec<Dependency> {
        parents
            .erased()
            .into_iter()
            .map(Dependency::Narrow)
            .collect()
    }

    /// Map side of shuffle `dep`: computes parent partition `part` and stores its buckets.
    fn run_map_task(
        &self,
        parents: &Self::Parents,
        cx: &TaskContext,
        dep: usize,
        part: usize,
    ) -> Result<()> {
        let _ = (parents, cx, part);
        Err(Error::InvalidArgument(format!(
            "node `{}` has no shuffle {dep}",
            self.core().info().label
        )))
    }

    /// Runs on the driver before the map stage of shuffle `dep`, outside any task: where a
    /// sort samples its input (a job of its own) to find its range bounds.
    fn prepare_map_stage(&self, parents: &Self::Parents, dep: usize) -> Result<()> {
        let _ = (parents, dep);
        Ok(())
    }

    /// Drops shuffle outputs (after a checkpoint truncated the lineage).
    fn release_shuffles(&self) {}

    /// Spark's `RDD.doCheckpoint`: entered once per pass; a marked node selects itself (after
    /// its marked ancestors when the pass says so); an unmarked node recurses into its parents.
    fn do_checkpoint(&self, pass: &mut CheckpointPass);
}

/// Produces partition `part` of `node`: from its checkpoint or cache when it has one, else by
/// computing it, with the side outputs (checkpoint writer, cache) that record it.
pub(crate) fn iter_node<N: RddNode>(
    node: &N,
    cx: &TaskContext,
    part: usize,
) -> NodeIter<N::Item, impl Iterator<Item = N::Item> + use<N>> {
    let core = node.core();
    // Three rounds at most: parents are cleared only after the checkpoint is committed, so if
    // they are gone the next plan reads the checkpoint; a part recorded before the commit
    // that cannot be read is forgotten, so the next plan computes it.
    for _ in 0..3 {
        let plan = {
            let slots = lock(&core.slots);
            slots.plan(part, &core.slots)
        };
        match plan {
            Plan::File {
                dir,
                part,
                info,
                codec,
                compression,
                committed,
            } => {
                match crate::checkpoint::file::read_part(&dir, part, &info, &*codec, compression) {
                    Ok(v) => {
                        read_block(cx, core.info(), part, ReadFrom::Checkpoint, v.len());
                        return NodeIter::Owned(v.into_iter());
                    }
                    Err(e) if !committed => {
                        tracing::warn!(node = core.info().label, part, "recomputing: {e}");
                        lock(&core.slots).forget_part(part);
                    }
                    Err(e) => {
                        cx.fail(e);
                        return NodeIter::Owned(Vec::new().into_iter());
                    }
                }
            }
            Plan::Disk {
                path,
                records,
                codec,
            } => {
                let read = std::fs::read(&path)
                    .map_err(|e| Error::io("read block file", &path, e))
                    .and_then(|bytes| {
                        codec
                            .decode_all(&bytes, records)
                            .map_err(|reason| Error::CorruptBlock {
                                path: path.clone(),
                                reason,
                            })
                    });
                return match read {
                    Ok(v) => {
                        read_block(cx, core.info(), part, ReadFrom::Disk, v.len());
                        NodeIter::Owned(v.into_iter())
                    }
                    Err(e) => {
                        cx.fail(e);
                        NodeIter::Owned(Vec::new().into_iter())
                    }
                };
            }
            Plan::Block(b, from) => {
                read_block(cx, core.info(), part, from, b.len());
                return NodeIter::Shared(crate::iter::SharedIter::new(b));
            }
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

    fn dependencies(&self) -> Vec<Dependency> {
        let status = self.core().checkpoint_status();
        if let CheckpointStatus::Checkpointed { .. } = status {
            return vec![Dependency::Checkpoint(status)];
        }
        match self.parents().get() {
            Some(p) => RddNode::dependencies(self, &p),
            None => vec![Dependency::Checkpoint(self.core().checkpoint_status())],
        }
    }

    fn run_map_task(&self, cx: &TaskContext, dep: usize, part: usize) -> Result<()> {
        match self.parents().get() {
            Some(p) => RddNode::run_map_task(self, &p, cx, dep, part),
            None => Ok(()),
        }
    }

    fn prepare_map_stage(&self, dep: usize) -> Result<()> {
        match self.parents().get() {
            Some(p) => RddNode::prepare_map_stage(self, &p, dep),
            None => Ok(()),
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
        lock(&self.core().slots).storage_state()
    }

    fn checkpoint_info(&self, job: usize) -> CheckpointInfo {
        let info = self.core().info();
        let (kind, dir, records, bytes) = lock(&self.core().slots).checkpoint_totals();
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
        lock(&self.core().slots).arm()
    }

    fn disarm(&self) {
        lock(&self.core().slots).disarm()
    }

    fn commit_checkpoint(&self) -> Result<bool> {
        let outcome = lock(&self.core().slots).try_commit(self.core().info())?;
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
        self.release_shuffles();
    }

    fn missing_checkpoint_parts(&self) -> Result<Vec<usize>> {
        let slots = lock(&self.core().slots);
        match &slots.ckpt {
            crate::checkpoint::Ckpt::Pending(p) => Ok((0..p.parts.len())
                .filter(|&i| p.parts[i].is_none())
                .collect()),
            _ => Ok(Vec::new()),
        }
    }
}

/// A cheap, clonable handle to a typed node: the type of each field of a generated pipeline.
///
/// Actions and checkpoint methods come from the [`Dataset`] trait (in the prelude).
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
