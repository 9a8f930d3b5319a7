//! Checkpoints: the per-RDD state machine (`state.rs`), the policies it runs (`policy.rs`:
//! `reliable.rs` writes part files and a manifest, `local.rs` keeps blocks in memory), and the
//! `do_checkpoint` traversal that selects what a job checkpoints. See `ARCHITECTURE.md` for
//! the protocol.

pub mod faults;
pub mod fingerprint;
mod local;
pub mod manifest;
mod policy;
mod reliable;
mod state;

use std::path::PathBuf;
use std::sync::Arc;

use rustc_hash::FxHashSet;

// The codec moved below the context (it also serves spill runs and disk blocks); its old paths
// stay valid.
pub use crate::codec::{self, compress};
pub use crate::keep::CheckpointKind;
pub(crate) use local::Local;
pub(crate) use reliable::Reliable;
pub(crate) use state::{CheckpointPlan, CheckpointState, MarkOutcome};

/// Where an RDD stands with respect to checkpointing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckpointStatus {
    /// Not marked.
    Unmarked,
    /// Marked; will be written by the next job that computes it.
    Marked(CheckpointKind),
    /// Materialized: lineage truncated, reads come from the checkpoint.
    Checkpointed {
        /// Reliable or local.
        kind: CheckpointKind,
        /// The directory of a reliable checkpoint.
        dir: Option<PathBuf>,
    },
}

/// Result of trying to commit a selected RDD's checkpoint after a job.
pub(crate) enum CommitOutcome {
    Committed,
    /// Some partitions were not written yet.
    Missing,
    /// Nothing to do (unmarked, or committed by another job meanwhile).
    Nothing,
}

/// One traversal of Spark's `RDD.doCheckpoint` from a job's final RDD.
///
/// Generated `do_checkpoint` methods drive it: each RDD is entered once per pass; a marked RDD
/// is selected (after its marked ancestors when `all_marked_ancestors` is on) and an unmarked one
/// recurses into its parents. Unlike Spark, the pass runs for every job, so a mark made after a
/// job is honoured by the next one, and it runs *before* the job: the selected RDDs are written
/// as a side output of the job itself.
///
/// Generic over what it selects (`N` is `dyn NodeDyn`, see `node::CheckpointPass`), so this
/// subsystem stays below the nodes that use it.
pub struct Pass<N: ?Sized> {
    visited: FxHashSet<usize>,
    all_marked_ancestors: bool,
    selected: Vec<Arc<N>>,
}

impl<N: ?Sized> Pass<N> {
    pub(crate) fn new(all_marked_ancestors: bool) -> Self {
        Pass {
            visited: FxHashSet::default(),
            all_marked_ancestors,
            selected: Vec::new(),
        }
    }

    /// True the first time RDD `id` is entered in this pass.
    pub fn enter(&mut self, id: usize) -> bool {
        self.visited.insert(id)
    }

    /// Whether marked ancestors of a marked RDD are checkpointed too.
    pub fn all_marked_ancestors(&self) -> bool {
        self.all_marked_ancestors
    }

    /// Selects a marked RDD to be checkpointed by this job.
    pub fn select(&mut self, node: Arc<N>) {
        self.selected.push(node);
    }

    pub(crate) fn into_selected(self) -> Vec<Arc<N>> {
        self.selected
    }
}
