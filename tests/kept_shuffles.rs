//! Shuffles kept for later jobs move to disk once the job that made them no longer reads
//! them and they pass `kept_shuffle_memory` (issue 16, bounded memory for iterative jobs): a
//! chain of shuffles computed in one job holds the one its next stage reads in memory, not
//! all of them, and a later job reads a moved shuffle back in the same order.

use rddflow::prelude::*;

/// A value without serde: its shuffles cannot be written to disk, so they stay in memory.
#[derive(Clone, Debug, PartialEq)]
struct Opaque(u64);

rddflow::pipeline! {
    /// Three shuffles in a row: each stage reads the previous one's output.
    struct Chain(n: u64) {
        nums: u64 = range(0..n, 4);
        a: (u64, u64) = nums.map(|x| (x % 97, x));
        s1: (u64, u64) = a.reduce_by_key(|x, y| x + y, 3);
        b: (u64, u64) = s1.map(|(k, v)| (k % 31, v));
        s2: (u64, u64) = b.reduce_by_key(|x, y| x + y, 5);
        c: (u64, u64) = s2.map(|(k, v)| (k % 7, v));
        s3: (u64, u64) = c.reduce_by_key(|x, y| x + y, 2);
    }

    /// The same chain, its end checkpointed.
    struct CheckpointedChain(n: u64) {
        nums: u64 = range(0..n, 4);
        a: (u64, u64) = nums.map(|x| (x % 97, x));
        s1: (u64, u64) = a.reduce_by_key(|x, y| x + y, 3);
        b: (u64, u64) = s1.map(|(k, v)| (k % 31, v));
        s2: (u64, u64) = b.reduce_by_key(|x, y| x + y, 5);
        c: (u64, u64) = s2.map(|(k, v)| (k % 7, v));
        #[checkpoint]
        s3: (u64, u64) = c.reduce_by_key(|x, y| x + y, 2);
    }

    /// The same chain over values without a codec.
    struct OpaqueChain(n: u64) {
        nums: u64 = range(0..n, 4);
        a: (u64, Opaque) = nums.map(|x| (x % 97, Opaque(x)));
        s1: (u64, Opaque) = a.reduce_by_key(|x, y| Opaque(x.0 + y.0), 3);
        b: (u64, Opaque) = s1.map(|(k, v)| (k % 31, v));
        s2: (u64, Opaque) = b.reduce_by_key(|x, y| Opaque(x.0 + y.0), 5);
    }
}

const N: u64 = 20_000;

/// `sum of x in 0..N` grouped by `key(x)`, sorted.
fn sums(key: impl Fn(u64) -> u64) -> Vec<(u64, u64)> {
    let mut m = std::collections::BTreeMap::new();
    for x in 0..N {
        *m.entry(key(x)).or_insert(0) += x;
    }
    m.into_iter().collect()
}

fn sorted(mut v: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    v.sort();
    v
}

/// A context spilling into its own directory (removed with the returned guard), keeping no
/// finished shuffle in memory.
fn ctx() -> (tempfile::TempDir, Context) {
    let dir = tempfile::tempdir().unwrap();
    let ctx = Context::builder()
        .threads(2)
        .spill_dir(dir.path())
        .kept_shuffle_memory(0)
        .build()
        .unwrap();
    (dir, ctx)
}

#[test]
fn shuffles_no_later_stage_reads_move_to_disk() {
    let (_dir, ctx) = ctx();
    let chain = Chain::new(&ctx, N).unwrap();
    assert_eq!(ctx.spilled_bytes(), 0);
    assert_eq!(
        sorted(chain.s3.collect().unwrap()),
        sums(|x| x % 97 % 31 % 7)
    );
    // s1's and s2's shuffles were no longer read once the next stage had run.
    let moved = ctx.spilled_bytes();
    assert!(moved > 0, "no shuffle output moved to disk");

    // A later job reads the moved shuffles back: the same records in the same order as a
    // context where they never moved.
    let fresh = ctx_with_one_job();
    assert_eq!(chain.s1.collect().unwrap(), fresh);
    assert_eq!(sorted(fresh), sums(|x| x % 97));
    assert_eq!(sorted(chain.s2.collect().unwrap()), sums(|x| x % 97 % 31));
    // Reading moved shuffles moves nothing more.
    assert_eq!(ctx.spilled_bytes(), moved);
}

/// `s1` collected by the first job of a new context (its shuffle read from memory).
fn ctx_with_one_job() -> Vec<(u64, u64)> {
    let (_dir, ctx) = ctx();
    let v = Chain::new(&ctx, N).unwrap().s1.collect().unwrap();
    assert_eq!(
        ctx.spilled_bytes(),
        0,
        "the shuffle a job's result stage reads stays"
    );
    v
}

#[test]
fn finished_shuffles_within_the_budget_stay_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    // The default budget (16 MiB) holds these small shuffles.
    let ctx = Context::builder()
        .threads(2)
        .spill_dir(dir.path())
        .build()
        .unwrap();
    let chain = Chain::new(&ctx, N).unwrap();
    assert_eq!(
        sorted(chain.s3.collect().unwrap()),
        sums(|x| x % 97 % 31 % 7)
    );
    assert_eq!(ctx.spilled_bytes(), 0);
}

#[test]
fn shuffles_below_a_checkpoint_written_by_the_job_are_not_moved() {
    let (dir, ctx) = ctx();
    let ckpt = Context::builder()
        .threads(2)
        .spill_dir(dir.path())
        .checkpoint_dir(dir.path().join("checkpoints"))
        .kept_shuffle_memory(0)
        .build()
        .unwrap();
    drop(ctx);
    let chain = CheckpointedChain::new(&ckpt, N).unwrap();
    assert_eq!(
        sorted(chain.s3.collect().unwrap()),
        sums(|x| x % 97 % 31 % 7)
    );
    assert!(chain.s3.is_checkpointed());
    // The checkpoint truncated their lineage: writing them to disk would have been wasted.
    assert_eq!(ckpt.spilled_bytes(), 0);
}

#[test]
fn records_without_a_codec_stay_in_memory() {
    let (_dir, ctx) = ctx();
    let chain = OpaqueChain::new(&ctx, N).unwrap();
    let got: Vec<(u64, u64)> = chain
        .s2
        .collect()
        .unwrap()
        .into_iter()
        .map(|(k, v)| (k, v.0))
        .collect();
    assert_eq!(sorted(got), sums(|x| x % 97 % 31));
    assert_eq!(ctx.spilled_bytes(), 0);
    let again: Vec<(u64, u64)> = chain
        .s1
        .collect()
        .unwrap()
        .into_iter()
        .map(|(k, v)| (k, v.0))
        .collect();
    assert_eq!(sorted(again), sums(|x| x % 97));
}
