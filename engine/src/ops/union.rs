//! `union(other)`: the partitions of the parent, then those of `other`, unchanged.

use either::Either;

use crate::rdd::Dataset;
use crate::task::Site;

/// The `union` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

impl<In> Op<In, In> {
    /// Partition `site.part` of the union: a partition of one parent or the other.
    #[inline]
    pub fn apply<A, B>(
        site: Site,
        a: &A,
        b: &B,
    ) -> Either<impl Iterator<Item = In> + use<In, A, B>, impl Iterator<Item = In> + use<In, A, B>>
    where
        A: Dataset<Item = In>,
        B: Dataset<Item = In>,
    {
        let na = a.num_partitions();
        if site.part < na {
            Either::Left(a.iter_parent(&site.cx, site.part))
        } else {
            Either::Right(b.iter_parent(&site.cx, site.part - na))
        }
    }
}
