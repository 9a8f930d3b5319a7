//! The engine of rddflow: a [`Context`] owning a rayon pool, typed RDD nodes ([`RddNode`]) and
//! their handles ([`Node`], [`Rdd`]), a scheduler that splits jobs into stages at shuffle
//! boundaries and runs one task per partition, the hash shuffle, in-memory blocks, and
//! checkpoints that are written while the job computes them and then truncate the lineage.
//!
//! Most programs use it through the `rddflow` crate and its `pipeline!` macro; everything the
//! macro generates calls the public API below, which hand-written programs can call too. See
//! `ARCHITECTURE.md` for how jobs, stages, tasks, the shuffle and checkpoints fit together.

#![warn(missing_docs)]

mod actions;
mod block_store;
pub mod checkpoint;
mod combine_table;
mod context;
mod data;
mod error;
mod fuse;
pub mod graph;
mod iter;
pub mod lineage;
pub mod listener;
mod node;
pub mod ops;
mod partitioner;
mod progress;
pub mod range;
mod rdd;
mod scheduler;
pub mod shuffle;
pub mod sources;
pub mod spill;
mod storage;
mod task;

pub use checkpoint::{CheckpointKind, CheckpointPass, CheckpointStatus};
pub use context::{Context, ContextBuilder};
pub use data::{Checkpointable, Data, DiskStorable, Key, Pair, PairMap, Param};
pub use error::{Error, Result};
pub use graph::{GraphNode, NodeKind, PipelineGraph};
pub use iter::{BoxedIter, NodeIter, SharedIter, Tee};
pub use listener::{Event, Listener, StageKind, TaskMetrics};
pub use node::{
    Dependency, Node, NodeCore, NodeDyn, NodeInfo, ParentSet, ParentSlot, RddNode, ShuffleDep,
};
pub use partitioner::Partitioner;
pub use rdd::{Dataset, Rdd};
pub use storage::{StorageLevel, StorageState};
pub use task::{PanicScope, Site, TaskContext, guarded};

/// Marks `core` for a reliable checkpoint with the default codec; the bound is what
/// `#[checkpoint]` requires of a node's element type.
pub fn mark_checkpoint<T: Checkpointable>(core: &NodeCore<T>) -> Result<()> {
    core.mark_reliable(std::sync::Arc::new(checkpoint::codec::Postcard::<T>::new()))
}

/// Persists `core` at `level` with the default codec; the bound is what `#[persist(disk)]`
/// and `#[persist(memory_and_disk)]` require of a node's element type.
pub fn persist<T: DiskStorable>(core: &NodeCore<T>, level: StorageLevel) -> Result<()> {
    core.persist(
        level,
        Some(std::sync::Arc::new(checkpoint::codec::Postcard::<T>::new())),
    )
}

/// What a program using the engine needs in scope.
pub mod prelude {
    pub use crate::{Context, Dataset, Error, Node, Rdd, Result, StorageLevel};
}
