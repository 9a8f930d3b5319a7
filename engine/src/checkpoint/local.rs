//! Local checkpoints (Spark's `LocalRDDCheckpointData`): each partition is kept as a block in
//! memory, and the commit truncates the lineage without writing anything. Fast, not durable:
//! the blocks live as long as the RDD. In a cluster each block stays in the process that
//! computed it (the partition's owner, which is where later jobs read it); the processes share
//! which partitions they hold, so all see the same missing ones and commit together.

use std::sync::{Arc, Mutex};

use super::CheckpointKind;
use super::policy::{CheckpointPolicy, CommittedCheckpoint};
use crate::error::{Error, Result};
use crate::node_info::NodeInfo;
use crate::part_io::{BlockSink, PartData, PartReader, Sink};
use crate::sync::lock;

/// One partition's block.
enum Slot<T> {
    Missing,
    Here(Arc<Vec<T>>),
    /// Cluster mode: kept by another process.
    Elsewhere,
}

impl<T> Clone for Slot<T> {
    fn clone(&self) -> Self {
        match self {
            Slot::Missing => Slot::Missing,
            Slot::Here(b) => Slot::Here(b.clone()),
            Slot::Elsewhere => Slot::Elsewhere,
        }
    }
}

/// Blocks recorded so far, one slot per partition, shared with the sinks that fill them.
type Blocks<T> = Arc<Mutex<Vec<Slot<T>>>>;

/// A pending local checkpoint.
pub(crate) struct Local<T> {
    blocks: Blocks<T>,
}

impl<T> Local<T> {
    /// A local checkpoint of an RDD of `partitions` partitions.
    pub(crate) fn new(partitions: usize) -> Self {
        Local {
            blocks: Arc::new(Mutex::new((0..partitions).map(|_| Slot::Missing).collect())),
        }
    }
}

impl<T: Clone + Send + Sync + 'static> CheckpointPolicy<T> for Local<T> {
    fn kind(&self) -> CheckpointKind {
        CheckpointKind::Local
    }

    /// Overrides a mark of another kind not yet materialized (Spark's SPARK-11051).
    fn replaces(&self, pending: &dyn CheckpointPolicy<T>) -> bool {
        pending.kind() != CheckpointKind::Local
    }

    fn recorded(&self, part: usize) -> Option<PartReader<T>> {
        match &lock(&self.blocks)[part] {
            Slot::Here(block) => {
                let block = block.clone();
                Some(Box::new(move || Ok(PartData::Shared(block))))
            }
            Slot::Missing | Slot::Elsewhere => None,
        }
    }

    fn missing(&self) -> Vec<usize> {
        let blocks = lock(&self.blocks);
        (0..blocks.len())
            .filter(|&i| matches!(blocks[i], Slot::Missing))
            .collect()
    }

    fn sink(&self, part: usize) -> Box<dyn Sink<T>> {
        let blocks = self.blocks.clone();
        Box::new(BlockSink::new(move |block| {
            lock(&blocks)[part] = Slot::Here(block);
            Ok(())
        }))
    }

    fn commit(&self, _node: &NodeInfo) -> Result<Option<Arc<dyn CommittedCheckpoint<T>>>> {
        let blocks = lock(&self.blocks).clone();
        if blocks.iter().any(|b| matches!(b, Slot::Missing)) {
            return Ok(None);
        }
        Ok(Some(Arc::new(LocalCheckpoint { blocks })))
    }

    /// The partitions whose blocks this process holds, as little-endian `u64`s.
    fn shared_parts(&self) -> Vec<u8> {
        let blocks = lock(&self.blocks);
        (0..blocks.len())
            .filter(|&i| matches!(blocks[i], Slot::Here(_)))
            .flat_map(|i| (i as u64).to_le_bytes())
            .collect()
    }

    fn adopt_parts(&self, bytes: &[u8]) -> Result<()> {
        let mut blocks = lock(&self.blocks);
        for chunk in bytes.chunks(8) {
            let part = chunk
                .try_into()
                .ok()
                .map(|b| u64::from_le_bytes(b) as usize)
                .filter(|&p| p < blocks.len())
                .ok_or_else(|| {
                    Error::Internal("local checkpoint parts from another process".into())
                })?;
            if matches!(blocks[part], Slot::Missing) {
                blocks[part] = Slot::Elsewhere;
            }
        }
        Ok(())
    }
}

/// A committed local checkpoint.
struct LocalCheckpoint<T> {
    blocks: Vec<Slot<T>>,
}

impl<T: Clone + Send + Sync + 'static> CommittedCheckpoint<T> for LocalCheckpoint<T> {
    fn kind(&self) -> CheckpointKind {
        CheckpointKind::Local
    }

    fn read(&self, part: usize) -> PartReader<T> {
        match &self.blocks[part] {
            Slot::Here(block) => {
                let block = block.clone();
                Box::new(move || Ok(PartData::Shared(block)))
            }
            // A task runs in its partition's owner, which computed the block, unless an
            // operator reads the partition under another index (`union`, `coalesce`).
            _ => Box::new(move || {
                Err(Error::InvalidArgument(format!(
                    "partition {part} of a local checkpoint is kept by another process of the \
                     cluster (local checkpoints stay where they were computed): read it through \
                     operators that keep partition indices, or use a reliable checkpoint"
                )))
            }),
        }
    }

    fn totals(&self) -> (u64, u64) {
        let records = self
            .blocks
            .iter()
            .map(|b| match b {
                Slot::Here(b) => b.len() as u64,
                _ => 0,
            })
            .sum();
        (records, 0)
    }
}
