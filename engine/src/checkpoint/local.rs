//! Local checkpoints (Spark's `LocalRDDCheckpointData`): each partition is kept as a block in
//! memory, and the commit truncates the lineage without writing anything. Fast, not durable:
//! the blocks live as long as the RDD.

use std::sync::{Arc, Mutex};

use super::CheckpointKind;
use super::policy::{CheckpointPolicy, CommittedCheckpoint};
use crate::error::Result;
use crate::node_info::NodeInfo;
use crate::part_io::{BlockSink, PartData, PartReader, Sink};
use crate::sync::lock;

/// Blocks recorded so far, one slot per partition, shared with the sinks that fill them.
type Blocks<T> = Arc<Mutex<Vec<Option<Arc<Vec<T>>>>>>;

/// A pending local checkpoint.
pub(crate) struct Local<T> {
    blocks: Blocks<T>,
}

impl<T> Local<T> {
    /// A local checkpoint of an RDD of `partitions` partitions.
    pub(crate) fn new(partitions: usize) -> Self {
        Local {
            blocks: Arc::new(Mutex::new((0..partitions).map(|_| None).collect())),
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
        let block = lock(&self.blocks)[part].clone()?;
        Some(Box::new(move || Ok(PartData::Shared(block))))
    }

    fn missing(&self) -> Vec<usize> {
        let blocks = lock(&self.blocks);
        (0..blocks.len()).filter(|&i| blocks[i].is_none()).collect()
    }

    fn sink(&self, part: usize) -> Box<dyn Sink<T>> {
        let blocks = self.blocks.clone();
        Box::new(BlockSink::new(move |block| {
            lock(&blocks)[part] = Some(block);
            Ok(())
        }))
    }

    fn commit(&self, _node: &NodeInfo) -> Result<Option<Arc<dyn CommittedCheckpoint<T>>>> {
        let blocks: Option<Vec<Arc<Vec<T>>>> = lock(&self.blocks).iter().cloned().collect();
        Ok(blocks.map(|blocks| Arc::new(LocalCheckpoint { blocks }) as _))
    }
}

/// A committed local checkpoint.
struct LocalCheckpoint<T> {
    blocks: Vec<Arc<Vec<T>>>,
}

impl<T: Clone + Send + Sync + 'static> CommittedCheckpoint<T> for LocalCheckpoint<T> {
    fn kind(&self) -> CheckpointKind {
        CheckpointKind::Local
    }

    fn read(&self, part: usize) -> PartReader<T> {
        let block = self.blocks[part].clone();
        Box::new(move || Ok(PartData::Shared(block)))
    }

    fn totals(&self) -> (u64, u64) {
        (self.blocks.iter().map(|b| b.len() as u64).sum(), 0)
    }
}
