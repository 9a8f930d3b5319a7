//! `sample_with_replacement`, `filter_by_range` and `random_split` against plain Rust and
//! Spark's documented semantics.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use proptest::prelude::*;
use rddflow::listener::{Event, Listener, StageKind};
use rddflow::prelude::*;

rddflow::pipeline! {
    struct Sampled(n: u64, parts: usize, fraction: f64, seed: u64) {
        nums: u64 = range(0..n, parts);
        drawn: u64 = nums.sample_with_replacement(fraction, seed);
        drawn_parts: Vec<u64> = drawn.glom();
    }
}

fn multiset(v: &[u64]) -> BTreeMap<u64, usize> {
    let mut m = BTreeMap::new();
    for &x in v {
        *m.entry(x).or_insert(0) += 1;
    }
    m
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Each partition's output is its own elements, in order, each repeated some number of
    /// times; the same seed gives the same sample.
    #[test]
    fn sampling_with_replacement_repeats_elements_in_place(
        n in 0u64..300,
        parts in 1usize..5,
        fraction in 0.0f64..3.0,
        seed in any::<u64>(),
    ) {
        let ctx = Context::builder().threads(2).build().unwrap();
        let p = Sampled::new(&ctx, n, parts, fraction, seed).unwrap();
        let again = Sampled::new(&ctx, n, parts, fraction, seed).unwrap();
        let got = p.drawn_parts.collect().unwrap();
        prop_assert_eq!(&got, &again.drawn_parts.collect().unwrap());
        prop_assert_eq!(got.len(), parts);
        // `range` splits 0..n into contiguous slices: partition q's elements lie between
        // those of partition q - 1 and q + 1, and repeats are adjacent.
        let flat: Vec<u64> = got.concat();
        prop_assert!(flat.windows(2).all(|w| w[0] <= w[1]), "{:?}", flat);
        prop_assert!(flat.iter().all(|&x| x < n));
    }
}

#[test]
fn sampling_with_replacement_has_the_poisson_expected_size() -> rddflow::Result<()> {
    let ctx = Context::builder().threads(2).build()?;
    let n = 20_000u64;
    for fraction in [0.1, 0.5, 1.0, 2.5] {
        let mut sizes = Vec::new();
        for seed in 0..5 {
            let p = Sampled::new(&ctx, n, 4, fraction, seed)?;
            sizes.push(p.drawn.count()? as f64);
        }
        // Each size is a sum of n Poisson(fraction) draws: mean and variance n * fraction.
        let mean = sizes.iter().sum::<f64>() / sizes.len() as f64;
        let expected = n as f64 * fraction;
        let sd_of_mean = (expected / sizes.len() as f64).sqrt();
        assert!(
            (mean - expected).abs() < 5.0 * sd_of_mean,
            "fraction {fraction}: mean size {mean}, expected {expected}"
        );
        // With replacement: elements repeat (for these fractions and sizes, surely).
        let p = Sampled::new(&ctx, n, 4, fraction, 1)?;
        let m = multiset(&p.drawn.collect()?);
        assert!(m.values().any(|&c| c > 1), "fraction {fraction}");
        // Different seeds, different samples.
        let q = Sampled::new(&ctx, n, 4, fraction, 2)?;
        assert_ne!(multiset(&q.drawn.collect()?), m);
    }
    let p = Sampled::new(&ctx, n, 4, 0.0, 1)?;
    assert_eq!(p.drawn.count()?, 0);
    Ok(())
}

#[test]
fn a_negative_fraction_is_an_error_naming_the_node() -> rddflow::Result<()> {
    let ctx = Context::builder().threads(2).build()?;
    for fraction in [-0.5, f64::NAN, f64::INFINITY] {
        let p = Sampled::new(&ctx, 10, 2, fraction, 1)?;
        let msg = p.drawn.collect().expect_err("refused").to_string();
        assert!(
            msg.contains("Sampled.drawn") && msg.contains("fraction"),
            "{msg}"
        );
    }
    Ok(())
}

rddflow::pipeline! {
    struct Ranges(v: Vec<(i32, u32)>, lo: i32, hi: i32) {
        pairs: (i32, u32) = parallelize(v, 3);
        up: (i32, u32) = pairs.sort_by_key(true, 8);
        down: (i32, u32) = pairs.sort_by_key(false, 8);
        up_parts: Vec<(i32, u32)> = up.glom();
        down_parts: Vec<(i32, u32)> = down.glom();
        up_in: (i32, u32) = up.filter_by_range(lo, hi);
        down_in: (i32, u32) = down.filter_by_range(lo, hi);
        /// Not range-partitioned: every partition is read, then filtered.
        plain_in: (i32, u32) = pairs.filter_by_range(lo, hi);
        /// Records the keys of `up` that are computed (`inspect` keeps the partitioner).
        counted: (i32, u32) = up.inspect(|kv| {
            SEEN.lock().unwrap().insert(kv.0);
        });
        /// `filter` keeps the range partitioning: still pruned after it.
        kept: (i32, u32) = counted.filter(|kv| kv.1 % 2 == 0);
        kept_in: (i32, u32) = kept.filter_by_range(lo, hi);
    }
}

static SEEN: Mutex<BTreeSet<i32>> = Mutex::new(BTreeSet::new());

/// The partitions of `rdd`'s result stage that read shuffled records.
#[derive(Default)]
struct Reads(Mutex<BTreeMap<&'static str, BTreeSet<usize>>>);

impl Listener for Reads {
    fn on_event(&self, event: &Event) {
        if let Event::TaskEnd(t) = event
            && t.kind == StageKind::Result
            && t.metrics.shuffle_records_read > 0
        {
            self.0
                .lock()
                .unwrap()
                .entry(t.rdd)
                .or_default()
                .insert(t.partition);
        }
    }
}

fn keys() -> Vec<(i32, u32)> {
    (0..2000u32)
        .map(|i| (((i * 7919) % 2000) as i32 - 1000, i))
        .collect()
}

/// Checks one `filter_by_range` of a sorted RDD: the right pairs in sorted order, and only
/// partitions that can hold keys in range were read.
fn check_pruned(
    name: &'static str,
    got: Vec<(i32, u32)>,
    parts: &[Vec<(i32, u32)>],
    read: &BTreeSet<usize>,
    (lo, hi): (i32, i32),
) {
    let want: Vec<(i32, u32)> = parts
        .concat()
        .into_iter()
        .filter(|(k, _)| lo <= *k && *k <= hi)
        .collect();
    assert_eq!(got, want, "{name}");
    let in_range = |p: &Vec<(i32, u32)>| p.iter().any(|(k, _)| lo <= *k && *k <= hi);
    let holding: BTreeSet<usize> = (0..parts.len()).filter(|&i| in_range(&parts[i])).collect();
    assert!(
        holding.is_subset(read),
        "{name}: read {read:?}, keys in {holding:?}"
    );
    // A read partition either holds keys in range or borders those that do.
    let (first, last) = (*holding.first().unwrap(), *holding.last().unwrap());
    assert!(
        read.iter()
            .all(|p| (first.saturating_sub(1)..=last + 1).contains(p)),
        "{name}: {read:?}"
    );
    assert!(
        read.len() < parts.len(),
        "{name}: read {read:?} of {}",
        parts.len()
    );
}

#[test]
fn filter_by_range_reads_only_the_partitions_that_can_hold_the_range() -> rddflow::Result<()> {
    let reads = Arc::new(Reads::default());
    let ctx = Context::builder()
        .threads(2)
        .listener(reads.clone())
        .build()?;
    let (lo, hi) = (-130, 95);
    let r = Ranges::new(&ctx, keys(), lo, hi)?;
    let (up, down) = (r.up_parts.collect()?, r.down_parts.collect()?);
    assert_eq!(up.len(), 8);

    let got = r.up_in.collect()?;
    let read = reads
        .0
        .lock()
        .unwrap()
        .get("Ranges.up_in")
        .cloned()
        .unwrap_or_default();
    check_pruned("ascending", got, &up, &read, (lo, hi));
    let got = r.down_in.collect()?;
    let read = reads
        .0
        .lock()
        .unwrap()
        .get("Ranges.down_in")
        .cloned()
        .unwrap_or_default();
    check_pruned("descending", got, &down, &read, (lo, hi));

    // Through a partitioner-keeping chain, counted by a closure: the same partitions.
    SEEN.lock().unwrap().clear();
    let got = r.kept_in.collect()?;
    // The keys are distinct: a key seen names the partition of `up` that was computed.
    let seen = SEEN.lock().unwrap().clone();
    let computed: BTreeSet<usize> = (0..up.len())
        .filter(|&i| up[i].iter().any(|kv| seen.contains(&kv.0)))
        .collect();
    let even: Vec<Vec<(i32, u32)>> = up
        .iter()
        .map(|p| p.iter().copied().filter(|kv| kv.1 % 2 == 0).collect())
        .collect();
    check_pruned("after filter", got, &even, &computed, (lo, hi));
    assert_eq!(computed, reads.0.lock().unwrap()["Ranges.up_in"]);

    // Without a range partitioner: a plain filter, the input's order kept.
    let want: Vec<(i32, u32)> = keys()
        .into_iter()
        .filter(|(k, _)| lo <= *k && *k <= hi)
        .collect();
    assert_eq!(r.plain_in.collect()?, want);
    assert_eq!(r.up_in.partitioner(), r.up.partitioner());

    // An empty range, and one beyond every key.
    assert_eq!(Ranges::new(&ctx, keys(), 5, 4)?.up_in.count()?, 0);
    assert_eq!(Ranges::new(&ctx, keys(), 5000, 6000)?.down_in.count()?, 0);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn filter_by_range_matches_a_filter(
        v in proptest::collection::vec((-50i32..50, any::<u32>()), 0..120),
        lo in -60i32..60,
        len in 0i32..40,
    ) {
        let ctx = Context::builder().threads(2).build().unwrap();
        let r = Ranges::new(&ctx, v.clone(), lo, lo + len).unwrap();
        let inside = |k: i32| lo <= k && k <= lo + len;
        let mut want: Vec<(i32, u32)> = v.iter().copied().filter(|kv| inside(kv.0)).collect();
        prop_assert_eq!(r.plain_in.collect().unwrap(), want.clone());
        // Sorted by key, stably: compare as key-sorted multisets.
        let mut up = r.up_in.collect().unwrap();
        prop_assert!(up.windows(2).all(|w| w[0].0 <= w[1].0));
        let mut down = r.down_in.collect().unwrap();
        prop_assert!(down.windows(2).all(|w| w[0].0 >= w[1].0));
        up.sort();
        down.sort();
        want.sort();
        prop_assert_eq!(&up, &want);
        prop_assert_eq!(&down, &want);
    }
}

rddflow::pipeline! {
    struct Splits(n: u64) {
        nums: u64 = range(0..n, 5);
    }
}

#[test]
fn random_split_partitions_the_input_near_the_weights() -> rddflow::Result<()> {
    let ctx = Context::builder().threads(2).build()?;
    let n = 20_000u64;
    let s = Splits::new(&ctx, n)?;
    let weights = [1.0, 2.0, 7.0];
    let splits = s.nums.random_split(&weights, 11);
    assert_eq!(splits.len(), 3);
    let parts: Vec<Vec<u64>> = splits.iter().map(|r| r.collect()).collect::<Result<_>>()?;
    // Disjoint and complete: every element in exactly one split.
    let mut all: Vec<u64> = parts.concat();
    all.sort();
    assert_eq!(all, (0..n).collect::<Vec<_>>());
    for (part, w) in parts.iter().zip(weights) {
        let p = w / 10.0;
        let sd = (n as f64 * p * (1.0 - p)).sqrt();
        let got = part.len() as f64;
        assert!((got - n as f64 * p).abs() < 5.0 * sd, "weight {w}: {got}");
        // Each split keeps the input's order.
        assert!(part.windows(2).all(|x| x[0] < x[1]));
    }
    // The same seed, the same splits; another seed, others.
    let again = s.nums.random_split(&[10.0, 20.0, 70.0], 11);
    for (r, part) in again.iter().zip(&parts) {
        assert_eq!(&r.collect()?, part);
    }
    let other = s.nums.random_split(&weights, 12);
    assert_ne!(other[0].collect()?, parts[0]);
    assert_eq!(splits[2].num_partitions(), 5);
    Ok(())
}

#[test]
fn random_split_refuses_bad_weights_naming_the_node() -> rddflow::Result<()> {
    let ctx = Context::builder().threads(2).build()?;
    let s = Splits::new(&ctx, 10)?;
    for weights in [&[][..], &[1.0, -1.0][..], &[0.0, 0.0][..], &[f64::NAN][..]] {
        let splits = s.nums.random_split(weights, 1);
        assert_eq!(splits.len(), 1, "one split carrying the error");
        let msg = splits[0].collect().expect_err("refused").to_string();
        assert!(
            msg.contains("Splits.nums") && msg.contains("random_split"),
            "{msg}"
        );
    }
    // A zero weight is allowed: its split is empty.
    let splits = s.nums.random_split(&[1.0, 0.0], 1);
    assert_eq!(splits[0].count()?, 10);
    assert_eq!(splits[1].count()?, 0);
    Ok(())
}
