//! `union(other)`: the partitions of the parent, then those of `other`, unchanged.

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

/// One of two iterators.
pub enum Either<L, R> {
    /// The first.
    Left(L),
    /// The second.
    Right(R),
}

impl<T, L: Iterator<Item = T>, R: Iterator<Item = T>> Iterator for Either<L, R> {
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        match self {
            Either::Left(l) => l.next(),
            Either::Right(r) => r.next(),
        }
    }

    #[inline]
    fn fold<B, F: FnMut(B, T) -> B>(self, init: B, f: F) -> B {
        match self {
            Either::Left(l) => l.fold(init, f),
            Either::Right(r) => r.fold(init, f),
        }
    }
}
