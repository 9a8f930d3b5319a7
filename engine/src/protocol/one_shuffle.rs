//! One shuffle between a node and its single parent: `reduce_by_key` and the other keyed
//! aggregations, `distinct`, `partition_by`, `repartition`, and the sorts.

use std::sync::Arc;

use super::{Exchange, no_shuffle};
use crate::context::Context;
use crate::data::Data;
use crate::error::Result;
use crate::node::{Dependency, KeyRange, RddNode, ShuffleDep};
use crate::partitioner::Partitioner;
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
    kind: ShuffleKind,
    /// A keyed input already partitioned by the output's partitioner: decided once, in `new`
    /// (a node's partitioner never changes; a checkpoint keeps it).
    co_partitioned: bool,
    bounds: Bounds,
}

impl<R: Data> OneShuffle<R> {
    /// The shuffle of a node reading `parent` into `partitions` partitions (by default the
    /// context's [`shuffle_partitions`](Context::shuffle_partitions) of the parent's), spilling
    /// with `codec` when it has one (from [`crate::spill::Probe`]).
    pub fn new<D: Dataset>(
        ctx: &Context,
        parent: &D,
        partitions: Option<usize>,
        kind: ShuffleKind,
        codec: Option<Codec<R>>,
    ) -> Self {
        let n = partitions.unwrap_or_else(|| ctx.shuffle_partitions(&[parent.num_partitions()]));
        let partitioner = Partitioner::hash(n);
        let co_partitioned =
            kind == ShuffleKind::Keyed && parent.partitioner().as_ref() == Some(&partitioner);
        OneShuffle {
            store: new_store(ctx, parent.num_partitions(), partitioner, codec),
            kind,
            co_partitioned,
            bounds: Bounds::new(),
        }
    }

    /// Number of output partitions.
    pub fn partitions(&self) -> usize {
        self.store.partitioner().num_partitions()
    }

    /// The output's partitioner, when it is known to users of the node (keyed shuffles).
    pub fn partitioner(&self) -> Option<Partitioner> {
        (self.kind == ShuffleKind::Keyed).then(|| self.store.partitioner().clone())
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
        if self.co_partitioned {
            let input = parent.iter_parent(&site.cx, site.part);
            let out = node.map_side(site.clone(), input, self.store.writer(site), &self.bounds);
            self.store.read_local(site, out)
        } else {
            self.store.read(site)
        }
    }
}

impl<N: OneShuffleNode> Exchange<N> for OneShuffle<N::Record> {
    fn dependencies(&self, node: &N, parents: &(N::Parent,)) -> Vec<Dependency> {
        let parent = parents.0.erased();
        if self.co_partitioned {
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
        let out = node.map_side(site, input, writer, &self.bounds);
        self.store.put(cx, part, out);
        Ok(())
    }

    fn prepare(&self, node: &N, parents: &(N::Parent,), _dep: usize) -> Result<()> {
        node.prepare(&parents.0, self.partitions(), &self.bounds)
    }

    fn release(&self) {
        self.store.release();
    }

    fn key_range(&self) -> Option<KeyRange> {
        self.bounds.key_range()
    }
}
