//! How one partition of an RDD is produced: read from its cache or persisted blocks, read from
//! its checkpoint, or computed with the side outputs that record it. The storage is asked
//! first, then the checkpoint state, each under its own lock and never both at once; neither
//! says how it stores what it has.

use std::sync::{Arc, Mutex};

use crate::checkpoint::{CheckpointPlan, CheckpointState};
use crate::listener::ReadFrom;
use crate::part_io::{PartReader, Sink};
use crate::storage::{Cached, Storage};
use crate::sync::lock;

/// How to produce one partition.
pub(crate) enum Plan<T> {
    /// Read it.
    Read {
        reader: PartReader<T>,
        from: ReadFrom,
        /// A part recorded by a pending checkpoint: when it cannot be read (its reader then
        /// forgot it), plan again and compute it.
        recompute_on_error: bool,
        /// The cache of an RDD both cached and checkpointed, filled from the checkpoint the
        /// first time it is read (when the read block is not already in memory).
        cache: Option<Box<dyn Sink<T>>>,
    },
    /// Compute it, feeding each element to the sinks.
    Compute(Vec<Box<dyn Sink<T>>>),
}

/// Decides how partition `part` is produced.
pub(crate) fn plan<T: Clone + Send + Sync + 'static>(
    storage: &Arc<Mutex<Storage<T>>>,
    checkpoint: &CheckpointState<T>,
    part: usize,
) -> Plan<T> {
    // A stored block is cheaper to read than a checkpoint file.
    let cache_sink = match lock(storage).plan(part, storage) {
        Cached::Hit(reader, from) => {
            return Plan::Read {
                reader,
                from,
                recompute_on_error: false,
                cache: None,
            };
        }
        Cached::Miss(sink) => sink,
    };
    match checkpoint.plan(part) {
        CheckpointPlan::Read { reader, committed } => Plan::Read {
            reader,
            from: ReadFrom::Checkpoint,
            recompute_on_error: !committed,
            cache: cache_sink,
        },
        // A partition the checkpoint writes is not cached by the same task: the cache is
        // filled from the checkpoint when a later job reads it (above). So the job that writes
        // the checkpoint costs no more than the checkpoint alone: a second copy of every
        // record, in memory, tripled the peak memory of a cached and checkpointed word count,
        // and cloning the records into it cost a third of its time.
        CheckpointPlan::Compute(Some(writer)) => Plan::Compute(vec![writer]),
        CheckpointPlan::Compute(None) => Plan::Compute(cache_sink.into_iter().collect()),
    }
}
