//! `zip_with_index()`: each element paired with its index in the RDD, in Spark's order (by
//! partition, then position within the partition). Partition `i` numbers from the count of
//! the partitions before it, so the node needs those counts first: like Spark's
//! `ZippedWithIndexRDD`, it counts every partition but the last with a job of its own, run
//! once, before the first job that computes the node (`prepare`), on the caller's thread
//! through the normal job path.

use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};
use crate::rdd::Dataset;
use crate::scheduler::{Coverage, run_job};
use crate::sync::lock;
use crate::task::Site;

/// The `zip_with_index` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

/// The first index of each partition, once counted.
#[derive(Default)]
pub struct Offsets(Mutex<Option<Arc<[u64]>>>);

impl<In> super::NarrowState for Op<In, (In, u64)> {
    type State = Offsets;

    fn state(_partitions: usize) -> Offsets {
        Offsets::default()
    }

    fn prepare<P: Dataset>(_node: &'static str, offsets: &Offsets, parent: &P) -> Result<()> {
        if lock(&offsets.0).is_some() {
            return Ok(());
        }
        // The last partition's count is not needed: nothing numbers after it.
        let parts: Vec<usize> = (0..parent.num_partitions().saturating_sub(1)).collect();
        let counts = run_job(
            parent.core().context(),
            &parent.erased(),
            &parts,
            Coverage::Full,
            &|cx, p| Ok(parent.iter_partition(cx, p).count() as u64),
        )?;
        let starts: Arc<[u64]> = std::iter::once(0)
            .chain(counts.iter().scan(0u64, |sum, c| {
                *sum += c;
                Some(*sum)
            }))
            .collect();
        lock(&offsets.0).get_or_insert(starts);
        Ok(())
    }
}

impl<In> Op<In, (In, u64)> {
    /// Numbers partition `site.part` from its first index.
    #[inline]
    pub fn apply<I>(
        site: Site,
        input: I,
        offsets: &Offsets,
    ) -> impl Iterator<Item = (In, u64)> + use<In, I>
    where
        I: Iterator<Item = In>,
    {
        let start = lock(&offsets.0)
            .as_ref()
            .and_then(|s| s.get(site.part).copied());
        let start = start.unwrap_or_else(|| {
            site.cx.fail(Error::Internal(format!(
                "`zip_with_index` node `{}` computed before its partitions were counted",
                site.node
            )));
            0
        });
        // After a failure the task's error stands; the partition ends at once.
        let input = input.take(if site.cx.failed() { 0 } else { usize::MAX });
        input.zip(start..)
    }
}
