//! Three shuffles, one per input, to one partitioner by key: `group_with(b, c)`. The same
//! protocol as [`TwoShuffles`](super::TwoShuffles) (whose per-input helpers it uses) with a
//! third input: a separate type rather than a variadic one, as each arity needs its own
//! parents tuple and `read` result, and three inputs are as far as Spark's API goes.

use std::sync::Arc;

use super::two_shuffles::{ByKey, ShuffleBy, dependency, map_input, output_partitioner, read_side};
use super::{Exchange, no_shuffle};
use crate::context::Context;
use crate::data::{Key, Pair};
use crate::error::Result;
use crate::node::{Dependency, RddNode};
use crate::ops::cogroup::Side;
use crate::partitioner::{Partitioner, Partitioning};
use crate::rdd::Dataset;
use crate::shuffle::{MapOutputStore, new_store};
use crate::spill::Codec;
use crate::task::{Site, TaskContext};

/// The engine side of a three-input node reading `A`, `B`, `C` (shuffles 0, 1, 2), all pairs
/// with one key type.
pub struct ThreeShuffles<A: Dataset, B: Dataset, C: Dataset> {
    a: Arc<dyn MapOutputStore<A::Item>>,
    b: Arc<dyn MapOutputStore<B::Item>>,
    c: Arc<dyn MapOutputStore<C::Item>>,
    /// Per input, whether it is co-partitioned with the output (read without a shuffle).
    co_partitioned: [bool; 3],
}

/// The spill codecs of a three-input node's inputs.
pub type ThreeCodecs<A, B, C> = (Option<Codec<A>>, Option<Codec<B>>, Option<Codec<C>>);

/// The iterators of one output partition of a three-input node.
pub type ThreeSides<IA, IB, IC, A, B, C> = (Side<IA, A>, Side<IB, B>, Side<IC, C>);

impl<A: Dataset, B: Dataset, C: Dataset> ThreeShuffles<A, B, C>
where
    A::Item: Pair,
    <A::Item as Pair>::Key: Key,
    B::Item: Pair<Key = <A::Item as Pair>::Key>,
    C::Item: Pair<Key = <A::Item as Pair>::Key>,
{
    /// The shuffles of a node reading `parents` into `partitioning` (see
    /// [`TwoShuffles::new`](super::TwoShuffles::new)).
    pub fn new(
        ctx: &Context,
        parents: &(A, B, C),
        partitioning: impl Into<Partitioning>,
        codecs: ThreeCodecs<A::Item, B::Item, C::Item>,
    ) -> Self {
        let (a, b, c) = parents;
        let inputs = [
            (a.num_partitions(), a.partitioner()),
            (b.num_partitions(), b.partitioner()),
            (c.num_partitions(), c.partitioner()),
        ];
        let p = output_partitioner(ctx, &inputs, partitioning.into(), true);
        let co = |k: usize| inputs[k].1.as_ref() == Some(&p);
        ThreeShuffles {
            co_partitioned: [co(0), co(1), co(2)],
            a: new_store(ctx, a.num_partitions(), p.clone(), codecs.0),
            b: new_store(ctx, b.num_partitions(), p.clone(), codecs.1),
            c: new_store(ctx, c.num_partitions(), p, codecs.2),
        }
    }

    /// Number of output partitions.
    pub fn partitions(&self) -> usize {
        self.a.partitioner().num_partitions()
    }

    /// The output's partitioner.
    pub fn partitioner(&self) -> Option<Partitioner> {
        Some(self.a.partitioner().clone())
    }

    /// The three inputs of output partition `site.part`, each from its shuffle or,
    /// co-partitioned, from the parent's own partition.
    #[allow(clippy::type_complexity)]
    pub fn read(
        &self,
        parents: &(A, B, C),
        site: &Site,
    ) -> ThreeSides<
        impl Iterator<Item = A::Item> + use<A, B, C>,
        impl Iterator<Item = B::Item> + use<A, B, C>,
        impl Iterator<Item = C::Item> + use<A, B, C>,
        A::Item,
        B::Item,
        C::Item,
    > {
        (
            read_side(&parents.0, &*self.a, self.co_partitioned[0], site),
            read_side(&parents.1, &*self.b, self.co_partitioned[1], site),
            read_side(&parents.2, &*self.c, self.co_partitioned[2], site),
        )
    }
}

impl<N, A, B, C> Exchange<N> for ThreeShuffles<A, B, C>
where
    N: RddNode<Parents = (A, B, C)>,
    A: Dataset,
    B: Dataset,
    C: Dataset,
    A::Item: Pair,
    <A::Item as Pair>::Key: Key,
    B::Item: Pair<Key = <A::Item as Pair>::Key>,
    C::Item: Pair<Key = <A::Item as Pair>::Key>,
    ByKey: ShuffleBy<A::Item> + ShuffleBy<B::Item> + ShuffleBy<C::Item>,
{
    fn dependencies(&self, node: &N, parents: &(A, B, C)) -> Vec<Dependency> {
        let owner = || node.core().erased();
        vec![
            dependency(&parents.0, &owner, 0, &self.a, self.co_partitioned[0]),
            dependency(&parents.1, &owner, 1, &self.b, self.co_partitioned[1]),
            dependency(&parents.2, &owner, 2, &self.c, self.co_partitioned[2]),
        ]
    }

    fn map_task(
        &self,
        node: &N,
        parents: &(A, B, C),
        cx: &TaskContext,
        dep: usize,
        part: usize,
    ) -> Result<()> {
        let label = node.core().info().label;
        match dep {
            0 => map_input::<A, ByKey>(label, &parents.0, &*self.a, cx, part),
            1 => map_input::<B, ByKey>(label, &parents.1, &*self.b, cx, part),
            2 => map_input::<C, ByKey>(label, &parents.2, &*self.c, cx, part),
            _ => return Err(no_shuffle(label, dep)),
        }
        Ok(())
    }

    fn prepare(&self, _node: &N, _parents: &(A, B, C), _dep: usize) -> Result<()> {
        // A reused range partitioner (a sort's) needs its bounds to place this input's keys.
        self.a.partitioner().prepare()
    }

    fn release(&self) {
        self.a.release();
        self.b.release();
        self.c.release();
    }
}
