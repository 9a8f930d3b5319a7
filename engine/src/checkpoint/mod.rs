//! Checkpoints: the per-RDD state machine, the `do_checkpoint` traversal, part files and
//! manifests. See `ARCHITECTURE.md` for the protocol.

pub mod codec;
pub mod compress;
pub mod faults;
pub(crate) mod file;
pub mod fingerprint;
pub mod manifest;
mod state;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustc_hash::FxHashSet;

use crate::node::NodeDyn;
use codec::ElemCodec;
use compress::Compression;
use fingerprint::Fingerprint;
use manifest::{Manifest, PartInfo};

/// Per-RDD checkpoint state. `Pending` holds the parts committed so far, which stay valid data
/// of the RDD: a later job reads them instead of recomputing them.
pub(crate) enum Ckpt<T> {
    None,
    Pending(Pending<T>),
    Done(Done<T>),
}

pub(crate) struct Pending<T> {
    pub(crate) kind: Kind<T>,
    /// Number of running jobs that selected this RDD in their `do_checkpoint` pass: only then
    /// are computed partitions written (Spark checkpoints only the nearest marked RDD).
    pub(crate) armed: u32,
    pub(crate) parts: Vec<Option<Written<T>>>,
}

pub(crate) enum Kind<T> {
    Reliable {
        codec: Arc<dyn ElemCodec<T>>,
        dir: PathBuf,
        compression: Compression,
        /// Recorded in the manifest when the checkpoint is resumable.
        fingerprint: Option<Fingerprint>,
    },
    Local,
}

pub(crate) enum Written<T> {
    File(PartInfo),
    Block(Arc<Vec<T>>),
}

pub(crate) enum Done<T> {
    Reliable {
        dir: PathBuf,
        manifest: Manifest,
        codec: Arc<dyn ElemCodec<T>>,
        /// Committed by an earlier process and found by fingerprint (`resume(true)`).
        resumed: bool,
    },
    Local {
        blocks: Vec<Arc<Vec<T>>>,
    },
}

impl<T> Ckpt<T> {
    /// The directory of a reliable checkpoint that belongs to this process alone (not a
    /// resumable one, which later processes may read): what `clean_checkpoints` removes.
    pub(crate) fn owned_dir(&self) -> Option<&Path> {
        match self {
            Ckpt::Pending(Pending {
                kind:
                    Kind::Reliable {
                        dir,
                        fingerprint: None,
                        ..
                    },
                ..
            }) => Some(dir),
            Ckpt::Done(Done::Reliable {
                dir,
                manifest,
                resumed: false,
                ..
            }) if manifest.fingerprint.is_none() => Some(dir),
            _ => None,
        }
    }

    /// Whether the checkpoint was committed by an earlier process and resumed.
    pub(crate) fn resumed(&self) -> bool {
        matches!(self, Ckpt::Done(Done::Reliable { resumed: true, .. }))
    }
}

/// What kind of checkpoint an RDD is marked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CheckpointKind {
    /// Written to the checkpoint directory; survives the process.
    Reliable,
    /// Kept in the engine's block store; lineage truncated, not durable.
    Local,
}

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
pub struct CheckpointPass {
    visited: FxHashSet<usize>,
    all_marked_ancestors: bool,
    selected: Vec<Arc<dyn NodeDyn>>,
}

impl CheckpointPass {
    pub(crate) fn new(all_marked_ancestors: bool) -> Self {
        CheckpointPass {
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
    pub fn select(&mut self, node: Arc<dyn NodeDyn>) {
        self.selected.push(node);
    }

    pub(crate) fn into_selected(self) -> Vec<Arc<dyn NodeDyn>> {
        self.selected
    }
}
