//! The iterators at node boundaries: computed (with side outputs), decoded, or shared blocks.
//! Each implements `fold` by delegating, so consumers that fold pay the dispatch once per
//! partition, not once per element.

use std::sync::Arc;

use crate::storage::Sink;
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

    #[inline]
    fn fold<B, F: FnMut(B, T) -> B>(self, init: B, f: F) -> B {
        match self {
            NodeIter::Computed(i) => i.fold(init, f),
            NodeIter::Owned(i) => i.fold(init, f),
            NodeIter::Shared(i) => i.fold(init, f),
        }
    }
}

/// Passes a computed partition through, feeding each element to the side outputs; when the
/// partition ends they are finished and their commits queued on the task. It also counts the
/// elements when they are the task's input (a source) or output (the stage's last node).
pub struct Tee<I, T> {
    inner: I,
    sinks: Vec<Box<dyn Sink<T>>>,
    cx: Option<TaskContext>,
    counted: Counted,
    n: u64,
}

/// Which task metrics a node's elements count towards.
#[derive(Clone, Copy, Default)]
pub(crate) struct Counted {
    pub(crate) input: bool,
    pub(crate) output: bool,
}

impl Counted {
    fn any(self) -> bool {
        self.input || self.output
    }
}

impl<I, T> Tee<I, T> {
    pub(crate) fn new(
        inner: I,
        sinks: Vec<Box<dyn Sink<T>>>,
        cx: &TaskContext,
        counted: Counted,
    ) -> Self {
        let cx = (!sinks.is_empty() || counted.any()).then(|| cx.clone());
        Tee {
            inner,
            sinks,
            cx,
            counted,
            n: 0,
        }
    }

    fn finish(&mut self) {
        finish(self.cx.take(), self.counted, self.n, &mut self.sinks);
    }
}

/// Ends a tee'd partition: adds its counts to the task's metrics, finishes the side outputs and
/// queues their commits on the task.
fn finish<T>(cx: Option<TaskContext>, c: Counted, n: u64, sinks: &mut Vec<Box<dyn Sink<T>>>) {
    let Some(cx) = cx else { return };
    if c.any() {
        cx.metrics(|m| {
            m.records_in += if c.input { n } else { 0 };
            m.records_out += if c.output { n } else { 0 };
        });
    }
    for s in sinks.drain(..) {
        match s.finish(&cx) {
            Ok(c) => cx.add_commit(c),
            Err(e) => cx.fail(e),
        }
    }
}

/// The fold step of a tee: counts, feeds the side outputs, then folds. Made here rather than
/// in `Tee::fold` so that its type names the consumer's `F` but not the input iterator's type:
/// otherwise every fused node would repeat the types of the nodes below it.
fn tee_step<'a, B, T, F: FnMut(B, T) -> B + 'a>(
    sinks: &'a mut [Box<dyn Sink<T>>],
    n: &'a mut u64,
    mut f: F,
) -> impl FnMut(B, T) -> B + 'a {
    move |acc, x| {
        *n += 1;
        for s in sinks.iter_mut() {
            s.push(&x);
        }
        f(acc, x)
    }
}

impl<I: Iterator<Item = T>, T> Iterator for Tee<I, T> {
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        match self.inner.next() {
            Some(x) => {
                self.n += 1;
                for s in &mut self.sinks {
                    s.push(&x);
                }
                Some(x)
            }
            None => {
                self.finish();
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
            counted,
            mut n,
        } = self;
        // Always through `tee_step`, even with nothing to count or feed: one fold type flows
        // down the chain. Choosing between `f` and a wrapped `f` here would instantiate the
        // chain below with both, doubling at every fused node.
        let acc = inner.fold(init, tee_step(&mut sinks, &mut n, f));
        finish(cx, counted, n, &mut sinks);
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
