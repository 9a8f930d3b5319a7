//! Two shuffles, one per input, to one hash partitioner: `cogroup` and the joins. Each input is
//! bucketed by key as it is (no user code on the map side); an input already partitioned by
//! the output's partitioner is read directly, a narrow dependency, as Spark's `CoGroupedRDD`
//! does.

use std::sync::Arc;

use super::{Exchange, no_shuffle};
use crate::context::Context;
use crate::data::{Key, Pair};
use crate::error::Result;
use crate::node::{Dependency, RddNode, ShuffleDep};
use crate::ops::cogroup::{Side, bucket_pairs};
use crate::partitioner::Partitioner;
use crate::rdd::Dataset;
use crate::shuffle::{MapOutputStore, new_store};
use crate::spill::Codec;
use crate::task::{Site, TaskContext};
use either::Either;

/// The engine side of a two-input node reading `L` (shuffle 0) and `R` (shuffle 1).
pub struct TwoShuffles<L: Dataset, R: Dataset> {
    left: Arc<dyn MapOutputStore<L::Item>>,
    right: Arc<dyn MapOutputStore<R::Item>>,
    /// Per input, whether it is co-partitioned with the output (read without a shuffle).
    co_partitioned: [bool; 2],
}

impl<L: Dataset, R: Dataset> TwoShuffles<L, R>
where
    L::Item: Pair,
    <L::Item as Pair>::Key: Key,
    R::Item: Pair<Key = <L::Item as Pair>::Key>,
{
    /// The shuffles of a node reading `parents` into `partitions` partitions (by default the
    /// context's [`shuffle_partitions`](Context::shuffle_partitions) of the inputs'); each
    /// input spills with its codec when it has one (from [`crate::spill::Probe`]).
    pub fn new(
        ctx: &Context,
        parents: &(L, R),
        partitions: Option<usize>,
        left_codec: Option<Codec<L::Item>>,
        right_codec: Option<Codec<R::Item>>,
    ) -> Self {
        let (l, r) = parents;
        let n = partitions
            .unwrap_or_else(|| ctx.shuffle_partitions(&[l.num_partitions(), r.num_partitions()]));
        let partitioner = Partitioner::hash(n);
        let co = |p: Option<Partitioner>| p.as_ref() == Some(&partitioner);
        TwoShuffles {
            co_partitioned: [co(l.partitioner()), co(r.partitioner())],
            left: new_store(ctx, l.num_partitions(), partitioner.clone(), left_codec),
            right: new_store(ctx, r.num_partitions(), partitioner, right_codec),
        }
    }

    /// Number of output partitions.
    pub fn partitions(&self) -> usize {
        self.left.partitioner().num_partitions()
    }

    /// The output's partitioner (by key hash).
    pub fn partitioner(&self) -> Option<Partitioner> {
        Some(self.left.partitioner().clone())
    }

    /// Both inputs of output partition `site.part`, each from its shuffle or, co-partitioned,
    /// from the parent's own partition.
    #[allow(clippy::type_complexity)]
    pub fn read(
        &self,
        parents: &(L, R),
        site: &Site,
    ) -> (
        Side<impl Iterator<Item = L::Item> + use<L, R>, L::Item>,
        Side<impl Iterator<Item = R::Item> + use<L, R>, R::Item>,
    ) {
        (
            read_side(&parents.0, &*self.left, self.co_partitioned[0], site),
            read_side(&parents.1, &*self.right, self.co_partitioned[1], site),
        )
    }
}

fn read_side<D: Dataset>(
    parent: &D,
    store: &dyn MapOutputStore<D::Item>,
    co_partitioned: bool,
    site: &Site,
) -> Side<impl Iterator<Item = D::Item> + use<D>, D::Item> {
    if co_partitioned {
        Either::Left(parent.iter_parent(&site.cx, site.part))
    } else {
        Either::Right(store.read(site))
    }
}

/// One input's dependency: narrow when co-partitioned, else shuffle `index`.
fn dependency<D: Dataset>(
    parent: &D,
    owner: &dyn Fn() -> Arc<dyn crate::node::NodeDyn>,
    index: usize,
    store: &Arc<dyn MapOutputStore<D::Item>>,
    co_partitioned: bool,
) -> Dependency {
    if co_partitioned {
        Dependency::Narrow(parent.erased())
    } else {
        Dependency::Shuffle(ShuffleDep {
            parent: parent.erased(),
            owner: owner(),
            index,
            status: store.clone(),
        })
    }
}

/// Computes partition `part` of `parent` and buckets it by key into `store`.
fn map_input<D: Dataset>(
    label: &'static str,
    parent: &D,
    store: &dyn MapOutputStore<D::Item>,
    cx: &TaskContext,
    part: usize,
) where
    D::Item: Pair,
    <D::Item as Pair>::Key: Key,
{
    let site = Site::new(cx, label, part);
    let input = parent.iter_partition(cx, part);
    let out = bucket_pairs(input, store.writer(&site));
    store.put(cx, part, out);
}

impl<N, L, R> Exchange<N> for TwoShuffles<L, R>
where
    N: RddNode<Parents = (L, R)>,
    L: Dataset,
    R: Dataset,
    L::Item: Pair,
    <L::Item as Pair>::Key: Key,
    R::Item: Pair<Key = <L::Item as Pair>::Key>,
{
    fn dependencies(&self, node: &N, parents: &(L, R)) -> Vec<Dependency> {
        let owner = || node.core().erased();
        vec![
            dependency(&parents.0, &owner, 0, &self.left, self.co_partitioned[0]),
            dependency(&parents.1, &owner, 1, &self.right, self.co_partitioned[1]),
        ]
    }

    fn map_task(
        &self,
        node: &N,
        parents: &(L, R),
        cx: &TaskContext,
        dep: usize,
        part: usize,
    ) -> Result<()> {
        let label = node.core().info().label;
        match dep {
            0 => map_input(label, &parents.0, &*self.left, cx, part),
            1 => map_input(label, &parents.1, &*self.right, cx, part),
            _ => return Err(no_shuffle(label, dep)),
        }
        Ok(())
    }

    fn prepare(&self, _node: &N, _parents: &(L, R), _dep: usize) -> Result<()> {
        Ok(())
    }

    fn release(&self) {
        self.left.release();
        self.right.release();
    }
}
