//! `filter_by_range(lo, hi)`: keeps the pairs whose key `k` has `lo <= k <= hi` (Spark's
//! `OrderedRDDFunctions.filterByRange`). On an input range-partitioned by its key (after
//! `sort_by_key`) the partitions whose range cannot hold such keys are not read at all: they
//! are empty without computing the parent's partition.

use either::Either;

use crate::data::{Data, Pair};
use crate::error::Result;
use crate::node_info::NodeInfo;
use crate::partitioner::Partitioner;
use crate::range::partition_of;
use crate::rdd::Dataset;
use crate::task::{PanicScope, Site};

/// The `filter_by_range` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

impl<In: Pair> Op<In, In>
where
    In::Key: Ord,
{
    /// The parent's partitions and partitioner: filtering moves no element.
    pub fn layout<A>(_node: &'static str, a: &A) -> Result<(usize, Option<Partitioner>)>
    where
        A: Dataset<Item = In>,
    {
        Ok((a.num_partitions(), a.partitioner()))
    }

    /// Partition `site.part`: the parent's pairs with keys in `lo..=hi`, or nothing (the
    /// parent's partition unread) when its key range lies outside.
    #[inline]
    pub fn apply<A>(
        site: Site,
        _info: &NodeInfo,
        a: &A,
        lo: In::Key,
        hi: In::Key,
    ) -> impl Iterator<Item = In> + use<In, A>
    where
        A: Dataset<Item = In>,
    {
        let g = PanicScope::enter(site.node);
        let read = may_hold(a, site.part, &lo, &hi);
        g.exit();
        if !read {
            return Either::Left(std::iter::empty());
        }
        let node = site.node;
        Either::Right(
            a.iter_parent(&site.cx, site.part)
                .filter(in_range(node, lo, hi)),
        )
    }
}

/// Whether partition `part` of `a` may hold keys in `lo..=hi`: false only when `a` is
/// range-partitioned by its key and the partitions of `lo` and `hi` both lie on one side.
fn may_hold<A: Dataset>(
    a: &A,
    part: usize,
    lo: &<A::Item as Pair>::Key,
    hi: &<A::Item as Pair>::Key,
) -> bool
where
    A::Item: Pair,
    <A::Item as Pair>::Key: Ord,
{
    let Some(range) = a.erased().key_range() else {
        return true;
    };
    let Ok(bounds) = range.bounds.downcast::<Vec<<A::Item as Pair>::Key>>() else {
        return true;
    };
    let (x, y) = (
        partition_of(&bounds, lo, range.ascending),
        partition_of(&bounds, hi, range.ascending),
    );
    (x.min(y)..=x.max(y)).contains(&part)
}

/// The range test, made outside `apply` (see `task::guard1`).
fn in_range<In: Pair>(node: &'static str, lo: In::Key, hi: In::Key) -> impl FnMut(&In) -> bool
where
    In::Key: Ord + Data,
{
    move |kv| {
        let g = PanicScope::enter(node);
        let k = kv.key();
        let keep = lo <= *k && *k <= hi;
        g.exit();
        keep
    }
}
