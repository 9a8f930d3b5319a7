//! `zip`, `zip_with_index`, `zip_with_unique_id` and `union`'s partitioner against plain Rust
//! over the same partitions (`glom` shows how `parallelize` and `filter` split them).

use std::sync::{Arc, Mutex};

use proptest::prelude::*;
use rddflow::listener::{Event, Listener, StageKind};
use rddflow::prelude::*;

rddflow::pipeline! {
    struct Zips(v: Vec<i32>, parts: usize) {
        nums: i32 = parallelize(v, parts);
        /// Uneven partitions, so offsets are not multiples of one size.
        kept: i32 = nums.filter(|x| x % 3 != 0);
        glommed: Vec<i32> = kept.glom();
        doubled: i64 = kept.map(|x| x as i64 * 2);
        zipped: (i32, i64) = kept.zip(doubled);
        indexed: (i32, u64) = kept.zip_with_index();
        ids: (i32, u64) = kept.zip_with_unique_id();
        /// `zip_with_index` under a shuffle: its offsets are counted before the map stage.
        by_index: (u64, i32) = indexed.map(|(x, i)| (i % 4, x));
        summed: (u64, i32) = by_index.reduce_by_key(|a, b| a + b, 3);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn zips_match_plain_rust(
        v in proptest::collection::vec(-1000i32..1000, 0..80),
        parts in 1usize..6,
    ) {
        let ctx = Context::builder().threads(2).build().unwrap();
        let p = Zips::new(&ctx, v.clone(), parts).unwrap();
        let kept: Vec<i32> = v.iter().copied().filter(|x| x % 3 != 0).collect();

        let want: Vec<(i32, i64)> = kept.iter().map(|&x| (x, x as i64 * 2)).collect();
        prop_assert_eq!(p.zipped.collect().unwrap(), want);

        // Spark's order: by partition, then position.
        let want: Vec<(i32, u64)> = kept.iter().copied().zip(0u64..).collect();
        prop_assert_eq!(p.indexed.collect().unwrap(), want);

        // Element k of partition q: k * n + q.
        let glommed = p.glommed.collect().unwrap();
        let n = glommed.len() as u64;
        prop_assert_eq!(n, parts as u64);
        let want: Vec<(i32, u64)> = glommed
            .iter()
            .enumerate()
            .flat_map(|(q, part)| {
                part.iter().enumerate().map(move |(k, &x)| (x, k as u64 * n + q as u64))
            })
            .collect();
        prop_assert_eq!(p.ids.collect().unwrap(), want);

        let mut sums = std::collections::BTreeMap::new();
        for (i, &x) in kept.iter().enumerate() {
            *sums.entry(i as u64 % 4).or_insert(0) += x;
        }
        let mut got = p.summed.collect().unwrap();
        got.sort();
        prop_assert_eq!(got, sums.into_iter().collect::<Vec<_>>());
    }
}

/// Counts the jobs started on each RDD, and the shuffle map stages.
#[derive(Default)]
struct Jobs {
    jobs: Mutex<Vec<&'static str>>,
    map_stages: Mutex<usize>,
}

impl Listener for Jobs {
    fn on_event(&self, event: &Event) {
        match event {
            Event::JobStart { rdd, .. } => self.jobs.lock().unwrap().push(rdd),
            Event::StageStart(s) if s.kind == StageKind::ShuffleMap => {
                *self.map_stages.lock().unwrap() += 1
            }
            _ => {}
        }
    }
}

impl Jobs {
    fn take(&self) -> (Vec<&'static str>, usize) {
        let jobs = std::mem::take(&mut *self.jobs.lock().unwrap());
        let stages = std::mem::take(&mut *self.map_stages.lock().unwrap());
        (jobs, stages)
    }
}

#[test]
fn zip_with_index_counts_its_partitions_once_in_a_job_of_its_own() -> rddflow::Result<()> {
    let jobs = Arc::new(Jobs::default());
    let ctx = Context::builder()
        .threads(2)
        .listener(jobs.clone())
        .build()?;
    let p = Zips::new(&ctx, (0..100).collect(), 4)?;
    assert!(jobs.take().0.is_empty(), "`new` runs nothing");
    let first = p.indexed.collect()?;
    // The action's job, and inside it, before its stages, the count of the parent.
    assert_eq!(jobs.take().0, vec!["Zips.indexed", "Zips.kept"]);
    assert_eq!(p.indexed.collect()?, first);
    assert_eq!(jobs.take().0, vec!["Zips.indexed"]);
    Ok(())
}

rddflow::pipeline! {
    struct Mismatch(a: Vec<u32>, b: Vec<u32>) {
        left: u32 = parallelize(a, 2);
        right: u32 = parallelize(b, 2);
        zipped: (u32, u32) = left.zip(right);
    }
}

rddflow::pipeline! {
    struct CountMismatch(a: Vec<u32>) {
        left: u32 = parallelize(a.clone(), 2);
        right: u32 = parallelize(a, 3);
        zipped: (u32, u32) = left.zip(right);
    }
}

#[test]
fn zip_refuses_differing_partition_counts_at_new() {
    let ctx = Context::builder().threads(2).build().unwrap();
    let err = CountMismatch::new(&ctx, vec![1, 2, 3])
        .err()
        .expect("an error");
    let msg = err.to_string();
    for part in [
        "CountMismatch.zipped",
        "CountMismatch.left",
        "CountMismatch.right",
        "2",
        "3",
    ] {
        assert!(msg.contains(part), "{msg}");
    }
}

#[test]
fn zip_fails_the_action_on_differing_partition_sizes_naming_both_nodes() -> rddflow::Result<()> {
    let ctx = Context::builder().threads(2).build()?;
    // Four elements split 2 + 2 against five split 2 + 3: partition 1 differs.
    let p = Mismatch::new(&ctx, vec![1, 2, 3, 4], vec![1, 2, 3, 4, 5])?;
    let msg = p.zipped.collect().expect_err("never truncated").to_string();
    for part in [
        "Mismatch.zipped",
        "Mismatch.left",
        "Mismatch.right",
        "partition 1",
    ] {
        assert!(msg.contains(part), "{msg}");
    }
    assert!(p.zipped.count().is_err());
    // Equal sizes work on the same context.
    let ok = Mismatch::new(&ctx, vec![1, 2, 3], vec![4, 5, 6])?;
    assert_eq!(ok.zipped.collect()?, vec![(1, 4), (2, 5), (3, 6)]);
    Ok(())
}

rddflow::pipeline! {
    struct Unions(a: Vec<(u32, i64)>, b: Vec<(u32, i64)>) {
        left: (u32, i64) = parallelize(a, 3);
        right: (u32, i64) = parallelize(b, 2);
        left4: (u32, i64) = left.partition_by(4);
        right4: (u32, i64) = right.partition_by(4);
        right3: (u32, i64) = right.partition_by(3);
        /// Same partitioner: partition i of both, partitioner kept.
        both: (u32, i64) = left4.union(right4);
        both_parts: Vec<(u32, i64)> = both.glom();
        left_parts: Vec<(u32, i64)> = left4.glom();
        right_parts: Vec<(u32, i64)> = right4.glom();
        /// Different partitioners: the partitions of both, in order.
        mixed: (u32, i64) = left4.union(right3);
        /// No partitioners: the partitions of both, in order.
        plain: (u32, i64) = left.union(right);
        joined: (u32, (i64, i64)) = both.join(left4, 4);
    }
}

fn pairs(n: i64, salt: i64) -> Vec<(u32, i64)> {
    (0..n).map(|i| (((i * 7 + salt) % 13) as u32, i)).collect()
}

#[test]
fn union_of_inputs_with_the_same_partitioner_keeps_it() -> rddflow::Result<()> {
    let stages = Arc::new(Jobs::default());
    let ctx = Context::builder()
        .threads(2)
        .listener(stages.clone())
        .build()?;
    let (a, b) = (pairs(60, 1), pairs(40, 5));
    let u = Unions::new(&ctx, a.clone(), b.clone())?;

    assert_eq!(u.both.num_partitions(), 4);
    assert_eq!(u.both.partitioner(), Some(rddflow::Partitioner::hash(4)));
    // Partition i of the union is partition i of the left input, then of the right.
    let (l, r) = (u.left_parts.collect()?, u.right_parts.collect()?);
    let want: Vec<Vec<(u32, i64)>> = l
        .iter()
        .zip(&r)
        .map(|(x, y)| [x.clone(), y.clone()].concat())
        .collect();
    assert_eq!(u.both_parts.collect()?, want);

    assert_eq!(u.mixed.num_partitions(), 7);
    assert_eq!(u.mixed.partitioner(), None);
    let (l, r3) = (u.left4.collect()?, u.right3.collect()?);
    assert_eq!(u.mixed.collect()?, [l, r3].concat());
    assert_eq!(u.plain.num_partitions(), 5);
    assert_eq!(u.plain.collect()?, [a.clone(), b.clone()].concat());

    // The join reads both inputs where they are: on a fresh instance, only the two
    // `partition_by` shuffles run.
    let u = Unions::new(&ctx, a.clone(), b.clone())?;
    stages.take();
    let mut got = u.joined.collect()?;
    assert_eq!(stages.take().1, 2, "{}", u.joined.lineage());
    let mut want = Vec::new();
    for &(k, v) in a.iter().chain(&b) {
        for &(k2, w) in &a {
            if k == k2 {
                want.push((k, (v, w)));
            }
        }
    }
    got.sort();
    want.sort();
    assert_eq!(got, want);
    Ok(())
}
