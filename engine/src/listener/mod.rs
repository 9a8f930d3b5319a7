//! Listener events: what the scheduler reports about jobs, stages, tasks and checkpoints, with
//! the metrics of each task (Spark's `SparkListener` and its task metrics).
//!
//! Register listeners with [`ContextBuilder::listener`](crate::ContextBuilder::listener); each
//! one receives every [`Event`] of every job of the context, on the thread that produced it
//! (task events come from worker threads, concurrently), so a listener should be quick and
//! must be `Send + Sync`.
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use rddflow_engine::listener::{Event, Listener};
//! use rddflow_engine::prelude::*;
//! use rddflow_engine::sources::range::range;
//!
//! #[derive(Default)]
//! struct Tasks(Mutex<u64>);
//! impl Listener for Tasks {
//!     fn on_event(&self, event: &Event) {
//!         if let Event::TaskEnd(t) = event {
//!             *self.0.lock().unwrap() += t.metrics.records_out;
//!         }
//!     }
//! }
//!
//! let tasks = Arc::new(Tasks::default());
//! let ctx = Context::builder().threads(2).listener(tasks.clone()).build()?;
//! range(&ctx, "Doc.nums", 0..10, 3)?.count()?;
//! assert_eq!(*tasks.0.lock().unwrap(), 10);
//! # Ok::<(), rddflow_engine::Error>(())
//! ```

use std::path::PathBuf;
use std::time::Duration;

use crate::keep::CheckpointKind;

// The built-in listener that sums events into reports; a child of this module, so that the
// events never depend on a listener built on them.
mod summary;
pub use summary::{JobReport, JobSummary, StageReport};
// The accumulator updates a task reports.
mod accumulated;
pub use accumulated::AccumulatorUpdate;

/// Receives the events of a context's jobs.
pub trait Listener: Send + Sync + 'static {
    /// Called for every event, on the thread where it happened.
    fn on_event(&self, event: &Event);
}

/// Something that happened in a job.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Event {
    /// An action started a job on `rdd`.
    JobStart {
        /// Job id, unique in the process.
        job: usize,
        /// The RDD the action runs on (`Pipeline.node`).
        rdd: &'static str,
        /// Partitions the action asked for.
        partitions: usize,
    },
    /// The job ended.
    JobEnd {
        /// Job id.
        job: usize,
        /// The RDD the action ran on.
        rdd: &'static str,
        /// Whether the action got its result.
        succeeded: bool,
        /// Wall time of the whole job.
        duration: Duration,
    },
    /// A stage was submitted (its tasks start right away).
    StageStart(StageInfo),
    /// Every task of the stage ended (or the stage was abandoned after a failure).
    StageEnd {
        /// The stage.
        stage: StageInfo,
        /// Sum of the metrics of its successful tasks.
        metrics: TaskMetrics,
        /// Wall time.
        duration: Duration,
        /// Whether every task succeeded.
        succeeded: bool,
    },
    /// A task attempt started.
    TaskStart {
        /// Job id.
        job: usize,
        /// Stage id.
        stage: usize,
        /// The partition it computes.
        partition: usize,
        /// Attempt number, from 1.
        attempt: u32,
    },
    /// A task attempt ended.
    TaskEnd(TaskEnd),
    /// A checkpoint was committed: its manifest is written and the lineage truncated.
    Checkpoint(CheckpointInfo),
}

/// What a stage computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StageKind {
    /// Map side of a shuffle: computes the parent's partitions into buckets.
    ShuffleMap,
    /// The action's own stage, on the job's RDD.
    Result,
    /// Partitions of a marked RDD that the job did not compute, for its checkpoint.
    Checkpoint,
}

/// Identity of a stage.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct StageInfo {
    /// Job id.
    pub job: usize,
    /// Stage id, unique in the process.
    pub stage: usize,
    /// What it computes.
    pub kind: StageKind,
    /// The node the stage is named after: the node reading the shuffle for a shuffle map
    /// stage (as Spark names a stage after the operator that ends it), else the computed node.
    pub rdd: &'static str,
    /// That node's operator (`reduce_by_key`, `map`, ...).
    pub op: &'static str,
    /// Number of tasks.
    pub tasks: usize,
}

/// How a task attempt ended.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TaskOutcome {
    /// Done; its side outputs are committed.
    Success,
    /// User code panicked with this message; retried while attempts remain.
    Panicked(String),
    /// An error that a retry would meet again (bad input, I/O); not retried.
    Failed(String),
}

/// The end of one task attempt.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct TaskEnd {
    /// Job id.
    pub job: usize,
    /// Stage id.
    pub stage: usize,
    /// The stage's kind.
    pub kind: StageKind,
    /// The node whose partition the task computes (for a shuffle map task: the shuffled one).
    pub rdd: &'static str,
    /// The partition.
    pub partition: usize,
    /// Attempt number, from 1.
    pub attempt: u32,
    /// How it ended.
    pub outcome: TaskOutcome,
    /// What it read and wrote (partial for a failed attempt).
    pub metrics: TaskMetrics,
    /// Wall time of the attempt.
    pub duration: Duration,
}

/// Where a task read a partition from instead of computing it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ReadFrom {
    /// An in-memory block of a cached or persisted RDD.
    Memory,
    /// A disk block of a persisted RDD.
    Disk,
    /// A checkpoint (reliable files or local blocks).
    Checkpoint,
}

/// A partition read from storage rather than computed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BlockRead {
    /// The node (`Pipeline.node`).
    pub rdd: &'static str,
    /// Its id.
    pub id: usize,
    /// The partition.
    pub partition: usize,
    /// Where from.
    pub from: ReadFrom,
    /// Records read.
    pub records: u64,
}

/// Metrics of a task (or, summed, of a stage or job).
///
/// Byte counts of the in-memory shuffle are estimates: records times the element's in-memory
/// size (`size_of`), not counting heap data the elements own.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TaskMetrics {
    /// Records entering the task: produced by sources, read from shuffles, or read from a
    /// cache or checkpoint.
    pub records_in: u64,
    /// Records leaving the task: written to the shuffle by a map task, produced by the job's
    /// RDD in a result task.
    pub records_out: u64,
    /// Records written to shuffle buckets.
    pub shuffle_records_written: u64,
    /// Estimated bytes written to shuffle buckets.
    pub shuffle_bytes_written: u64,
    /// Records read from shuffles.
    pub shuffle_records_read: u64,
    /// Estimated bytes read from shuffles.
    pub shuffle_bytes_read: u64,
    /// Bytes spilled to disk under memory pressure.
    pub bytes_spilled: u64,
    /// Bytes of checkpoint files written.
    pub bytes_checkpointed: u64,
    /// Nanoseconds spent writing and syncing those bytes (compressing, checksumming, `write`
    /// and `fsync`), on the checkpoint writer's thread when a part outgrew one buffer, so
    /// mostly while the task computed: `bytes_checkpointed` over it is the writer's own
    /// throughput, set apart from the encoding done by the task.
    pub checkpoint_write_nanos: u64,
    /// Partitions read from a cache or checkpoint.
    pub blocks_read: Vec<BlockRead>,
    /// What the task added to each accumulator its code updated, merged into the
    /// accumulators' values when it succeeded (empty for a failed attempt, whose updates are
    /// discarded). Summed over a stage, one entry per task and accumulator.
    pub accumulators: Vec<AccumulatorUpdate>,
}

impl TaskMetrics {
    /// Adds `other` into `self`.
    pub fn add(&mut self, other: &TaskMetrics) {
        self.records_in += other.records_in;
        self.records_out += other.records_out;
        self.shuffle_records_written += other.shuffle_records_written;
        self.shuffle_bytes_written += other.shuffle_bytes_written;
        self.shuffle_records_read += other.shuffle_records_read;
        self.shuffle_bytes_read += other.shuffle_bytes_read;
        self.bytes_spilled += other.bytes_spilled;
        self.bytes_checkpointed += other.bytes_checkpointed;
        self.checkpoint_write_nanos += other.checkpoint_write_nanos;
        self.blocks_read.extend(other.blocks_read.iter().cloned());
        self.accumulators.extend(other.accumulators.iter().cloned());
    }
}

/// A committed checkpoint.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct CheckpointInfo {
    /// Job id.
    pub job: usize,
    /// The node (`Pipeline.node`).
    pub rdd: &'static str,
    /// Its id.
    pub id: usize,
    /// Reliable or local.
    pub kind: CheckpointKind,
    /// The directory of a reliable checkpoint.
    pub dir: Option<PathBuf>,
    /// Records in the checkpoint.
    pub records: u64,
    /// Bytes of its part files (0 for a local checkpoint).
    pub bytes: u64,
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::prelude::*;
    use crate::scheduler::{Coverage, run_job};
    use crate::sources::range::range;

    #[derive(Default)]
    struct Spills(Mutex<Vec<(usize, u64)>>);

    impl Listener for Spills {
        fn on_event(&self, event: &Event) {
            match event {
                Event::TaskEnd(t) => self
                    .0
                    .lock()
                    .unwrap()
                    .push((t.partition, t.metrics.bytes_spilled)),
                Event::StageEnd { metrics, .. } => self
                    .0
                    .lock()
                    .unwrap()
                    .push((usize::MAX, metrics.bytes_spilled)),
                _ => {}
            }
        }
    }

    /// What a spilling operator reports through its task context reaches the task's and the
    /// stage's metrics.
    #[test]
    fn spilled_bytes_reach_task_and_stage_metrics() {
        let spills = Arc::new(Spills::default());
        let ctx = Context::builder()
            .threads(2)
            .listener(spills.clone())
            .build()
            .unwrap();
        let nums = range(&ctx, "T.nums", 0..10, 2).unwrap();
        run_job(&ctx, &nums.erased(), &[0, 1], Coverage::Full, &|cx, p| {
            cx.add_spilled_bytes(100 * (p as u64 + 1));
            cx.add_spilled_bytes(1);
            Ok(())
        })
        .unwrap();
        let mut seen = spills.0.lock().unwrap().clone();
        seen.sort();
        assert_eq!(seen, vec![(0, 101), (1, 201), (usize::MAX, 302)]);
    }
}
