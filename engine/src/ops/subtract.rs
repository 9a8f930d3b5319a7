//! `subtract(other)`: the elements of the parent that are not elements of `other`, each kept
//! as often as the parent has it (Spark's `subtract`: a `subtractByKey` of `(x, ())` pairs).
//! Both inputs are shuffled by the whole element; without a partition count the output has
//! the parent's partition count, as in Spark.

use rustc_hash::FxHashSet;

use super::cogroup::Side;
use crate::data::Key;
use crate::task::Site;

/// The `subtract` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

impl<In: Key> Op<In, In> {
    /// The parent's elements of one output partition that `right` lacks, in arrival order.
    pub fn reduce_side(
        _site: Site,
        left: Side<impl Iterator<Item = In>, In>,
        right: Side<impl Iterator<Item = In>, In>,
    ) -> impl Iterator<Item = In> {
        let other: FxHashSet<In> = right.collect();
        left.filter(move |x| !other.contains(x))
    }
}
