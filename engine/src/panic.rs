//! Catching panics of user code: the process's panic hook, the scope naming the node whose code
//! runs, and the catch that turns a panic into a report. A leaf, so the context (which installs
//! the hook and guards listeners) and tasks both sit above it.

use std::cell::{Cell, RefCell};
use std::sync::Once;

use crate::error::{Error, Result};

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
