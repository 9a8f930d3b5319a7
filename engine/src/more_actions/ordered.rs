//! `top`, `take_ordered`, `max` and `min`: each partition keeps at most `n` elements in a
//! bounded heap, so a job holds O(partitions x n) elements, never the whole RDD.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::actions::Handle;
use crate::actions::{MERGING, label, per_partition};
use crate::error::Result;
use crate::task::on_caller;

/// The `n` smallest elements of `iter`, ascending, holding at most `n` of them at a time.
pub(crate) fn smallest<T: Ord>(iter: impl Iterator<Item = T>, n: usize) -> Vec<T> {
    if n == 0 {
        return Vec::new();
    }
    // A max-heap of the n smallest so far: a new element replaces the largest when smaller.
    let mut heap = BinaryHeap::with_capacity(n);
    for x in iter {
        if heap.len() < n {
            heap.push(x);
        } else if let Some(mut top) = heap.peek_mut()
            && x < *top
        {
            *top = x;
        }
    }
    heap.into_sorted_vec()
}

/// The `n` smallest elements of `d`, ascending.
pub(crate) fn take_ordered<D>(d: &D, n: usize) -> Result<Vec<D::Item>>
where
    D: Handle,
    D::Item: Ord,
{
    if n == 0 {
        return Ok(Vec::new());
    }
    let parts = per_partition(d, |cx, p| Ok(smallest(d.iter_partition(cx, p), n)))?;
    on_caller(label(d), MERGING, || {
        smallest(parts.into_iter().flatten(), n)
    })
}

/// The `n` largest elements of `d`, descending.
pub(crate) fn top<D>(d: &D, n: usize) -> Result<Vec<D::Item>>
where
    D: Handle,
    D::Item: Ord,
{
    if n == 0 {
        return Ok(Vec::new());
    }
    let parts = per_partition(d, |cx, p| {
        Ok(smallest(d.iter_partition(cx, p).map(Reverse), n))
    })?;
    on_caller(label(d), MERGING, || {
        smallest(parts.into_iter().flatten(), n)
            .into_iter()
            .map(|Reverse(x)| x)
            .collect()
    })
}

/// The largest element (the last of equal ones in partition order, as `Iterator::max`).
pub(crate) fn max<D>(d: &D) -> Result<Option<D::Item>>
where
    D: Handle,
    D::Item: Ord,
{
    let parts = per_partition(d, |cx, p| Ok(d.iter_partition(cx, p).max()))?;
    on_caller(label(d), MERGING, || parts.into_iter().flatten().max())
}

/// The smallest element (the first of equal ones, as `Iterator::min`).
pub(crate) fn min<D>(d: &D) -> Result<Option<D::Item>>
where
    D: Handle,
    D::Item: Ord,
{
    let parts = per_partition(d, |cx, p| Ok(d.iter_partition(cx, p).min()))?;
    on_caller(label(d), MERGING, || parts.into_iter().flatten().min())
}

#[cfg(test)]
mod tests {
    use super::smallest;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn smallest_is_the_sorted_prefix(v in proptest::collection::vec(any::<i16>(), 0..300), n in 0usize..40) {
            let mut sorted = v.clone();
            sorted.sort();
            sorted.truncate(n);
            prop_assert_eq!(smallest(v.into_iter(), n), sorted);
        }
    }
}
