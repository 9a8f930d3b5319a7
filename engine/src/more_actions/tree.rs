//! `tree_aggregate` and `tree_reduce`: partition results combined in rounds of groups, as
//! Spark's `treeAggregate`, rather than all at once; each round's groups are combined in
//! parallel, so a costly `comb` (merging large vectors, say) is not one serial chain.

use rayon::prelude::*;

use crate::actions::Handle;
use crate::actions::{MERGING, label, per_partition};
use crate::error::{Error, Result};
use crate::task::on_caller;

pub(crate) fn tree_aggregate<D, U, S, C>(
    d: &D,
    zero: U,
    seq: &S,
    comb: &C,
    depth: usize,
) -> Result<U>
where
    D: Handle,
    U: Clone + Send + Sync,
    S: Fn(U, D::Item) -> U + Send + Sync,
    C: Fn(U, U) -> U + Send + Sync,
{
    if depth < 1 {
        return Err(Error::InvalidArgument(format!(
            "tree_aggregate depth must be >= 1, got {depth} (node `{}`)",
            label(d)
        )));
    }
    let parts = per_partition(d, |cx, p| {
        Ok(d.iter_partition(cx, p).fold(zero.clone(), seq))
    })?;
    on_caller(label(d), MERGING, || {
        let merged = tree_combine(parts, depth, &|a, b| comb(a, b));
        merged.into_iter().fold(zero, comb)
    })
}

pub(crate) fn tree_reduce<D, F>(d: &D, f: &F, depth: usize) -> Result<Option<D::Item>>
where
    D: Handle,
    F: Fn(D::Item, D::Item) -> D::Item + Send + Sync,
{
    let opt = |a: Option<D::Item>, b: Option<D::Item>| match (a, b) {
        (Some(a), Some(b)) => Some(f(a, b)),
        (a, b) => a.or(b),
    };
    tree_aggregate(d, None, &|acc, x| opt(acc, Some(x)), &opt, depth)
}

/// Spark's rounds: with `scale = max(ceil(n^(1/depth)), 2)`, while more than
/// `scale + n / scale` results are left, results `i` and `j` with `i % (n / scale)` equal are
/// combined (in partition order within a group); what is left is combined by the caller.
fn tree_combine<U: Send>(
    mut parts: Vec<U>,
    depth: usize,
    comb: &(dyn Fn(U, U) -> U + Sync),
) -> Vec<U> {
    let mut n = parts.len();
    let scale = ((n as f64).powf(1.0 / depth as f64).ceil() as usize).max(2);
    while n > scale + n.div_ceil(scale) {
        n /= scale;
        let mut groups: Vec<Vec<U>> = (0..n).map(|_| Vec::new()).collect();
        for (i, u) in parts.into_iter().enumerate() {
            groups[i % n].push(u);
        }
        parts = groups
            .into_par_iter()
            .filter_map(|g| g.into_iter().reduce(comb))
            .collect();
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::tree_combine;
    use proptest::prelude::*;

    proptest! {
        /// Every depth keeps every element exactly once.
        #[test]
        fn combining_keeps_every_part(n in 0usize..200, depth in 1usize..5) {
            let parts: Vec<Vec<usize>> = (0..n).map(|i| vec![i]).collect();
            let left = tree_combine(parts, depth, &|mut a, b| { a.extend(b); a });
            let mut all: Vec<usize> = left.into_iter().flatten().collect();
            all.sort();
            prop_assert_eq!(all, (0..n).collect::<Vec<_>>());
        }
    }
}
