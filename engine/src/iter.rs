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
        if let Some(cx) = self.cx.take() {
            let (c, n) = (self.counted, self.n);
            if c.any() {
                cx.metrics(|m| {
                    m.records_in += if c.input { n } else { 0 };
                    m.records_out += if c.output { n } else { 0 };
                });
            }
            for s in self.sinks.drain(..) {
                match s.finish(&cx) {
                    Ok(c) => cx.add_commit(c),
                    Err(e) => cx.fail(e),
                }
            }
        }
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

    #[inline]
    fn fold<B, F: FnMut(B, T) -> B>(mut self, init: B, mut f: F) -> B {
        if self.cx.is_none() {
            return self.inner.fold(init, f);
        }
        let mut sinks = std::mem::take(&mut self.sinks);
        let mut n = 0;
        let acc = (&mut self.inner).fold(init, |acc, x| {
            n += 1;
            for s in &mut sinks {
                s.push(&x);
            }
            f(acc, x)
        });
        self.sinks = sinks;
        self.n += n;
        self.finish();
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
