//! `zip(other)`: element `k` of partition `i` of the parent paired with element `k` of
//! partition `i` of `other` (Spark's `zip`). Both inputs must have the same partition count
//! (checked when the pipeline is built) and, per partition, the same number of elements
//! (checked as the partition is read: a task that finds one side longer fails with an error
//! naming both nodes instead of truncating).

use crate::error::{Error, Result};
use crate::node_info::NodeInfo;
use crate::partitioner::Partitioner;
use crate::rdd::Dataset;
use crate::task::{Site, TaskContext};

/// The `zip` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

impl<In, U> Op<In, (In, U)> {
    /// The partition count of the zip (that of both inputs); no partitioner, as the elements
    /// are new pairs. Differing counts are an error naming both inputs.
    pub fn layout<A, B>(node: &'static str, a: &A, b: &B) -> Result<(usize, Option<Partitioner>)>
    where
        A: Dataset<Item = In>,
        B: Dataset<Item = U>,
    {
        let (na, nb) = (a.num_partitions(), b.num_partitions());
        if na != nb {
            return Err(Error::InvalidArgument(format!(
                "node `{node}`: `zip` needs inputs with the same number of partitions, but \
                 `{}` has {na} and `{}` has {nb}; use `coalesce` or `repartition` to match them",
                label(a),
                label(b)
            )));
        }
        Ok((na, None))
    }

    /// Partition `site.part` of both inputs, paired.
    #[inline]
    pub fn apply<A, B>(
        site: Site,
        _info: &NodeInfo,
        a: &A,
        b: &B,
    ) -> impl Iterator<Item = (In, U)> + use<In, U, A, B>
    where
        A: Dataset<Item = In>,
        B: Dataset<Item = U>,
    {
        Zip {
            a: a.iter_parent(&site.cx, site.part),
            b: b.iter_parent(&site.cx, site.part),
            names: (label(a), label(b)),
            site,
            done: false,
        }
    }
}

fn label<D: Dataset>(d: &D) -> &'static str {
    d.core().info().label
}

/// Pairs two iterators; one that ends before the other fails the task.
struct Zip<A, B> {
    a: A,
    b: B,
    names: (&'static str, &'static str),
    site: Site,
    done: bool,
}

impl<A: Iterator, B: Iterator> Iterator for Zip<A, B> {
    type Item = (A::Item, B::Item);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match (self.a.next(), self.b.next()) {
            (Some(x), Some(y)) => Some((x, y)),
            (None, None) => {
                self.done = true;
                None
            }
            (x, _) => {
                self.done = true;
                mismatch(
                    &self.site.cx,
                    self.site.node,
                    self.site.part,
                    self.names,
                    x.is_some(),
                );
                None
            }
        }
    }
}

/// Fails the task: partition `part` of one input has more elements than the other's.
#[cold]
fn mismatch(
    cx: &TaskContext,
    node: &'static str,
    part: usize,
    (a, b): (&'static str, &'static str),
    a_longer: bool,
) {
    let (longer, shorter) = if a_longer { (a, b) } else { (b, a) };
    cx.fail(Error::InvalidArgument(format!(
        "node `{node}`: `zip` needs the same number of elements in each partition, but \
         partition {part} of `{longer}` has more elements than partition {part} of `{shorter}`"
    )));
}
