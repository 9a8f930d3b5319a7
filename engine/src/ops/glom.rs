//! `glom`: a partition becomes one element, the `Vec` of its elements (Spark's `glom`; an
//! empty partition gives an empty `Vec`).

use crate::task::Site;

/// The `glom` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

impl<In> Op<In, Vec<In>> {
    /// Builds the operator's one-element iterator over one partition.
    #[inline]
    pub fn apply(_site: Site, input: impl Iterator<Item = In>) -> impl Iterator<Item = Vec<In>> {
        std::iter::once_with(move || {
            let mut v = Vec::new();
            // `for_each`, not `collect`: fused chains run their loop through `fold`.
            input.for_each(|x| v.push(x));
            v
        })
    }
}
