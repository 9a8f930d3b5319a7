//! The actions of SPEC.md section 4 beyond the basic ones, each against a plain-Rust
//! computation of Spark's documented semantics (RDD.scala, DoubleRDDFunctions.scala,
//! StatCounter.scala): `top` descending, `take_ordered` ascending, population and sample
//! variance, histogram buckets with the last one closed, and so on.

use std::collections::HashSet;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};

use proptest::prelude::*;
use rddflow::prelude::*;
use rddflow::{Error, Partitioner};

static CTX: LazyLock<Context> = LazyLock::new(|| {
    Context::builder()
        .threads(2)
        .task_max_failures(2)
        .build()
        .expect("context")
});

rddflow::pipeline! {
    struct Ints(v: Vec<i64>, parts: usize) {
        nums: i64 = parallelize(v, parts);
    }

    struct Floats(v: Vec<f64>, parts: usize) {
        nums: f64 = parallelize(v, parts);
    }
}

fn ints(v: &[i64], parts: usize) -> Ints {
    Ints::new(&CTX, v.to_vec(), parts).expect("pipeline")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn ordered_actions_are_the_sorted_prefixes(
        v in proptest::collection::vec(-50i64..50, 0..120),
        parts in 1usize..6,
        n in 0usize..20,
    ) {
        let p = ints(&v, parts);
        let mut asc = v.clone();
        asc.sort();
        let mut desc = asc.clone();
        desc.reverse();
        prop_assert_eq!(p.nums.take_ordered(n).unwrap(), asc[..n.min(asc.len())].to_vec());
        prop_assert_eq!(p.nums.top(n).unwrap(), desc[..n.min(desc.len())].to_vec());
        prop_assert_eq!(p.nums.max().unwrap(), v.iter().copied().max());
        prop_assert_eq!(p.nums.min().unwrap(), v.iter().copied().min());
        prop_assert_eq!(p.nums.sum().unwrap(), v.iter().sum::<i64>());
        prop_assert_eq!(p.nums.is_empty().unwrap(), v.is_empty());
    }

    #[test]
    fn tree_actions_equal_the_flat_ones(
        v in proptest::collection::vec(-1000i64..1000, 0..200),
        parts in 1usize..40,
        depth in 1usize..5,
    ) {
        let p = ints(&v, parts);
        let sum: i64 = v.iter().sum();
        prop_assert_eq!(
            p.nums.tree_aggregate((0i64, 0usize), |(s, c), x| (s + x, c + 1), |a, b| (a.0 + b.0, a.1 + b.1), depth).unwrap(),
            (sum, v.len())
        );
        prop_assert_eq!(p.nums.tree_reduce(|a, b| a + b, depth).unwrap(), v.iter().copied().reduce(|a, b| a + b));
        // Order-sensitive but associative: concatenation keeps every element once.
        let mut all = p.nums.tree_aggregate(Vec::new(), |mut a, x| { a.push(x); a }, |mut a, b| { a.extend(b); a }, depth).unwrap();
        all.sort();
        let mut want = v.clone();
        want.sort();
        prop_assert_eq!(all, want);
    }

    #[test]
    fn stats_are_the_two_pass_formulas(
        v in proptest::collection::vec(-1e6f64..1e6, 0..150),
        parts in 1usize..6,
    ) {
        let p = Floats::new(&CTX, v.clone(), parts).unwrap();
        let s = p.nums.stats().unwrap();
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        let ss: f64 = v.iter().map(|x| (x - mean) * (x - mean)).sum();
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-6 * (1.0 + b.abs());
        prop_assert_eq!(s.count(), v.len() as u64);
        if v.is_empty() {
            prop_assert!(s.mean().is_nan() && s.variance().is_nan() && p.nums.mean().unwrap().is_nan());
            prop_assert_eq!((s.max(), s.min()), (f64::NEG_INFINITY, f64::INFINITY));
        } else {
            prop_assert!(close(s.mean(), mean));
            prop_assert!(close(p.nums.mean().unwrap(), mean));
            prop_assert!(close(s.sum(), v.iter().sum::<f64>()) || (s.sum() - v.iter().sum::<f64>()).abs() < 1e-3);
            prop_assert!(close(s.variance(), ss / n));
            prop_assert!(close(s.stdev(), (ss / n).sqrt()));
            prop_assert_eq!(s.max(), v.iter().copied().fold(f64::NEG_INFINITY, f64::max));
            prop_assert_eq!(s.min(), v.iter().copied().fold(f64::INFINITY, f64::min));
            if v.len() > 1 {
                prop_assert!(close(s.sample_variance(), ss / (n - 1.0)));
                prop_assert!(close(s.sample_stdev(), (ss / (n - 1.0)).sqrt()));
            } else {
                prop_assert!(s.sample_variance().is_nan());
            }
        }
    }

    #[test]
    fn histogram_counts_like_a_linear_scan(
        v in proptest::collection::vec(-100i64..100, 1..150),
        parts in 1usize..5,
        k in 1usize..8,
        bounds in proptest::collection::vec(-120i64..120, 2..6),
    ) {
        let p = ints(&v, parts);
        // Plain Rust: half-open buckets, the last one closed, values outside not counted.
        let scan = |b: &[f64]| -> Vec<u64> {
            let last = b.len() - 2;
            (0..=last).map(|i| v.iter().filter(|&&x| {
                let x = x as f64;
                b[i] <= x && (x < b[i + 1] || (i == last && x == b[i + 1]))
            }).count() as u64).collect()
        };
        let (min, max) = (*v.iter().min().unwrap() as f64, *v.iter().max().unwrap() as f64);
        let (b, counts) = p.nums.histogram(k).unwrap();
        if min == max {
            prop_assert_eq!(&b, &vec![min, min]);
            prop_assert_eq!(counts, vec![v.len() as u64]);
        } else {
            let want: Vec<f64> = (0..k).map(|i| min + i as f64 * (max - min) / k as f64).chain([max]).collect();
            prop_assert_eq!(&b, &want);
            prop_assert_eq!(counts.iter().sum::<u64>(), v.len() as u64);
            prop_assert_eq!(counts, scan(&b));
        }
        let mut given: Vec<f64> = bounds.iter().map(|&x| x as f64).collect();
        given.sort_by(f64::total_cmp);
        given.dedup();
        if given.len() >= 2 {
            let (b, counts) = p.nums.histogram(given.clone()).unwrap();
            prop_assert_eq!(&b, &given);
            prop_assert_eq!(counts, scan(&given));
        }
    }

    #[test]
    fn lookup_finds_every_value_of_the_key(
        v in proptest::collection::vec((0u8..8, -50i64..50), 0..80),
        key in 0u8..8,
    ) {
        rddflow::pipeline! {
            struct Pairs(v: Vec<(u8, i64)>) {
                pairs: (u8, i64) = parallelize(v, 3);
            }
        }
        let p = Pairs::new(&CTX, v.clone()).unwrap();
        let want: Vec<i64> = v.iter().filter(|(k, _)| *k == key).map(|(_, x)| *x).collect();
        prop_assert_eq!(p.pairs.lookup(&key).unwrap(), want);
    }

    #[test]
    fn local_iterator_is_collect(v in proptest::collection::vec(any::<i64>(), 0..100), parts in 1usize..6) {
        let p = ints(&v, parts);
        let got: Vec<i64> = p.nums.to_local_iterator().collect::<rddflow::Result<_>>().unwrap();
        prop_assert_eq!(got, v);
    }
}

/// Elements computed by the counted nodes below.
static LOOKED_AT: AtomicU64 = AtomicU64::new(0);
static STREAMED: AtomicU64 = AtomicU64::new(0);

rddflow::pipeline! {
    struct Counted() {
        nums: u64 = range(0..1000, 4);
        pairs: (u64, u64) = nums.map(|x| (x % 50, x));
        summed: (u64, u64) = pairs.reduce_by_key(|a, b| a + b, 5);
        seen: (u64, u64) = summed.map_values(|v| { LOOKED_AT.fetch_add(1, Ordering::SeqCst); v });
        streamed: u64 = nums.map(|x| { STREAMED.fetch_add(1, Ordering::SeqCst); x });
    }
}

#[test]
fn lookup_on_a_partitioned_rdd_computes_only_the_keys_partition() -> rddflow::Result<()> {
    let ctx = Context::builder().threads(2).build()?;
    let p = Counted::new(&ctx)?;
    assert_eq!(p.seen.partitioner(), Some(Partitioner::hash(5)));
    let key = 7u64;
    let want: u64 = (0..1000).filter(|x| x % 50 == key).sum();
    assert_eq!(p.seen.lookup(&key)?, vec![want]);
    // The map side computed everything; the reduce side, only the key's partition.
    let part = Partitioner::hash(5).partition(&key);
    let in_part = (0..50u64)
        .filter(|k| Partitioner::hash(5).partition(k) == part)
        .count() as u64;
    assert_eq!(LOOKED_AT.load(Ordering::SeqCst), in_part);
    assert!(in_part < 50);
    assert!(p.seen.lookup(&99)?.is_empty());
    Ok(())
}

#[test]
fn the_local_iterator_computes_one_partition_at_a_time() -> rddflow::Result<()> {
    let ctx = Context::builder().threads(2).build()?;
    let p = Counted::new(&ctx)?;
    let mut it = p.streamed.to_local_iterator();
    assert_eq!(
        STREAMED.load(Ordering::SeqCst),
        0,
        "nothing before the first next"
    );
    assert_eq!(it.next().transpose()?, Some(0));
    assert_eq!(
        STREAMED.load(Ordering::SeqCst),
        250,
        "only the first partition"
    );
    let rest: Vec<u64> = it.collect::<rddflow::Result<_>>()?;
    assert_eq!(rest, (1..1000).collect::<Vec<_>>());
    assert_eq!(STREAMED.load(Ordering::SeqCst), 1000);
    Ok(())
}

#[test]
fn for_each_partition_runs_once_per_partition_over_its_elements() -> rddflow::Result<()> {
    let p = ints(&(0..100).collect::<Vec<_>>(), 7);
    let calls = AtomicU64::new(0);
    let total = AtomicU64::new(0);
    p.nums.for_each_partition(|it| {
        calls.fetch_add(1, Ordering::SeqCst);
        total.fetch_add(it.map(|x| x as u64).sum::<u64>(), Ordering::SeqCst);
    })?;
    assert_eq!(calls.load(Ordering::SeqCst), 7);
    assert_eq!(total.load(Ordering::SeqCst), (0..100).sum::<u64>());
    Ok(())
}

#[test]
fn take_sample_without_replacement_is_a_uniform_subset() -> rddflow::Result<()> {
    let v: Vec<i64> = (0..10).collect();
    let p = ints(&v, 3);
    let mut hits = [0u32; 10];
    let runs = 400;
    for seed in 0..runs {
        let s = p.nums.take_sample(false, 3, seed)?;
        assert_eq!(
            s,
            p.nums.take_sample(false, 3, seed)?,
            "same seed, same sample"
        );
        let set: HashSet<i64> = s.iter().copied().collect();
        assert_eq!((s.len(), set.len()), (3, 3), "distinct elements: {s:?}");
        s.iter().for_each(|&x| hits[x as usize] += 1);
    }
    // Each element is in 3/10 of the samples: 120 of 400, standard deviation about 9.
    for (x, h) in hits.iter().enumerate() {
        assert!(
            (80..=160).contains(h),
            "element {x} drawn {h} times of {runs}"
        );
    }
    let mut all = p.nums.take_sample(false, 50, 1)?;
    all.sort();
    assert_eq!(all, v, "more than there are: all of them");
    assert!(p.nums.take_sample(false, 0, 1)?.is_empty());
    Ok(())
}

#[test]
fn take_sample_with_replacement_draws_n_times() -> rddflow::Result<()> {
    let v: Vec<i64> = (0..4).collect();
    let p = ints(&v, 2);
    let s = p.nums.take_sample(true, 4000, 9)?;
    assert_eq!(s.len(), 4000);
    assert_eq!(s, p.nums.take_sample(true, 4000, 9)?);
    for x in &v {
        let c = s.iter().filter(|y| *y == x).count();
        assert!((850..=1150).contains(&c), "{x} drawn {c} times of 4000");
    }
    assert!(ints(&[], 3).nums.take_sample(true, 5, 1)?.is_empty());
    Ok(())
}

#[test]
fn count_approx_distinct_is_within_its_error() -> rddflow::Result<()> {
    rddflow::pipeline! {
        struct Dups(distinct: u64) {
            nums: u64 = range(0..200_000, 4);
            dups: u64 = nums.map(|x| x % distinct);
        }
    }
    for (distinct, sd) in [(50_000u64, 0.05), (50_000, 0.01), (1000, 0.05), (10, 0.05)] {
        let p = Dups::new(&CTX, distinct)?;
        let est = p.dups.count_approx_distinct(sd)? as f64;
        let err = (est - distinct as f64).abs() / distinct as f64;
        // Three standard deviations.
        assert!(err <= 3.0 * sd, "{est} for {distinct} at {sd}");
    }
    let p = Dups::new(&CTX, 5)?;
    assert!(matches!(
        p.dups.count_approx_distinct(0.0),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        p.dups.count_approx_distinct(1e-5),
        Err(Error::InvalidArgument(_))
    ));
    Ok(())
}

#[test]
fn bad_arguments_are_errors() -> rddflow::Result<()> {
    let p = ints(&[1, 2, 3], 2);
    let bad =
        |r: rddflow::Result<(Vec<f64>, Vec<u64>)>| matches!(r, Err(Error::InvalidArgument(_)));
    assert!(bad(p.nums.histogram(0)));
    assert!(bad(p.nums.histogram(vec![1.0])));
    assert!(bad(p.nums.histogram(vec![2.0, 1.0])));
    assert!(bad(p.nums.histogram(vec![0.0, f64::NAN])));
    assert!(bad(ints(&[], 2).nums.histogram(3)), "empty RDD");
    let inf = Floats::new(&CTX, vec![1.0, f64::INFINITY], 2)?;
    assert!(bad(inf.nums.histogram(3)), "an infinity");
    assert!(matches!(
        p.nums.tree_reduce(|a, b| a + b, 0),
        Err(Error::InvalidArgument(_))
    ));
    Ok(())
}

/// An element whose `Ord` panics on 13.
#[derive(Clone, Debug, PartialEq, Eq)]
struct OrdBomb(u64);

impl PartialOrd for OrdBomb {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for OrdBomb {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        assert!(self.0 != 13 && other.0 != 13, "Ord of the bomb");
        self.0.cmp(&other.0)
    }
}

rddflow::pipeline! {
    struct Bombs(n: u64) {
        nums: u64 = range(0..n, 4);
        ordered: OrdBomb = nums.map(OrdBomb);
        boom: u64 = nums.map(|x| { assert_ne!(x, 60, "boom at 60"); x });
    }
}

#[track_caller]
fn assert_names<T: std::fmt::Debug>(r: rddflow::Result<T>, node: &str, msg: &str) {
    let text = r.expect_err("an error").to_string();
    assert!(
        text.contains(&format!("`{node}`")) && text.contains(msg),
        "{text}"
    );
}

#[test]
fn panicking_user_code_is_an_error_naming_the_node() -> rddflow::Result<()> {
    let p = Bombs::new(&CTX, 100)?;
    assert_names(p.ordered.top(3), "Bombs.ordered", "Ord of the bomb");
    assert_names(
        p.ordered.take_ordered(3),
        "Bombs.ordered",
        "Ord of the bomb",
    );
    assert_names(p.ordered.max(), "Bombs.ordered", "Ord of the bomb");
    assert_names(
        p.nums
            .for_each_partition(|it| assert!(it.count() < 25, "big partition")),
        "Bombs.nums",
        "big partition",
    );
    // Partition sums are 300, 925, 1550, 2175: only the caller's merge passes 3000.
    let merge = |a: u64, b: u64| {
        assert!(a + b <= 3000, "merge past 3000");
        a + b
    };
    assert_names(
        p.nums.tree_reduce(merge, 1),
        "Bombs.nums",
        "merge past 3000",
    );
    assert_names(
        p.nums.tree_aggregate(0, |a, x| a + x, merge, 2),
        "Bombs.nums",
        "merge past 3000",
    );
    // The local iterator yields the partitions before the failing one, then the error.
    let mut it = p.boom.to_local_iterator();
    let before: Vec<u64> = it.by_ref().take(50).collect::<rddflow::Result<_>>()?;
    assert_eq!(before, (0..50).collect::<Vec<_>>());
    assert_names(it.next().expect("the error"), "Bombs.boom", "boom at 60");
    assert!(it.next().is_none());
    // The context still works, and the same actions are right without the bomb.
    let q = Bombs::new(&CTX, 13)?;
    assert_eq!(q.ordered.top(2)?, vec![OrdBomb(12), OrdBomb(11)]);
    assert_eq!(q.nums.tree_reduce(merge, 2)?, Some((0..13).sum()));
    Ok(())
}
