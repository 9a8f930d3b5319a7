//! Accumulators (Spark's `AccumulatorV2`): values that tasks add to and the program reads after
//! an action, counted once per partition whatever the retries.
//!
//! Closures cannot see their task, so an attempt's updates are found through a thread-local:
//! the runner opens a buffer per attempt on the thread that runs it ([`attempt`]), `add` goes to
//! that buffer, and the runner merges the buffer into the accumulators only when the attempt
//! succeeded ([`AttemptUpdates::commit`]); a panicking or failed attempt's buffer is dropped.
//! Code outside any attempt (what runs on the caller's thread: the merge of an action's
//! partition results, a sort's range bounds, the program itself) adds to the value directly,
//! as Spark's driver does: it runs once and is not retried.

use std::any::Any;
use std::cell::RefCell;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::data::{Param, ParamPrint};
use crate::listener::AccumulatorUpdate;
use crate::sync::lock;

/// A type an [`Accumulator`] can hold: what `add` takes, and how two partial values merge.
///
/// Implemented for the integers (wrapping on overflow, like Spark's `LongAccumulator`), `f32`
/// and `f64` (sums), and `Vec<T>` (collects the added items, in task completion order).
///
/// ```
/// use rddflow_engine::AccumulatorValue;
///
/// /// The longest line seen.
/// #[derive(Clone, Debug, Default)]
/// struct Longest(usize);
///
/// impl AccumulatorValue for Longest {
///     type Item = usize;
///     fn add(&mut self, len: usize) {
///         self.0 = self.0.max(len);
///     }
///     fn merge(&mut self, other: Self) {
///         self.0 = self.0.max(other.0);
///     }
/// }
/// ```
pub trait AccumulatorValue: Clone + fmt::Debug + Send + Sync + 'static {
    /// What [`Accumulator::add`] takes.
    type Item;
    /// Adds one item.
    fn add(&mut self, item: Self::Item);
    /// Merges another partial value (a task's updates) into this one.
    fn merge(&mut self, other: Self);
}

macro_rules! wrapping {
    ($($t:ty)*) => {$(
        impl AccumulatorValue for $t {
            type Item = $t;
            #[inline]
            fn add(&mut self, item: $t) {
                *self = self.wrapping_add(item);
            }
            #[inline]
            fn merge(&mut self, other: $t) {
                *self = self.wrapping_add(other);
            }
        }
    )*};
}
wrapping!(u8 u16 u32 u64 u128 usize i8 i16 i32 i64 i128 isize);

macro_rules! float {
    ($($t:ty)*) => {$(
        impl AccumulatorValue for $t {
            type Item = $t;
            #[inline]
            fn add(&mut self, item: $t) {
                *self += item;
            }
            #[inline]
            fn merge(&mut self, other: $t) {
                *self += other;
            }
        }
    )*};
}
float!(f32 f64);

impl<T: Clone + fmt::Debug + Send + Sync + 'static> AccumulatorValue for Vec<T> {
    type Item = T;
    fn add(&mut self, item: T) {
        self.push(item);
    }
    fn merge(&mut self, mut other: Self) {
        self.append(&mut other);
    }
}

static NEXT_ID: AtomicU64 = AtomicU64::new(0);

/// A value that closures add to and the program reads after the action: counters of bad
/// records, sums, samples of what went wrong. Made by [`Context::accumulator`]
/// (or [`Accumulator::new`]) and passed to a pipeline as a param; cloning it is cheap and every
/// clone adds to the same value.
///
/// Each partition is counted once: the updates of a task attempt are kept apart and merged into
/// the value only when the attempt succeeds, so a panicking attempt that is retried, or one
/// that fails, adds nothing of its own. A partition read from a cache or checkpoint adds
/// nothing either, since its closures do not run; a partition that two jobs compute (an RDD
/// that is neither cached nor checkpointed, used by two actions) adds twice, and one that an
/// action reads only in part (`take`, `first`) adds what its closures ran on, as in Spark.
/// Accumulators are outputs, not inputs, so they are left out of checkpoint fingerprints:
/// a node that uses one resumes like any other.
///
/// [`Context::accumulator`]: crate::Context::accumulator
///
/// ```
/// use rddflow_engine::prelude::*;
/// use rddflow_engine::sources::range::range;
///
/// let ctx = Context::builder().threads(2).build()?;
/// let seen = ctx.accumulator(0u64);
/// let acc = seen.clone();
/// range(&ctx, "Doc.nums", 0..10, 3)?.for_each(move |_| acc.add(1))?;
/// assert_eq!(seen.value(), 10);
/// # Ok::<(), rddflow_engine::Error>(())
/// ```
pub struct Accumulator<T: AccumulatorValue> {
    shared: Arc<Shared<T>>,
}

struct Shared<T> {
    id: u64,
    name: Option<Arc<str>>,
    zero: T,
    value: Mutex<T>,
}

impl<T: AccumulatorValue> Clone for Accumulator<T> {
    fn clone(&self) -> Self {
        Accumulator {
            shared: self.shared.clone(),
        }
    }
}

impl<T: AccumulatorValue> fmt::Debug for Accumulator<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Accumulator")
            .field("id", &self.shared.id)
            .field("name", &self.shared.name)
            .field("value", &*lock(&self.shared.value))
            .finish()
    }
}

impl<T: AccumulatorValue> Accumulator<T> {
    /// An accumulator starting at `zero`, which is also what each task's updates start from.
    pub fn new(zero: T) -> Self {
        Self::make(None, zero)
    }

    /// A named accumulator: the name is reported with its updates in the task metrics.
    pub fn named(name: impl Into<String>, zero: T) -> Self {
        Self::make(Some(name.into().into()), zero)
    }

    fn make(name: Option<Arc<str>>, zero: T) -> Self {
        Accumulator {
            shared: Arc::new(Shared {
                id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
                name,
                value: Mutex::new(zero.clone()),
                zero,
            }),
        }
    }

    /// Adds `item`: to the current task attempt's updates inside a task, else to the value.
    pub fn add(&self, item: T::Item) {
        let item = CURRENT.with(|current| match current.borrow_mut().as_mut() {
            Some(pending) => {
                pending.buffer(self).add(item);
                None
            }
            None => Some(item),
        });
        if let Some(item) = item {
            lock(&self.shared.value).add(item);
        }
    }

    /// The value: the zero plus the updates of every successful task so far (and the direct
    /// adds made outside tasks). Read it after the action.
    pub fn value(&self) -> T {
        lock(&self.shared.value).clone()
    }

    /// Sets the value back to the zero.
    pub fn reset(&self) {
        *lock(&self.shared.value) = self.shared.zero.clone();
    }

    /// The id, unique in the process, that task metrics report updates under.
    pub fn id(&self) -> u64 {
        self.shared.id
    }

    /// The name given to [`Accumulator::named`].
    pub fn name(&self) -> Option<&str> {
        self.shared.name.as_deref()
    }
}

/// An accumulator param is left out of the fingerprint: what a node computes does not depend
/// on it.
impl<T: AccumulatorValue> Param for Accumulator<T> {
    fn __print(&self) -> ParamPrint {
        ParamPrint::Output
    }
}

thread_local! {
    /// The updates of the task attempt running on this thread, if any.
    static CURRENT: RefCell<Option<Pending>> = const { RefCell::new(None) };
}

/// One attempt's buffers, one per accumulator it updated (a handful: a linear scan).
#[derive(Default)]
struct Pending(Vec<Slot>);

struct Slot {
    id: u64,
    target: Arc<dyn Target>,
    buf: Box<dyn Any + Send>,
}

impl Pending {
    fn buffer<T: AccumulatorValue>(&mut self, acc: &Accumulator<T>) -> &mut T {
        let id = acc.shared.id;
        let i = match self.0.iter().position(|s| s.id == id) {
            Some(i) => i,
            None => {
                self.0.push(Slot {
                    id,
                    target: acc.shared.clone(),
                    buf: Box::new(acc.shared.zero.clone()),
                });
                self.0.len() - 1
            }
        };
        self.0[i]
            .buf
            .downcast_mut()
            .expect("one id, one accumulator type")
    }
}

/// An accumulator with its type erased, to merge a buffer into.
trait Target: Send + Sync {
    fn merge(&self, buf: Box<dyn Any + Send>) -> AccumulatorUpdate;
}

impl<T: AccumulatorValue> Target for Shared<T> {
    fn merge(&self, buf: Box<dyn Any + Send>) -> AccumulatorUpdate {
        let update = *buf.downcast::<T>().expect("one id, one accumulator type");
        lock(&self.value).merge(update.clone());
        AccumulatorUpdate::new(self.id, self.name.clone(), update)
    }
}

/// The updates one attempt buffered, merged by [`AttemptUpdates::commit`] or dropped.
#[must_use = "dropping the updates discards them"]
pub(crate) struct AttemptUpdates(Pending);

impl AttemptUpdates {
    /// Merges the updates into their accumulators (the attempt succeeded) and reports them.
    /// A user `merge` that panics is an error naming the accumulator.
    pub(crate) fn commit(self) -> Result<Vec<AccumulatorUpdate>, String> {
        let mut out = Vec::with_capacity(self.0.0.len());
        for slot in self.0.0 {
            let id = slot.id;
            let merged = crate::panic::catch(move || slot.target.merge(slot.buf));
            out.push(merged.map_err(|r| {
                format!(
                    "merging the updates of accumulator {id} panicked: {}",
                    r.message
                )
            })?);
        }
        Ok(out)
    }
}

/// Runs `f`, one task attempt, with its own update buffers on this thread, and returns them.
/// The buffers of an attempt that was running here before (a worker waiting in one task may run
/// another) are put back afterwards, also when `f` panics.
pub(crate) fn attempt<R>(f: impl FnOnce() -> R) -> (R, AttemptUpdates) {
    struct Restore(Option<Option<Pending>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            if let Some(outer) = self.0.take() {
                CURRENT.with(|c| *c.borrow_mut() = outer);
            }
        }
    }
    let restore = Restore(Some(CURRENT.with(|c| c.replace(Some(Pending::default())))));
    let r = f();
    let mine = CURRENT.with(|c| c.borrow_mut().take()).unwrap_or_default();
    drop(restore);
    (r, AttemptUpdates(mine))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn updates_inside_an_attempt_count_only_when_committed() {
        let acc = Accumulator::new(0u64);
        acc.add(1);
        let ((), kept) = attempt(|| acc.add(10));
        let ((), dropped) = attempt(|| acc.add(100));
        assert_eq!(acc.value(), 1, "nothing merged before a commit");
        drop(dropped);
        let reported = kept.commit().unwrap();
        assert_eq!(acc.value(), 11);
        assert_eq!(reported.len(), 1);
        assert_eq!(reported[0].value::<u64>(), Some(&10));
        assert_eq!(reported[0].id, acc.id());
    }

    #[test]
    fn a_nested_attempt_keeps_the_outer_buffers() {
        let acc = Accumulator::named("n", Vec::<u32>::new());
        let (((), inner), outer) = attempt(|| {
            acc.add(1);
            let r = attempt(|| acc.add(2));
            acc.add(3);
            r
        });
        let _ = inner.commit().unwrap();
        assert_eq!(acc.value(), vec![2]);
        let reported = outer.commit().unwrap();
        assert_eq!(acc.value(), vec![2, 1, 3]);
        assert_eq!(reported[0].name.as_deref(), Some("n"));
        assert_eq!(reported[0].update, "[1, 3]");
    }

    #[test]
    fn a_panicking_attempt_leaves_no_buffer_behind() {
        let acc = Accumulator::new(0i64);
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            attempt(|| {
                acc.add(5);
                panic!("boom");
            })
        }));
        assert!(caught.is_err());
        acc.add(-2);
        assert_eq!(
            acc.value(),
            -2,
            "added directly: no attempt is open any more"
        );
    }

    #[test]
    fn integers_wrap_and_floats_sum() {
        let acc = Accumulator::new(u8::MAX);
        acc.add(2);
        assert_eq!(acc.value(), 1);
        let f = Accumulator::new(0.5f64);
        f.add(0.25);
        assert_eq!(f.value(), 0.75);
        f.reset();
        assert_eq!(f.value(), 0.5);
    }
}
