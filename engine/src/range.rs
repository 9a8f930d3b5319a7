//! Range partitioning, for `sort_by_key` and `sort_by`: output partition `i` holds the keys
//! between bound `i - 1` and bound `i`, so the partitions in order are globally sorted. The
//! bounds come from a sample of the input taken by a small job of its own just before the
//! sort's map stage (as Spark's `RangePartitioner` does), since `new` runs nothing.

use std::any::Any;
use std::cmp::Ordering;
use std::sync::{Arc, Mutex, OnceLock};

use rand::{Rng, SeedableRng};

use crate::data::Data;
use crate::error::{Error, Result};
use crate::node::KeyRange;
use crate::rdd::Dataset;
use crate::scheduler::{Coverage, run_job};
use crate::sync::lock;
use crate::task::{PanicScope, on_caller};

/// Sampled keys per output partition (Spark samples about 20, over-sampled 3 times).
const SAMPLES_PER_PARTITION: usize = 60;

/// The bounds of one sort node, found once by its first map stage. Type-erased so the
/// generated node can hold them whatever the key type (`sort_by`'s key type has no name).
/// The second field is set when the bounds are of the elements' own key (`sort_by_key`, not
/// `sort_by`), with the direction: then `filter_by_range` may skip partitions.
#[derive(Default)]
pub struct Bounds(Mutex<Option<Arc<dyn Any + Send + Sync>>>, OnceLock<bool>);

impl Bounds {
    /// No bounds yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The bounds, once sampled.
    pub fn get<K: Send + Sync + 'static>(&self) -> Option<Arc<Vec<K>>> {
        lock(&self.0).clone()?.downcast::<Vec<K>>().ok()
    }

    /// Samples the keys of `parent` (given by `key_of`) and keeps `partitions - 1` bounds,
    /// in output order (descending when `!ascending`). Does nothing when already sampled.
    pub fn prepare<D, K>(
        &self,
        node: &'static str,
        parent: &D,
        partitions: usize,
        ascending: bool,
        key_of: impl Fn(&D::Item) -> K + Sync,
    ) -> Result<()>
    where
        D: Dataset,
        K: Data + Ord,
    {
        if lock(&self.0).is_some() {
            return Ok(());
        }
        let parts: Vec<usize> = (0..parent.num_partitions()).collect();
        let per_part = (SAMPLES_PER_PARTITION * partitions).div_ceil(parts.len().max(1));
        let samples = run_job(
            parent.core().context(),
            &parent.erased(),
            &parts,
            Coverage::Full,
            &|cx, p| {
                let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(p as u64);
                let mut seen = 0u64;
                let mut reservoir: Vec<K> = Vec::with_capacity(per_part);
                parent.iter_partition(cx, p).for_each(|x| {
                    let g = PanicScope::enter(node);
                    seen += 1;
                    if reservoir.len() < per_part {
                        reservoir.push(key_of(&x));
                    } else {
                        let j = rng.random_range(0..seen) as usize;
                        if j < per_part {
                            reservoir[j] = key_of(&x);
                        }
                    }
                    g.exit();
                });
                Ok((seen, reservoir))
            },
        )?;
        // The keys' `Ord` runs here, on the caller's thread, outside any task.
        let bounds = on_caller(node, "computing the sort's range bounds", || {
            determine_bounds(samples, partitions, ascending)
        })?;
        let mut slot = lock(&self.0);
        if slot.is_none() {
            *slot = Some(Arc::new(bounds));
        }
        Ok(())
    }

    /// Records that these bounds range-partition pairs by their key, `ascending` or not.
    pub fn mark_key_range(&self, ascending: bool) {
        let _ = self.1.set(ascending);
    }

    /// The bounds, once sampled, if they range-partition pairs by their key.
    pub fn key_range(&self) -> Option<KeyRange> {
        let ascending = *self.1.get()?;
        let bounds = lock(&self.0).clone()?;
        Some(KeyRange { bounds, ascending })
    }

    /// The bounds of a map task, or an internal error if the stage was not prepared.
    pub fn expect<K: Send + Sync + 'static>(&self, node: &str) -> Result<Arc<Vec<K>>> {
        self.get().ok_or_else(|| {
            Error::Internal(format!("sort `{node}` ran its map side before sampling"))
        })
    }
}

/// Weighted quantiles of the samples: each sampled key stands for `seen / sampled` input
/// elements of its partition; a bound is placed each time the cumulative weight passes the
/// next multiple of `total / partitions`. Equal keys never make two bounds.
fn determine_bounds<K: Ord + Clone>(
    samples: Vec<(u64, Vec<K>)>,
    partitions: usize,
    ascending: bool,
) -> Vec<K> {
    let mut weighted: Vec<(K, f64)> = Vec::new();
    for (seen, keys) in samples {
        if keys.is_empty() {
            continue;
        }
        let w = seen as f64 / keys.len() as f64;
        weighted.extend(keys.into_iter().map(|k| (k, w)));
    }
    weighted.sort_by(|a, b| directed(a.0.cmp(&b.0), ascending));
    let total: f64 = weighted.iter().map(|(_, w)| w).sum();
    let step = total / partitions as f64;
    let mut bounds: Vec<K> = Vec::with_capacity(partitions.saturating_sub(1));
    let mut cumulative = 0.0;
    let mut target = step;
    for (k, w) in weighted {
        if bounds.len() + 1 >= partitions {
            break;
        }
        cumulative += w;
        if cumulative >= target && bounds.last() != Some(&k) {
            bounds.push(k);
            target += step;
        }
    }
    bounds
}

/// `o` for an ascending sort, reversed for a descending one.
#[inline]
pub fn directed(o: Ordering, ascending: bool) -> Ordering {
    if ascending { o } else { o.reverse() }
}

/// The output partition of `key`: the number of bounds strictly before it in output order.
#[inline]
pub fn partition_of<K: Ord>(bounds: &[K], key: &K, ascending: bool) -> usize {
    bounds.partition_point(|b| directed(b.cmp(key), ascending) == Ordering::Less)
}

/// A key with its sort direction, ordered in output order (what spill runs are sorted by).
#[derive(PartialEq, Eq)]
pub struct Directed<K> {
    /// The key.
    pub key: K,
    /// Ascending order.
    pub ascending: bool,
}

impl<K: Ord> PartialOrd for Directed<K> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<K: Ord> Ord for Directed<K> {
    fn cmp(&self, other: &Self) -> Ordering {
        directed(self.key.cmp(&other.key), self.ascending)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_split_weight_evenly_and_skip_duplicates() {
        let b = determine_bounds(vec![(100, (0..100).collect())], 4, true);
        assert_eq!(b, vec![24, 49, 74]);
        assert_eq!(partition_of(&b, &0, true), 0);
        assert_eq!(partition_of(&b, &24, true), 0);
        assert_eq!(partition_of(&b, &25, true), 1);
        assert_eq!(partition_of(&b, &99, true), 3);
        let d = determine_bounds(vec![(100, (0..100).collect())], 4, false);
        assert_eq!(d, vec![75, 50, 25]);
        assert_eq!(partition_of(&d, &99, false), 0);
        assert_eq!(partition_of(&d, &0, false), 3);
        // One key only: one bound at most (never two equal ones), everything in partition 0.
        let one = determine_bounds(vec![(10, vec![7; 10])], 3, true);
        assert_eq!(one, vec![7]);
        assert_eq!(partition_of(&one, &7, true), 0);
        assert!(determine_bounds(Vec::<(u64, Vec<u8>)>::new(), 3, true).is_empty());
    }
}
