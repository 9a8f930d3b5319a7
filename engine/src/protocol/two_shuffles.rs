//! Two shuffles, one per input, to one partitioner: `cogroup`, the joins, `subtract_by_key`
//! (by the pairs' key, [`ByKey`]) and `intersection`, `subtract` (by the whole element,
//! [`ByElement`]). Each input is bucketed as it is (no user code on the map side); an input
//! already partitioned by the output's partitioner is read directly, a narrow dependency, as
//! Spark's `CoGroupedRDD` does. The helpers here serve any number of inputs
//! (`three_shuffles.rs` is `group_with`'s).

use std::sync::Arc;

use super::{Exchange, no_shuffle};
use crate::context::Context;
use crate::data::{Data, Key, Pair};
use crate::error::Result;
use crate::node::{Dependency, RddNode, ShuffleDep};
use crate::ops::cogroup::Side;
use crate::partitioner::{Partitioner, Partitioning, key_hash};
use crate::rdd::Dataset;
use crate::shuffle::{MapOutput, MapOutputStore, MapWriter, bucket, new_store};
use crate::spill::Codec;
use crate::task::{PanicScope, Site, TaskContext};
use either::Either;

/// What a multi-input shuffle places records by: [`ByKey`] or [`ByElement`].
pub trait ShuffleBy<T>: Send + Sync + 'static {
    /// What places and groups a record.
    type Key: Key;
    /// Whether the output is keyed by [`Self::Key`] (reports its partitioner, and an input
    /// partitioned alike is read without a shuffle).
    const KEYED: bool;
    /// The record's key.
    fn key(t: &T) -> &Self::Key;
}

/// Records are pairs, placed by their key: `cogroup`, the joins, `subtract_by_key`.
pub struct ByKey;

/// Records are placed by the whole element: `intersection`, `subtract`. An input's
/// partitioner (by the key of its pairs) says nothing of where whole elements are, so every
/// input is shuffled and the output has no partitioner (as in Spark, where these end in a map).
pub struct ByElement;

impl<T: Pair> ShuffleBy<T> for ByKey
where
    T::Key: Key,
{
    type Key = T::Key;
    const KEYED: bool = true;
    #[inline]
    fn key(t: &T) -> &T::Key {
        t.key()
    }
}

impl<T: Key> ShuffleBy<T> for ByElement {
    type Key = T;
    const KEYED: bool = false;
    #[inline]
    fn key(t: &T) -> &T {
        t
    }
}

/// The partitioner of a keyed multi-input node given `partitioning`: the one given, else
/// Spark's default-partitioner rule over `inputs` ([`Context::default_partitioner`]); an
/// unkeyed node (`keyed == false`) without one hashes over the context's
/// [`shuffle_partitions`](Context::shuffle_partitions) of the inputs'.
pub(super) fn output_partitioner(
    ctx: &Context,
    inputs: &[(usize, Option<Partitioner>)],
    partitioning: Partitioning,
    keyed: bool,
) -> Partitioner {
    let given = match partitioning {
        Partitioning::Given(p) => Some(p),
        _ => None,
    };
    match (given, keyed) {
        // Unkeyed nodes place whole elements by it (a count is a hash partitioner; a
        // `KeyPartitioner` given to `intersection` or `subtract` is one of the element type).
        (Some(p), _) => p,
        (None, true) => ctx.default_partitioner(inputs),
        (None, false) => {
            let counts: Vec<usize> = inputs.iter().map(|(n, _)| *n).collect();
            Partitioner::hash(ctx.shuffle_partitions(&counts))
        }
    }
}

/// Spark's default partitioning of `subtract` and `subtract_by_key` when none is `given`: the
/// parent's partitioner (`keyed` nodes, when it has one), else a hash partitioner over the
/// parent's partition count, whatever the other input (not the default-partitioner rule).
pub fn first_input<D: Dataset>(
    parent: &D,
    keyed: bool,
    given: impl Into<Partitioning>,
) -> Partitioning {
    match given.into() {
        Partitioning::Default => Partitioning::Given(
            parent
                .partitioner()
                .filter(|_| keyed)
                .unwrap_or_else(|| Partitioner::hash(parent.num_partitions())),
        ),
        g => g,
    }
}

/// The engine side of a two-input node reading `L` (shuffle 0) and `R` (shuffle 1), placing
/// records by `M`.
pub struct TwoShuffles<L: Dataset, R: Dataset, M = ByKey> {
    left: Arc<dyn MapOutputStore<L::Item>>,
    right: Arc<dyn MapOutputStore<R::Item>>,
    /// Per input, whether it is co-partitioned with the output (read without a shuffle).
    co_partitioned: [bool; 2],
    mode: std::marker::PhantomData<fn() -> M>,
}

impl<L: Dataset, R: Dataset, M> TwoShuffles<L, R, M>
where
    M: ShuffleBy<L::Item> + ShuffleBy<R::Item, Key = <M as ShuffleBy<L::Item>>::Key>,
{
    /// The shuffles of a node reading `parents` into `partitioning` (a partition count as
    /// `Option<usize>`, or a [`Partitioner`]; without one, see [`Context::default_partitioner`]);
    /// each input spills with its codec when it has one (from [`crate::spill::Probe`]).
    pub fn new(
        ctx: &Context,
        parents: &(L, R),
        partitioning: impl Into<Partitioning>,
        left_codec: Option<Codec<L::Item>>,
        right_codec: Option<Codec<R::Item>>,
    ) -> Self {
        let (l, r) = parents;
        let keyed = <M as ShuffleBy<L::Item>>::KEYED;
        let inputs = [
            (l.num_partitions(), l.partitioner()),
            (r.num_partitions(), r.partitioner()),
        ];
        let partitioner = output_partitioner(ctx, &inputs, partitioning.into(), keyed);
        let co = |p: &Option<Partitioner>| keyed && p.as_ref() == Some(&partitioner);
        TwoShuffles {
            co_partitioned: [co(&inputs[0].1), co(&inputs[1].1)],
            left: new_store(ctx, l.num_partitions(), partitioner.clone(), left_codec),
            right: new_store(ctx, r.num_partitions(), partitioner, right_codec),
            mode: std::marker::PhantomData,
        }
    }

    /// Number of output partitions.
    pub fn partitions(&self) -> usize {
        self.left.partitioner().num_partitions()
    }

    /// The output's partitioner (keyed nodes only).
    pub fn partitioner(&self) -> Option<Partitioner> {
        <M as ShuffleBy<L::Item>>::KEYED.then(|| self.left.partitioner().clone())
    }

    /// Both inputs of output partition `site.part`, each from its shuffle or, co-partitioned,
    /// from the parent's own partition.
    #[allow(clippy::type_complexity)]
    pub fn read(
        &self,
        parents: &(L, R),
        site: &Site,
    ) -> (
        Side<impl Iterator<Item = L::Item> + use<L, R, M>, L::Item>,
        Side<impl Iterator<Item = R::Item> + use<L, R, M>, R::Item>,
    ) {
        (
            read_side(&parents.0, &*self.left, self.co_partitioned[0], site),
            read_side(&parents.1, &*self.right, self.co_partitioned[1], site),
        )
    }
}

pub(super) fn read_side<D: Dataset>(
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
pub(super) fn dependency<D: Dataset>(
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

/// Computes partition `part` of `parent` and buckets it by `M` into `store`.
pub(super) fn map_input<D: Dataset, M: ShuffleBy<D::Item>>(
    label: &'static str,
    parent: &D,
    store: &dyn MapOutputStore<D::Item>,
    cx: &TaskContext,
    part: usize,
) {
    let site = Site::new(cx, label, part);
    let input = parent.iter_partition(cx, part);
    let g = user_code_scope(label, store.partitioner());
    let out = bucket_by::<D::Item, M>(input, store.writer(&site));
    if let Some(g) = g {
        g.exit();
    }
    store.put(cx, part, out);
}

/// With a user-defined partitioner, a panic in a map task outside the parents' own guarded
/// code is the partitioner's, which belongs to the wide node `label`: a scope naming it.
/// Otherwise such a panic (a key's `Hash`) stays the map stage's, which names the parent.
pub(crate) fn user_code_scope(label: &'static str, p: &Partitioner) -> Option<PanicScope> {
    matches!(p, Partitioner::User(_)).then(|| PanicScope::enter(label))
}

/// Map side of every multi-input operator: the records, bucketed by the partitioner of
/// their `M` key (spilled runs sorted by its hash, as the reduce side merges them).
pub fn bucket_by<T: Data, M: ShuffleBy<T>>(
    input: impl Iterator<Item = T>,
    out: MapWriter<T>,
) -> MapOutput<T> {
    let partitioner = out.partitioner().clone();
    bucket(
        input,
        out,
        move |t| partitioner.partition(M::key(t)),
        |t| key_hash(M::key(t)),
    )
}

impl<N, L, R, M> Exchange<N> for TwoShuffles<L, R, M>
where
    N: RddNode<Parents = (L, R)>,
    L: Dataset,
    R: Dataset,
    M: ShuffleBy<L::Item> + ShuffleBy<R::Item, Key = <M as ShuffleBy<L::Item>>::Key>,
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
            0 => map_input::<L, M>(label, &parents.0, &*self.left, cx, part),
            1 => map_input::<R, M>(label, &parents.1, &*self.right, cx, part),
            _ => return Err(no_shuffle(label, dep)),
        }
        Ok(())
    }

    fn prepare(&self, _node: &N, _parents: &(L, R), _dep: usize) -> Result<()> {
        // A reused range partitioner (a sort's) needs its bounds to place this input's keys.
        self.left.partitioner().prepare()
    }

    fn release(&self) {
        self.left.release();
        self.right.release();
    }
}
