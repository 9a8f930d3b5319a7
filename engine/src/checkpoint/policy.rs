//! What a checkpoint policy is: how a marked RDD's partitions are recorded while jobs compute
//! them, committed, and read back. `reliable.rs` and `local.rs` implement it; the state machine
//! (`state.rs`) holds one as a trait object and never asks which it is, so a new policy is a
//! new module plus the place that constructs it.

use std::path::Path;
use std::sync::Arc;

use super::CheckpointKind;
use crate::error::Result;
use crate::node_info::NodeInfo;
use crate::part_io::{PartReader, Sink};

/// A checkpoint being written: what Spark's `ReliableRDDCheckpointData` and
/// `LocalRDDCheckpointData` are, one per mark. It keeps the parts recorded so far (behind its
/// own lock: its sinks record into it from the tasks that computed them), which stay valid data
/// of the RDD until the commit: a later job reads them instead of recomputing them.
///
/// The state machine calls the methods that may do I/O (`recover`, `prepare`, `sink`,
/// `commit`, `clean`) without holding the node's lock; the others only look at memory.
pub(crate) trait CheckpointPolicy<T>: Send + Sync {
    /// Which kind it is, as reported by `checkpoint_status`.
    fn kind(&self) -> CheckpointKind;

    /// Whether marking with this policy replaces `pending`, a mark not yet materialized.
    /// Spark's rule by default: a mark never overrides another.
    fn replaces(&self, pending: &dyn CheckpointPolicy<T>) -> bool {
        let _ = pending;
        false
    }

    /// A checkpoint of this mark that an earlier process committed, adopted when marking:
    /// the RDD is then checkpointed from the start and its lineage never runs.
    fn recover(&self, node: &NodeInfo) -> Result<Option<Arc<dyn CommittedCheckpoint<T>>>> {
        let _ = node;
        Ok(None)
    }

    /// Gets ready to record partitions, before a job that selected the RDD starts.
    fn prepare(&self) -> Result<()> {
        Ok(())
    }

    /// A reader of partition `part` if an earlier job recorded it. Such a part is not
    /// committed: when it cannot be read back, the reader forgets it before failing, so the
    /// partition is computed again from the lineage, which is still there.
    fn recorded(&self, part: usize) -> Option<PartReader<T>>;

    /// Partitions not recorded yet.
    fn missing(&self) -> Vec<usize>;

    /// A side output that writes partition `part` as a job computes it and records it once
    /// the task has succeeded.
    fn sink(&self, part: usize) -> Box<dyn Sink<T>>;

    /// Commits once every partition is recorded (`Ok(None)` while some are missing). The state
    /// machine runs one commit of a checkpoint at a time; a failure must leave the recorded
    /// parts as they were, for a later attempt.
    fn commit(&self, node: &NodeInfo) -> Result<Option<Arc<dyn CommittedCheckpoint<T>>>>;

    /// Removes what this process wrote and nobody else may read (`clean_checkpoints`).
    fn clean(&self, node: &NodeInfo) {
        let _ = node;
    }

    /// Cluster mode: the records of the parts this process wrote, encoded for the others
    /// (empty for a policy whose parts stay where they were computed).
    fn shared_parts(&self) -> Vec<u8> {
        Vec::new()
    }

    /// Cluster mode: records the parts another process wrote (its [`shared_parts`]), whose
    /// files are in place in the shared directory.
    ///
    /// [`shared_parts`]: CheckpointPolicy::shared_parts
    fn adopt_parts(&self, bytes: &[u8]) -> Result<()> {
        let _ = bytes;
        Ok(())
    }
}

/// A materialized checkpoint: what Spark's `ReliableCheckpointRDD` and `LocalCheckpointRDD`
/// are. Once an RDD has one, its partitions are read from it and its lineage is gone.
pub(crate) trait CommittedCheckpoint<T>: Send + Sync {
    /// Which kind it is, as reported by `checkpoint_status`.
    fn kind(&self) -> CheckpointKind;

    /// Where its files are, if it has any.
    fn dir(&self) -> Option<&Path> {
        None
    }

    /// Whether an earlier process committed it (resumed, not written by this one).
    fn resumed(&self) -> bool {
        false
    }

    /// A reader of partition `part`. A committed part that cannot be read is an error: the
    /// lineage that could compute it again is gone.
    fn read(&self, part: usize) -> PartReader<T>;

    /// Records and bytes it holds, for the listener's checkpoint event.
    fn totals(&self) -> (u64, u64);

    /// Removes what this process wrote and nobody else may read (`clean_checkpoints`).
    fn clean(&self, node: &NodeInfo) {
        let _ = node;
    }
}
