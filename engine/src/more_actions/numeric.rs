//! `sum`, `stats` (and `mean` from it) and `histogram`: one value per partition (a partial
//! sum, a `StatCounter`, bucket counts), merged on the caller's thread.

use std::iter::Sum;

use crate::actions::Handle;
use crate::actions::{MERGING, label, per_partition};
use crate::error::Result;
use crate::stats::{Buckets, Numeric, StatCounter, bucket_of, check_bounds, even_bounds};
use crate::task::on_caller;

pub(crate) fn sum<D>(d: &D) -> Result<D::Item>
where
    D: Handle,
    D::Item: Sum,
{
    let parts = per_partition(d, |cx, p| Ok(d.iter_partition(cx, p).sum::<D::Item>()))?;
    on_caller(label(d), MERGING, || parts.into_iter().sum())
}

pub(crate) fn stats<D>(d: &D) -> Result<StatCounter>
where
    D: Handle,
    D::Item: Numeric,
{
    let parts = per_partition(d, |cx, p| {
        let mut s = StatCounter::new();
        d.iter_partition(cx, p).for_each(|x| s.add(x.to_f64()));
        Ok(s)
    })?;
    let mut all = StatCounter::new();
    parts.iter().for_each(|s| all.merge(s));
    Ok(all)
}

pub(crate) fn histogram<D>(d: &D, buckets: Buckets) -> Result<(Vec<f64>, Vec<u64>)>
where
    D: Handle,
    D::Item: Numeric,
{
    let (bounds, even) = match buckets {
        Buckets::Count(k) => {
            if k == 0 {
                // Refused before running a job.
                even_bounds(0.0, 0.0, 0)?;
            }
            let s = stats(d)?;
            (even_bounds(s.min(), s.max(), k)?, true)
        }
        Buckets::Bounds(b) => {
            check_bounds(&b)?;
            (b, false)
        }
    };
    let k = bounds.len() - 1;
    let parts = per_partition(d, |cx, p| {
        let mut counts = vec![0u64; k];
        for x in d.iter_partition(cx, p) {
            if let Some(i) = bucket_of(&bounds, even, x.to_f64()) {
                counts[i] += 1;
            }
        }
        Ok(counts)
    })?;
    let counts = on_caller(label(d), MERGING, || {
        parts.into_iter().fold(vec![0u64; k], |mut acc, c| {
            acc.iter_mut().zip(c).for_each(|(a, b)| *a += b);
            acc
        })
    })?;
    Ok((bounds, counts))
}
