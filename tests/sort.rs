//! Sorts beyond the property tests: through a checkpointed parent (the sampling job and the
//! checkpoint side output meet), a key function that panics, and the lineage of a sort.

use rddflow::prelude::*;

rddflow::pipeline! {
    struct Sorts(n: u64) {
        nums: u64 = range(0..n, 5);
        /// The key function sees a param.
        by_last_digit: u64 = nums.sort_by(|i| i % n.min(10), false, 3);
        #[checkpoint]
        pairs: (u64, u64) = nums.map(|i| ((i * 7919) % 1000, i));
        sorted: (u64, u64) = pairs.sort_by_key(true, 4);
        bad: (u64, u64) = pairs.sort_by(|(k, _)| {
            if *k == 999 {
                panic!("no key for 999");
            }
            *k
        }, false);
    }
}

#[test]
fn sort_through_a_checkpointed_parent() -> rddflow::Result<()> {
    let dir = tempfile::tempdir().expect("tempdir");
    let ctx = Context::builder()
        .threads(2)
        .checkpoint_dir(dir.path())
        .build()?;
    let s = Sorts::new(&ctx, 5000)?;
    let lineage = s.sorted.lineage();
    assert!(lineage.contains("sort_by_key"), "{lineage}");
    assert_eq!(lineage.matches("+-").count(), 1, "{lineage}");
    let got = s.sorted.collect()?;
    let mut want: Vec<(u64, u64)> = (0..5000).map(|i| ((i * 7919) % 1000, i)).collect();
    want.sort_by_key(|(k, _)| *k);
    assert_eq!(got, want);
    assert!(s.pairs.is_checkpointed());
    assert_eq!(s.sorted.num_partitions(), 4);
    // Spark's `sortByKey` keeps its range partitioner (the output is keyed by the sort key).
    assert!(matches!(
        s.sorted.partitioner(),
        Some(rddflow::Partitioner::Range(_))
    ));
    // Read again from the checkpoint and the kept shuffle: same result.
    assert_eq!(s.sorted.collect()?, want);
    let mut want: Vec<u64> = (0..5000).collect();
    want.sort_by_key(|i| std::cmp::Reverse(i % 10));
    assert_eq!(s.by_last_digit.collect()?, want);
    Ok(())
}

#[test]
fn a_panicking_sort_key_fails_the_job_naming_the_node() -> rddflow::Result<()> {
    let ctx = Context::builder().threads(2).task_max_failures(1).build()?;
    let s = Sorts::new(&ctx, 5000);
    // No checkpoint directory: the marked node cannot be built.
    assert!(matches!(s, Err(Error::CheckpointDirNotSet { .. })));
    let dir = tempfile::tempdir().expect("tempdir");
    let ctx = Context::builder()
        .threads(2)
        .task_max_failures(1)
        .checkpoint_dir(dir.path())
        .build()?;
    let s = Sorts::new(&ctx, 5000)?;
    match s.bad.count() {
        Err(Error::TaskFailed { node, message, .. }) => {
            assert_eq!(node, "Sorts.bad");
            assert!(message.contains("no key for 999"), "{message}");
        }
        other => panic!("expected TaskFailed, got {other:?}"),
    }
    Ok(())
}
