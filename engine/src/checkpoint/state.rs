//! The per-RDD checkpoint state machine, Spark's `RDDCheckpointData` without the policy:
//!
//! ```text
//! Unmarked --mark--> Pending { policy, armed, committing } --commit--> Done(committed)
//!        \-----------mark, adopting an earlier process's commit--------/
//! ```
//!
//! It has its own lock, separate from the node's cache and persist storage, and does no I/O
//! under it: a commit marks the state `committing`, releases the lock while the policy writes
//! and syncs, then takes it again to record `Done`. Other jobs' commits and new marks wait for
//! a commit in flight (on a condition variable, so the lock stays free); readers of the state
//! (`checkpoint_status`, `lineage`, plans of partitions) never wait for one.

use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use super::policy::{CheckpointPolicy, CommittedCheckpoint};
use super::{CheckpointKind, CheckpointStatus, CommitOutcome};
use crate::error::Result;
use crate::node_info::NodeInfo;
use crate::part_io::{PartReader, Sink};
use crate::sync::lock;

/// The checkpoint state of one RDD.
pub(crate) struct CheckpointState<T> {
    stage: Mutex<Stage<T>>,
    /// Notified when a commit ends, committed or not.
    commit_ended: Condvar,
}

enum Stage<T> {
    Unmarked,
    Pending(Pending<T>),
    Done(Arc<dyn CommittedCheckpoint<T>>),
}

struct Pending<T> {
    policy: Arc<dyn CheckpointPolicy<T>>,
    /// Number of running jobs that selected this RDD in their `do_checkpoint` pass: only then
    /// are computed partitions written (Spark checkpoints only the nearest marked RDD).
    armed: u32,
    /// A commit is writing outside the lock.
    committing: bool,
}

/// What marking did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MarkOutcome {
    /// The RDD is marked with the new policy.
    Marked,
    /// An earlier process's checkpoint was adopted: the RDD is checkpointed already.
    Adopted,
    /// An existing mark or checkpoint stays.
    Unchanged,
}

/// How the checkpoint state says partition `part` is produced.
pub(crate) enum CheckpointPlan<T> {
    /// Read from the checkpoint. `committed` is false for a part recorded before the commit,
    /// which is computed again if it cannot be read.
    Read {
        reader: PartReader<T>,
        committed: bool,
    },
    /// Computed; the sink, when this RDD is being checkpointed, writes it on the way.
    Compute(Option<Box<dyn Sink<T>>>),
}

impl<T> Default for CheckpointState<T> {
    fn default() -> Self {
        CheckpointState {
            stage: Mutex::new(Stage::Unmarked),
            commit_ended: Condvar::new(),
        }
    }
}

impl<T> Stage<T> {
    /// Whether marking with `policy` changes this state.
    fn accepts(&self, policy: &dyn CheckpointPolicy<T>) -> bool {
        match self {
            Stage::Unmarked => true,
            Stage::Pending(p) => policy.replaces(&*p.policy),
            Stage::Done(_) => false,
        }
    }
}

impl<T> CheckpointState<T> {
    /// The state, once no commit is in flight.
    fn settled(&self) -> MutexGuard<'_, Stage<T>> {
        let mut stage = lock(&self.stage);
        while matches!(&*stage, Stage::Pending(p) if p.committing) {
            stage = self
                .commit_ended
                .wait(stage)
                .unwrap_or_else(|p| p.into_inner());
        }
        stage
    }

    /// Marks the RDD with `policy`, unless the policy declines to replace the current mark or
    /// the RDD is checkpointed already; adopts what an earlier process committed for this mark.
    pub(crate) fn mark(
        &self,
        policy: Arc<dyn CheckpointPolicy<T>>,
        node: &NodeInfo,
    ) -> Result<MarkOutcome> {
        if !lock(&self.stage).accepts(&*policy) {
            return Ok(MarkOutcome::Unchanged);
        }
        // Reads an earlier process's manifest: outside the lock.
        let recovered = policy.recover(node)?;
        let mut stage = self.settled();
        if !stage.accepts(&*policy) {
            return Ok(MarkOutcome::Unchanged);
        }
        if let Some(done) = recovered {
            *stage = Stage::Done(done);
            return Ok(MarkOutcome::Adopted);
        }
        // A replaced mark's selecting jobs still run: they now write for the new one.
        let armed = match &*stage {
            Stage::Pending(p) => p.armed,
            _ => 0,
        };
        *stage = Stage::Pending(Pending {
            policy,
            armed,
            committing: false,
        });
        Ok(MarkOutcome::Marked)
    }

    /// Where the RDD stands. Never waits for a commit in flight (still `Marked` then).
    pub(crate) fn status(&self) -> CheckpointStatus {
        match &*lock(&self.stage) {
            Stage::Unmarked => CheckpointStatus::Unmarked,
            Stage::Pending(p) => CheckpointStatus::Marked(p.policy.kind()),
            Stage::Done(c) => CheckpointStatus::Checkpointed {
                kind: c.kind(),
                dir: c.dir().map(PathBuf::from),
            },
        }
    }

    /// Whether the checkpoint was committed by an earlier process and adopted.
    pub(crate) fn resumed(&self) -> bool {
        matches!(&*lock(&self.stage), Stage::Done(c) if c.resumed())
    }

    /// A job selected this RDD: write partitions as they are computed. Returns false when there
    /// is nothing to arm.
    pub(crate) fn arm(&self) -> Result<bool> {
        loop {
            let policy = match &*lock(&self.stage) {
                Stage::Pending(p) => p.policy.clone(),
                _ => return Ok(false),
            };
            policy.prepare()?;
            if let Stage::Pending(p) = &mut *lock(&self.stage)
                && std::ptr::addr_eq(Arc::as_ptr(&p.policy), Arc::as_ptr(&policy))
            {
                p.armed += 1;
                return Ok(true);
            }
            // Marked again (or committed) while preparing: arm what is there now.
        }
    }

    /// A job that armed this RDD ended.
    pub(crate) fn disarm(&self) {
        if let Stage::Pending(p) = &mut *lock(&self.stage) {
            p.armed = p.armed.saturating_sub(1);
        }
    }

    /// Decides how partition `part` is produced. The sink, which creates a file, is made after
    /// the lock is released.
    pub(crate) fn plan(&self, part: usize) -> CheckpointPlan<T> {
        let writer = {
            let stage = lock(&self.stage);
            match &*stage {
                Stage::Done(c) => {
                    return CheckpointPlan::Read {
                        reader: c.read(part),
                        committed: true,
                    };
                }
                Stage::Pending(p) => match p.policy.recorded(part) {
                    Some(reader) => {
                        return CheckpointPlan::Read {
                            reader,
                            committed: false,
                        };
                    }
                    None => (p.armed > 0).then(|| p.policy.clone()),
                },
                Stage::Unmarked => None,
            }
        };
        CheckpointPlan::Compute(writer.map(|w| w.sink(part)))
    }

    /// Cluster mode: the records of the parts this process wrote (see
    /// `CheckpointPolicy::shared_parts`).
    pub(crate) fn shared_parts(&self) -> Vec<u8> {
        let policy = match &*lock(&self.stage) {
            Stage::Pending(p) => p.policy.clone(),
            _ => return Vec::new(),
        };
        policy.shared_parts()
    }

    /// Cluster mode: records the parts another process wrote.
    pub(crate) fn adopt_parts(&self, bytes: &[u8]) -> Result<()> {
        let policy = match &*lock(&self.stage) {
            Stage::Pending(p) => p.policy.clone(),
            _ => return Ok(()),
        };
        policy.adopt_parts(bytes)
    }

    /// Partitions still missing from a pending checkpoint.
    pub(crate) fn missing(&self) -> Vec<usize> {
        match &*lock(&self.stage) {
            Stage::Pending(p) => p.policy.missing(),
            _ => Vec::new(),
        }
    }

    /// Commits when every partition was recorded. Of concurrent commits of one checkpoint,
    /// one writes it and the others, waiting for it, find it `Done`; a failed commit leaves it
    /// `Pending` with its parts, and the next commit tries again.
    pub(crate) fn commit(&self, node: &NodeInfo) -> Result<CommitOutcome> {
        let policy = {
            let mut stage = self.settled();
            let Stage::Pending(p) = &mut *stage else {
                return Ok(CommitOutcome::Nothing);
            };
            p.committing = true;
            p.policy.clone()
        };
        // Clears `committing` and wakes the waiters however the commit ends, a panic included.
        let _ending = CommitEnd(self);
        // Marks wait for this commit, so the pending policy is still `policy` when it ends.
        let Some(done) = policy.commit(node)? else {
            return Ok(CommitOutcome::Missing);
        };
        *lock(&self.stage) = Stage::Done(done);
        Ok(CommitOutcome::Committed)
    }

    /// Kind, directory, records and bytes of the committed checkpoint (zeros before).
    pub(crate) fn totals(&self) -> (CheckpointKind, Option<PathBuf>, u64, u64) {
        match &*lock(&self.stage) {
            Stage::Done(c) => {
                let (records, bytes) = c.totals();
                (c.kind(), c.dir().map(PathBuf::from), records, bytes)
            }
            _ => (CheckpointKind::Local, None, 0, 0),
        }
    }

    /// Removes what this process wrote for the checkpoint and nobody else may read.
    pub(crate) fn clean(&self, node: &NodeInfo) {
        enum Owner<T> {
            Pending(Arc<dyn CheckpointPolicy<T>>),
            Done(Arc<dyn CommittedCheckpoint<T>>),
        }
        let owner = match &*self.settled() {
            Stage::Pending(p) => Owner::Pending(p.policy.clone()),
            Stage::Done(c) => Owner::Done(c.clone()),
            Stage::Unmarked => return,
        };
        match owner {
            Owner::Pending(p) => p.clean(node),
            Owner::Done(c) => c.clean(node),
        }
    }
}

/// Ends a commit: see [`CheckpointState::commit`].
struct CommitEnd<'a, T>(&'a CheckpointState<T>);

impl<T> Drop for CommitEnd<'_, T> {
    fn drop(&mut self) {
        if let Stage::Pending(p) = &mut *lock(&self.0.stage) {
            p.committing = false;
        }
        self.0.commit_ended.notify_all();
    }
}
