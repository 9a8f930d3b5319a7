//! Actions that read only some partitions, or hand a whole partition to user code:
//! `is_empty`, `lookup`, `for_each_partition`.

use crate::actions::Handle;
use crate::actions::{label, take};
use crate::data::{Key, Pair};
use crate::error::Result;
use crate::scheduler::{Coverage, run_job, run_job_for_effect};
use crate::task::on_caller;

/// Whether `d` has no element: as Spark, scans partitions only until one has an element.
pub(crate) fn is_empty<D: Handle>(d: &D) -> Result<bool> {
    Ok(d.num_partitions() == 0 || take(d, 1)?.is_empty())
}

/// The values of `key`: only the key's partition when the partitioner is known, else all.
pub(crate) fn lookup<D>(
    d: &D,
    key: &<D::Item as Pair>::Key,
) -> Result<Vec<<D::Item as Pair>::Value>>
where
    D: Handle,
    D::Item: Pair,
    <D::Item as Pair>::Key: Key,
{
    let parts: Vec<usize> = match d.core().info().partitioner.clone() {
        // The key's `Hash` is user code.
        Some(p) => {
            // A sort's ranges are sampled by a job of their own, before placing the key.
            p.prepare()?;
            vec![on_caller(label(d), "hashing the lookup key", || {
                p.partition(key)
            })?]
        }
        None => (0..d.num_partitions()).collect(),
    };
    let found = run_job(
        d.core().context(),
        &d.erased(),
        &parts,
        Coverage::Partial,
        &|cx, p| {
            Ok(d.iter_partition(cx, p)
                .filter_map(|x| {
                    let (k, v) = x.into_parts();
                    (k == *key).then_some(v)
                })
                .collect::<Vec<_>>())
        },
    )?;
    Ok(found.into_iter().flatten().collect())
}

pub(crate) fn for_each_partition<D, F>(d: &D, f: F) -> Result<()>
where
    D: Handle,
    F: Fn(&mut dyn Iterator<Item = D::Item>) + Send + Sync,
{
    // A side effect: in a cluster each partition runs once, where it is owned.
    run_job_for_effect(
        d.core().context(),
        &d.erased(),
        &(0..d.num_partitions()).collect::<Vec<_>>(),
        Coverage::Full,
        &|cx, p| {
            f(&mut d.iter_partition(cx, p));
            Ok(())
        },
    )
}
