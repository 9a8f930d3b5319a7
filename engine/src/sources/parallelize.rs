//! `parallelize(iterable)`: a collection held in memory, split into contiguous slices.

use std::sync::Arc;

use super::{Source, SourceNode, check_partitions, slice_bounds};
use crate::context::Context;
use crate::data::Data;
use crate::error::Result;
use crate::node::Node;
use crate::task::Site;

/// The source behind `parallelize(iterable, partitions)`.
pub struct ParallelizeSource<T> {
    data: Arc<Vec<T>>,
    bounds: Vec<(u64, u64)>,
}

impl<T: Data> ParallelizeSource<T> {
    /// Collects `items` and slices them into `partitions` (default: the default parallelism).
    pub fn new(
        ctx: &Context,
        items: impl IntoIterator<Item = T>,
        partitions: Option<usize>,
    ) -> Result<Self> {
        let parts = check_partitions(ctx, partitions, "parallelize")?;
        let data: Vec<T> = items.into_iter().collect();
        let bounds = slice_bounds(data.len() as u64, parts);
        Ok(ParallelizeSource {
            data: Arc::new(data),
            bounds,
        })
    }
}

impl<T: Data> Source for ParallelizeSource<T> {
    type Item = T;

    fn num_partitions(&self) -> usize {
        self.bounds.len()
    }

    fn compute(&self, site: Site) -> impl Iterator<Item = T> + use<T> {
        let (a, b) = self.bounds[site.part];
        let data = self.data.clone();
        (a as usize..b as usize).map(move |i| data[i].clone())
    }
}

/// A hand-built `parallelize` node.
pub fn parallelize<T: Data>(
    ctx: &Context,
    label: &'static str,
    items: impl IntoIterator<Item = T>,
    partitions: usize,
) -> Result<Node<SourceNode<ParallelizeSource<T>>>> {
    Ok(SourceNode::node(
        ctx,
        label,
        "parallelize",
        ParallelizeSource::new(ctx, items, Some(partitions))?,
    ))
}
