//! `cartesian(other)`: every pair `(x, y)` of an element of the parent and one of `other`, as
//! Spark's `CartesianRDD`: partition `i * m + j` (for `m` partitions of `other`) pairs
//! partition `i` of the parent with partition `j` of `other`, so there are `n * m` partitions,
//! each depending narrowly on one partition of each input (no shuffle). Within a partition the
//! order is Spark's: for each `x` in arrival order, every `y` in arrival order.
//!
//! Spark recomputes `other`'s partition for every `x`; here it is computed once per task and
//! held while the parent's partition streams past it.

use std::sync::Arc;

use crate::data::{Data, Pair};
use crate::rdd::Dataset;
use crate::task::Site;

/// The `cartesian` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

/// The partition count of the cartesian product of inputs of `a` and `b` partitions.
pub fn partitions(a: usize, b: usize) -> usize {
    a * b
}

impl<In: Data, Out> Op<In, Out> {
    /// Partition `site.part` of the product: the pairs of one partition of each input.
    pub fn apply<A, B>(site: Site, a: &A, b: &B) -> impl Iterator<Item = Out> + use<In, Out, A, B>
    where
        A: Dataset<Item = In>,
        B: Dataset,
        Out: Pair<Key = In, Value = B::Item>,
    {
        let m = b.num_partitions().max(1);
        let (i, j) = (site.part / m, site.part % m);
        let right: Arc<[B::Item]> = b.iter_parent(&site.cx, j).collect();
        a.iter_parent(&site.cx, i)
            .flat_map(pairs_with::<Out>(right))
    }
}

/// `x` to its pairs with every element of `right` (a function, so the result's type does not
/// name the parent's iterator).
fn pairs_with<Out: Pair>(right: Arc<[Out::Value]>) -> impl FnMut(Out::Key) -> PairsWith<Out> {
    move |x| PairsWith {
        x,
        right: right.clone(),
        next: 0,
    }
}

/// One `x` paired with each element of `right` in turn.
pub struct PairsWith<Out: Pair> {
    x: Out::Key,
    right: Arc<[Out::Value]>,
    next: usize,
}

impl<Out: Pair> Iterator for PairsWith<Out> {
    type Item = Out;

    fn next(&mut self) -> Option<Out> {
        let y = self.right.get(self.next)?.clone();
        self.next += 1;
        Some(Out::from_parts(self.x.clone(), y))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.right.len() - self.next;
        (n, Some(n))
    }
}
