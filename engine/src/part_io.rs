//! What storage and checkpoints exchange with the tasks that compute a partition: sinks that
//! record a partition as it is computed, and readers that produce a stored one.

use std::sync::Arc;

use crate::error::Result;
use crate::task::{Commit, TaskContext};

/// Receives each element of a partition as the job computes it.
pub(crate) trait Sink<T>: Send {
    fn push(&mut self, item: &T);
    /// Called when the partition was fully computed; returns what to publish if the task
    /// succeeds.
    fn finish(self: Box<Self>, cx: &TaskContext) -> Result<Commit>;
}

/// Collects a partition into a block and hands it to `publish` when its task succeeds: how
/// a local checkpoint and the cache record a computed partition.
pub(crate) struct BlockSink<T, F> {
    items: Vec<T>,
    publish: F,
}

impl<T, F> BlockSink<T, F> {
    pub(crate) fn new(publish: F) -> Self {
        BlockSink {
            items: Vec::new(),
            publish,
        }
    }
}

impl<T, F> Sink<T> for BlockSink<T, F>
where
    T: Clone + Send + Sync + 'static,
    F: FnOnce(Arc<Vec<T>>) -> Result<()> + Send + 'static,
{
    fn push(&mut self, item: &T) {
        let mut item = item.clone();
        // A block outlives the task: a line sharing its read buffer keeps only itself.
        crate::text::settle(&mut item);
        self.items.push(item);
    }

    fn finish(self: Box<Self>, _cx: &TaskContext) -> Result<Commit> {
        let BlockSink { items, publish } = *self;
        Ok(Box::new(move || publish(Arc::new(items))))
    }
}

/// A stored partition, read back.
pub(crate) enum PartData<T> {
    /// Decoded from a file: the task owns the elements.
    Owned(Vec<T>),
    /// An in-memory block, shared with its store: the task clones the elements out.
    Shared(Arc<Vec<T>>),
}

impl<T> PartData<T> {
    /// Number of elements.
    pub(crate) fn len(&self) -> usize {
        match self {
            PartData::Owned(v) => v.len(),
            PartData::Shared(b) => b.len(),
        }
    }
}

/// Reads one stored partition. Built under the owner's lock, which holds nothing that does
/// I/O, and run after the lock is released.
pub(crate) type PartReader<T> = Box<dyn FnOnce() -> Result<PartData<T>> + Send>;
