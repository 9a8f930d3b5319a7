//! One shuffle between a node and its single parent: `reduce_by_key` and the other keyed
//! aggregations, `distinct`, `partition_by`, `repartition`, and the sorts.

use std::sync::Arc;

use super::{Exchange, no_shuffle};
use crate::context::Context;
use crate::data::Data;
use crate::error::Result;
use crate::node::{Dependency, KeyRange, RddNode, ShuffleDep};
use crate::partitioner::{Partitioner, Partitioning};
use crate::range::Bounds;
use crate::rdd::Dataset;
use crate::shuffle::{MapOutput, MapOutputStore, MapWriter, ShuffleRead, new_store};
use crate::spill::Codec;
use crate::task::{Site, TaskContext};

/// How a one-shuffle node partitions its output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ShuffleKind {
    /// By key hash: the output is hash-partitioned, and an input already partitioned that way
    /// is not shuffled at all.
    Keyed,
    /// By a hash the operator picks (`repartition`): the output has no known partitioner.
    Unkeyed,
    /// By ranges of a key sampled before the map stage (the sorts).
    Sampled,
    /// By the whole element (`distinct`). An input that has a partitioner already holds equal
    /// elements (which have equal keys) in one partition: unless another partition count is
    /// asked for, it is processed in place, without a shuffle, and the output keeps the
    /// input's partitioner (Spark 3's `distinct`). Otherwise as [`Unkeyed`](Self::Unkeyed).
    Elements,
}

/// The user's code of a one-shuffle node: its parent, what crosses the shuffle, and the map
/// side (the reduce side is called from the node's `compute`, after [`OneShuffle::read`]).
pub trait OneShuffleNode: RddNode<Parents = (Self::Parent,)> {
    /// The parent handle.
    type Parent: Dataset;
    /// One record crossing the shuffle.
    type Record: Data;

    /// Buckets one partition of the parent. `bounds` are the sampled range bounds
    /// ([`ShuffleKind::Sampled`]; unused otherwise).
    fn map_side(
        &self,
        site: Site,
        input: impl Iterator<Item = <Self::Parent as Dataset>::Item>,
        out: MapWriter<Self::Record>,
        bounds: &Bounds,
    ) -> MapOutput<Self::Record>;

    /// Before the map stage, on the driver: a sort samples `parent` into `bounds` here.
    fn prepare(&self, parent: &Self::Parent, partitions: usize, bounds: &Bounds) -> Result<()> {
        let _ = (parent, partitions, bounds);
        Ok(())
    }
}

/// The engine side of a one-shuffle node: its map-output store, its partitioner, whether the
/// input is co-partitioned (no shuffle), and the range bounds of a sort.
pub struct OneShuffle<R> {
    store: Arc<dyn MapOutputStore<R>>,
    /// The partitioner users of the node see (keyed shuffles, and `distinct` in place).
    reported: Option<Partitioner>,
    /// An input already partitioned as the output is: decided once, in `new` (a node's
    /// partitioner never changes; a checkpoint keeps it). Its partition `p` is run through the
    /// map side into this one-bucket store and read back in the reduce task of `p`.
    co_partitioned: Option<Arc<dyn MapOutputStore<R>>>,
    bounds: Arc<Bounds>,
}

impl<R: Data> OneShuffle<R> {
    /// The shuffle of a node reading `parent` into `partitioning`: a partition count
    /// (`Option<usize>`), a [`Partitioner`] (keyed shuffles), or nothing, when a keyed shuffle
    /// follows Spark's default-partitioner rule ([`Context::default_partitioner`]) and the
    /// others take the context's [`shuffle_partitions`](Context::shuffle_partitions) of the
    /// parent's; spilling with `codec` when it has one (from [`crate::spill::Probe`]).
    pub fn new<D: Dataset>(
        ctx: &Context,
        parent: &D,
        partitioning: impl Into<Partitioning>,
        kind: ShuffleKind,
        codec: Option<Codec<R>>,
    ) -> Self {
        let given = match partitioning.into() {
            Partitioning::Given(p) => Some(p),
            _ => None,
        };
        let parent_partitioner = parent.partitioner();
        let count = || ctx.shuffle_partitions(&[parent.num_partitions()]);
        let (partitioner, reported, in_place) = match kind {
            ShuffleKind::Keyed => {
                let p = given.unwrap_or_else(|| {
                    ctx.default_partitioner(&[(
                        parent.num_partitions(),
                        parent_partitioner.clone(),
                    )])
                });
                let in_place = parent_partitioner.as_ref() == Some(&p);
                (p.clone(), Some(p), in_place)
            }
            ShuffleKind::Elements => match parent_partitioner {
                Some(pp)
                    if given
                        .as_ref()
                        .is_none_or(|g| g.num_partitions() == pp.num_partitions()) =>
                {
                    (pp.clone(), Some(pp), true)
                }
                _ => {
                    let n = given.map_or_else(count, |g| g.num_partitions());
                    (Partitioner::hash(n), None, false)
                }
            },
            _ => {
                let n = given.map_or_else(count, |g| g.num_partitions());
                (Partitioner::hash(n), None, false)
            }
        };
        let co_partitioned =
            in_place.then(|| new_store(ctx, 1, Partitioner::hash(1), codec.clone()));
        OneShuffle {
            store: new_store(ctx, parent.num_partitions(), partitioner, codec),
            reported,
            co_partitioned,
            bounds: Arc::new(Bounds::new()),
        }
    }

    /// The range bounds a sort samples (shared with the partitioner it reports).
    pub fn bounds(&self) -> Arc<Bounds> {
        self.bounds.clone()
    }

    /// This shuffle reporting `partitioner` as its output's (a sort's ranges, from
    /// [`Self::bounds`]).
    pub fn reporting(mut self, partitioner: Partitioner) -> Self {
        self.reported = Some(partitioner);
        self
    }

    /// Number of output partitions.
    pub fn partitions(&self) -> usize {
        self.store.partitioner().num_partitions()
    }

    /// The output's partitioner, when it is known to users of the node (keyed shuffles).
    pub fn partitioner(&self) -> Option<Partitioner> {
        self.reported.clone()
    }

    /// The records of output partition `site.part`: from the map outputs, or, for a
    /// co-partitioned input, from the parent's own partition run through `node`'s map side in
    /// this task.
    pub fn read<N: OneShuffleNode<Record = R>>(
        &self,
        node: &N,
        parent: &N::Parent,
        site: &Site,
    ) -> ShuffleRead<R> {
        if let Some(local) = &self.co_partitioned {
            // Every record of the parent's partition `p` belongs to output partition `p`: one
            // bucket holds them all.
            let input = parent.iter_parent(&site.cx, site.part);
            let one = Site::new(&site.cx, site.node, 0);
            let out = node.map_side(one.clone(), input, local.writer(&one), &self.bounds);
            local.read_local(&one, out)
        } else {
            self.store.read(site)
        }
    }
}

impl<N: OneShuffleNode> Exchange<N> for OneShuffle<N::Record> {
    fn dependencies(&self, node: &N, parents: &(N::Parent,)) -> Vec<Dependency> {
        let parent = parents.0.erased();
        if self.co_partitioned.is_some() {
            return vec![Dependency::Narrow(parent)];
        }
        vec![Dependency::Shuffle(ShuffleDep {
            parent,
            owner: node.core().erased(),
            index: 0,
            status: self.store.clone(),
        })]
    }

    fn map_task(
        &self,
        node: &N,
        parents: &(N::Parent,),
        cx: &TaskContext,
        dep: usize,
        part: usize,
    ) -> Result<()> {
        if dep != 0 {
            return Err(no_shuffle(node.core().info().label, dep));
        }
        let site = Site::new(cx, node.core().info().label, part);
        let input = parents.0.iter_partition(cx, part);
        let writer = self.store.writer(&site);
        let g = super::two_shuffles::user_code_scope(
            node.core().info().label,
            self.store.partitioner(),
        );
        let out = node.map_side(site, input, writer, &self.bounds);
        if let Some(g) = g {
            g.exit();
        }
        self.store.put(cx, part, out);
        Ok(())
    }

    fn prepare(&self, node: &N, parents: &(N::Parent,), _dep: usize) -> Result<()> {
        self.store.partitioner().prepare()?;
        node.prepare(&parents.0, self.partitions(), &self.bounds)
    }

    fn release(&self) {
        self.store.release();
    }

    fn key_range(&self) -> Option<KeyRange> {
        self.bounds.key_range()
    }
}
