//! The execution protocol of a node: how its partitions depend on its parents', which map
//! tasks feed it, what runs before its map stage, and what it releases once checkpointed.
//!
//! A node built by `pipeline!` is the user's code (element types, closures, parents) plus one
//! engine value per shape that does the rest:
//! - narrow, union, coalesce: no value; every dependency is narrow (the default of
//!   [`RddNode::exchange`](crate::RddNode::exchange));
//! - one shuffle ([`OneShuffle`]): keyed, unkeyed or range-sampled; the node implements
//!   [`OneShuffleNode`] with its map side, and its `compute` reads through
//!   [`OneShuffle::read`] (a co-partitioned keyed input is read without a shuffle);
//! - two shuffles ([`TwoShuffles`]): `cogroup` and the joins; both inputs are bucketed by key
//!   (no user code on the map side), and `compute` reads through [`TwoShuffles::read`].
//!
//! The scheduler sees a node's protocol through the object-safe [`Exchange`]; a hand-written
//! node can use these types as the generated ones do. Where map outputs live is the shuffle's
//! business ([`crate::shuffle::MapOutputStore`]), not the protocol's.

mod one_shuffle;
mod two_shuffles;

pub use one_shuffle::{OneShuffle, OneShuffleNode, ShuffleKind};
pub use two_shuffles::TwoShuffles;

use crate::error::{Error, Result};
use crate::node::{Dependency, RddNode};
use crate::task::TaskContext;

/// A node's shuffle protocol as the scheduler drives it; `N` is the node, which holds the
/// user's code (the map side, say).
pub trait Exchange<N: RddNode>: Send + Sync {
    /// The node's dependencies while it has its parents.
    fn dependencies(&self, node: &N, parents: &N::Parents) -> Vec<Dependency>;
    /// Runs map task `part` of shuffle `dep`: computes that parent partition and stores its
    /// output.
    fn map_task(
        &self,
        node: &N,
        parents: &N::Parents,
        cx: &TaskContext,
        dep: usize,
        part: usize,
    ) -> Result<()>;
    /// Runs on the driver before the map stage of shuffle `dep` (a sort samples here).
    fn prepare(&self, node: &N, parents: &N::Parents, dep: usize) -> Result<()>;
    /// Drops every map output (the node was checkpointed: nothing reads them again).
    fn release(&self);
}

/// The error of a map task asked of a shuffle the node does not have.
pub(crate) fn no_shuffle(label: &str, dep: usize) -> Error {
    Error::InvalidArgument(format!("node `{label}` has no shuffle {dep}"))
}
