//! `take_sample(with_replacement, n, seed)`: an exact uniform sample of `n` elements,
//! returned in random order, the same for the same seed and partitioning.
//!
//! Without replacement each element gets a random key and each partition keeps the `n`
//! smallest keys (a bounded heap, as `take_ordered`); the `n` smallest overall are a uniform
//! sample. With replacement a first job counts each partition, `n` positions are drawn among
//! all elements, and a second job picks the elements at them.

use std::cmp::Ordering;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;

use super::ordered::smallest;
use crate::actions::Handle;
use crate::actions::{MERGING, label, per_partition};
use crate::error::Result;
use crate::task::on_caller;

/// A partition's own stream, the same on every run and attempt (as `sample`'s).
fn partition_rng(seed: u64, part: usize) -> Pcg64Mcg {
    Pcg64Mcg::seed_from_u64(seed ^ (part as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// An element ordered by its random key only.
struct Keyed<T>(u64, T);

impl<T> PartialEq for Keyed<T> {
    fn eq(&self, o: &Self) -> bool {
        self.0 == o.0
    }
}
impl<T> Eq for Keyed<T> {}
impl<T> PartialOrd for Keyed<T> {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl<T> Ord for Keyed<T> {
    fn cmp(&self, o: &Self) -> Ordering {
        self.0.cmp(&o.0)
    }
}

pub(crate) fn take_sample<D: Handle>(
    d: &D,
    with_replacement: bool,
    n: usize,
    seed: u64,
) -> Result<Vec<D::Item>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    if !with_replacement {
        let parts = per_partition(d, |cx, p| {
            let mut rng = partition_rng(seed, p);
            let keyed = d.iter_partition(cx, p).map(|x| Keyed(rng.random(), x));
            Ok(smallest(keyed, n))
        })?;
        return on_caller(label(d), MERGING, || {
            smallest(parts.into_iter().flatten(), n)
                .into_iter()
                .map(|Keyed(_, x)| x)
                .collect()
        });
    }
    let sizes = per_partition(d, |cx, p| Ok(d.iter_partition(cx, p).count()))?;
    let total: usize = sizes.iter().sum();
    if total == 0 {
        return Ok(Vec::new());
    }
    // The drawn positions, as offsets within each partition, sorted (repeats kept).
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    let mut wanted: Vec<Vec<usize>> = vec![Vec::new(); sizes.len()];
    let starts: Vec<usize> = sizes
        .iter()
        .scan(0, |s, &len| {
            let start = *s;
            *s += len;
            Some(start)
        })
        .collect();
    for _ in 0..n {
        let i = rng.random_range(0..total);
        let p = starts.partition_point(|&s| s <= i) - 1;
        wanted[p].push(i - starts[p]);
    }
    wanted.iter_mut().for_each(|w| w.sort_unstable());
    let parts = per_partition(d, |cx, p| {
        let offsets = &wanted[p];
        let mut out = Vec::with_capacity(offsets.len());
        let mut next = 0;
        for (i, x) in d.iter_partition(cx, p).enumerate() {
            if next == offsets.len() {
                break;
            }
            while next < offsets.len() && offsets[next] == i {
                out.push(x.clone());
                next += 1;
            }
        }
        Ok(out)
    })?;
    let mut out: Vec<D::Item> = parts.into_iter().flatten().collect();
    out.shuffle(&mut rng);
    Ok(out)
}
