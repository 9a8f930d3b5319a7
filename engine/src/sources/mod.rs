//! Sources: the leaves of a lineage graph. Each says its partitions and reads one of them.

pub mod csv_file;
mod csv_splits;
mod input_files;
pub mod json_lines;
pub mod parallelize;
#[cfg(feature = "parquet")]
pub mod parquet_file;
pub mod range;
pub mod text_file;

use crate::checkpoint::CheckpointStatus;
use crate::checkpoint::fingerprint::Fingerprinter;
use crate::context::Context;
use crate::data::Data;
use crate::iter::{Count, Counting};
use crate::node::{CheckpointPass, Node, NodeCore, ParentSlot, RddNode};
use crate::task::{Site, TaskContext};

/// A source of elements, split into partitions when it is created.
pub trait Source: Send + Sync + 'static {
    /// Element type.
    type Item: Data;
    /// Number of partitions.
    fn num_partitions(&self) -> usize;
    /// Reads partition `site.part`.
    fn compute(&self, site: Site) -> impl Iterator<Item = Self::Item> + use<Self>;

    /// Adds the identity of what the source reads outside the pipeline's parameters (input
    /// files) to the node's fingerprint. Sources that read only their arguments add nothing.
    fn fingerprint_input(&self, fp: &mut Fingerprinter) -> crate::Result<()> {
        let _ = fp;
        Ok(())
    }
}

/// Reads partition `site.part` of `source`, counting its records as the task's input.
pub fn read<S: Source>(source: &S, site: Site) -> impl Iterator<Item = S::Item> + use<S> {
    let cx = site.cx.clone();
    Counting::new(source.compute(site), Some((&cx, Count::Input)))
}

/// A node over a [`Source`], for programs that build lineage by hand (the macro generates its
/// own struct per source node, with the same behaviour).
pub struct SourceNode<S: Source> {
    core: NodeCore<S::Item>,
    parents: ParentSlot<()>,
    source: S,
}

impl<S: Source> SourceNode<S> {
    /// Wraps `source` as node `label` (`Pipeline.node`).
    pub fn node(ctx: &Context, label: &'static str, op: &'static str, source: S) -> Node<Self> {
        Node::new(SourceNode {
            core: NodeCore::new(ctx, label, op, source.num_partitions(), None),
            parents: ParentSlot::new(()),
            source,
        })
    }
}

impl<S: Source> RddNode for SourceNode<S> {
    type Item = S::Item;
    type Parents = ();

    fn core(&self) -> &NodeCore<S::Item> {
        &self.core
    }

    fn parents(&self) -> &ParentSlot<()> {
        &self.parents
    }

    fn compute(
        &self,
        _parents: &(),
        cx: &TaskContext,
        part: usize,
    ) -> impl Iterator<Item = S::Item> + use<S> {
        read(&self.source, Site::new(cx, self.core.info().label, part))
    }

    fn do_checkpoint(&self, pass: &mut CheckpointPass) {
        if pass.enter(self.core.info().id)
            && matches!(self.core.checkpoint_status(), CheckpointStatus::Marked(_))
        {
            pass.select(self.core.erased());
        }
    }
}

/// Splits `len` items into `parts` contiguous ranges, as evenly as possible (Spark's
/// `ParallelCollectionRDD.slice` positions).
pub(crate) fn slice_bounds(len: u64, parts: usize) -> Vec<(u64, u64)> {
    let n = parts as u128;
    (0..parts as u128)
        .map(|i| {
            (
                (i * len as u128 / n) as u64,
                ((i + 1) * len as u128 / n) as u64,
            )
        })
        .collect()
}

pub(crate) fn check_partitions(
    ctx: &Context,
    parts: Option<usize>,
    what: &str,
) -> crate::Result<usize> {
    match parts {
        Some(0) => Err(crate::Error::InvalidArgument(format!(
            "{what} needs at least one partition"
        ))),
        Some(n) => Ok(n),
        None => Ok(ctx.default_parallelism()),
    }
}
