//! `join`: an inner join of two in-memory pair collections on `u64` keys, reduced to a count
//! and a checksum of the matching `(key, left, right)` triples.

use std::sync::Arc;

use rayon::prelude::*;
use rddflow::prelude::*;
use rustc_hash::FxHashMap;

/// Pairs shared by both sides without copying them per run.
pub type Pairs = Arc<Vec<(u64, u64)>>;

/// An order-independent summary of a join's output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Matching pairs.
    pub count: u64,
    /// Wrapping sum of a hash of each `(key, left, right)`.
    pub checksum: u64,
}

impl Summary {
    fn add(mut self, k: u64, v: u64, w: u64) -> Summary {
        let h = k.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17)
            ^ v.wrapping_mul(0xBF58_476D_1CE4_E5B9)
            ^ w.wrapping_mul(0x94D0_49BB_1331_11EB).rotate_left(31);
        self.count += 1;
        self.checksum = self.checksum.wrapping_add(h);
        self
    }

    fn merge(self, o: Summary) -> Summary {
        Summary {
            count: self.count + o.count,
            checksum: self.checksum.wrapping_add(o.checksum),
        }
    }
}

rddflow::pipeline! {
    /// Both inputs shuffled into `parts` partitions and joined.
    pub struct Join(left: Pairs, right: Pairs, parts: usize) {
        l: (u64, u64) = parallelize(left.iter().copied(), parts);
        r: (u64, u64) = parallelize(right.iter().copied(), parts);
        joined: (u64, (u64, u64)) = l.join(r, parts);
    }
}

/// rddflow: the join, summarized with `aggregate`.
pub fn rddflow(
    ctx: &Context,
    left: &Pairs,
    right: &Pairs,
    parts: usize,
) -> rddflow::Result<Summary> {
    let j = Join::new(ctx, left.clone(), right.clone(), parts)?;
    j.joined.aggregate(
        Summary::default(),
        |s, (k, (v, w))| s.add(k, v, w),
        Summary::merge,
    )
}

/// Hand-written rayon: a hash table of the right side (built in parallel, one map per split,
/// merged), probed by the left side in parallel.
pub fn rayon(left: &[(u64, u64)], right: &[(u64, u64)]) -> Summary {
    let table: FxHashMap<u64, Vec<u64>> = right
        .par_iter()
        .fold(
            FxHashMap::default,
            |mut m: FxHashMap<u64, Vec<u64>>, &(k, w)| {
                m.entry(k).or_default().push(w);
                m
            },
        )
        .reduce(FxHashMap::default, |mut a, mut b| {
            if a.len() < b.len() {
                std::mem::swap(&mut a, &mut b);
            }
            for (k, ws) in b {
                a.entry(k).or_default().extend(ws);
            }
            a
        });
    left.par_iter()
        .fold(Summary::default, |s, &(k, v)| match table.get(&k) {
            Some(ws) => ws.iter().fold(s, |s, &w| s.add(k, v, w)),
            None => s,
        })
        .reduce(Summary::default, Summary::merge)
}
