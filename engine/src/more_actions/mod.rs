//! The actions beyond `actions.rs`'s basic ones, one theme per module: ordered results
//! (`top`, `take_ordered`, `max`, `min`), numbers (`sum`, `mean`, `stats`, `histogram`), tree
//! merges, sampling, approximate counts, and partition-wise access (`is_empty`, `lookup`,
//! `for_each_partition`, `to_local_iterator`).
//!
//! As in `actions.rs`, user code runs in the job's tasks (retried, then `TaskFailed`) and
//! what runs on the caller's thread after them goes through `on_caller`.

pub(crate) mod approx;
pub(crate) mod local_iter;
pub(crate) mod numeric;
pub(crate) mod ordered;
pub(crate) mod sample;
pub(crate) mod scan;
pub(crate) mod tree;
