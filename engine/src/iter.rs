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
    fn fold<B, F: FnMut(B, T) -> B>(self, init: B, mut f: F) -> B {
        // Moved out rather than folded through `&mut`: `<&mut I>::fold` runs on `I::try_fold`,
        // which the node iterators do not forward (it cannot be written on stable Rust), so it
        // would fall back to `next` for every element of the chain below.
        let Tee {
            inner,
            mut sinks,
            cx,
            counted,
            n,
        } = self;
        if cx.is_none() {
            return inner.fold(init, f);
        }
        let mut m = 0;
        let acc = inner.fold(init, |acc, x| {
            m += 1;
            for s in &mut sinks {
                s.push(&x);
            }
            f(acc, x)
        });
        let mut done = Tee {
            inner: (),
            sinks,
            cx,
            counted,
            n: n + m,
        };
        done.finish();
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

/// An iterator behind a box whose whole run is one dynamic call: [`BoxedIter`]'s `fold`.
pub trait FoldDyn<T>: Iterator<Item = T> {
    /// Feeds every remaining element to `f`, through the iterator's own `fold`.
    fn fold_dyn(self: Box<Self>, f: &mut dyn FnMut(T));
}

impl<I: Iterator<Item = T>, T> FoldDyn<T> for I {
    #[inline]
    fn fold_dyn(self: Box<Self>, f: &mut dyn FnMut(T)) {
        (*self).for_each(f)
    }
}

/// A boxed iterator (an `Rdd<T>`'s partition, a chain cut to keep types short) that forwards
/// `fold` with one dynamic call per partition, so the iterators above and below it keep their
/// own loops. `Box<dyn Iterator>` would fold through `next`: one dynamic call per element, and
/// every adapter below it driven element by element.
pub struct BoxedIter<'a, T>(Box<dyn FoldDyn<T> + 'a>);

impl<'a, T> BoxedIter<'a, T> {
    /// Boxes `it`.
    pub fn new(it: impl Iterator<Item = T> + 'a) -> Self {
        BoxedIter(Box::new(it))
    }
}

impl<T> Iterator for BoxedIter<'_, T> {
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        self.0.next()
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }

    #[inline]
    fn fold<B, F: FnMut(B, T) -> B>(self, init: B, f: F) -> B {
        fold_boxed(self.0, init, f)
    }
}

/// `BoxedIter::fold`: the accumulator lives in an `Option` so the `FnMut(T)` the box takes
/// can thread it through `f`.
#[inline]
fn fold_boxed<'a, T, B, F: FnMut(B, T) -> B>(it: Box<dyn FoldDyn<T> + 'a>, init: B, mut f: F) -> B {
    let mut acc = Some(init);
    it.fold_dyn(&mut |x| {
        if let Some(a) = acc.take() {
            acc = Some(f(a, x));
        }
    });
    match acc {
        Some(a) => a,
        None => unreachable!("the accumulator is put back after every element"),
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::rc::Rc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use super::*;
    use crate::error::Result;
    use crate::task::Commit;

    /// Yields `0..n`; counts the calls of `next`, while its `fold` runs its own loop.
    struct Counting {
        left: std::ops::Range<u32>,
        nexts: Rc<Cell<u32>>,
    }

    impl Counting {
        fn new(n: u32) -> (Self, Rc<Cell<u32>>) {
            let nexts = Rc::new(Cell::new(0));
            (
                Counting {
                    left: 0..n,
                    nexts: nexts.clone(),
                },
                nexts,
            )
        }
    }

    impl Iterator for Counting {
        type Item = u32;

        fn next(&mut self) -> Option<u32> {
            self.nexts.set(self.nexts.get() + 1);
            self.left.next()
        }

        fn fold<B, F: FnMut(B, u32) -> B>(self, init: B, f: F) -> B {
            self.left.fold(init, f)
        }
    }

    #[test]
    fn boxed_iter_folds_through_the_inner_fold() {
        let (it, nexts) = Counting::new(1000);
        let sum = BoxedIter::new(it.map(u64::from)).fold(0u64, |a, x| a + x);
        assert_eq!(sum, 999 * 1000 / 2);
        assert_eq!(nexts.get(), 0, "fold must not fall back to next");
        // `next` still works, and a fold after it continues where it stopped.
        let (it, nexts) = Counting::new(4);
        let mut b = BoxedIter::new(it);
        assert_eq!(b.next(), Some(0));
        let rest = b.fold(Vec::new(), |mut v, x| {
            v.push(x);
            v
        });
        assert_eq!(rest, vec![1, 2, 3]);
        assert_eq!(nexts.get(), 1);
    }

    /// Collects what it is fed; its commit sets the flag.
    struct Collect(Arc<std::sync::Mutex<Vec<u32>>>, Arc<AtomicBool>);

    impl Sink<u32> for Collect {
        fn push(&mut self, item: &u32) {
            self.0.lock().unwrap().push(*item);
        }

        fn finish(self: Box<Self>, _cx: &TaskContext) -> Result<Commit> {
            let done = self.1.clone();
            Ok(Box::new(move || {
                done.store(true, Ordering::SeqCst);
                Ok(())
            }))
        }
    }

    #[test]
    fn tee_with_side_outputs_folds_through_the_inner_fold() {
        let ctx = crate::context::Context::builder()
            .threads(1)
            .build()
            .unwrap();
        let cx = TaskContext::new(&ctx, 0, 1, 0);
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let done = Arc::new(AtomicBool::new(false));
        let (it, nexts) = Counting::new(100);
        let tee = Tee::new(
            it,
            vec![Box::new(Collect(seen.clone(), done.clone()))],
            &cx,
            Counted::default(),
        );
        assert_eq!(tee.fold(0u32, |a, x| a + x), 99 * 100 / 2);
        assert_eq!(nexts.get(), 0, "fold must not fall back to next");
        assert_eq!(*seen.lock().unwrap(), (0..100).collect::<Vec<_>>());
        // Finished: its commit was queued on the task.
        cx.run_commits().unwrap();
        assert!(done.load(Ordering::SeqCst));
    }
}
