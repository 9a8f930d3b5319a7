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
pub mod checkpoint;
mod context;
mod data;
mod error;
pub mod graph;
mod iter;
pub mod lineage;
mod node;
pub mod ops;
mod partitioner;
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
pub use data::{Checkpointable, Data, Key, Pair, PairMap, Param};
pub use error::{Error, Result};
pub use graph::{GraphNode, NodeKind, PipelineGraph};
pub use iter::{NodeIter, SharedIter, Tee};
pub use node::{
    Dependency, Node, NodeCore, NodeDyn, NodeInfo, ParentSet, ParentSlot, RddNode, ShuffleDep,
};
pub use partitioner::Partitioner;
pub use rdd::{Dataset, Rdd};
pub use task::{PanicScope, Site, TaskContext, guarded};

/// Marks `core` for a reliable checkpoint with the default codec; the bound is what
/// `#[checkpoint]` requires of a node's element type.
pub fn mark_checkpoint<T: Checkpointable>(core: &NodeCore<T>) -> Result<()> {
    core.mark_reliable(std::sync::Arc::new(checkpoint::codec::Postcard::<T>::new()))
}

/// What a program using the engine needs in scope.
pub mod prelude {
    pub use crate::{Context, Dataset, Error, Node, Rdd, Result};
}
