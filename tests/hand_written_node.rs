//! The execution protocol is usable without the macro (as rayon's API is usable by hand): a
//! hand-written `reduce_by_key` node holds the engine's `OneShuffle`, gives it its map side,
//! and reads through it; the engine runs the map stage, and skips it when the input is already
//! partitioned like the output.

use std::collections::HashMap;

use rddflow::__private::ops::reduce_by_key::Op;
use rddflow::__private::{
    Bounds, CheckpointPass, Dependency, Exchange, MapOutput, MapWriter, NodeCore, OneShuffle,
    OneShuffleNode, ParentSlot, ShuffleKind, Site, TaskContext,
};
use rddflow::prelude::*;
use rddflow::{Partitioner, RddNode};

/// Sums the values of each key of `parent`, into `partitions` hash partitions.
struct SumByKey {
    core: NodeCore<(u64, u64)>,
    parents: ParentSlot<(Rdd<(u64, u64)>,)>,
    exchange: OneShuffle<(u64, u64)>,
}

impl SumByKey {
    fn build(ctx: &Context, label: &'static str, parent: Rdd<(u64, u64)>, n: usize) -> Node<Self> {
        let exchange = OneShuffle::new(ctx, &parent, Some(n), ShuffleKind::Keyed, None);
        let core = NodeCore::new(
            ctx,
            label,
            "reduce_by_key",
            exchange.partitions(),
            exchange.partitioner(),
        );
        Node::new(SumByKey {
            core,
            parents: ParentSlot::new((parent,)),
            exchange,
        })
    }
}

impl RddNode for SumByKey {
    type Item = (u64, u64);
    type Parents = (Rdd<(u64, u64)>,);

    fn core(&self) -> &NodeCore<(u64, u64)> {
        &self.core
    }

    fn parents(&self) -> &ParentSlot<Self::Parents> {
        &self.parents
    }

    fn compute(
        &self,
        parents: &Self::Parents,
        cx: &TaskContext,
        part: usize,
    ) -> impl Iterator<Item = (u64, u64)> + use<> {
        let site = Site::new(cx, self.core.info().label, part);
        let read = self.exchange.read(self, &parents.0, &site);
        Op::<(u64, u64), (u64, u64)>::reduce_side(site, read, |a, b| a + b)
    }

    fn exchange(&self) -> Option<&dyn Exchange<Self>> {
        Some(&self.exchange)
    }

    fn do_checkpoint(&self, pass: &mut CheckpointPass) {
        if pass.enter(self.core.info().id)
            && let Some(p) = self.parents.get()
        {
            p.0.do_checkpoint(pass);
        }
    }
}

impl OneShuffleNode for SumByKey {
    type Parent = Rdd<(u64, u64)>;
    type Record = (u64, u64);

    fn map_side(
        &self,
        site: Site,
        input: impl Iterator<Item = (u64, u64)>,
        out: MapWriter<(u64, u64)>,
        _bounds: &Bounds,
    ) -> MapOutput<(u64, u64)> {
        Op::<(u64, u64), (u64, u64)>::map_side(site, input, out, |a, b| a + b)
    }
}

fn pairs() -> Vec<(u64, u64)> {
    (0..1000u64).map(|i| (i % 37, i)).collect()
}

fn expected() -> HashMap<u64, u64> {
    let mut m = HashMap::new();
    for (k, v) in pairs() {
        *m.entry(k).or_insert(0) += v;
    }
    m
}

/// Whether `node`'s only dependency is a shuffle (else it is narrow).
fn shuffles<N: RddNode>(node: &Node<N>) -> bool {
    let deps = node.erased().dependencies();
    assert_eq!(deps.len(), 1);
    matches!(deps[0], Dependency::Shuffle(_))
}

#[test]
fn a_hand_written_node_runs_the_engine_protocol() -> rddflow::Result<()> {
    let ctx = Context::builder().threads(2).build()?;
    let input =
        rddflow::__private::sources::parallelize::parallelize(&ctx, "Hand.pairs", pairs(), 4)?;
    let sums = SumByKey::build(&ctx, "Hand.sums", input.rdd(), 3);
    assert!(shuffles(&sums), "an unpartitioned input is shuffled");
    assert_eq!(sums.num_partitions(), 3);
    let got: HashMap<u64, u64> = sums.collect()?.into_iter().collect();
    assert_eq!(got, expected());
    let partitioner = sums
        .partitioner()
        .expect("a keyed shuffle's output is hash-partitioned");
    assert_eq!(partitioner, Partitioner::hash(3));

    // Summing again into the same partitioner needs no shuffle: the engine runs the map side in
    // the reduce task, on the parent's own partition.
    let again = SumByKey::build(&ctx, "Hand.again", sums.rdd(), 3);
    assert!(!shuffles(&again), "a co-partitioned input is read directly");
    let got: HashMap<u64, u64> = again.collect()?.into_iter().collect();
    assert_eq!(got, expected());
    // Into a different partition count it shuffles.
    let moved = SumByKey::build(&ctx, "Hand.moved", sums.rdd(), 5);
    assert!(shuffles(&moved));
    let got: HashMap<u64, u64> = moved.collect()?.into_iter().collect();
    assert_eq!(got, expected());
    Ok(())
}
