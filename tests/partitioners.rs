//! User-defined partitioners (`KeyPartitioner`), Spark's default-partitioner rule, and the
//! partitioners `distinct` reports: placement, equality deciding whether a shuffle is
//! skipped, and errors for bad partitioners.

use std::collections::BTreeMap;

use proptest::prelude::*;
use rddflow::prelude::*;
use rddflow::{KeyPartitioner, Partitioner};

/// Keys modulo `n`: placement depends on the field, so equality compares it.
#[derive(Clone, PartialEq, serde::Serialize)]
struct Modulo {
    n: usize,
}

impl KeyPartitioner<u32> for Modulo {
    fn num_partitions(&self) -> usize {
        self.n
    }
    fn partition(&self, key: &u32) -> usize {
        *key as usize % self.n
    }
}

/// A broken partitioner: places every key past its last partition.
#[derive(Clone, PartialEq, serde::Serialize)]
struct PastTheEnd;

impl KeyPartitioner<u32> for PastTheEnd {
    fn num_partitions(&self) -> usize {
        2
    }
    fn partition(&self, _: &u32) -> usize {
        2
    }
}

/// No partitions at all.
#[derive(Clone, PartialEq, serde::Serialize)]
struct NoPartitions;

impl KeyPartitioner<u32> for NoPartitions {
    fn num_partitions(&self) -> usize {
        0
    }
    fn partition(&self, _: &u32) -> usize {
        0
    }
}

/// Shuffle boundaries in a lineage (each map stage is a `+-` line, repeated where two paths
/// reach it).
fn shuffles(lineage: &str) -> usize {
    let stages: std::collections::BTreeSet<&str> = lineage
        .lines()
        .filter(|l| l.contains("+-"))
        .map(str::trim)
        .collect();
    stages.len()
}

rddflow::pipeline! {
    struct User(items: Vec<(u32, i64)>, m: Modulo, m2: Modulo, m3: Modulo) {
        pairs: (u32, i64) = parallelize(items, 3);
        other: (u32, i64) = pairs.map(|(k, v)| (k, v * 10));
        by_mod: (u32, i64) = pairs.partition_by(m);
        by_mod_too: (u32, i64) = other.partition_by(m2);
        by_mod3: (u32, i64) = other.partition_by(m3);
        parts: Vec<(u32, i64)> = by_mod.glom();
        /// Equal partitioners on both sides: no shuffle.
        joined: (u32, (i64, i64)) = by_mod.join(by_mod_too);
        /// Different ones: the right side (not partitioned by the output's) is shuffled.
        joined3: (u32, (i64, i64)) = by_mod.join(by_mod3);
        /// Without a count: the input's partitioner is reused, no shuffle.
        sums: (u32, i64) = by_mod.reduce_by_key(|a, b| a + b);
        /// A partitioner given to a keyed aggregation.
        sums_mod: (u32, i64) = pairs.reduce_by_key(|a, b| a + b, m);
        sums_parts: Vec<(u32, i64)> = sums_mod.glom();
    }
}

fn items() -> Vec<(u32, i64)> {
    (0..300i64).map(|i| (((i * 31) % 29) as u32, i)).collect()
}

#[test]
fn user_partitioner_places_keys_and_equal_ones_skip_the_shuffle() -> rddflow::Result<()> {
    let ctx = Context::builder().threads(2).build()?;
    let (m4, m3) = (Modulo { n: 4 }, Modulo { n: 3 });
    let u = User::new(&ctx, items(), m4.clone(), m4.clone(), m3.clone())?;
    for (i, part) in u.parts.collect()?.iter().enumerate() {
        assert!(
            part.iter().all(|(k, _)| *k as usize % 4 == i),
            "partition {i}"
        );
    }
    for (i, part) in u.sums_parts.collect()?.iter().enumerate() {
        assert!(
            part.iter().all(|(k, _)| *k as usize % 4 == i),
            "partition {i}"
        );
    }
    assert_eq!(u.by_mod.partitioner(), Some(Partitioner::user(m4.clone())));
    assert_ne!(u.by_mod.partitioner(), u.by_mod3.partitioner());
    assert_ne!(u.by_mod.partitioner(), Some(Partitioner::hash(4)));

    // The two partition_by shuffles only: the join reads both inputs in place.
    let l = u.joined.lineage();
    assert_eq!(shuffles(&l), 2, "{l}");
    assert_eq!(u.joined.partitioner(), Some(Partitioner::user(m4.clone())));
    // Different partitioners: the default rule keeps the left's (4 partitions, eligible), so
    // the right is shuffled again.
    let l = u.joined3.lineage();
    assert_eq!(shuffles(&l), 3, "{l}");
    let l = u.sums.lineage();
    assert_eq!(shuffles(&l), 1, "{l}");
    assert_eq!(u.sums.partitioner(), Some(Partitioner::user(m4)));

    // Results against plain Rust.
    let mut sums: BTreeMap<u32, i64> = BTreeMap::new();
    let mut by_key: BTreeMap<u32, Vec<i64>> = BTreeMap::new();
    for (k, v) in items() {
        *sums.entry(k).or_default() += v;
        by_key.entry(k).or_default().push(v);
    }
    assert_eq!(
        u.sums.collect()?.into_iter().collect::<BTreeMap<_, _>>(),
        sums
    );
    assert_eq!(
        u.sums_mod
            .collect()?
            .into_iter()
            .collect::<BTreeMap<_, _>>(),
        sums
    );
    let mut want: Vec<(u32, (i64, i64))> = Vec::new();
    for (k, vs) in &by_key {
        for v in vs {
            for w in vs {
                want.push((*k, (*v, w * 10)));
            }
        }
    }
    want.sort();
    for got in [u.joined.collect()?, u.joined3.collect()?] {
        let mut got = got;
        got.sort();
        assert_eq!(got, want);
    }
    Ok(())
}

rddflow::pipeline! {
    struct Broken(items: Vec<(u32, i64)>) {
        pairs: (u32, i64) = parallelize(items, 2);
        placed: (u32, i64) = pairs.partition_by(PastTheEnd);
    }
}

rddflow::pipeline! {
    struct Empty(items: Vec<(u32, i64)>) {
        pairs: (u32, i64) = parallelize(items, 2);
        placed: (u32, Vec<i64>) = pairs.group_by_key(NoPartitions);
    }
}

#[test]
fn a_partition_out_of_range_is_an_error_naming_the_node() -> rddflow::Result<()> {
    let ctx = Context::builder().threads(2).task_max_failures(1).build()?;
    let b = Broken::new(&ctx, items())?;
    let err = b.placed.collect().unwrap_err().to_string();
    assert!(err.contains("Broken.placed"), "{err}");
    assert!(
        err.contains("partition 2, out of its 2 partitions"),
        "{err}"
    );
    // The context stays usable.
    assert_eq!(b.pairs.count()?, 300);
    Ok(())
}

#[test]
fn a_partitioner_without_partitions_is_refused_at_new() -> rddflow::Result<()> {
    let ctx = Context::builder().build()?;
    let err = Empty::new(&ctx, items())
        .err()
        .expect("refused")
        .to_string();
    assert!(err.contains("Empty.placed"), "{err}");
    assert!(err.contains("at least one partition"), "{err}");
    Ok(())
}

rddflow::pipeline! {
    /// Spark's default-partitioner rule over a partitioned input and others.
    struct Rule(items: Vec<(u32, i64)>, by: usize, wide: usize) {
        pairs: (u32, i64) = parallelize(items, 2);
        partitioned: (u32, i64) = pairs.partition_by(by);
        other: (u32, i64) = parallelize(items, wide);
        grouped: (u32, (Vec<i64>, Vec<i64>)) = partitioned.cogroup(other);
        joined: (u32, (i64, i64)) = partitioned.join(other);
        outer: (u32, (Option<i64>, Option<i64>)) = other.full_outer_join(partitioned);
        /// Spark 3's `distinct`: in place on a partitioned input, keeping its partitioner.
        unique: (u32, i64) = partitioned.distinct();
        unique_joined: (u32, (i64, i64)) = unique.join(partitioned);
        /// Another partition count: shuffled by element, no partitioner.
        unique3: (u32, i64) = partitioned.distinct(3);
    }
}

#[test]
fn cogroup_and_joins_reuse_an_eligible_input_partitioner() -> rddflow::Result<()> {
    let ctx = Context::builder().threads(2).build()?;
    // 4 partitions against an input of 6: within an order of magnitude, reused. Only the
    // partition_by and the other input are shuffled (main shuffled both into 6).
    let r = Rule::new(&ctx, items(), 4, 6)?;
    for (what, p, l) in [
        ("grouped", r.grouped.partitioner(), r.grouped.lineage()),
        ("joined", r.joined.partitioner(), r.joined.lineage()),
        ("outer", r.outer.partitioner(), r.outer.lineage()),
    ] {
        assert_eq!(p, Some(Partitioner::hash(4)), "{what}");
        assert_eq!(shuffles(&l), 2, "{what}:\n{l}");
    }
    // 2 partitions against 40: not eligible, and below the default count: hash(40).
    let r = Rule::new(&ctx, items(), 2, 40)?;
    assert_eq!(r.grouped.partitioner(), Some(Partitioner::hash(40)));
    assert_eq!(shuffles(&r.grouped.lineage()), 3);

    // With default_parallelism set, it is the default count.
    let ctx3 = Context::builder()
        .threads(2)
        .default_parallelism(3)
        .build()?;
    let r = Rule::new(&ctx3, items(), 2, 40)?;
    assert_eq!(r.grouped.partitioner(), Some(Partitioner::hash(3)));
    // 4 partitions against 40 with default 3: not eligible, but 3 <= 4: reused.
    let r = Rule::new(&ctx3, items(), 4, 40)?;
    assert_eq!(r.grouped.partitioner(), Some(Partitioner::hash(4)));

    let mut want: BTreeMap<u32, (Vec<i64>, Vec<i64>)> = BTreeMap::new();
    for (k, v) in items() {
        let e = want.entry(k).or_default();
        e.0.push(v);
        e.1.push(v);
    }
    let got: BTreeMap<_, _> = r
        .grouped
        .collect()?
        .into_iter()
        .map(|(k, (mut a, mut b))| {
            a.sort();
            b.sort();
            (k, (a, b))
        })
        .collect();
    assert_eq!(got, want);
    Ok(())
}

#[test]
fn distinct_on_a_partitioned_input_keeps_its_partitioner() -> rddflow::Result<()> {
    let ctx = Context::builder().threads(2).build()?;
    let mut items = items();
    items.extend(items.clone());
    let r = Rule::new(&ctx, items.clone(), 4, 6)?;
    assert_eq!(r.unique.partitioner(), Some(Partitioner::hash(4)));
    assert_eq!(r.unique.num_partitions(), 4);
    // One shuffle, the partition_by: distinct and the join run in place (main: three).
    let l = r.unique_joined.lineage();
    assert_eq!(shuffles(&l), 1, "{l}");
    let mut want: Vec<(u32, i64)> = items.clone();
    want.sort();
    want.dedup();
    let mut got = r.unique.collect()?;
    got.sort();
    assert_eq!(got, want);
    let mut per_key: BTreeMap<u32, (u64, u64)> = BTreeMap::new();
    for (k, _) in &want {
        per_key.entry(*k).or_default().0 += 1;
    }
    for (k, _) in &items {
        per_key.entry(*k).or_default().1 += 1;
    }
    let pairs: u64 = per_key.values().map(|(u, all)| u * all).sum();
    assert_eq!(r.unique_joined.count()?, pairs);
    assert_eq!(r.unique3.partitioner(), None);
    let mut got3 = r.unique3.collect()?;
    got3.sort();
    assert_eq!(got3, want);
    Ok(())
}

/// Spark's `PartitioningSuite` ("defaultPartitioner" and "... when defaultParallelism is
/// set"): inputs of 150 (none), 10, 100, 9 (hash) and 11 (none) partitions.
#[test]
fn default_partitioner_as_sparks_suite() {
    use rddflow::default_partitioner as dp;
    let rdd1 = (150, None);
    let rdd2 = (10, Some(Partitioner::hash(10)));
    let rdd3 = (100, Some(Partitioner::hash(100)));
    let rdd4 = (9, Some(Partitioner::hash(9)));
    let rdd5 = (11, None);
    let count = |p: Partitioner| p.num_partitions();
    let cases = [
        (vec![rdd1.clone(), rdd2.clone()], 150, 10),
        (vec![rdd2.clone(), rdd3.clone()], 100, 100),
        (vec![rdd3.clone(), rdd1.clone()], 100, 100),
        (vec![rdd1.clone(), rdd2.clone(), rdd3.clone()], 100, 100),
        (vec![rdd4.clone(), rdd5.clone()], 9, 9),
    ];
    for (inputs, unset, set4) in cases {
        assert_eq!(count(dp(&inputs, None)), unset, "{inputs:?}");
        assert_eq!(
            count(dp(&inputs, Some(4))),
            set4,
            "{inputs:?} at parallelism 4"
        );
    }
    // No partitioner anywhere: the largest count, or the default.
    assert_eq!(dp(&[(3, None), (7, None)], None), Partitioner::hash(7));
    assert_eq!(dp(&[(3, None), (7, None)], Some(5)), Partitioner::hash(5));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The rule's cases, stated plainly: the largest-count partitioned input's partitioner
    /// when within 10x of the largest input or at least the default count, else a hash
    /// partitioner over the default count.
    #[test]
    fn default_partitioner_rule(
        inputs in proptest::collection::vec((1usize..300, proptest::option::of(1usize..300)), 1..4),
        parallelism in proptest::option::of(1usize..50),
    ) {
        let inputs: Vec<(usize, Option<Partitioner>)> = inputs
            .into_iter()
            .map(|(n, p)| (n, p.map(|_| Partitioner::hash(n))))
            .collect();
        let got = rddflow::default_partitioner(&inputs, parallelism);
        let max = inputs.iter().map(|i| i.0).max().unwrap();
        let default = parallelism.unwrap_or(max);
        let best = inputs
            .iter()
            .filter(|i| i.1.is_some())
            .fold(None::<usize>, |b, i| Some(b.map_or(i.0, |b| b.max(i.0))));
        let want = match best {
            Some(n) if max < 10 * n || default <= n => Partitioner::hash(n),
            _ => Partitioner::hash(default),
        };
        prop_assert_eq!(got, want);
    }
}

rddflow::pipeline! {
    /// `sort_by_key` reports its ranges; `sort_by` reports nothing.
    struct Sorted(items: Vec<(u32, i64)>, ascending: bool) {
        pairs: (u32, i64) = parallelize(items, 3);
        sorted: (u32, i64) = pairs.sort_by_key(ascending, 4);
        others: (u32, i64) = parallelize(items, 3);
        /// Reuses the ranges (4 partitions, the most): only `others` is shuffled, by them.
        joined: (u32, (i64, i64)) = sorted.join(others);
        joined_parts: Vec<(u32, (i64, i64))> = joined.glom();
        sums: (u32, i64) = sorted.reduce_by_key(|a, b| a + b);
        by_value: (u32, i64) = pairs.sort_by(|(_, v)| *v, true, 4);
    }
}

#[test]
fn sort_by_key_reports_its_ranges_so_a_join_does_not_shuffle_it_again() -> rddflow::Result<()> {
    let ctx = Context::builder().threads(2).build()?;
    for ascending in [true, false] {
        let s = Sorted::new(&ctx, items(), ascending)?;
        let ranges = s
            .sorted
            .partitioner()
            .expect("sort_by_key reports its partitioner");
        assert!(matches!(ranges, Partitioner::Range(_)), "{ranges:?}");
        assert_eq!(ranges.num_partitions(), 4);
        assert_eq!(s.by_value.partitioner(), None);
        assert_eq!(s.joined.partitioner(), Some(ranges.clone()));
        assert_eq!(s.sums.partitioner(), Some(ranges));
        // The sort's shuffle and `others`' (main: the sorted side shuffled again too).
        let l = s.joined.lineage();
        assert_eq!(shuffles(&l), 2, "{l}");
        let l = s.sums.lineage();
        assert_eq!(shuffles(&l), 1, "{l}");

        // Joined first, before any job sampled the ranges: the join's map stage of `others`
        // has them sampled first.
        let mut per_key: BTreeMap<u32, Vec<i64>> = BTreeMap::new();
        for (k, v) in items() {
            per_key.entry(k).or_default().push(v);
        }
        let mut want: Vec<(u32, (i64, i64))> = Vec::new();
        for (k, vs) in &per_key {
            for v in vs {
                for w in vs {
                    want.push((*k, (*v, *w)));
                }
            }
        }
        want.sort();
        let parts = s.joined_parts.collect()?;
        // The joined partitions are the sort's ranges, in order.
        let keys: Vec<u32> = parts.iter().flatten().map(|(k, _)| *k).collect();
        let mut in_order = keys.clone();
        in_order.sort();
        if !ascending {
            in_order.reverse();
        }
        let firsts = |ks: &[u32]| {
            let mut v = ks.to_vec();
            v.dedup();
            v
        };
        let per_part: Vec<Vec<u32>> = parts
            .iter()
            .map(|p| {
                let mut ks: Vec<u32> = p.iter().map(|(k, _)| *k).collect();
                ks.sort();
                if !ascending {
                    ks.reverse();
                }
                ks
            })
            .collect();
        assert_eq!(
            firsts(&per_part.concat()),
            firsts(&in_order),
            "partitions hold consecutive ranges"
        );
        let mut got: Vec<(u32, (i64, i64))> = parts.into_iter().flatten().collect();
        got.sort();
        assert_eq!(got, want);
        let sums: BTreeMap<u32, i64> = per_key
            .iter()
            .map(|(k, vs)| (*k, vs.iter().sum()))
            .collect();
        assert_eq!(
            s.sums.collect()?.into_iter().collect::<BTreeMap<_, _>>(),
            sums
        );
    }
    Ok(())
}

rddflow::pipeline! {
    /// `intersection` and `subtract` placed by a user partitioner of the whole element.
    struct ByElement(a: Vec<u32>, b: Vec<u32>, m: Modulo) {
        left: u32 = parallelize(a, 3);
        right: u32 = parallelize(b, 2);
        both: u32 = left.intersection(right, m);
        rest: u32 = left.subtract(right, m);
        both_parts: Vec<u32> = both.glom();
        rest_parts: Vec<u32> = rest.glom();
    }
}

#[test]
fn intersection_and_subtract_take_a_partitioner_of_the_element() -> rddflow::Result<()> {
    let ctx = Context::builder().threads(2).build()?;
    let a: Vec<u32> = (0..60).map(|i| (i * 7) % 41).collect();
    let b: Vec<u32> = (0..30).map(|i| (i * 5) % 37).collect();
    let p = ByElement::new(&ctx, a.clone(), b.clone(), Modulo { n: 5 })?;
    for parts in [p.both_parts.collect()?, p.rest_parts.collect()?] {
        assert_eq!(parts.len(), 5);
        for (i, part) in parts.iter().enumerate() {
            assert!(
                part.iter().all(|x| *x as usize % 5 == i),
                "partition {i}: {part:?}"
            );
        }
    }
    // Spark's semantics, by plain Rust: distinct elements in both; elements of `a` not in `b`,
    // duplicates kept.
    let mut both: Vec<u32> = a.iter().copied().filter(|x| b.contains(x)).collect();
    both.sort_unstable();
    both.dedup();
    let mut got = p.both.collect()?;
    got.sort_unstable();
    assert_eq!(got, both);
    let mut rest: Vec<u32> = a.iter().copied().filter(|x| !b.contains(x)).collect();
    rest.sort_unstable();
    let mut got = p.rest.collect()?;
    got.sort_unstable();
    assert_eq!(got, rest);
    Ok(())
}
