//! `intersection(other)`: the distinct elements that are in both the parent and `other`
//! (Spark's `intersection`: a cogroup of `(x, ())` pairs keeping the keys with values on both
//! sides). Both inputs are shuffled by the whole element; without a partition count the
//! default-partitioner rule picks the count (the inputs' partitioners place pairs by key, not
//! whole elements, so none is reused), and the output has no partitioner.

use rustc_hash::FxHashSet;

use super::cogroup::Side;
use crate::data::Key;
use crate::task::Site;

/// The `intersection` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

impl<In: Key> Op<In, In> {
    /// Each element of one output partition found on both sides, once, in the parent's
    /// arrival order.
    pub fn reduce_side(
        _site: Site,
        left: Side<impl Iterator<Item = In>, In>,
        right: Side<impl Iterator<Item = In>, In>,
    ) -> impl Iterator<Item = In> {
        let mut other: FxHashSet<In> = right.collect();
        // Removing an element once it is emitted makes each appear once.
        left.filter(move |x| other.remove(x))
    }
}
