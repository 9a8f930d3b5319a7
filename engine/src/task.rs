//! One task = one partition of one stage: its context and failure reporting (panic capture is
//! `panic.rs`, below the context, which installs its hook).

use std::sync::{Arc, Mutex};

use crate::context::Context;
use crate::error::{Error, Result};
use crate::listener::TaskMetrics;
pub use crate::panic::{PanicScope, guard_ref, guard1, guarded};
pub(crate) use crate::panic::{catch, on_caller};

/// What a committed side output does once its task has succeeded (rename a checkpoint part,
/// publish a cached block). Run only after the whole task succeeded, so a failed or partial task
/// never publishes anything.
pub(crate) type Commit = Box<dyn FnOnce() -> Result<()> + Send>;

/// The context of one task attempt, handed to every `compute` of the fused chain.
///
/// Iterators cannot return errors, so a source that meets bad input (invalid UTF-8, a corrupt
/// checkpoint) records it with [`TaskContext::fail`] and ends; the task then fails with that
/// error instead of returning a truncated partition.
#[derive(Clone)]
pub struct TaskContext {
    inner: Arc<TaskInner>,
}

struct TaskInner {
    ctx: Context,
    partition: usize,
    attempt: u32,
    /// Id of the node whose partition the task produces (the stage's last RDD).
    root: usize,
    error: Mutex<Option<Error>>,
    commits: Mutex<Vec<Commit>>,
    metrics: Mutex<TaskMetrics>,
    /// Cluster mode: a partition computed by another process, `(node id, partition, its
    /// encoded elements)`, read instead of computing it.
    #[cfg(feature = "cluster")]
    replay: Mutex<Option<Replay>>,
}

/// A partition received from another process: (node id, partition, its encoded elements).
#[cfg(feature = "cluster")]
type Replay = (usize, usize, Arc<Vec<u8>>);

impl TaskContext {
    pub(crate) fn new(ctx: &Context, partition: usize, attempt: u32, root: usize) -> Self {
        TaskContext {
            inner: Arc::new(TaskInner {
                ctx: ctx.clone(),
                partition,
                attempt,
                root,
                error: Mutex::new(None),
                commits: Mutex::new(Vec::new()),
                metrics: Mutex::new(TaskMetrics::default()),
                #[cfg(feature = "cluster")]
                replay: Mutex::new(None),
            }),
        }
    }

    /// Cluster mode: this task reads partition `part` of node `node` from `bytes` (its
    /// elements, encoded by the process that computed it) instead of computing it.
    #[cfg(feature = "cluster")]
    pub(crate) fn set_replay(&self, node: usize, part: usize, bytes: Arc<Vec<u8>>) {
        *crate::sync::lock(&self.inner.replay) = Some((node, part, bytes));
    }

    /// The bytes set by [`TaskContext::set_replay`] for partition `part` of node `node`.
    #[cfg(feature = "cluster")]
    pub(crate) fn replay(&self, node: usize, part: usize) -> Option<Arc<Vec<u8>>> {
        match &*crate::sync::lock(&self.inner.replay) {
            Some((n, p, b)) if *n == node && *p == part => Some(b.clone()),
            _ => None,
        }
    }

    /// The engine context.
    pub fn context(&self) -> &Context {
        &self.inner.ctx
    }

    /// The partition of the stage's last RDD that this task computes.
    pub fn partition(&self) -> usize {
        self.inner.partition
    }

    /// Attempt number, from 1.
    pub fn attempt(&self) -> u32 {
        self.inner.attempt
    }

    /// Records a failure; the first one wins. The caller should then end its iterator.
    pub fn fail(&self, error: Error) {
        let mut slot = self.inner.error.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            *slot = Some(error);
        }
    }

    /// Whether a failure was recorded.
    pub fn failed(&self) -> bool {
        self.inner
            .error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }

    /// Adds `bytes` to the bytes this task spilled to disk (reported in its metrics).
    pub fn add_spilled_bytes(&self, bytes: u64) {
        self.metrics(|m| m.bytes_spilled += bytes);
    }

    /// Whether node `id` is the one whose partition this task produces.
    pub(crate) fn is_root(&self, id: usize) -> bool {
        self.inner.root == id
    }

    /// Updates this attempt's metrics.
    pub(crate) fn metrics(&self, f: impl FnOnce(&mut TaskMetrics)) {
        f(&mut self.inner.metrics.lock().unwrap_or_else(|p| p.into_inner()));
    }

    pub(crate) fn take_metrics(&self) -> TaskMetrics {
        std::mem::take(&mut *self.inner.metrics.lock().unwrap_or_else(|p| p.into_inner()))
    }

    pub(crate) fn take_error(&self) -> Option<Error> {
        self.inner
            .error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }

    pub(crate) fn add_commit(&self, commit: Commit) {
        self.inner
            .commits
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(commit);
    }

    pub(crate) fn run_commits(&self) -> Result<()> {
        let commits =
            std::mem::take(&mut *self.inner.commits.lock().unwrap_or_else(|p| p.into_inner()));
        commits.into_iter().try_for_each(|c| c())
    }
}

/// Where an operator runs: the task, the node's qualified name (for panic reports) and the
/// partition of that node being computed (which differs from the task's after a `union`).
/// Owned (the task context is an `Arc`), so iterators built from it borrow nothing.
#[derive(Clone)]
pub struct Site {
    /// The task.
    pub cx: TaskContext,
    /// `Pipeline.node`.
    pub node: &'static str,
    /// The node's partition.
    pub part: usize,
}

impl Site {
    /// A site for partition `part` of `node`.
    pub fn new(cx: &TaskContext, node: &'static str, part: usize) -> Self {
        Site {
            cx: cx.clone(),
            node,
            part,
        }
    }
}
