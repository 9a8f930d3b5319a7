//! Broadcast variables (Spark's `Broadcast`): a read-only value that every task reads by
//! reference, with no `Serialize` bound.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use crate::data::{Param, ParamPrint};

/// A read-only value shared by reference by all tasks: a lookup table, a compiled regex, a
/// model. Passed to a pipeline as a param and read in closures through `Deref` or
/// [`Broadcast::value`]; cloning it clones an `Arc`, so each task shares the one value.
///
/// `T` needs only `Send + Sync`, not `serde::Serialize`: a broadcast is left out of the
/// checkpoint fingerprint, which cannot see its value. So with `resume(true)`, a
/// `#[checkpoint]` node whose closures use a broadcast must say which version of the value it
/// was computed with, `#[checkpoint(version = N)]` (raise `N` when the value changes), or
/// building the pipeline is an error saying so; the nodes after an unversioned one that uses a
/// broadcast are recomputed by each run, never resumed.
///
/// ```
/// use std::collections::HashMap;
/// use std::sync::Mutex;
/// use rddflow_engine::Broadcast;
///
/// struct Lookup {
///     names: HashMap<u32, &'static str>,
///     misses: Mutex<u64>, // not `Serialize`, and need not be
/// }
///
/// let table = Broadcast::new(Lookup {
///     names: HashMap::from([(1, "one")]),
///     misses: Mutex::new(0),
/// });
/// let copy = table.clone();
/// assert_eq!(copy.names.get(&1), Some(&"one"));
/// assert!(std::ptr::eq(table.value(), copy.value()), "one shared value");
/// ```
pub struct Broadcast<T: ?Sized> {
    value: Arc<T>,
}

impl<T: Send + Sync + 'static> Broadcast<T> {
    /// Shares `value` with every task.
    pub fn new(value: T) -> Self {
        Broadcast {
            value: Arc::new(value),
        }
    }
}

impl<T: ?Sized + Send + Sync + 'static> Broadcast<T> {
    /// A broadcast of a value already in an `Arc` (no copy).
    pub fn from_arc(value: Arc<T>) -> Self {
        Broadcast { value }
    }

    /// The shared value.
    pub fn value(&self) -> &T {
        &self.value
    }
}

impl<T: ?Sized> Clone for Broadcast<T> {
    fn clone(&self) -> Self {
        Broadcast {
            value: self.value.clone(),
        }
    }
}

impl<T: ?Sized> Deref for Broadcast<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Broadcast<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Broadcast").field(&&*self.value).finish()
    }
}

/// A broadcast param is left out of the fingerprint: the node that uses it needs a `version`
/// to resume.
impl<T: ?Sized + Send + Sync + 'static> Param for Broadcast<T> {
    fn __print(&self) -> ParamPrint {
        ParamPrint::Opaque
    }
}
