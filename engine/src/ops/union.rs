//! `union(other)`: the partitions of the parent, then those of `other`, unchanged; or, when
//! both inputs have the same partitioner, partition `i` of both inputs together, keeping the
//! partitioner (Spark's `PartitionerAwareUnion`), so a later join or `reduce_by_key` by that
//! partitioner needs no shuffle.

use either::Either;

use crate::error::Result;
use crate::node_info::NodeInfo;
use crate::partitioner::Partitioner;
use crate::rdd::Dataset;
use crate::task::Site;

/// The `union` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

impl<In> Op<In, In> {
    /// The partition count and partitioner of the union of `a` and `b`.
    pub fn layout<A, B>(_node: &'static str, a: &A, b: &B) -> Result<(usize, Option<Partitioner>)>
    where
        A: Dataset<Item = In>,
        B: Dataset<Item = In>,
    {
        Ok(match shared_partitioner(a, b) {
            Some(p) => (a.num_partitions(), Some(p)),
            None => (a.num_partitions() + b.num_partitions(), None),
        })
    }

    /// Partition `site.part` of the union: partition `i` of both parents when they share a
    /// partitioner (`info.partitioner` is then set), else a partition of one parent or the
    /// other.
    #[inline]
    pub fn apply<A, B>(
        site: Site,
        info: &NodeInfo,
        a: &A,
        b: &B,
    ) -> impl Iterator<Item = In> + use<In, A, B>
    where
        A: Dataset<Item = In>,
        B: Dataset<Item = In>,
    {
        let (cx, p) = (&site.cx, site.part);
        if info.partitioner.is_some() {
            return Either::Left(a.iter_parent(cx, p).chain(b.iter_parent(cx, p)));
        }
        let na = a.num_partitions();
        Either::Right(if p < na {
            Either::Left(a.iter_parent(cx, p))
        } else {
            Either::Right(b.iter_parent(cx, p - na))
        })
    }
}

/// The partitioner of both inputs, if they have the same one.
fn shared_partitioner<A: Dataset, B: Dataset>(a: &A, b: &B) -> Option<Partitioner> {
    let p = a.partitioner()?;
    (b.partitioner().as_ref() == Some(&p)).then_some(p)
}
