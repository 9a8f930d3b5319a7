//! `to_local_iterator()`: the elements in partition order, one job per partition, run when
//! the previous partition's elements are used up, so the caller holds one partition at a time.

use crate::actions::Handle;
use crate::error::Result;
use crate::scheduler::{Coverage, run_job};

/// Computes one partition of an RDD in a job of its own.
type Fetch<T> = Box<dyn Fn(usize) -> Result<Vec<T>> + Send + Sync>;

/// The iterator of `Dataset::to_local_iterator`: `Ok` elements in partition order; a failed
/// job yields one `Err` and ends the iteration.
pub struct LocalIterator<T> {
    fetch: Fetch<T>,
    partitions: usize,
    next_part: usize,
    current: std::vec::IntoIter<T>,
    failed: bool,
}

impl<T: crate::Data> LocalIterator<T> {
    /// Over the partitions of `d`, which it keeps (a handle: cheap to clone).
    pub(crate) fn new<D: Handle<Item = T> + Send + 'static>(d: D) -> Self {
        let partitions = d.num_partitions();
        LocalIterator {
            fetch: Box::new(move |part| fetch(&d, part)),
            partitions,
            next_part: 0,
            current: Vec::new().into_iter(),
            failed: false,
        }
    }
}

/// Partition `part` of `d`, in a job that computes only it.
fn fetch<D: Handle>(d: &D, part: usize) -> Result<Vec<D::Item>> {
    let mut got = run_job(
        d.core().context(),
        &d.erased(),
        &[part],
        Coverage::Partial,
        &|cx, p| Ok(d.iter_partition(cx, p).collect::<Vec<_>>()),
    )?;
    Ok(got.pop().unwrap_or_default())
}

impl<T: crate::Data> Iterator for LocalIterator<T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        loop {
            if let Some(x) = self.current.next() {
                return Some(Ok(x));
            }
            if self.failed || self.next_part >= self.partitions {
                return None;
            }
            let part = self.next_part;
            self.next_part += 1;
            match (self.fetch)(part) {
                Ok(v) => self.current = v.into_iter(),
                Err(e) => {
                    self.failed = true;
                    return Some(Err(e));
                }
            }
        }
    }
}
