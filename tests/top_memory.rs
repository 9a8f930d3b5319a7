//! `top` and `take_ordered` keep bounded heaps per partition: a job over many elements holds
//! O(partitions x n) of them at once, never the RDD (issue: `top(10)` on 1e7 elements must
//! not allocate O(n)). Counted with an element type that tracks how many of its values are
//! alive; alone in this file, so no other test's elements are counted.

use std::sync::atomic::{AtomicI64, Ordering};

use rddflow::prelude::*;

static LIVE: AtomicI64 = AtomicI64::new(0);
static PEAK: AtomicI64 = AtomicI64::new(0);

/// A number that counts its live values (creations and clones minus drops).
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Tracked(u64);

impl Tracked {
    fn new(x: u64) -> Self {
        let now = LIVE.fetch_add(1, Ordering::SeqCst) + 1;
        PEAK.fetch_max(now, Ordering::SeqCst);
        Tracked(x)
    }
}

impl Clone for Tracked {
    fn clone(&self) -> Self {
        Tracked::new(self.0)
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::SeqCst);
    }
}

const N: u64 = 400_000;
const PARTS: usize = 8;

rddflow::pipeline! {
    struct Many() {
        nums: u64 = range(0..N, PARTS);
        // A permutation of 0..N (7919 is prime to N), so each heap keeps replacing elements.
        tracked: Tracked = nums.map(|x| Tracked::new(x * 7919 % N));
    }
}

#[test]
fn top_and_take_ordered_hold_partitions_times_n_elements() -> rddflow::Result<()> {
    let ctx = Context::builder().threads(2).build()?;
    let p = Many::new(&ctx)?;
    let n = 10;
    // Each partition's heap holds n, plus one element in flight per running task; the
    // caller then holds the partition results and the merged heap.
    let bound = (PARTS * (n + 1) + n + 2) as i64;

    let top: Vec<u64> = p.tracked.top(n)?.into_iter().map(|t| t.0).collect();
    assert_eq!(top, (N - n as u64..N).rev().collect::<Vec<_>>());
    let peak = PEAK.swap(0, Ordering::SeqCst);
    assert!(
        peak <= bound,
        "top held {peak} elements at once, bound {bound}"
    );

    let low: Vec<u64> = p
        .tracked
        .take_ordered(n)?
        .into_iter()
        .map(|t| t.0)
        .collect();
    assert_eq!(low, (0..n as u64).collect::<Vec<_>>());
    let peak = PEAK.swap(0, Ordering::SeqCst);
    assert!(
        peak <= bound,
        "take_ordered held {peak} elements at once, bound {bound}"
    );

    // The counter sees a full materialization: `collect` holds all N.
    let all = p.tracked.collect()?;
    assert_eq!(PEAK.load(Ordering::SeqCst), N as i64);
    drop(all);
    assert_eq!(LIVE.load(Ordering::SeqCst), 0);
    Ok(())
}
