//! A partition count of 0 is refused when the pipeline is built, with an error naming the node,
//! as Spark refuses `repartition(0)` and `coalesce(0)` (sources already refused it), instead of
//! running as one partition. The count is a parameter, so only `new` can see it.

use rddflow::Error;
use rddflow::prelude::*;

rddflow::pipeline! {
    struct Repartitioned(n: usize) {
        nums: u64 = range(0..10, 2);
        spread: u64 = nums.repartition(n);
    }

    struct Coalesced(n: usize) {
        nums: u64 = range(0..10, 2);
        fewer: u64 = nums.coalesce(n);
    }

    struct Partitioned(n: usize) {
        nums: u64 = range(0..10, 2);
        pairs: (u64, u64) = nums.map(|x| (x % 3, x));
        by_key: (u64, u64) = pairs.partition_by(n);
    }

    struct Reduced(n: usize) {
        nums: u64 = range(0..10, 2);
        pairs: (u64, u64) = nums.map(|x| (x % 3, x));
        sums: (u64, u64) = pairs.reduce_by_key(|a, b| a + b, n);
    }

    struct Joined(n: usize) {
        nums: u64 = range(0..10, 2);
        pairs: (u64, u64) = nums.map(|x| (x % 3, x));
        joined: (u64, (u64, u64)) = pairs.join(pairs, n);
    }
}

/// `result` is `InvalidArgument` naming `node` and `op`.
#[track_caller]
fn refused<T>(result: rddflow::Result<T>, node: &str, op: &str) {
    match result {
        Err(e @ Error::InvalidArgument(_)) => {
            let text = e.to_string();
            assert!(
                text.contains(&format!("`{node}`")),
                "node not named: {text}"
            );
            assert!(
                text.contains(&format!("`{op}`")),
                "operator not named: {text}"
            );
        }
        Err(e) => panic!("expected InvalidArgument, got {e:?}"),
        Ok(_) => panic!("a partition count of 0 was accepted by `{node}`"),
    }
}

#[test]
fn a_partition_count_of_zero_is_refused_at_new() -> rddflow::Result<()> {
    let ctx = Context::builder().threads(2).build()?;
    refused(
        Repartitioned::new(&ctx, 0),
        "Repartitioned.spread",
        "repartition",
    );
    refused(Coalesced::new(&ctx, 0), "Coalesced.fewer", "coalesce");
    refused(
        Partitioned::new(&ctx, 0),
        "Partitioned.by_key",
        "partition_by",
    );
    refused(Reduced::new(&ctx, 0), "Reduced.sums", "reduce_by_key");
    refused(Joined::new(&ctx, 0), "Joined.joined", "join");

    // One partition is a count like any other.
    assert_eq!(Repartitioned::new(&ctx, 1)?.spread.num_partitions(), 1);
    assert_eq!(
        Coalesced::new(&ctx, 1)?.fewer.collect()?,
        (0..10).collect::<Vec<_>>()
    );
    assert_eq!(Partitioned::new(&ctx, 1)?.by_key.count()?, 10);
    assert_eq!(Reduced::new(&ctx, 1)?.sums.count()?, 3);
    assert_eq!(Joined::new(&ctx, 1)?.joined.num_partitions(), 1);
    Ok(())
}
