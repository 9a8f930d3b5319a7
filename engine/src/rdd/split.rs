//! `random_split(weights, seed)`: one RDD per weight, which together hold each element of the
//! input exactly once (Spark's `RDD.randomSplit`). Split `j` keeps the elements whose uniform
//! draw falls in `[c[j], c[j + 1])`, `c` the cumulative normalized weights; every split draws
//! from the same per-partition stream (seeded by the seed and the partition), so an element
//! gets the same draw in every split and lands in exactly one.

use rand::{Rng, SeedableRng};

use super::{Dataset, Rdd};
use crate::checkpoint::CheckpointStatus;
use crate::data::Data;
use crate::error::Error;
use crate::node::{CheckpointPass, Node, NodeCore, ParentSlot, RddNode};
use crate::task::TaskContext;

/// The splits of `parent` by `weights`.
pub(crate) fn random_split<T: Data>(parent: &Rdd<T>, weights: &[f64], seed: u64) -> Vec<Rdd<T>> {
    let info = parent.core().info();
    let bad = weights.iter().find(|w| !w.is_finite() || **w < 0.0);
    let sum: f64 = weights.iter().sum();
    // SPEC's signature returns the splits, not a `Result`: bad weights make one split whose
    // every action fails with the error, never a panic and never a silently empty split.
    let invalid = (weights.is_empty() || bad.is_some() || sum <= 0.0).then(|| {
        format!(
            "node `{}`: `random_split` needs at least one weight, each finite and >= 0, with a \
             positive sum; got {weights:?}",
            info.label
        )
    });
    let bounds: Vec<f64> = match &invalid {
        Some(_) => vec![0.0, 0.0],
        None => {
            let mut bounds: Vec<f64> = std::iter::once(0.0)
                .chain(weights.iter().scan(0.0, |c, w| {
                    *c += w / sum;
                    Some(*c)
                }))
                .collect();
            // Rounding must not leave a sliver of [0, 1) in no split.
            *bounds.last_mut().expect("one weight at least") = 1.0;
            bounds
        }
    };
    let ctx = parent.core().context();
    bounds
        .windows(2)
        .map(|w| {
            let core = NodeCore::new(
                ctx,
                info.label,
                "random_split",
                info.partitions,
                info.partitioner.clone(),
            )
            // The parent's elements, so the parent's codec (cluster mode sends them).
            .with_codec(parent.core().codec().cloned());
            Node::new(Split {
                core,
                parents: ParentSlot::new((parent.clone(),)),
                lo: w[0],
                hi: w[1],
                seed,
                invalid: invalid.clone(),
            })
            .rdd()
        })
        .collect()
}

/// One split: the elements whose draw is in `lo..hi`.
struct Split<T: Data> {
    core: NodeCore<T>,
    parents: ParentSlot<(Rdd<T>,)>,
    lo: f64,
    hi: f64,
    seed: u64,
    /// Why the weights were refused: every task of the split fails with it.
    invalid: Option<String>,
}

impl<T: Data> RddNode for Split<T> {
    type Item = T;
    type Parents = (Rdd<T>,);

    fn core(&self) -> &NodeCore<T> {
        &self.core
    }

    fn parents(&self) -> &ParentSlot<(Rdd<T>,)> {
        &self.parents
    }

    fn compute(
        &self,
        parents: &(Rdd<T>,),
        cx: &TaskContext,
        part: usize,
    ) -> impl Iterator<Item = T> + use<T> {
        // The same stream in every split, every run and every attempt.
        let rng = rand_pcg::Pcg64Mcg::seed_from_u64(
            self.seed
                ^ (part as u64)
                    .wrapping_add(1)
                    .wrapping_mul(0x9E37_79B9_7F4A_7C15),
        );
        if let Some(why) = &self.invalid {
            cx.fail(Error::InvalidArgument(why.clone()));
        }
        let limit = if self.invalid.is_some() {
            0
        } else {
            usize::MAX
        };
        parents
            .0
            .iter_parent(cx, part)
            .take(limit)
            .filter(in_cell(rng, self.lo, self.hi))
    }

    fn do_checkpoint(&self, pass: &mut CheckpointPass) {
        if !pass.enter(self.core.info().id) {
            return;
        }
        let recurse = |pass: &mut CheckpointPass| {
            if let Some(p) = self.parents.get() {
                p.0.do_checkpoint(pass);
            }
        };
        match self.core.checkpoint_status() {
            CheckpointStatus::Checkpointed { .. } => {}
            CheckpointStatus::Marked(_) => {
                if pass.all_marked_ancestors() {
                    recurse(pass);
                }
                pass.select(self.core.erased());
            }
            CheckpointStatus::Unmarked => recurse(pass),
        }
    }
}

/// Keeps an element when its draw is in `lo..hi` (Spark's `BernoulliCellSampler`).
fn in_cell<T>(mut rng: rand_pcg::Pcg64Mcg, lo: f64, hi: f64) -> impl FnMut(&T) -> bool {
    move |_| {
        let x: f64 = rng.random();
        lo <= x && x < hi
    }
}
