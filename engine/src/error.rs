//! The one error type of rddflow: every failure names what and where.

use std::path::PathBuf;

/// Result alias used across rddflow.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a pipeline, at construction or in a job.
///
/// Each variant names the node, file or partition involved, so that the message alone is enough
/// to find the cause. User code that panics never unwinds through the API: inside a task it
/// becomes [`Error::TaskFailed`] once its task has used all its attempts; on the caller's
/// thread (merging partition results, say) it becomes [`Error::Panicked`] at once.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A reliable checkpoint was requested but the context has no checkpoint directory.
    #[error(
        "node `{node}` is marked for a reliable checkpoint but the context has no checkpoint directory; \
         set one with `Context::builder().checkpoint_dir(..)` or use `#[checkpoint(local)]`"
    )]
    CheckpointDirNotSet {
        /// The node that was marked.
        node: String,
    },

    /// A task failed on every attempt (its user code panicked).
    #[error(
        "task for node `{node}`, partition {partition} failed after {attempts} attempt(s): {message}"
    )]
    TaskFailed {
        /// The node whose code panicked (or the node the task computed, if unknown).
        node: String,
        /// The partition the task computed.
        partition: usize,
        /// How many attempts were made.
        attempts: u32,
        /// The panic message of the last attempt, with its source location when known.
        message: String,
    },

    /// User code that runs on the caller's thread, outside any task, panicked: the merge of
    /// partition results (`reduce`, `fold`, `aggregate`), the `Hash`/`Eq` of keys while an
    /// action builds its map from the partition results (`collect_map`, `count_by_key`,
    /// `count_by_value`), or the `Ord` of keys while a sort computes its range bounds. Not
    /// retried (the same inputs would panic again); the context stays usable.
    #[error("user code of node `{node}` panicked while {during}: {message}")]
    Panicked {
        /// The node whose action or operator ran the code.
        node: String,
        /// What the engine was doing ("merging partition results", ...).
        during: &'static str,
        /// The panic message, with its source location when known.
        message: String,
    },

    /// Cluster mode (SPEC section 8): a peer process died, could not be reached, never
    /// started within `cluster_timeout`, belongs to another cluster, runs a different graph or
    /// params, or failed the job on its side (its own error is in `message`).
    #[error("cluster: {}{message}", match (process, host) {
        (Some(p), Some(h)) => format!("process {p} ({h}): "),
        (Some(p), None) => format!("process {p}: "),
        _ => String::new(),
    })]
    #[non_exhaustive]
    Cluster {
        /// The process at fault (0-based index in `RDDFLOW_HOSTS`), when one is known.
        process: Option<usize>,
        /// Its `host:port`, when known.
        host: Option<String>,
        /// What happened.
        message: String,
    },

    /// A checkpoint file failed validation; it is never read as data.
    #[error("corrupt checkpoint file {}: {reason}", path.display())]
    CorruptCheckpoint {
        /// The file that failed validation.
        path: PathBuf,
        /// What was wrong with it.
        reason: String,
    },

    /// A disk block of a persisted RDD could not be encoded or decoded; it is never read as
    /// data.
    #[error("corrupt block file {}: {reason}", path.display())]
    CorruptBlock {
        /// The block file.
        path: PathBuf,
        /// What was wrong with it.
        reason: String,
    },

    /// A checkpoint holds a different number of partitions than the RDD it stands for.
    #[error("checkpoint of node `{node}` has {found} partition(s) but the node has {expected}")]
    PartitionCountMismatch {
        /// The node being checkpointed or read back.
        node: String,
        /// The node's own partition count.
        expected: usize,
        /// The partition count found in the checkpoint.
        found: usize,
    },

    /// An I/O operation on a file or directory failed.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done ("read", "create directory", ...).
        action: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// Input data could not be read as the element type (for example invalid UTF-8).
    #[error("invalid input in {} at byte {offset}: {reason}", path.display())]
    InvalidInput {
        /// The input file.
        path: PathBuf,
        /// Byte offset of the offending record within the file.
        offset: u64,
        /// What was wrong.
        reason: String,
    },

    /// A save's output directory exists and is not empty; nothing was written.
    #[error("output directory {} exists and is not empty", path.display())]
    OutputExists {
        /// The output directory.
        path: PathBuf,
    },

    /// A single shuffle record is larger than the whole memory limit, so no spill run can
    /// hold it within the limit.
    #[error(
        "node `{node}` shuffles a record of {bytes} bytes (serialized), larger than the memory \
         limit of {limit} bytes on its own; raise `memory_limit` or make the record smaller"
    )]
    RecordTooLarge {
        /// The node whose shuffle met the record.
        node: String,
        /// The record's serialized size.
        bytes: u64,
        /// The configured memory limit.
        limit: u64,
    },

    /// An internal invariant was broken: a bug in rddflow, reported instead of a panic.
    #[error("internal error (please report): {0}")]
    Internal(String),

    /// An argument given to the engine is out of range (zero partitions, zero threads, ...).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
}

impl Error {
    /// Shorthand for [`Error::Io`].
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// Shorthand for [`Error::CorruptCheckpoint`].
    pub fn corrupt(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        Error::CorruptCheckpoint {
            path: path.into(),
            reason: reason.into(),
        }
    }
}
