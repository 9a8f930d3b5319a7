//! `range(a..b)`: the `u64`s of a range, split into contiguous partitions.

use std::ops::Range;

use super::{Source, SourceNode, check_partitions, slice_bounds};
use crate::context::Context;
use crate::error::Result;
use crate::node::Node;
use crate::task::Site;

/// The source behind `range(a..b, partitions)`.
pub struct RangeSource {
    bounds: Vec<(u64, u64)>,
}

impl RangeSource {
    /// `range` over `partitions` partitions (default: the context's default parallelism).
    pub fn new(ctx: &Context, range: Range<u64>, partitions: Option<usize>) -> Result<Self> {
        let parts = check_partitions(ctx, partitions, "range")?;
        let len = range.end.saturating_sub(range.start);
        let bounds = slice_bounds(len, parts)
            .into_iter()
            .map(|(a, b)| (range.start + a, range.start + b))
            .collect();
        Ok(RangeSource { bounds })
    }
}

impl Source for RangeSource {
    type Item = u64;

    fn num_partitions(&self) -> usize {
        self.bounds.len()
    }

    fn compute(&self, site: Site) -> impl Iterator<Item = u64> + use<> {
        let (a, b) = self.bounds[site.part];
        a..b
    }
}

/// A hand-built `range` node.
pub fn range(
    ctx: &Context,
    label: &'static str,
    range: Range<u64>,
    partitions: usize,
) -> Result<Node<SourceNode<RangeSource>>> {
    Ok(SourceNode::node(
        ctx,
        label,
        "range",
        RangeSource::new(ctx, range, Some(partitions))?,
    ))
}
