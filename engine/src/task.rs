//! One task = one partition of one stage: its context, failure reporting and panic capture.

use std::cell::{Cell, RefCell};
use std::sync::{Arc, Mutex, Once};

use crate::context::Context;
use crate::error::{Error, Result};
use crate::listener::TaskMetrics;

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
}

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
            }),
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

thread_local! {
    static IN_TASK: Cell<bool> = const { Cell::new(false) };
    static PANIC_NODE: Cell<Option<&'static str>> = const { Cell::new(None) };
    static PANIC_MESSAGE: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Marks a call into user code as belonging to a node. Zero cost on the normal path: the
/// guard is forgotten after the call, so its `Drop` runs only while unwinding, where it records
/// the innermost node whose code panicked.
pub struct PanicScope(&'static str);

impl PanicScope {
    /// Enters user code of `node`.
    #[inline(always)]
    pub fn enter(node: &'static str) -> Self {
        PanicScope(node)
    }

    /// Leaves user code normally.
    #[inline(always)]
    pub fn exit(self) {
        std::mem::forget(self);
    }
}

impl Drop for PanicScope {
    fn drop(&mut self) {
        PANIC_NODE.with(|n| {
            if n.get().is_none() {
                n.set(Some(self.0));
            }
        });
    }
}

/// Calls `f(a)` as user code of `node`.
#[inline(always)]
pub fn guarded<A, R>(node: &'static str, f: &mut impl FnMut(A) -> R, a: A) -> R {
    let g = PanicScope::enter(node);
    let r = f(a);
    g.exit();
    r
}

/// `f` as user code of `node`, for iterator adapters.
///
/// Operators build their adapter closures here rather than inside their own generic `apply`:
/// a closure's type names every generic parameter of the function that defines it, so one
/// made in `apply` would name the input iterator's type a second time, and the fused type of a
/// chain would double in size with every node.
#[inline(always)]
pub fn guard1<A, R>(node: &'static str, mut f: impl FnMut(A) -> R) -> impl FnMut(A) -> R {
    #[inline(always)]
    move |a| guarded(node, &mut f, a)
}

/// [`guard1`] for closures that take their argument by reference.
#[inline(always)]
pub fn guard_ref<A: ?Sized, R>(
    node: &'static str,
    mut f: impl FnMut(&A) -> R,
) -> impl FnMut(&A) -> R {
    #[inline(always)]
    move |a| {
        let g = PanicScope::enter(node);
        let r = f(a);
        g.exit();
        r
    }
}

/// Installs (once per process) a panic hook that keeps panics inside tasks quiet and captures
/// their message and location for [`Error::TaskFailed`]; other panics go to the previous hook.
pub(crate) fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_TASK.with(Cell::get) {
                let msg = info.payload_as_str().unwrap_or("non-string panic payload");
                let text = match info.location() {
                    Some(l) => format!("{msg} (at {}:{}:{})", l.file(), l.line(), l.column()),
                    None => msg.to_string(),
                };
                tracing::debug!(target: "rddflow::task", "task panicked: {text}");
                PANIC_MESSAGE.with(|m| *m.borrow_mut() = Some(text));
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs user code on the caller's thread, outside any task (the merge of partition results, a
/// map built from them, a sort's range bounds), turning its panic into [`Error::Panicked`]
/// naming `node` (or the innermost [`PanicScope`] inside `f`) and what was being done. Not
/// retried: unlike a task attempt, the same inputs would panic the same way again.
pub(crate) fn on_caller<R>(
    node: &'static str,
    during: &'static str,
    f: impl FnOnce() -> R,
) -> Result<R> {
    catch(f).map_err(|report| Error::Panicked {
        node: report.node.unwrap_or(node).to_string(),
        during,
        message: report.message,
    })
}

/// What a panicking attempt left behind.
pub(crate) struct PanicReport {
    pub node: Option<&'static str>,
    pub message: String,
}

/// Runs `f` as a task attempt, catching a panic into a report.
pub(crate) fn catch<R>(f: impl FnOnce() -> R) -> Result<R, PanicReport> {
    // Saved and restored: a worker blocked inside one task may run another (rayon work stealing).
    let outer = IN_TASK.with(|t| t.replace(true));
    PANIC_NODE.with(|n| n.set(None));
    PANIC_MESSAGE.with(|m| m.borrow_mut().take());
    let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    IN_TASK.with(|t| t.set(outer));
    out.map_err(|payload| {
        let message = PANIC_MESSAGE
            .with(|m| m.borrow_mut().take())
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "non-string panic payload".into());
        PanicReport {
            node: PANIC_NODE.with(|n| n.take()),
            message,
        }
    })
}
