//! The iterators at node boundaries: computed (with side outputs), decoded, or shared blocks.
//! Each implements `fold` by delegating, so consumers that fold pay the dispatch once per
//! partition, not once per element.

use std::cell::Cell;
use std::sync::Arc;

use crate::part_io::Sink;
use crate::task::TaskContext;

/// One partition of a node, from wherever it comes.
pub enum NodeIter<T, I> {
    /// Computed by the node's own code.
    Computed(Tee<I, T>),
    /// Decoded from a checkpoint.
    Owned(std::vec::IntoIter<T>),
    /// Cloned out of an in-memory block.
    Shared(SharedIter<T>),
}

impl<T: Clone, I: Iterator<Item = T>> Iterator for NodeIter<T, I> {
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        match self {
            NodeIter::Computed(i) => i.next(),
            NodeIter::Owned(i) => i.next(),
            NodeIter::Shared(i) => i.next(),
        }
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            NodeIter::Computed(i) => i.size_hint(),
            NodeIter::Owned(i) => i.size_hint(),
            NodeIter::Shared(i) => i.size_hint(),
        }
    }

    /// Stored partitions fold through `&mut dyn FnMut`: the consumer's step is then inlined at
    /// one place only, the computed path, which keeps a fused chain small enough to be
    /// compiled into one loop. Stored partitions pay one indirect call per element.
    #[inline]
    fn fold<B, F: FnMut(B, T) -> B>(self, init: B, mut f: F) -> B {
        match self {
            NodeIter::Computed(i) => i.fold(init, f),
            NodeIter::Owned(i) => fold_dyn(i, init, &mut f),
            NodeIter::Shared(i) => fold_dyn(i, init, &mut f),
        }
    }
}

/// Folds a stored partition through a step behind a pointer; generic over the iterator and the
/// accumulator, not the step, so it is instantiated once per element type.
fn fold_dyn<B, T, I: Iterator<Item = T>>(i: I, init: B, f: &mut dyn FnMut(B, T) -> B) -> B {
    i.fold(init, f)
}

/// Passes a computed partition through, feeding each element to the side outputs (checkpoint
/// writer, cache); when the partition ends they are finished and their commits queued on the
/// task.
pub struct Tee<I, T> {
    inner: I,
    sinks: Vec<Box<dyn Sink<T>>>,
    cx: Option<TaskContext>,
}

impl<I, T> Tee<I, T> {
    pub(crate) fn new(inner: I, sinks: Vec<Box<dyn Sink<T>>>, cx: &TaskContext) -> Self {
        let cx = (!sinks.is_empty()).then(|| cx.clone());
        Tee { inner, sinks, cx }
    }
}

/// Ends a tee'd partition: finishes the side outputs and queues their commits on the task.
fn finish<T>(cx: Option<TaskContext>, sinks: &mut Vec<Box<dyn Sink<T>>>) {
    let Some(cx) = cx else { return };
    for s in sinks.drain(..) {
        match s.finish(&cx) {
            Ok(c) => cx.add_commit(c),
            Err(e) => cx.fail(e),
        }
    }
}

thread_local! {
    /// Whether a tee of a fold running on this thread feeds side outputs. Every tee's step
    /// tests it and only when it is set calls out to feed its own sinks (often none): the
    /// compiler loads it once per element and, when it is false, skips every other node's
    /// test, so a fused chain without side outputs pays one test per element, not one per
    /// node and element. Testing each node's own sinks there as well measured slower: the
    /// compiler merged the two tests into one per node.
    static SIDE_WORK: Cell<bool> = const { Cell::new(false) };
}

/// Sets [`SIDE_WORK`] for the duration of a fold whose tee has sinks, and restores it after
/// (also when a user closure panics): a nested task that rayon runs on this thread while the
/// fold waits leaves it as it found it.
struct SideWork(bool);

impl SideWork {
    fn enter(active: bool) -> Self {
        SideWork(SIDE_WORK.with(|w| w.replace(w.get() || active)))
    }
}

impl Drop for SideWork {
    fn drop(&mut self) {
        SIDE_WORK.with(|w| w.set(self.0));
    }
}

/// The fold step of a tee: feeds the side outputs, then folds. Made here rather than in
/// `Tee::fold` so that its type names the consumer's `F` but not the input iterator's type:
/// otherwise every fused node would repeat the types of the nodes below it.
fn tee_step<'a, B, T, F: FnMut(B, T) -> B + 'a>(
    sinks: &'a mut [Box<dyn Sink<T>>],
    mut f: F,
) -> impl FnMut(B, T) -> B + 'a {
    #[inline(always)]
    move |acc, x| {
        if SIDE_WORK.with(Cell::get) {
            return f(acc, push_all(sinks, x));
        }
        f(acc, x)
    }
}

/// Feeds one element to the side outputs. Out of line and cold: the step above is inlined into
/// every fused node's loop, and most nodes have no side output; a call the compiler thinks hot
/// makes it keep the loop's values in memory across it at every node. The element goes in and
/// out by value, as a reference would make every node store it.
#[cold]
#[inline(never)]
fn push_all<T>(sinks: &mut [Box<dyn Sink<T>>], x: T) -> T {
    for s in sinks {
        s.push(&x);
    }
    x
}

impl<I: Iterator<Item = T>, T> Iterator for Tee<I, T> {
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        match self.inner.next() {
            Some(x) => {
                for s in &mut self.sinks {
                    s.push(&x);
                }
                Some(x)
            }
            None => {
                finish(self.cx.take(), &mut self.sinks);
                None
            }
        }
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }

    /// Folds the input by value, so a fused chain below runs its own `fold` (a `&mut`
    /// iterator would fall back to `next` per element).
    #[inline]
    fn fold<B, F: FnMut(B, T) -> B>(self, init: B, f: F) -> B {
        let Tee {
            inner,
            mut sinks,
            cx,
        } = self;
        // Always through `tee_step`, even with nothing to feed: one fold type flows down the
        // chain. Choosing between `f` and a wrapped `f` here would instantiate the chain below
        // with both, doubling at every fused node.
        let side_work = SideWork::enter(!sinks.is_empty());
        let acc = inner.fold(init, tee_step(&mut sinks, f));
        drop(side_work);
        finish(cx, &mut sinks);
        acc
    }
}

/// Which task metric a [`Counting`] iterator adds its elements to.
#[derive(Clone, Copy)]
pub(crate) enum Count {
    /// Records a source read: the task's input.
    Input,
    /// Records the task's root produced: its output.
    Output,
}

/// Counts the elements of a partition into the task's metrics when it ends. Sources wrap what
/// they read, and a task's consumer wraps the root it iterates; the nodes between count
/// nothing, so a fused chain pays for two counters, not one per node.
///
/// "Ends" includes being dropped part way: a `take(5)` reads five elements and drops the
/// rest of the partition unread, and those five are what its task read and produced.
pub struct Counting<I> {
    inner: I,
    tally: Tally,
}

/// The count of a [`Counting`] iterator, added to the task's metrics once, when dropped
/// (after the last element, or part way, or while unwinding from a panic). Kept apart from
/// the iterator so that `fold` can still take the iterator apart by value.
struct Tally {
    cx: Option<(TaskContext, Count)>,
    n: u64,
}

impl Drop for Tally {
    fn drop(&mut self) {
        if let Some((cx, what)) = self.cx.take() {
            let n = self.n;
            cx.metrics(|m| match what {
                Count::Input => m.records_in += n,
                Count::Output => m.records_out += n,
            });
        }
    }
}

impl<I> Counting<I> {
    /// Counts into `what` of `cx`'s metrics; `None` iterates without counting.
    pub(crate) fn new(inner: I, cx: Option<(&TaskContext, Count)>) -> Self {
        Counting {
            inner,
            tally: Tally {
                cx: cx.map(|(cx, what)| (cx.clone(), what)),
                n: 0,
            },
        }
    }

    /// Counts node `id`'s partition as the task's output if `id` is the task's root.
    pub(crate) fn output(inner: I, cx: &TaskContext, id: usize) -> Self {
        Counting::new(inner, cx.is_root(id).then_some((cx, Count::Output)))
    }
}

/// The fold step of [`Counting`], made outside its impl for the reason given at `tee_step`.
fn count_step<'a, B, T, F: FnMut(B, T) -> B + 'a>(
    n: &'a mut u64,
    mut f: F,
) -> impl FnMut(B, T) -> B + 'a {
    #[inline(always)]
    move |acc, x| {
        *n += 1;
        f(acc, x)
    }
}

impl<I: Iterator> Iterator for Counting<I> {
    type Item = I::Item;

    #[inline]
    fn next(&mut self) -> Option<I::Item> {
        let x = self.inner.next();
        if x.is_some() {
            self.tally.n += 1;
        }
        x
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }

    #[inline]
    fn fold<B, F: FnMut(B, I::Item) -> B>(self, init: B, f: F) -> B {
        let Counting { inner, mut tally } = self;
        // Counted in a local, which stays in a register, and added once at the end: counting
        // into the tally (which its `Drop` reads, even while unwinding) kept the count in
        // memory, one store per element (+2.4% instructions on a fused chain). A fold that
        // panics loses its count; its task attempt has failed anyway.
        let mut n = 0u64;
        let acc = inner.fold(init, count_step(&mut n, f));
        tally.n += n;
        acc
    }
}

/// Clones the elements of a shared block.
pub struct SharedIter<T> {
    block: Arc<Vec<T>>,
    pos: usize,
}

impl<T> SharedIter<T> {
    pub(crate) fn new(block: Arc<Vec<T>>) -> Self {
        SharedIter { block, pos: 0 }
    }
}

impl<T: Clone> Iterator for SharedIter<T> {
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        let x = self.block.get(self.pos)?.clone();
        self.pos += 1;
        Some(x)
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.block.len() - self.pos;
        (n, Some(n))
    }
}

/// An iterator behind a pointer, where the type of a fused chain is cut: an `Rdd<T>` handle, and
/// every few nodes of a very long chain. Unlike `Box<dyn Iterator>`, whose `fold` falls back to
/// `next` (a generic method cannot be called through a pointer), it folds by running the boxed
/// iterator's own `fold`, so the chain below stays one loop and each element costs one
/// indirect call to the step above.
pub struct BoxedIter<'a, T>(Box<dyn DynIter<T> + 'a>);

impl<'a, T> BoxedIter<'a, T> {
    /// Boxes `it`.
    pub fn new(it: impl Iterator<Item = T> + 'a) -> Self {
        BoxedIter(Box::new(it))
    }
}

/// What [`BoxedIter`] calls through its pointer.
trait DynIter<T> {
    fn next_dyn(&mut self) -> Option<T>;
    fn size_hint_dyn(&self) -> (usize, Option<usize>);
    fn for_each_dyn(self: Box<Self>, f: &mut dyn FnMut(T));
}

impl<T, I: Iterator<Item = T>> DynIter<T> for I {
    fn next_dyn(&mut self) -> Option<T> {
        self.next()
    }

    fn size_hint_dyn(&self) -> (usize, Option<usize>) {
        self.size_hint()
    }

    fn for_each_dyn(self: Box<Self>, f: &mut dyn FnMut(T)) {
        (*self).for_each(f)
    }
}

impl<T> Iterator for BoxedIter<'_, T> {
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        self.0.next_dyn()
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint_dyn()
    }

    fn fold<B, F: FnMut(B, T) -> B>(self, init: B, mut f: F) -> B {
        // The accumulator lives here, outside the boxed loop, which only sees elements.
        let mut acc = Some(init);
        self.0.for_each_dyn(&mut |x| {
            let a = acc
                .take()
                .expect("the accumulator is put back after every step");
            acc = Some(f(a, x));
        });
        acc.expect("the accumulator is put back after every step")
    }
}

#[cfg(test)]
mod tests {
    use super::BoxedIter;

    /// Yields a vector's elements and counts the calls to `next`; its `fold` does not use `next`.
    struct CountsNext<'a>(std::vec::IntoIter<u32>, &'a mut usize);

    impl Iterator for CountsNext<'_> {
        type Item = u32;
        fn next(&mut self) -> Option<u32> {
            *self.1 += 1;
            self.0.next()
        }
        fn fold<B, F: FnMut(B, u32) -> B>(self, init: B, f: F) -> B {
            self.0.fold(init, f)
        }
    }

    #[test]
    fn a_boxed_iterator_folds_through_the_inner_fold_not_next() {
        let mut calls = 0;
        let it =
            BoxedIter::new(CountsNext(vec![1, 2, 3, 4].into_iter(), &mut calls).map(|x| x * 10));
        let folded: Vec<u32> = it.fold(Vec::new(), |mut v, x| {
            v.push(x);
            v
        });
        assert_eq!(folded, [10, 20, 30, 40]);
        assert_eq!(calls, 0, "fold went through next");

        let mut calls = 0;
        let collected: Vec<u32> =
            BoxedIter::new(CountsNext(vec![5, 6].into_iter(), &mut calls)).collect();
        assert_eq!(collected, [5, 6]);
    }
}
