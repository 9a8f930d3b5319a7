//! Transitions of the checkpoint state machine: mark, arm, record, commit.

use std::path::PathBuf;
use std::sync::Arc;

use super::codec::ElemCodec;
use super::compress::Compression;
use super::fingerprint::Fingerprint;
use super::manifest::{FORMAT_VERSION, Manifest, PartInfo};
use super::{CheckpointKind, CheckpointStatus, Ckpt, CommitOutcome, Done, Kind, Pending, Written};
use crate::error::{Error, Result};
use crate::node::NodeInfo;
use crate::storage::Slots;

impl<T: Clone + Send + Sync + 'static> Slots<T> {
    /// Marks for a reliable checkpoint. Like Spark, never overrides an existing mark.
    pub(crate) fn mark_reliable(
        &mut self,
        codec: Arc<dyn ElemCodec<T>>,
        dir: PathBuf,
        compression: Compression,
        fingerprint: Option<Fingerprint>,
    ) {
        if matches!(self.ckpt, Ckpt::None) {
            self.ckpt = Ckpt::Pending(Pending {
                kind: Kind::Reliable {
                    codec,
                    dir,
                    compression,
                    fingerprint,
                },
                armed: 0,
                parts: (0..self.partitions).map(|_| None).collect(),
            });
        }
    }

    /// Adopts a checkpoint committed by an earlier process (its manifest already checked):
    /// the RDD is checkpointed from the start and its lineage is never run.
    pub(crate) fn resume(
        &mut self,
        codec: Arc<dyn ElemCodec<T>>,
        dir: PathBuf,
        manifest: Manifest,
    ) {
        if matches!(self.ckpt, Ckpt::None) {
            self.ckpt = Ckpt::Done(Done::Reliable {
                dir,
                manifest,
                codec,
                resumed: true,
            });
        }
    }

    /// Forgets a part recorded before the commit that could not be read back (its file was
    /// removed, say): the lineage is still there, so the partition is computed again.
    pub(crate) fn forget_part(&mut self, part: usize) {
        if let Ckpt::Pending(p) = &mut self.ckpt {
            p.parts[part] = None;
        }
    }

    /// Marks for a local checkpoint. Overrides a reliable mark not yet materialized (Spark's
    /// SPARK-11051); a materialized checkpoint stays.
    pub(crate) fn mark_local(&mut self) {
        if matches!(self.ckpt, Ckpt::Done(_)) {
            return;
        }
        if let Ckpt::Pending(p) = &self.ckpt
            && matches!(p.kind, Kind::Local)
        {
            return;
        }
        let armed = match &self.ckpt {
            Ckpt::Pending(p) => p.armed,
            _ => 0,
        };
        self.ckpt = Ckpt::Pending(Pending {
            kind: Kind::Local,
            armed,
            parts: (0..self.partitions).map(|_| None).collect(),
        });
    }

    pub(crate) fn status(&self) -> CheckpointStatus {
        match &self.ckpt {
            Ckpt::None => CheckpointStatus::Unmarked,
            Ckpt::Pending(p) => CheckpointStatus::Marked(match p.kind {
                Kind::Reliable { .. } => CheckpointKind::Reliable,
                Kind::Local => CheckpointKind::Local,
            }),
            Ckpt::Done(Done::Reliable { dir, .. }) => CheckpointStatus::Checkpointed {
                kind: CheckpointKind::Reliable,
                dir: Some(dir.clone()),
            },
            Ckpt::Done(Done::Local { .. }) => CheckpointStatus::Checkpointed {
                kind: CheckpointKind::Local,
                dir: None,
            },
        }
    }

    /// A job selected this RDD: write partitions as they are computed. Returns false when there
    /// is nothing to arm.
    pub(crate) fn arm(&mut self) -> Result<bool> {
        let Ckpt::Pending(p) = &mut self.ckpt else {
            return Ok(false);
        };
        if let Kind::Reliable { dir, .. } = &p.kind {
            std::fs::create_dir_all(dir).map_err(|e| Error::io("create directory", dir, e))?;
            if !dir.is_dir() {
                return Err(Error::io(
                    "write checkpoints into",
                    dir,
                    std::io::Error::from(std::io::ErrorKind::NotADirectory),
                ));
            }
        }
        p.armed += 1;
        Ok(true)
    }

    pub(crate) fn disarm(&mut self) {
        if let Ckpt::Pending(p) = &mut self.ckpt {
            p.armed = p.armed.saturating_sub(1);
        }
    }

    pub(crate) fn record_file_part(&mut self, part: usize, info: PartInfo) {
        if let Ckpt::Pending(p) = &mut self.ckpt
            && matches!(p.kind, Kind::Reliable { .. })
        {
            p.parts[part] = Some(Written::File(info));
        }
    }

    /// Commits when every partition was written: the manifest goes last, then the state turns
    /// `Done` and reads come from the checkpoint.
    pub(crate) fn try_commit(&mut self, info: &NodeInfo) -> Result<CommitOutcome> {
        let Ckpt::Pending(p) = &mut self.ckpt else {
            return Ok(CommitOutcome::Nothing);
        };
        if p.parts.iter().any(Option::is_none) {
            return Ok(CommitOutcome::Missing);
        }
        // Nothing is taken out of `Pending` before the manifest is written: a failed commit
        // leaves the parts for a later attempt.
        let done = match &p.kind {
            Kind::Reliable {
                codec,
                dir,
                compression,
                fingerprint,
            } => {
                let parts: Vec<PartInfo> = p
                    .parts
                    .iter()
                    .map(|w| match w {
                        Some(Written::File(i)) => *i,
                        _ => unreachable!("a reliable checkpoint records only files"),
                    })
                    .collect();
                let manifest = Manifest {
                    format: FORMAT_VERSION,
                    node: info.label.to_string(),
                    element_type: std::any::type_name::<T>().to_string(),
                    codec: codec.name().to_string(),
                    compression: compression.name().to_string(),
                    fingerprint: fingerprint.map(|f| f.to_string()),
                    partitions: parts.len(),
                    partitioner: info.partitioner.clone(),
                    parts,
                };
                if manifest.partitions != info.partitions {
                    return Err(Error::PartitionCountMismatch {
                        node: info.label.to_string(),
                        expected: info.partitions,
                        found: manifest.partitions,
                    });
                }
                manifest.write(dir)?;
                Done::Reliable {
                    dir: dir.clone(),
                    manifest,
                    codec: codec.clone(),
                    resumed: false,
                }
            }
            Kind::Local => Done::Local {
                blocks: p
                    .parts
                    .iter()
                    .map(|w| match w {
                        Some(Written::Block(b)) => b.clone(),
                        _ => unreachable!("a local checkpoint records only blocks"),
                    })
                    .collect(),
            },
        };
        self.ckpt = Ckpt::Done(done);
        Ok(CommitOutcome::Committed)
    }
}
