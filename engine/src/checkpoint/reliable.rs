//! Reliable checkpoints (Spark's `ReliableRDDCheckpointData` and `ReliableCheckpointRDD`): one
//! part file per partition in a directory, written while jobs compute the partitions
//! (`file.rs`, `writer.rs`), then committed by a manifest (`manifest.rs`) that lists and
//! checksums them. They survive the process; with `resume(true)` a later process adopts them.

mod file;
mod parts;
mod resume;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::CheckpointKind;
use super::codec::ElemCodec;
use super::compress::Compression;
use super::fingerprint::Fingerprint;
use super::manifest::{Expected, FORMAT_VERSION, Manifest, PartInfo};
use super::policy::{CheckpointPolicy, CommittedCheckpoint};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::node_info::NodeInfo;
use crate::part_io::{PartData, PartReader, Sink};
use file::{FileSink, read_part};
use parts::Parts;
use resume::Decider;

/// A pending reliable checkpoint.
pub(crate) struct Reliable<T> {
    codec: Arc<dyn ElemCodec<T>>,
    dir: PathBuf,
    compression: Compression,
    /// Set when the checkpoint is resumable: it names the directory and goes in the manifest.
    fingerprint: Option<Fingerprint>,
    parts: Arc<Parts>,
    /// Whether this process writes the manifest: in a cluster only process 0 does, once every
    /// process's parts are in place (the others keep the same manifest in memory).
    writes_manifest: bool,
    /// Who reads the manifest of an earlier process when resuming.
    decider: Decider,
}

impl<T: Send + Sync + 'static> Reliable<T> {
    /// A reliable checkpoint of `node` under the context's checkpoint directory: in
    /// `<uuid per context>/rdd-<id>`, this process's own; or, when the context resumes and the
    /// node has a fingerprint, in `resumable/<Pipeline.node>-<fingerprint>`, where a later
    /// process finds it.
    pub(crate) fn new(
        ctx: &Context,
        node: &NodeInfo,
        codec: Arc<dyn ElemCodec<T>>,
        fingerprint: Option<Fingerprint>,
    ) -> Result<Self> {
        let fingerprint = fingerprint.filter(|_| ctx.resume());
        let dir = match fingerprint {
            Some(fp) => ctx
                .resume_dir(node.label)?
                .join(format!("{}-{fp}", node.label)),
            None => ctx
                .checkpoint_run_dir(node.label)?
                .join(format!("rdd-{}", node.id)),
        };
        Ok(Reliable {
            codec,
            dir,
            compression: ctx.checkpoint_compression(),
            fingerprint,
            parts: Arc::new(Parts::new(node.partitions)),
            writes_manifest: ctx.process_index() == 0,
            decider: Decider::of(ctx),
        })
    }

    /// Writes the manifest listing `parts`: the checkpoint exists from then on.
    fn write_manifest(
        &self,
        node: &NodeInfo,
        parts: Vec<PartInfo>,
    ) -> Result<ReliableCheckpoint<T>> {
        let manifest = Manifest {
            format: FORMAT_VERSION,
            node: node.label.to_string(),
            element_type: std::any::type_name::<T>().to_string(),
            codec: self.codec.name().to_string(),
            compression: self.compression.name().to_string(),
            fingerprint: self.fingerprint.map(|f| f.to_string()),
            partitions: parts.len(),
            partitioner: node.partitioner.clone(),
            parts,
        };
        if manifest.partitions != node.partitions {
            return Err(Error::PartitionCountMismatch {
                node: node.label.to_string(),
                expected: node.partitions,
                found: manifest.partitions,
            });
        }
        if self.writes_manifest {
            manifest.write(&self.dir)?;
        }
        Ok(ReliableCheckpoint {
            dir: self.dir.clone(),
            manifest,
            codec: self.codec.clone(),
            resumed: false,
        })
    }
}

impl<T: Send + Sync + 'static> CheckpointPolicy<T> for Reliable<T> {
    fn kind(&self) -> CheckpointKind {
        CheckpointKind::Reliable
    }

    /// With a fingerprint, the checkpoint an earlier process committed in the same directory,
    /// its manifest checked against this node. A damaged one is reported, not silently
    /// replaced: the user decides.
    fn recover(&self, node: &NodeInfo) -> Result<Option<Arc<dyn CommittedCheckpoint<T>>>> {
        let Some(fp) = self.fingerprint else {
            return Ok(None);
        };
        let dir = &self.dir;
        let hint = |e: Error| match e {
            Error::CorruptCheckpoint { path, reason } => Error::CorruptCheckpoint {
                path,
                reason: format!(
                    "{reason} (remove {} to compute this checkpoint again)",
                    dir.display()
                ),
            },
            other => other,
        };
        let Some(manifest) = self.decider.manifest(node.label, dir).map_err(hint)? else {
            return Ok(None);
        };
        manifest
            .check(
                dir,
                &Expected {
                    node: node.label,
                    element_type: std::any::type_name::<T>(),
                    codec: self.codec.name(),
                    fingerprint: Some(fp.to_string()),
                    partitions: node.partitions,
                    partitioner: node.partitioner.as_ref(),
                },
            )
            .map_err(hint)?;
        tracing::info!(node = node.label, dir = %dir.display(), "resuming checkpoint");
        Ok(Some(Arc::new(ReliableCheckpoint {
            dir: dir.clone(),
            manifest,
            codec: self.codec.clone(),
            resumed: true,
        })))
    }

    /// Creates the directory.
    fn prepare(&self) -> Result<()> {
        let dir = &self.dir;
        std::fs::create_dir_all(dir).map_err(|e| Error::io("create directory", dir, e))?;
        if !dir.is_dir() {
            return Err(Error::io(
                "write checkpoints into",
                dir,
                std::io::Error::from(std::io::ErrorKind::NotADirectory),
            ));
        }
        Ok(())
    }

    fn recorded(&self, part: usize) -> Option<PartReader<T>> {
        let info = self.parts.get(part)?;
        let (dir, codec, compression) = (self.dir.clone(), self.codec.clone(), self.compression);
        let parts = self.parts.clone();
        Some(Box::new(move || {
            read_part(&dir, part, &info, &*codec, compression)
                .map(PartData::Owned)
                .inspect_err(|_| parts.forget(part, &info))
        }))
    }

    fn missing(&self) -> Vec<usize> {
        self.parts.missing()
    }

    fn shared_parts(&self) -> Vec<u8> {
        serde_json::to_vec(&self.parts.records()).unwrap_or_default()
    }

    fn adopt_parts(&self, bytes: &[u8]) -> Result<()> {
        let records: Vec<(usize, PartInfo)> = serde_json::from_slice(bytes).map_err(|e| {
            Error::Internal(format!("checkpoint part records from another process: {e}"))
        })?;
        for (part, info) in records {
            self.parts.adopt(part, info);
        }
        Ok(())
    }

    fn sink(&self, part: usize) -> Box<dyn Sink<T>> {
        Box::new(FileSink::open(
            &self.dir,
            part,
            self.codec.clone(),
            self.compression,
            self.parts.clone(),
        ))
    }

    /// Seals the recorded parts (none is replaced while the manifest lists it), then writes
    /// the manifest; a failure unseals them for the next attempt.
    fn commit(&self, node: &NodeInfo) -> Result<Option<Arc<dyn CommittedCheckpoint<T>>>> {
        let Some(parts) = self.parts.seal() else {
            return Ok(None);
        };
        match self.write_manifest(node, parts) {
            Ok(done) => Ok(Some(Arc::new(done))),
            Err(e) => {
                self.parts.unseal();
                Err(e)
            }
        }
    }

    /// Removes the directory, unless it is resumable.
    fn clean(&self, node: &NodeInfo) {
        if self.fingerprint.is_none() {
            remove_dir(&self.dir, node);
        }
    }
}

/// A committed reliable checkpoint: its directory and manifest.
struct ReliableCheckpoint<T> {
    dir: PathBuf,
    manifest: Manifest,
    codec: Arc<dyn ElemCodec<T>>,
    /// Committed by an earlier process and found by fingerprint (`resume(true)`).
    resumed: bool,
}

impl<T: Send + Sync + 'static> CommittedCheckpoint<T> for ReliableCheckpoint<T> {
    fn kind(&self) -> CheckpointKind {
        CheckpointKind::Reliable
    }

    fn dir(&self) -> Option<&Path> {
        Some(&self.dir)
    }

    fn resumed(&self) -> bool {
        self.resumed
    }

    fn read(&self, part: usize) -> PartReader<T> {
        let (dir, codec) = (self.dir.clone(), self.codec.clone());
        let (info, compression) = (self.manifest.parts[part], self.manifest.compression());
        Box::new(move || read_part(&dir, part, &info, &*codec, compression).map(PartData::Owned))
    }

    fn totals(&self) -> (u64, u64) {
        let parts = &self.manifest.parts;
        (
            parts.iter().map(|p| p.records).sum(),
            parts.iter().map(|p| p.bytes).sum(),
        )
    }

    /// Removes the directory, unless a later process may read it (a resumable checkpoint).
    fn clean(&self, node: &NodeInfo) {
        if !self.resumed && self.manifest.fingerprint.is_none() {
            remove_dir(&self.dir, node);
        }
    }
}

/// Removes a checkpoint directory of this process (`clean_checkpoints`).
fn remove_dir(dir: &Path, node: &NodeInfo) {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => tracing::debug!(node = node.label, "checkpoint files removed"),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => tracing::warn!(
            node = node.label,
            "cannot remove checkpoint {}: {e}",
            dir.display()
        ),
    }
}
