//! The context: configuration, the rayon pool that runs tasks, id allocation, checkpoint root.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use crate::codec::compress::Compression;
use std::io::IsTerminal;

use crate::block_store::BlockStore;
use crate::error::{Error, Result};
use crate::listener::{Event, Listener};
use crate::panic;
use crate::progress::ProgressBars;

/// Entry point of the engine: owns the thread pool and the settings every job runs with.
///
/// Cheap to clone (an `Arc`), `Send + Sync`: several threads may run jobs on one context at once.
///
/// ```
/// use rddflow_engine::Context;
/// let ctx = Context::builder().threads(2).default_parallelism(4).build()?;
/// assert_eq!(ctx.default_parallelism(), 4);
/// # Ok::<(), rddflow_engine::Error>(())
/// ```
#[derive(Clone)]
pub struct Context {
    inner: Arc<Inner>,
}

struct Inner {
    pool: rayon::ThreadPool,
    threads: usize,
    default_parallelism: usize,
    explicit_parallelism: bool,
    checkpoint_dir: Option<PathBuf>,
    checkpoint_all_marked_ancestors: bool,
    task_max_failures: u32,
    checkpoint_compression: bool,
    clean_checkpoints: bool,
    resume: bool,
    memory_limit: Option<u64>,
    kept_shuffle_memory: u64,
    blocks: Arc<BlockStore>,
    /// Registered listeners, then the progress bars when shown.
    listeners: Vec<Arc<dyn Listener>>,
    /// `<checkpoint_dir>/<uuid>`: one directory per context, made on first use (like Spark's
    /// `setCheckpointDir`), so two applications sharing a directory never collide.
    run_dir: OnceLock<PathBuf>,
    next_id: AtomicUsize,
    /// Shuffle spilling: the memory limit, where spill files go, bytes spilled so far.
    spill: crate::memory::SpillConfig,
    /// Cluster mode: this process's membership of the cluster (SPEC section 8).
    #[cfg(feature = "cluster")]
    cluster: Option<Arc<crate::net::Session>>,
}

impl Drop for Inner {
    /// The last handle to the context (every RDD holds one) is gone: with
    /// `clean_checkpoints(true)` the run directory goes too.
    fn drop(&mut self) {
        if self.clean_checkpoints
            && let Some(dir) = self.run_dir.get()
            && let Err(e) = std::fs::remove_dir_all(dir)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!("cannot remove checkpoint directory {}: {e}", dir.display());
        }
    }
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("threads", &self.inner.threads)
            .field("default_parallelism", &self.inner.default_parallelism)
            .field("checkpoint_dir", &self.inner.checkpoint_dir)
            .finish_non_exhaustive()
    }
}

/// Default of [`ContextBuilder::kept_shuffle_memory`].
const DEFAULT_KEPT_SHUFFLE_MEMORY: u64 = 16 << 20;

/// Builder of a [`Context`]; see [`Context::builder`].
#[derive(Clone, Default)]
pub struct ContextBuilder {
    threads: Option<usize>,
    default_parallelism: Option<usize>,
    checkpoint_dir: Option<PathBuf>,
    checkpoint_all_marked_ancestors: bool,
    task_max_failures: Option<u32>,
    memory_limit: Option<u64>,
    kept_shuffle_memory: Option<u64>,
    spill_dir: Option<PathBuf>,
    checkpoint_compression: bool,
    clean_checkpoints: bool,
    resume: bool,
    progress: bool,
    listeners: Vec<Arc<dyn Listener>>,
    #[cfg(feature = "cluster")]
    cluster: ClusterChoice,
}

/// Which cluster a context joins (SPEC section 8).
#[cfg(feature = "cluster")]
#[derive(Clone, Default)]
struct ClusterChoice {
    /// `cluster_from_env()`: the environment's cluster, if it names one.
    from_env: bool,
    /// `processes(n)`.
    processes: Option<usize>,
    timeout: Option<std::time::Duration>,
}

impl std::fmt::Debug for ContextBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContextBuilder")
            .field("threads", &self.threads)
            .field("default_parallelism", &self.default_parallelism)
            .field("checkpoint_dir", &self.checkpoint_dir)
            .field("progress", &self.progress)
            .field("memory_limit", &self.memory_limit)
            .field("listeners", &self.listeners.len())
            .finish_non_exhaustive()
    }
}

impl ContextBuilder {
    /// Worker threads of the pool (default: the machine's available parallelism).
    pub fn threads(mut self, n: usize) -> Self {
        self.threads = Some(n);
        self
    }

    /// Partition count of sources and shuffles when none is given (default: the thread count).
    pub fn default_parallelism(mut self, n: usize) -> Self {
        self.default_parallelism = Some(n);
        self
    }

    /// Directory under which reliable checkpoints are written (in a fresh sub-directory per
    /// context). Without one, `#[checkpoint]` and `checkpoint()` fail with
    /// [`Error::CheckpointDirNotSet`].
    pub fn checkpoint_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.checkpoint_dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// When on, a marked RDD's marked ancestors are checkpointed by the same job too (Spark's
    /// `spark.checkpoint.checkpointAllMarkedAncestors`); otherwise only the nearest marked RDD on
    /// each path is.
    pub fn checkpoint_all_marked_ancestors(mut self, on: bool) -> Self {
        self.checkpoint_all_marked_ancestors = on;
        self
    }

    /// Compresses reliable checkpoint files with LZ4 (default off). The manifest records it,
    /// so any reader decodes a checkpoint as it was written.
    pub fn checkpoint_compression(mut self, on: bool) -> Self {
        self.checkpoint_compression = on;
        self
    }

    /// Removes a reliable checkpoint's files when the last handle to its RDD is dropped, and
    /// the context's checkpoint directory when the context is dropped (default off, as Spark's
    /// `spark.cleaner.referenceTracking.cleanCheckpoints`). Resumable checkpoints (see
    /// [`ContextBuilder::resume`]) are kept: they exist for later processes.
    pub fn clean_checkpoints(mut self, on: bool) -> Self {
        self.clean_checkpoints = on;
        self
    }

    /// Resumes across processes (default off): reliable checkpoints are kept under
    /// `<checkpoint_dir>/resumable/<Pipeline.node>-<fingerprint>`. A node marked
    /// `#[checkpoint]` whose checkpoint was committed there by an earlier run is read from it;
    /// its lineage is not run.
    ///
    /// The fingerprint covers: the definition tokens of the node and its ancestors (as
    /// `pipeline!` sees them), the value parameters they use, the input files' path, length
    /// and modification time, each node's partition count and partitioner (another `threads`
    /// or `default_parallelism` is another checkpoint, computed anew), and the user's
    /// `#[checkpoint(version = N)]` of the node and its ancestors. Any change to these
    /// recomputes; none is an error. It cannot see the bodies of functions that closures call,
    /// consts and statics they read, or the environment: after such a change, raise the node's
    /// `version` (or delete the checkpoint directory).
    ///
    /// ```
    /// use rddflow_engine::Context;
    /// let dir = tempfile::tempdir().unwrap();
    /// let ctx = Context::builder().checkpoint_dir(dir.path()).resume(true).build()?;
    /// assert!(ctx.resume());
    /// # Ok::<(), rddflow_engine::Error>(())
    /// ```
    pub fn resume(mut self, on: bool) -> Self {
        self.resume = on;
        self
    }

    /// Attempts per task before the job fails with [`Error::TaskFailed`] (default 4, as Spark).
    pub fn task_max_failures(mut self, n: u32) -> Self {
        self.task_max_failures = Some(n);
        self
    }

    /// Shows a progress bar per running stage on stderr, like Spark's console progress bar,
    /// when stderr is a terminal (default off; never shown when stderr is not a terminal).
    pub fn progress(mut self, on: bool) -> Self {
        self.progress = on;
        self
    }

    /// Bytes of memory for the engine's buffers: shuffle buffers (split evenly between the
    /// worker threads; a map task whose buffer would grow past its share writes a sorted run to
    /// a temporary file, and reduce tasks merge the runs as they read) and, separately, blocks
    /// of cached and persisted RDDs (past it the least recently used blocks are evicted, or
    /// moved to disk for `StorageLevel::MemoryAndDisk`). Sizes are estimated; see
    /// `ARCHITECTURE.md`. Default: no limit.
    pub fn memory_limit(mut self, bytes: u64) -> Self {
        self.memory_limit = Some(bytes);
        self
    }

    /// Bytes of shuffle outputs a job keeps in memory for later jobs beyond those its own
    /// later stages read (estimated as records times their size): past it, the oldest move to
    /// files of the spill directory, from which later jobs read them in the same order (as
    /// Spark keeps shuffle outputs in files). Applies to records with a serde codec; the
    /// others stay in memory. Default: 16 MiB. With `memory_limit`, map outputs are in files
    /// already.
    ///
    /// ```
    /// # use rddflow_engine::Context;
    /// // Keep no finished shuffle in memory: an iterative job holds only what it reads.
    /// let ctx = Context::builder().kept_shuffle_memory(0).build()?;
    /// assert_eq!(ctx.kept_shuffle_memory(), 0);
    /// # Ok::<(), rddflow_engine::Error>(())
    /// ```
    pub fn kept_shuffle_memory(mut self, bytes: u64) -> Self {
        self.kept_shuffle_memory = Some(bytes);
        self
    }

    /// Directory under which spill files are written, in a fresh temporary sub-directory per
    /// context that is removed when the context is dropped (default: the system's temporary
    /// directory).
    pub fn spill_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.spill_dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// Cluster mode (cargo feature `cluster`; the method does not exist without it): joins the
    /// cluster named by the environment, `RDDFLOW_HOSTS` (comma-separated `host:port` of every
    /// process, in process order, or `@path` of a file with one per line) and
    /// `RDDFLOW_PROCESS` (this process's 0-based index). When `RDDFLOW_HOSTS` is unset the
    /// context runs in local mode, so one binary serves both. Every process runs the same
    /// program; every action is collective and returns the same value everywhere.
    ///
    /// ```
    /// # use rddflow_engine::Context;
    /// // Without RDDFLOW_HOSTS this is the local engine.
    /// let ctx = Context::builder().cluster_from_env().build()?;
    /// assert_eq!((ctx.process_index(), ctx.process_count()), (0, 1));
    /// # Ok::<(), rddflow_engine::Error>(())
    /// ```
    #[cfg(feature = "cluster")]
    pub fn cluster_from_env(mut self) -> Self {
        self.cluster.from_env = true;
        self
    }

    /// Cluster mode on one machine (cargo feature `cluster`; the method does not exist
    /// without it): this process becomes process 0 of `n` and starts `n - 1` copies of its own
    /// executable with the same arguments, on free loopback ports. The copies end with this
    /// process (they are killed if it dies, and waited for, then killed, when its context is
    /// dropped). In a copy, `build` joins the cluster instead of starting more. `processes(1)`
    /// is local mode.
    #[cfg(feature = "cluster")]
    pub fn processes(mut self, n: usize) -> Self {
        self.cluster.processes = Some(n);
        self
    }

    /// How long `build` waits for every peer of a cluster to connect (default 60 s); past it,
    /// `build` fails with [`Error::Cluster`] naming a missing process. Cargo feature `cluster`.
    #[cfg(feature = "cluster")]
    pub fn cluster_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.cluster.timeout = Some(timeout);
        self
    }

    /// Adds a listener of job, stage, task and checkpoint events (several may be added).
    pub fn listener(mut self, listener: Arc<dyn Listener>) -> Self {
        self.listeners.push(listener);
        self
    }

    /// Builds the context and its thread pool.
    pub fn build(self) -> Result<Context> {
        let threads = match self.threads {
            Some(0) => return Err(Error::InvalidArgument("threads must be at least 1".into())),
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        if self.default_parallelism == Some(0) {
            return Err(Error::InvalidArgument(
                "default_parallelism must be at least 1".into(),
            ));
        }
        if self.memory_limit == Some(0) {
            return Err(Error::InvalidArgument(
                "memory_limit must be at least 1 byte".into(),
            ));
        }
        if self.task_max_failures == Some(0) {
            return Err(Error::InvalidArgument(
                "task_max_failures must be at least 1".into(),
            ));
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("rddflow-worker-{i}"))
            .build()
            .map_err(|e| Error::InvalidArgument(format!("cannot start thread pool: {e}")))?;
        panic::install_panic_hook();
        let mut listeners = self.listeners;
        if self.progress && std::io::stderr().is_terminal() {
            listeners.push(Arc::new(ProgressBars::new()));
        }
        #[cfg(feature = "cluster")]
        let cluster = self.cluster.start()?;
        Ok(Context {
            inner: Arc::new(Inner {
                pool,
                threads,
                default_parallelism: self.default_parallelism.unwrap_or(threads),
                explicit_parallelism: self.default_parallelism.is_some(),
                checkpoint_dir: self.checkpoint_dir,
                checkpoint_all_marked_ancestors: self.checkpoint_all_marked_ancestors,
                task_max_failures: self.task_max_failures.unwrap_or(4),
                checkpoint_compression: self.checkpoint_compression,
                clean_checkpoints: self.clean_checkpoints,
                resume: self.resume,
                memory_limit: self.memory_limit,
                kept_shuffle_memory: self
                    .kept_shuffle_memory
                    .unwrap_or(DEFAULT_KEPT_SHUFFLE_MEMORY),
                blocks: Arc::new(BlockStore::new(self.memory_limit)),
                listeners,
                run_dir: OnceLock::new(),
                next_id: AtomicUsize::new(1),
                spill: crate::memory::SpillConfig::new(self.memory_limit, self.spill_dir),
                #[cfg(feature = "cluster")]
                cluster,
            }),
        })
    }
}

#[cfg(feature = "cluster")]
impl ClusterChoice {
    /// Joins the chosen cluster, if any (a cluster of one process is local mode).
    fn start(&self) -> Result<Option<Arc<crate::net::Session>>> {
        let timeout = self.timeout.unwrap_or(crate::net::DEFAULT_TIMEOUT);
        let (spec, children) = match self.processes {
            Some(n) if n > 1 || crate::net::is_child() => {
                let (spec, children) = crate::net::spawn_local(n, timeout)?;
                (Some(spec), children)
            }
            Some(0) => {
                return Err(Error::InvalidArgument(
                    "processes must be at least 1".into(),
                ));
            }
            _ if self.from_env => (crate::net::spec_from_env(timeout)?, None),
            _ => (None, None),
        };
        match spec {
            Some(spec) if spec.hosts.len() > 1 => {
                crate::net::Session::start(spec, children).map(Some)
            }
            _ => Ok(None),
        }
    }
}

impl Context {
    /// Starts configuring a context.
    pub fn builder() -> ContextBuilder {
        ContextBuilder::default()
    }

    /// A context with default settings and no checkpoint directory.
    pub fn new() -> Result<Context> {
        Context::builder().build()
    }

    /// This process's index in its cluster (SPEC section 8): 0 in local mode.
    pub fn process_index(&self) -> usize {
        #[cfg(feature = "cluster")]
        if let Some(c) = &self.inner.cluster {
            return c.index();
        }
        0
    }

    /// Number of processes of the cluster running this program: 1 in local mode.
    pub fn process_count(&self) -> usize {
        #[cfg(feature = "cluster")]
        if let Some(c) = &self.inner.cluster {
            return c.processes();
        }
        1
    }

    /// The cluster session, in cluster mode.
    #[cfg(feature = "cluster")]
    pub(crate) fn cluster(&self) -> Option<&Arc<crate::net::Session>> {
        self.inner.cluster.as_ref()
    }

    /// Bytes this process sent to the other processes of its cluster so far (0 in local mode).
    pub fn cluster_bytes_sent(&self) -> u64 {
        #[cfg(feature = "cluster")]
        if let Some(c) = &self.inner.cluster {
            return c.bytes_sent();
        }
        0
    }

    fn cluster_run_name(&self) -> String {
        #[cfg(feature = "cluster")]
        if let Some(c) = &self.inner.cluster {
            return format!("cluster-{:016x}", c.session_id());
        }
        uuid::Uuid::new_v4().to_string()
    }

    /// A new [`Accumulator`](crate::Accumulator) starting at `zero` (Spark's
    /// `SparkContext.longAccumulator` and friends), to pass to a pipeline as a param.
    pub fn accumulator<T: crate::accumulator::AccumulatorValue>(
        &self,
        zero: T,
    ) -> crate::accumulator::Accumulator<T> {
        crate::accumulator::Accumulator::new(zero)
    }

    /// A named accumulator: its updates carry the name in the task metrics.
    pub fn named_accumulator<T: crate::accumulator::AccumulatorValue>(
        &self,
        name: impl Into<String>,
        zero: T,
    ) -> crate::accumulator::Accumulator<T> {
        crate::accumulator::Accumulator::named(name, zero)
    }

    /// Number of worker threads.
    pub fn threads(&self) -> usize {
        self.inner.threads
    }

    /// Partition count used when none is given.
    pub fn default_parallelism(&self) -> usize {
        self.inner.default_parallelism
    }

    /// Partition count of a shuffle whose operator gave none: `default_parallelism` when set
    /// explicitly, else the largest parent partition count (Spark's `defaultPartitioner`).
    pub fn shuffle_partitions(&self, parents: &[usize]) -> usize {
        if self.inner.explicit_parallelism {
            self.inner.default_parallelism
        } else {
            parents.iter().copied().max().unwrap_or(1).max(1)
        }
    }

    /// The partitioner of a keyed wide operator over `inputs` (each input's partition count
    /// and partitioner) given neither a count nor a partitioner: Spark's default-partitioner
    /// rule ([`crate::default_partitioner`]), with `default_parallelism` when set explicitly.
    pub fn default_partitioner(
        &self,
        inputs: &[(usize, Option<crate::partitioner::Partitioner>)],
    ) -> crate::partitioner::Partitioner {
        let explicit = self
            .inner
            .explicit_parallelism
            .then_some(self.inner.default_parallelism);
        crate::partitioner::default_partitioner(inputs, explicit)
    }

    /// The configured checkpoint directory, if any.
    pub fn checkpoint_dir(&self) -> Option<&Path> {
        self.inner.checkpoint_dir.as_deref()
    }

    /// Whether marked ancestors of a marked RDD are checkpointed too.
    pub fn checkpoint_all_marked_ancestors(&self) -> bool {
        self.inner.checkpoint_all_marked_ancestors
    }

    /// Attempts per task.
    pub fn task_max_failures(&self) -> u32 {
        self.inner.task_max_failures
    }

    /// Bytes written to spill files by this context's shuffles so far (runs, and the runs
    /// that merge them when a map task wrote many).
    pub fn spilled_bytes(&self) -> u64 {
        self.inner.spill.spilled_bytes()
    }

    /// The context's spill settings and scratch directory.
    pub(crate) fn spill(&self) -> &crate::memory::SpillConfig {
        &self.inner.spill
    }

    /// Whether reliable checkpoint files are compressed.
    pub(crate) fn checkpoint_compression(&self) -> Compression {
        if self.inner.checkpoint_compression {
            Compression::Lz4
        } else {
            Compression::None
        }
    }

    /// Whether checkpoint files are removed with their RDD and the run directory with the
    /// context.
    pub fn clean_checkpoints(&self) -> bool {
        self.inner.clean_checkpoints
    }

    /// Whether checkpoints are resumed across processes.
    pub fn resume(&self) -> bool {
        self.inner.resume
    }

    /// `<checkpoint_dir>/resumable`: where resumable checkpoints live, keyed by fingerprint.
    pub fn resume_dir(&self, node: &str) -> Result<PathBuf> {
        let base =
            self.inner
                .checkpoint_dir
                .as_ref()
                .ok_or_else(|| Error::CheckpointDirNotSet {
                    node: node.to_string(),
                })?;
        Ok(base.join("resumable"))
    }

    /// Bytes of finished shuffle outputs a job keeps in memory (see
    /// [`ContextBuilder::kept_shuffle_memory`]).
    pub fn kept_shuffle_memory(&self) -> u64 {
        self.inner.kept_shuffle_memory
    }

    /// The memory limit, if one was set.
    pub fn memory_limit(&self) -> Option<u64> {
        self.inner.memory_limit
    }

    /// Bytes held by in-memory blocks of cached and persisted RDDs (estimated), which the
    /// memory limit bounds.
    pub fn cached_bytes(&self) -> u64 {
        self.inner.blocks.used()
    }

    /// The temporary directory holding disk blocks of persisted RDDs, once one was written;
    /// it is removed with the context.
    pub fn block_dir(&self) -> Option<&Path> {
        self.inner.blocks.existing_dir()
    }

    pub(crate) fn block_store(&self) -> &Arc<BlockStore> {
        &self.inner.blocks
    }

    /// Sends `event` to every listener.
    pub(crate) fn emit(&self, event: impl FnOnce() -> Event) {
        if self.inner.listeners.is_empty() {
            return;
        }
        let event = event();
        for l in &self.inner.listeners {
            // A listener only observes: its panic is logged and the job goes on (as Spark's
            // listener bus does), instead of unwinding out of the action.
            if let Err(report) = panic::catch(|| l.on_event(&event)) {
                tracing::warn!(target: "rddflow::listener", "a listener panicked: {}", report.message);
            }
        }
    }

    /// The directory of this context's reliable checkpoints, created on first call.
    pub fn checkpoint_run_dir(&self, node: &str) -> Result<PathBuf> {
        let base =
            self.inner
                .checkpoint_dir
                .as_ref()
                .ok_or_else(|| Error::CheckpointDirNotSet {
                    node: node.to_string(),
                })?;
        if let Some(dir) = self.inner.run_dir.get() {
            return Ok(dir.clone());
        }
        // In a cluster every process writes parts of the same checkpoints: one directory
        // named by the cluster session, the same in every process.
        let name = match self.process_count() {
            1 => uuid::Uuid::new_v4().to_string(),
            _ => self.cluster_run_name(),
        };
        let dir = base.join(name);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io("create directory", &dir, e))?;
        Ok(self.inner.run_dir.get_or_init(|| dir).clone())
    }

    /// A fresh id for an RDD or a shuffle.
    pub fn next_id(&self) -> usize {
        self.inner.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Runs `f` inside the context's thread pool.
    pub(crate) fn install<R: Send>(&self, f: impl FnOnce() -> R + Send) -> R {
        self.inner.pool.install(f)
    }

    /// Whether two handles are the same context.
    pub fn same(&self, other: &Context) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}
