//! The engine of rddflow: a [`Context`] owning a rayon pool, typed RDD nodes ([`RddNode`]) and
//! their handles ([`Node`], [`Rdd`]), a scheduler that splits jobs into stages at shuffle
//! boundaries and runs one task per partition, the hash shuffle, in-memory blocks, and
//! checkpoints that are written while the job computes them and then truncate the lineage.
//!
//! Most programs use it through the `rddflow` crate and its `pipeline!` macro. What the macro
//! generates calls the API below plus the hidden `__private` module (operators, the execution
//! protocol of `protocol`, node internals), which hand-written nodes can call too. See
//! `ARCHITECTURE.md` for how jobs, stages, tasks, the shuffle and checkpoints fit together.

#![warn(missing_docs)]

mod accumulator;
mod actions;
#[doc(hidden)]
pub mod backend;
mod block_store;
mod broadcast;
#[doc(hidden)]
pub mod checkpoint;
// Cluster mode's back end (SPEC section 8).
#[cfg(feature = "cluster")]
mod cluster;
#[doc(hidden)]
pub mod codec;
mod combine_table;
mod context;
mod data;
mod error;
mod fuse;
#[doc(hidden)]
pub mod graph;
mod iter;
mod keep;
#[doc(hidden)]
pub mod lineage;
pub mod listener;
mod memory;
// Cluster mode (SPEC section 8): processes, connections and the collective step over timely.
mod more_actions;
#[cfg(feature = "cluster")]
pub mod net;
mod node;
mod node_info;
mod not_iterator;
#[doc(hidden)]
pub mod ops;
mod panic;
mod part_io;
mod partitioner;
mod plan;
mod progress;
#[doc(hidden)]
pub mod protocol;
#[doc(hidden)]
pub mod range;
mod rdd;
mod runner;
mod save;
mod scheduler;
#[doc(hidden)]
pub mod shuffle;
#[doc(hidden)]
pub mod sources;
#[doc(hidden)]
pub mod spill;
mod stats;
mod storage;
mod sync;
mod task;
mod text;

pub use accumulator::{Accumulator, AccumulatorValue};
pub use broadcast::Broadcast;
pub use checkpoint::CheckpointStatus;
pub use context::{Context, ContextBuilder};
pub use data::{Checkpointable, Data, DiskStorable, Key, Pair, PairMap, Param};
pub use error::{Error, Result};
pub use graph::{GraphNode, NodeKind, PipelineGraph};
pub use keep::{CheckpointKind, StorageLevel};
pub use listener::{AccumulatorUpdate, Event, Listener, StageKind, TaskMetrics};
pub use more_actions::local_iter::LocalIterator;
pub use node::{Node, NodeInfo, RddNode};
pub use partitioner::Partitioner;
pub use partitioner::{
    KeyPartitioner, Partitioning, RangePartitioner, UserPartitioner, default_partitioner,
};
pub use rdd::{Dataset, Rdd};
pub use save::{Compression, SaveOptions};
pub use stats::{Buckets, Numeric, StatCounter};
pub use storage::StorageState;
pub use text::{AsciiWhitespace, Pieces, Separator, Text, Whitespace};

/// What only generated code (and hand-written nodes) needs: the operators, the execution
/// protocol, the shuffle, the node internals. Not part of the API a program calls; re-exported
/// by the `rddflow` crate as `rddflow::__private`.
#[doc(hidden)]
pub mod __private {
    pub use crate::backend::{self, Backend};
    pub use crate::checkpoint;
    pub use crate::checkpoint::fingerprint::{Fingerprinter, param_hash};
    pub use crate::checkpoint::fingerprint::{ParamHash, arc_param_hash};
    pub use crate::iter::{BoxedIter, NodeIter, SharedIter, Tee};
    pub use crate::node::{
        CheckpointPass, Dependency, KeyRange, NodeCore, NodeDyn, NodeInfo, ParentSet, ParentSlot,
        ShuffleDep,
    };
    pub use crate::partitioner::Partitioning;
    pub use crate::protocol::{
        self, Exchange, OneShuffle, OneShuffleNode, ShuffleKind, TwoShuffles,
    };
    pub use crate::protocol::{ByElement, ByKey, ThreeShuffles, first_input};
    pub use crate::range::{self, Bounds};
    pub use crate::shuffle::{self, MapOutput, MapWriter};
    pub use crate::task::{PanicScope, Site, TaskContext, guarded};
    pub use crate::{ops, sources, spill};

    use crate::node::NodeCore as Core;
    use crate::{Checkpointable, DiskStorable, Result, StorageLevel};

    /// Marks `core` for a reliable checkpoint with the default codec; the bound is what
    /// `#[checkpoint]` requires of a node's element type.
    pub fn mark_checkpoint<T: Checkpointable>(core: &Core<T>) -> Result<()> {
        core.mark_reliable(std::sync::Arc::new(crate::codec::Postcard::<T>::new()))
    }

    /// Persists `core` at `level` with the default codec; the bound is what
    /// `#[persist(disk)]` and `#[persist(memory_and_disk)]` require of a node's element type.
    pub fn persist<T: DiskStorable>(core: &Core<T>, level: StorageLevel) -> Result<()> {
        core.persist(
            level,
            Some(std::sync::Arc::new(crate::codec::Postcard::<T>::new())),
        )
    }

    /// Reads an iterator through a box: where the macro cuts a very long fused chain.
    #[inline]
    pub fn boxed<'a, T>(it: impl Iterator<Item = T> + 'a) -> BoxedIter<'a, T> {
        BoxedIter::new(it)
    }
}

/// What a program using the engine needs in scope.
pub mod prelude {
    pub use crate::{Context, Dataset, Error, Node, Rdd, Result, StorageLevel, Text};
}
