//! The static facts about a node ([`NodeInfo`]): a leaf, so the checkpoint subsystem and the
//! back end can name a node without reaching the node layer above them.

use crate::partitioner::Partitioner;

/// Static facts about a node.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct NodeInfo {
    /// Unique within its context.
    pub id: usize,
    /// `Pipeline.node`.
    pub label: &'static str,
    /// The operator or source that defines it (`map`, `reduce_by_key`, `text_file`, ...).
    pub op: &'static str,
    /// Number of partitions.
    pub partitions: usize,
    /// How its elements are partitioned by key, if known.
    pub partitioner: Option<Partitioner>,
}
