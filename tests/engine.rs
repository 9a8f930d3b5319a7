//! Engine behaviour through pipelines: operators, actions, sources, failures, concurrency,
//! graph renderings (SPEC.md sections 2 to 4 and 6).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use rddflow::prelude::*;

fn ctx() -> Context {
    Context::builder().threads(4).build().expect("context")
}

fn ctx_par(n: usize) -> Context {
    Context::builder()
        .threads(4)
        .default_parallelism(n)
        .build()
        .expect("context")
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

fn data(n: u64) -> Vec<u64> {
    // Not sorted, with duplicates, so order preservation is visible.
    (0..n).map(|i| (i * 7919 + 13) % 101).collect()
}

// ------------------------------------------------------------------------------------------
// Narrow operators.
// ------------------------------------------------------------------------------------------

static INSPECT_SUM: AtomicU64 = AtomicU64::new(0);
static INSPECT_COUNT: AtomicU64 = AtomicU64::new(0);

rddflow::pipeline! {
    /// Every narrow operator, on the same source.
    struct Narrow(input: Vec<u64>, parts: usize) {
        src: u64 = parallelize(input, parts);
        mapped: u64 = src.map(|x| x * 3 + 1);
        filtered: u64 = src.filter(|x| x % 3 == 0);
        flat: u64 = src.flat_map(|x| (0..x % 4).map(move |i| x * 10 + i));
        picked: String = src.filter_map(|x| if x % 2 == 0 { Some(format!("e{x}")) } else { None });
        summary: (u64, u64) = src.map_partitions(|it| {
            let v: Vec<u64> = it.collect();
            vec![(v.len() as u64, v.iter().sum::<u64>())]
        });
        keyed: (u64, u64) = src.key_by(|x| x % 5);
        valued: (u64, String) = keyed.map_values(|v| format!("v{v}"));
        expanded: (u64, u64) = keyed.flat_map_values(|v| vec![v, v + 1000]);
        sampled: u64 = src.sample(0.3, 42);
        sampled_same_seed: u64 = src.sample(0.3, 42);
        sampled_other_seed: u64 = src.sample(0.3, 7);
        sampled_all: u64 = src.sample(1.0, 1);
        sampled_none: u64 = src.sample(0.0, 1);
        coalesced: u64 = src.coalesce(3);
        coalesced_wide: u64 = src.coalesce(1000);
        unioned: u64 = src.union(mapped);
        inspected: u64 = src.inspect(|x| {
            INSPECT_SUM.fetch_add(*x, Ordering::SeqCst);
            INSPECT_COUNT.fetch_add(1, Ordering::SeqCst);
        });
    }
}

#[test]
fn narrow_operators_match_iterators() -> rddflow::Result<()> {
    let ctx = ctx();
    let input = data(1000);
    let p = Narrow::new(&ctx, input.clone(), 8)?;

    assert_eq!(
        p.src.collect()?,
        input,
        "collect keeps partition and element order"
    );
    assert_eq!(
        p.mapped.collect()?,
        input.iter().map(|x| x * 3 + 1).collect::<Vec<_>>()
    );
    assert_eq!(
        p.filtered.collect()?,
        input
            .iter()
            .copied()
            .filter(|x| x % 3 == 0)
            .collect::<Vec<_>>()
    );
    assert_eq!(
        p.flat.collect()?,
        input
            .iter()
            .flat_map(|&x| (0..x % 4).map(move |i| x * 10 + i))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        p.picked.collect()?,
        input
            .iter()
            .filter_map(|x| if x % 2 == 0 {
                Some(format!("e{x}"))
            } else {
                None
            })
            .collect::<Vec<_>>()
    );
    let keyed: Vec<(u64, u64)> = input.iter().map(|&x| (x % 5, x)).collect();
    assert_eq!(p.keyed.collect()?, keyed);
    assert_eq!(
        p.valued.collect()?,
        keyed
            .iter()
            .map(|(k, v)| (*k, format!("v{v}")))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        p.expanded.collect()?,
        keyed
            .iter()
            .flat_map(|&(k, v)| [(k, v), (k, v + 1000)])
            .collect::<Vec<_>>()
    );
    for node_parts in [
        p.mapped.num_partitions(),
        p.filtered.num_partitions(),
        p.flat.num_partitions(),
        p.picked.num_partitions(),
        p.summary.num_partitions(),
        p.keyed.num_partitions(),
        p.valued.num_partitions(),
        p.expanded.num_partitions(),
        p.sampled.num_partitions(),
        p.inspected.num_partitions(),
    ] {
        assert_eq!(node_parts, 8, "narrow operators keep the partition count");
    }
    Ok(())
}

#[test]
fn map_partitions_sees_whole_partitions() -> rddflow::Result<()> {
    let ctx = ctx();
    let input = data(1000);
    let p = Narrow::new(&ctx, input.clone(), 8)?;
    let summary = p.summary.collect()?;
    assert_eq!(summary.len(), 8, "one output per partition");
    // parallelize slices contiguously and evenly: 125 elements per partition.
    let want: Vec<(u64, u64)> = input
        .chunks(125)
        .map(|c| (c.len() as u64, c.iter().sum()))
        .collect();
    assert_eq!(summary, want);
    Ok(())
}

#[test]
fn sample_is_deterministic_subset_of_roughly_the_fraction() -> rddflow::Result<()> {
    let ctx = ctx();
    let input: Vec<u64> = (0..10_000).collect();
    let p = Narrow::new(&ctx, input.clone(), 8)?;
    let a = p.sampled.collect()?;
    let again = p.sampled.collect()?;
    let same_seed = p.sampled_same_seed.collect()?;
    let other = p.sampled_other_seed.collect()?;
    assert_eq!(a, again, "same node, same sample");
    assert_eq!(a, same_seed, "same seed, same sample");
    assert_ne!(a, other, "another seed gives another sample");
    assert!(
        (2_600..=3_400).contains(&a.len()),
        "about 30% of 10000 kept: {}",
        a.len()
    );
    assert!(
        (2_600..=3_400).contains(&other.len()),
        "about 30% of 10000 kept: {}",
        other.len()
    );
    // Input is strictly increasing: a subset in order is strictly increasing too.
    assert!(a.windows(2).all(|w| w[0] < w[1]), "an ordered subset");
    assert!(a.iter().all(|x| *x < 10_000));
    assert_eq!(
        p.sampled_all.collect()?,
        input,
        "fraction 1 keeps everything"
    );
    assert_eq!(p.sampled_none.count()?, 0, "fraction 0 keeps nothing");
    // Every partition contributes (a different stream per partition, not all-or-nothing).
    let per_part = 10_000 / 8;
    for part in 0..8u64 {
        let lo = part * per_part;
        let hi = lo + per_part;
        let n = a.iter().filter(|x| (lo..hi).contains(*x)).count();
        assert!((250..=500).contains(&n), "partition {part} kept {n}");
    }
    Ok(())
}

#[test]
fn coalesce_and_union_partitions_and_order() -> rddflow::Result<()> {
    let ctx = ctx();
    let input = data(500);
    let p = Narrow::new(&ctx, input.clone(), 8)?;
    assert_eq!(p.coalesced.num_partitions(), 3);
    assert_eq!(p.coalesced.collect()?, input, "coalesce keeps order");
    assert_eq!(
        p.coalesced_wide.num_partitions(),
        8,
        "coalesce never increases the partition count"
    );
    assert_eq!(p.coalesced_wide.collect()?, input);
    assert_eq!(
        p.unioned.num_partitions(),
        16,
        "union has both parents' partitions"
    );
    let mut want = input.clone();
    want.extend(input.iter().map(|x| x * 3 + 1));
    assert_eq!(
        p.unioned.collect()?,
        want,
        "first parent's partitions, then the other's"
    );
    assert_eq!(p.unioned.count()?, 1000);
    Ok(())
}

#[test]
fn inspect_sees_every_element_and_passes_it_on() -> rddflow::Result<()> {
    let ctx = ctx();
    let input = data(777);
    let p = Narrow::new(&ctx, input.clone(), 5)?;
    assert_eq!(p.inspected.collect()?, input);
    assert_eq!(INSPECT_COUNT.load(Ordering::SeqCst), 777);
    assert_eq!(
        INSPECT_SUM.load(Ordering::SeqCst),
        input.iter().sum::<u64>()
    );
    Ok(())
}

#[test]
fn collect_order_for_various_partition_counts() -> rddflow::Result<()> {
    let ctx = ctx();
    let input = data(97);
    for parts in [1, 2, 3, 7, 16, 97, 200] {
        let p = Narrow::new(&ctx, input.clone(), parts)?;
        assert_eq!(p.src.num_partitions(), parts);
        assert_eq!(p.src.collect()?, input, "{parts} partitions");
        assert_eq!(
            p.mapped.collect()?,
            input.iter().map(|x| x * 3 + 1).collect::<Vec<_>>(),
            "{parts} partitions"
        );
        assert_eq!(p.src.count()?, 97);
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Wide operators.
// ------------------------------------------------------------------------------------------

rddflow::pipeline! {
    struct Wide(input: Vec<(u32, u64)>) {
        src: (u32, u64) = parallelize(input, 5);
        sums: (u32, u64) = src.reduce_by_key(|a, b| a + b);
        sums7: (u32, u64) = src.reduce_by_key(|a, b| a + b, 7);
        groups: (u32, Vec<u64>) = src.group_by_key();
        groups3: (u32, Vec<u64>) = src.group_by_key(3);
        max_after_group: (u32, u64) = groups.map(|(k, vs)| (k, vs.into_iter().max().unwrap_or(0)));
    }
}

fn wide_input() -> Vec<(u32, u64)> {
    (0..5000u64).map(|i| (((i * 31) % 97) as u32, i)).collect()
}

fn naive_sums(input: &[(u32, u64)]) -> HashMap<u32, u64> {
    let mut m = HashMap::new();
    for (k, v) in input {
        *m.entry(*k).or_insert(0) += v;
    }
    m
}

fn naive_groups(input: &[(u32, u64)]) -> HashMap<u32, Vec<u64>> {
    let mut m: HashMap<u32, Vec<u64>> = HashMap::new();
    for (k, v) in input {
        m.entry(*k).or_default().push(*v);
    }
    for v in m.values_mut() {
        v.sort();
    }
    m
}

fn as_unique_map<V>(pairs: Vec<(u32, V)>) -> HashMap<u32, V> {
    let n = pairs.len();
    let m: HashMap<u32, V> = pairs.into_iter().collect();
    assert_eq!(m.len(), n, "every key appears once after the shuffle");
    m
}

#[test]
fn reduce_by_key_matches_naive() -> rddflow::Result<()> {
    let ctx = ctx();
    let input = wide_input();
    let p = Wide::new(&ctx, input.clone())?;
    let want = naive_sums(&input);
    assert_eq!(as_unique_map(p.sums.collect()?), want);
    assert_eq!(as_unique_map(p.sums7.collect()?), want);
    assert_eq!(p.sums7.num_partitions(), 7, "explicit partition count");
    assert_eq!(
        p.sums.num_partitions(),
        5,
        "without default_parallelism, the parent's partition count"
    );
    assert_eq!(p.sums7.partitioner().map(|x| x.num_partitions()), Some(7));
    // Running again gives the same.
    assert_eq!(as_unique_map(p.sums.collect()?), want);
    Ok(())
}

#[test]
fn group_by_key_matches_naive() -> rddflow::Result<()> {
    let ctx = ctx();
    let input = wide_input();
    let p = Wide::new(&ctx, input.clone())?;
    let want = naive_groups(&input);
    for got in [p.groups.collect()?, p.groups3.collect()?] {
        let mut got = as_unique_map(got);
        for v in got.values_mut() {
            v.sort();
        }
        assert_eq!(got, want);
    }
    assert_eq!(p.groups3.num_partitions(), 3);
    let maxes = as_unique_map(p.max_after_group.collect()?);
    let want_max: HashMap<u32, u64> = want
        .iter()
        .map(|(k, v)| (*k, *v.iter().max().unwrap()))
        .collect();
    assert_eq!(maxes, want_max);
    Ok(())
}

#[test]
fn shuffle_partitions_follow_default_parallelism_when_set() -> rddflow::Result<()> {
    let ctx = ctx_par(3);
    let input = wide_input();
    let p = Wide::new(&ctx, input.clone())?;
    assert_eq!(
        p.src.num_partitions(),
        5,
        "explicit source partition count wins"
    );
    assert_eq!(p.sums.num_partitions(), 3);
    assert_eq!(p.groups.num_partitions(), 3);
    assert_eq!(p.sums7.num_partitions(), 7);
    assert_eq!(as_unique_map(p.sums.collect()?), naive_sums(&input));
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Actions.
// ------------------------------------------------------------------------------------------

rddflow::pipeline! {
    struct Acts(n: u64, parts: usize) {
        nums: u64 = range(0..n, parts);
        tail: u64 = nums.filter(|x| *x >= 95);
        none: u64 = nums.filter(|_| false);
        pairs: (u64, u64) = nums.map(|x| (x % 4, x));
        words: String = nums.map(|x| format!("w{}", x % 3));
    }
}

rddflow::pipeline! {
    struct Sparse(items: Vec<u64>, parts: usize) {
        src: u64 = parallelize(items, parts);
    }
}

#[test]
fn collect_count_reduce_fold_aggregate() -> rddflow::Result<()> {
    let ctx = ctx();
    let p = Acts::new(&ctx, 100, 10)?;
    assert_eq!(p.nums.collect()?, (0..100).collect::<Vec<_>>());
    assert_eq!(p.nums.count()?, 100);
    assert_eq!(p.tail.count()?, 5);
    assert_eq!(p.nums.reduce(|a, b| a + b)?, Some(4950));
    assert_eq!(p.nums.reduce(|a, b| a.max(b))?, Some(99));
    assert_eq!(p.none.reduce(|a, b| a + b)?, None, "reduce of nothing");
    assert_eq!(p.none.count()?, 0);
    assert_eq!(p.none.collect()?, Vec::<u64>::new());
    assert_eq!(p.nums.fold(0, |a, b| a + b)?, 4950);
    assert_eq!(p.none.fold(0, |a, b| a + b)?, 0);
    let (sum, cnt) = p.nums.aggregate(
        (0u64, 0u64),
        |(s, c), x| (s + x, c + 1),
        |(s1, c1), (s2, c2)| (s1 + s2, c1 + c2),
    )?;
    assert_eq!((sum, cnt), (4950, 100));
    let strings: Vec<String> = p.nums.aggregate(
        Vec::new(),
        |mut v: Vec<String>, x| {
            if x % 25 == 0 {
                v.push(x.to_string());
            }
            v
        },
        |mut a, b| {
            a.extend(b);
            a
        },
    )?;
    assert_eq!(sorted(strings), vec!["0", "25", "50", "75"]);

    let empty = Acts::new(&ctx, 0, 3)?;
    assert_eq!(empty.nums.reduce(|a, b| a + b)?, None);
    assert_eq!(empty.nums.count()?, 0);
    assert_eq!(empty.nums.first()?, None);
    assert_eq!(empty.nums.take(5)?, Vec::<u64>::new());
    Ok(())
}

#[test]
fn take_and_first() -> rddflow::Result<()> {
    let ctx = ctx();
    let p = Acts::new(&ctx, 100, 10)?;
    assert_eq!(p.nums.take(0)?, Vec::<u64>::new());
    assert_eq!(p.nums.take(3)?, vec![0, 1, 2]);
    assert_eq!(
        p.nums.take(25)?,
        (0..25).collect::<Vec<_>>(),
        "spanning partitions"
    );
    assert_eq!(
        p.nums.take(1000)?,
        (0..100).collect::<Vec<_>>(),
        "more than there is"
    );
    assert_eq!(p.nums.first()?, Some(0));
    // Only the last partition has elements: take must keep scanning past empty ones.
    assert_eq!(p.tail.take(3)?, vec![95, 96, 97]);
    assert_eq!(p.tail.take(10)?, vec![95, 96, 97, 98, 99]);
    assert_eq!(p.tail.first()?, Some(95));
    assert_eq!(p.none.first()?, None);
    assert_eq!(p.none.take(4)?, Vec::<u64>::new());

    // Empty partitions in between (more partitions than elements).
    let s = Sparse::new(&ctx, vec![5, 6, 7], 10)?;
    assert_eq!(s.src.num_partitions(), 10);
    assert_eq!(s.src.take(2)?, vec![5, 6]);
    assert_eq!(s.src.take(3)?, vec![5, 6, 7]);
    assert_eq!(s.src.take(4)?, vec![5, 6, 7]);
    assert_eq!(s.src.first()?, Some(5));
    Ok(())
}

static FOR_EACH_SUM: AtomicU64 = AtomicU64::new(0);
static FOR_EACH_CALLS: AtomicU64 = AtomicU64::new(0);

#[test]
fn for_each_runs_on_every_element() -> rddflow::Result<()> {
    let ctx = ctx();
    let p = Acts::new(&ctx, 1000, 7)?;
    p.nums.for_each(|x| {
        FOR_EACH_SUM.fetch_add(x, Ordering::SeqCst);
        FOR_EACH_CALLS.fetch_add(1, Ordering::SeqCst);
    })?;
    assert_eq!(FOR_EACH_SUM.load(Ordering::SeqCst), (0..1000).sum::<u64>());
    assert_eq!(FOR_EACH_CALLS.load(Ordering::SeqCst), 1000);
    // A local atomic works too: for_each's closure is ordinary Rust, not pipeline code.
    let local = AtomicU64::new(0);
    p.tail.for_each(|x| {
        local.fetch_add(x, Ordering::SeqCst);
    })?;
    assert_eq!(local.load(Ordering::SeqCst), (95..1000).sum::<u64>());
    Ok(())
}

#[test]
fn count_by_key_count_by_value_collect_map() -> rddflow::Result<()> {
    let ctx = ctx();
    let p = Acts::new(&ctx, 103, 6)?;
    let by_key = p.pairs.count_by_key()?;
    let mut want: HashMap<u64, u64> = HashMap::new();
    for x in 0..103u64 {
        *want.entry(x % 4).or_default() += 1;
    }
    assert_eq!(by_key, want);

    let by_value = p.words.count_by_value()?;
    let mut want_v: HashMap<String, u64> = HashMap::new();
    for x in 0..103u64 {
        *want_v.entry(format!("w{}", x % 3)).or_default() += 1;
    }
    assert_eq!(by_value, want_v);

    // collect_map: later values replace earlier ones (partition order).
    let m = p.pairs.collect_map()?;
    let want_m: HashMap<u64, u64> = (0..103u64).map(|x| (x % 4, x)).collect();
    assert_eq!(m, want_m);
    assert_eq!(m[&0], 100);
    assert_eq!(m[&3], 99);
    Ok(())
}

#[test]
fn save_as_text_file_writes_parts_and_success() -> rddflow::Result<()> {
    let ctx = ctx();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let p = Acts::new(&ctx, 50, 4)?;
    p.words.save_as_text_file(&out)?;
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec![
            "_SUCCESS",
            "part-00000",
            "part-00001",
            "part-00002",
            "part-00003"
        ]
    );
    let mut all = String::new();
    for i in 0..4 {
        let text = std::fs::read_to_string(out.join(format!("part-{i:05}"))).unwrap();
        // One Display line per element of partition i (range slices evenly: 12 or 13 each).
        let lo = i * 50 / 4;
        let hi = (i + 1) * 50 / 4;
        let want: String = (lo..hi).map(|x| format!("w{}\n", x % 3)).collect();
        assert_eq!(text, want, "part {i}");
        all.push_str(&text);
    }
    assert_eq!(all.lines().count(), 50);
    assert_eq!(std::fs::read(out.join("_SUCCESS")).unwrap().len(), 0);

    // Tuples do not implement Display; numbers do.
    let nums_out = tmp.path().join("nums");
    p.nums.save_as_text_file(&nums_out)?;
    let text: String = (0..4)
        .map(|i| std::fs::read_to_string(nums_out.join(format!("part-{i:05}"))).unwrap())
        .collect();
    assert_eq!(text, (0..50).map(|x| format!("{x}\n")).collect::<String>());

    // An existing output directory is an error naming it, and is left alone.
    match p.words.save_as_text_file(&out) {
        Err(Error::OutputExists { path }) => assert_eq!(path, out),
        other => panic!("expected OutputExists for an existing dir, got {other:?}"),
    }
    assert!(out.join("part-00000").is_file());
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Sources.
// ------------------------------------------------------------------------------------------

rddflow::pipeline! {
    struct Par(items: Vec<u64>) {
        src: u64 = parallelize(items);
    }
}

rddflow::pipeline! {
    struct Ranges(a: u64, b: u64) {
        default_parts: u64 = range(a..b);
        seven: u64 = range(a..b, 7);
    }
}

#[test]
fn parallelize_with_and_without_partition_count() -> rddflow::Result<()> {
    let ctx = ctx_par(4);
    let items: Vec<u64> = data(50);
    let p = Par::new(&ctx, items.clone())?;
    assert_eq!(p.src.num_partitions(), 4, "default parallelism");
    assert_eq!(p.src.collect()?, items);

    let s = Sparse::new(&ctx, vec![1, 2, 3], 8)?;
    assert_eq!(s.src.num_partitions(), 8, "more partitions than elements");
    assert_eq!(s.src.collect()?, vec![1, 2, 3]);
    assert_eq!(s.src.count()?, 3);

    let e = Sparse::new(&ctx, vec![], 3)?;
    assert_eq!(e.src.num_partitions(), 3);
    assert_eq!(e.src.collect()?, Vec::<u64>::new());
    Ok(())
}

#[test]
fn range_source() -> rddflow::Result<()> {
    let ctx = ctx_par(3);
    let r = Ranges::new(&ctx, 10, 1010)?;
    assert_eq!(r.default_parts.num_partitions(), 3);
    assert_eq!(r.seven.num_partitions(), 7);
    assert_eq!(r.default_parts.collect()?, (10..1010).collect::<Vec<_>>());
    assert_eq!(r.seven.collect()?, (10..1010).collect::<Vec<_>>());
    assert_eq!(r.seven.count()?, 1000);
    assert_eq!(r.seven.reduce(|a, b| a + b)?, Some((10..1010).sum()));
    let empty = Ranges::new(&ctx, 5, 5)?;
    assert_eq!(empty.seven.count()?, 0);
    Ok(())
}

rddflow::pipeline! {
    struct Text(path: PathBuf) {
        lines: String = text_file(path);
    }
}

rddflow::pipeline! {
    struct TextParts(path: PathBuf, min: usize) {
        lines: String = text_file(path, min);
        lengths: u64 = lines.map(|l| l.len() as u64);
    }
}

#[test]
fn text_file_on_a_file() -> rddflow::Result<()> {
    let ctx = ctx();
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("a.txt");
    std::fs::write(&f, "alpha\nbeta\r\n\ngamma delta\nlast").unwrap();
    let t = Text::new(&ctx, f.clone())?;
    assert_eq!(
        t.lines.collect()?,
        vec!["alpha", "beta", "", "gamma delta", "last"]
    );
    assert_eq!(
        t.lines.num_partitions(),
        2,
        "min(default_parallelism, 2) by default"
    );

    let one = TextParts::new(&ctx, f, 1)?;
    assert_eq!(one.lines.num_partitions(), 1);
    assert_eq!(one.lengths.collect()?, vec![5, 4, 0, 11, 4]);

    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "").unwrap();
    assert_eq!(Text::new(&ctx, empty)?.lines.count()?, 0);
    Ok(())
}

fn write_dir_inputs(dir: &Path) {
    std::fs::write(dir.join("b.txt"), "b1\nb2\n").unwrap();
    std::fs::write(dir.join("a.txt"), "a1\na2\na3\n").unwrap();
    std::fs::write(dir.join("c.log"), "c1").unwrap();
    std::fs::write(dir.join(".hidden"), "HIDDEN\n").unwrap();
    std::fs::write(dir.join("_SUCCESS"), "UNDERSCORE\n").unwrap();
    std::fs::write(dir.join("_meta.txt"), "UNDERSCORE2\n").unwrap();
}

#[test]
fn text_file_on_a_directory_skips_hidden_and_underscore_files() -> rddflow::Result<()> {
    let ctx = ctx();
    let dir = tempfile::tempdir().unwrap();
    write_dir_inputs(dir.path());
    let t = Text::new(&ctx, dir.path().to_path_buf())?;
    // Files in name order, each file's lines in order.
    assert_eq!(t.lines.collect()?, vec!["a1", "a2", "a3", "b1", "b2", "c1"]);
    assert!(t.lines.num_partitions() >= 3, "at least one split per file");
    Ok(())
}

#[test]
fn text_file_on_a_glob() -> rddflow::Result<()> {
    let ctx = ctx();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("b.txt"), "b1\nb2\n").unwrap();
    std::fs::write(dir.path().join("a.txt"), "a1\na2\na3\n").unwrap();
    std::fs::write(dir.path().join("c.log"), "c1").unwrap();
    std::fs::create_dir(dir.path().join("sub.txt")).unwrap(); // a directory matching the glob
    std::fs::write(dir.path().join("_meta.txt"), "hidden\n").unwrap();
    std::fs::write(dir.path().join(".tmp.txt"), "hidden\n").unwrap();
    let t = Text::new(&ctx, dir.path().join("*.txt"))?;
    assert_eq!(
        t.lines.collect()?,
        vec!["a1", "a2", "a3", "b1", "b2"],
        "the visible matching files in name order; c.log, _meta.txt and .tmp.txt not selected"
    );
    let q = Text::new(&ctx, dir.path().join("[bc].*"))?;
    assert_eq!(q.lines.collect()?, vec!["b1", "b2", "c1"]);
    let one = Text::new(&ctx, dir.path().join("a.tx?"))?;
    assert_eq!(one.lines.collect()?, vec!["a1", "a2", "a3"]);
    Ok(())
}

/// A deterministic pseudo-random text of `lines` lines: varied lengths, empty lines, CRLF
/// endings, multi-byte characters, and a last line without a newline.
fn generated_text(lines: usize) -> String {
    let mut s = String::new();
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let pieces = ["a", "bc", "déf", "日本", " ", "xyz0123", "\t", "ü"];
    for i in 0..lines {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let len = match state % 10 {
            0 => 0,
            1 => 1,
            2..=7 => (state >> 8) as usize % 12,
            _ => (state >> 8) as usize % 60,
        };
        if !(len == 0 && state.is_multiple_of(3)) {
            // Otherwise a truly empty line.
            s.push_str(&format!("{i}:"));
        }
        for j in 0..len {
            s.push_str(pieces[(state as usize >> (j % 32)) % pieces.len()]);
        }
        if i + 1 < lines {
            if (state >> 20).is_multiple_of(5) {
                s.push_str("\r\n");
            } else {
                s.push('\n');
            }
        }
    }
    s
}

#[test]
fn text_file_splits_lose_and_double_nothing() -> rddflow::Result<()> {
    let ctx = ctx();
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("big.txt");
    let content = generated_text(200_000);
    assert!(!content.ends_with('\n'));
    assert!(content.contains("\r\n") && content.contains("\n\n"));
    std::fs::write(&f, &content).unwrap();
    let want: Vec<&str> = content.lines().collect();
    assert_eq!(want.len(), 200_000);
    for min in 1..=13 {
        let t = TextParts::new(&ctx, f.clone(), min)?;
        assert!(
            t.lines.num_partitions() >= min,
            "at least min_partitions splits: {} < {min}",
            t.lines.num_partitions()
        );
        let got = t.lines.collect()?;
        assert_eq!(got.len(), want.len(), "min_partitions {min}: line count");
        if let Some(i) = got.iter().zip(&want).position(|(g, w)| g != w) {
            panic!(
                "min_partitions {min}: line {i} differs: got {:?}, want {:?}",
                got[i], want[i]
            );
        }
    }
    Ok(())
}

#[test]
fn text_file_tiny_splits_on_a_small_file() -> rddflow::Result<()> {
    // More partitions than lines: byte ranges shorter than a line.
    let ctx = ctx();
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("small.txt");
    let content = "first line here\n\nthird\r\nfourth is a bit longer than the others\nx";
    std::fs::write(&f, content).unwrap();
    let want: Vec<&str> = content.lines().collect();
    for min in [1, 2, 5, 17, 40, 64, 100] {
        let t = TextParts::new(&ctx, f.clone(), min)?;
        assert_eq!(t.lines.collect()?, want, "min_partitions {min}");
    }
    Ok(())
}

#[test]
fn text_file_invalid_utf8_names_file_and_offset() -> rddflow::Result<()> {
    let ctx = ctx();
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bad.txt");
    let mut bytes = b"hello\nworld\nab".to_vec();
    let bad_at = bytes.len() as u64;
    bytes.push(0xFF);
    bytes.extend_from_slice(b"cd\nmore\n");
    std::fs::write(&f, &bytes).unwrap();
    let t = TextParts::new(&ctx, f.clone(), 1)?;
    match t.lines.collect() {
        Err(Error::InvalidInput { path, offset, .. }) => {
            assert_eq!(path, f);
            assert_eq!(offset, bad_at);
        }
        other => panic!("expected InvalidInput, got {other:?}"),
    }

    // In a later split of a bigger file, with multi-byte characters before it.
    let g = dir.path().join("bad2.txt");
    let mut big = Vec::new();
    for i in 0..5000 {
        big.extend_from_slice(format!("line {i} é\n").as_bytes());
    }
    big.extend_from_slice("prefix ü ".as_bytes());
    let bad2_at = big.len() as u64;
    big.extend_from_slice(&[0xC3, 0x28]); // invalid 2-byte sequence
    big.extend_from_slice(b" rest\n");
    for i in 0..100 {
        big.extend_from_slice(format!("tail {i}\n").as_bytes());
    }
    std::fs::write(&g, &big).unwrap();
    let t = TextParts::new(&ctx, g.clone(), 4)?;
    assert!(t.lines.num_partitions() >= 4);
    match t.lengths.count() {
        Err(Error::InvalidInput { path, offset, .. }) => {
            assert_eq!(path, g);
            assert_eq!(offset, bad2_at);
        }
        other => panic!("expected InvalidInput, got {other:?}"),
    }
    Ok(())
}

#[test]
fn text_file_missing_path_fails_at_new() {
    let ctx = ctx();
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("does-not-exist.txt");
    match Text::new(&ctx, missing.clone()) {
        Err(Error::Io { path, .. }) => assert_eq!(path, missing),
        Err(e) => panic!("expected Io, got {e:?}"),
        Ok(_) => panic!("expected Io, got a pipeline"),
    }
    let pattern = dir.path().join("*.nothing");
    match Text::new(&ctx, pattern.clone()) {
        Err(Error::Io { path, .. }) => assert_eq!(path, pattern),
        Err(e) => panic!("expected Io for an empty glob, got {e:?}"),
        Ok(_) => panic!("expected Io for an empty glob, got a pipeline"),
    }
}

// ------------------------------------------------------------------------------------------
// Task failure and retry.
// ------------------------------------------------------------------------------------------

static BAD_CALLS: AtomicU64 = AtomicU64::new(0);
static FLAKY_FIRED: AtomicBool = AtomicBool::new(false);
static FLAKY_CALLS: AtomicU64 = AtomicU64::new(0);

rddflow::pipeline! {
    struct Fail(poison: u64) {
        src: u64 = range(0..100, 4);
        bad: u64 = src.map(|x| {
            if x == poison {
                BAD_CALLS.fetch_add(1, Ordering::SeqCst);
                panic!("boom at {x}");
            }
            x * 2
        });
        after: u64 = bad.filter(|x| x % 4 == 0);
    }
}

rddflow::pipeline! {
    struct Flaky(n: u64) {
        src: u64 = range(0..n, 4);
        once: u64 = src.map(|x| {
            if x == 10 {
                FLAKY_CALLS.fetch_add(1, Ordering::SeqCst);
                if !FLAKY_FIRED.swap(true, Ordering::SeqCst) {
                    panic!("flaky first attempt");
                }
            }
            x + 1
        });
    }
}

#[test]
fn panicking_task_fails_job_after_max_attempts() -> rddflow::Result<()> {
    let ctx = Context::builder().threads(4).task_max_failures(3).build()?;
    let p = Fail::new(&ctx, 57)?;
    match p.after.collect() {
        Err(Error::TaskFailed {
            node,
            partition,
            attempts,
            message,
        }) => {
            assert_eq!(node, "Fail.bad", "names the node whose code panicked");
            assert_eq!(partition, 2, "57 is in partition 2 of range(0..100, 4)");
            assert_eq!(attempts, 3);
            assert!(
                message.contains("boom at 57"),
                "panic message kept: {message}"
            );
        }
        other => panic!("expected TaskFailed, got {other:?}"),
    }
    assert_eq!(BAD_CALLS.load(Ordering::SeqCst), 3, "one call per attempt");
    let err = p.bad.count().unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("Fail.bad") && text.contains("boom at 57"),
        "{text}"
    );

    // The context is still usable.
    let ok = Fail::new(&ctx, 1000)?;
    assert_eq!(
        ok.bad.collect()?,
        (0..100).map(|x| x * 2).collect::<Vec<_>>()
    );
    Ok(())
}

#[test]
fn panic_on_first_attempt_only_is_retried() -> rddflow::Result<()> {
    let ctx = ctx();
    let p = Flaky::new(&ctx, 40)?;
    assert_eq!(p.once.collect()?, (1..=40).collect::<Vec<_>>());
    assert!(FLAKY_FIRED.load(Ordering::SeqCst));
    assert_eq!(
        FLAKY_CALLS.load(Ordering::SeqCst),
        2,
        "failed once, retried once"
    );
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Concurrency.
// ------------------------------------------------------------------------------------------

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn handles_are_send_and_sync() {
    assert_send_sync::<Context>();
    assert_send_sync::<Narrow>();
    assert_send_sync::<Wide>();
    assert_send_sync::<Rdd<u64>>();
    assert_send_sync::<Rdd<(u32, Vec<u64>)>>();
    assert_send_sync::<rddflow::Node<WideSums>>();
    assert_send_sync::<Error>();
}

#[test]
fn concurrent_jobs_on_one_context() -> rddflow::Result<()> {
    let ctx = ctx();
    let input = wide_input();
    let want_sums = naive_sums(&input);
    let want_groups = naive_groups(&input);
    let shared = Wide::new(&ctx, input.clone())?;
    std::thread::scope(|s| {
        let mut handles = Vec::new();
        for t in 0..4 {
            let ctx = ctx.clone();
            let input = input.clone();
            let shared = &shared;
            let want_sums = &want_sums;
            let want_groups = &want_groups;
            handles.push(s.spawn(move || -> rddflow::Result<()> {
                for round in 0..5 {
                    // A private pipeline per thread, and one shared by all.
                    let own = Wide::new(&ctx, input.clone())?;
                    assert_eq!(&as_unique_map(own.sums7.collect()?), want_sums);
                    let got = if (t + round) % 2 == 0 {
                        as_unique_map(shared.sums.collect()?)
                    } else {
                        as_unique_map(shared.sums7.collect()?)
                    };
                    assert_eq!(&got, want_sums, "thread {t} round {round}");
                    let mut g = as_unique_map(shared.groups.collect()?);
                    g.values_mut().for_each(|v| v.sort());
                    assert_eq!(&g, want_groups);
                    let n = Narrow::new(&ctx, data(300), 6)?;
                    assert_eq!(n.unioned.count()?, 600);
                }
                Ok(())
            }));
        }
        for h in handles {
            h.join().expect("no panic")?;
        }
        Ok(())
    })
}

// ------------------------------------------------------------------------------------------
// Graph renderings.
// ------------------------------------------------------------------------------------------

#[test]
fn graph_dot_and_mermaid() {
    let g = Wide::graph();
    let dot = g.to_dot();
    let mermaid = g.to_mermaid();
    for n in [
        "src",
        "sums",
        "sums7",
        "groups",
        "groups3",
        "max_after_group",
    ] {
        assert!(dot.contains(n), "dot has node {n}: {dot}");
        assert!(mermaid.contains(n), "mermaid has node {n}: {mermaid}");
    }
    assert!(dot.contains("\"src\" -> \"sums\""), "{dot}");
    assert!(dot.contains("\"groups\" -> \"max_after_group\""), "{dot}");
    assert!(dot.contains("shuffle"), "shuffle edges are marked: {dot}");
    assert!(
        mermaid.contains("shuffle"),
        "shuffle edges are marked: {mermaid}"
    );
    let shuffle_edges: Vec<_> = g.edges().filter(|e| e.2).collect();
    assert_eq!(shuffle_edges.len(), 4, "{shuffle_edges:?}");
    assert!(g.edges().any(|e| e == ("groups", "max_after_group", false)));

    // A pipeline of narrow operators has no shuffle edge.
    let narrow = Narrow::graph();
    assert!(!narrow.to_dot().contains("shuffle"));
    assert!(!narrow.to_mermaid().contains("shuffle"));
    for n in ["src", "mapped", "unioned", "inspected", "coalesced"] {
        assert!(narrow.to_dot().contains(n));
        assert!(narrow.to_mermaid().contains(n));
    }
    // union has two parents.
    assert!(narrow.edges().any(|e| e == ("src", "unioned", false)));
    assert!(narrow.edges().any(|e| e == ("mapped", "unioned", false)));
}

#[test]
fn lineage_marks_shuffle_boundaries_and_partitions() -> rddflow::Result<()> {
    let ctx = ctx();
    let p = Wide::new(&ctx, wide_input())?;
    let l = p.max_after_group.lineage();
    assert!(l.contains("Wide.max_after_group"), "{l}");
    assert!(l.contains("Wide.groups"), "{l}");
    assert!(l.contains("Wide.src"), "{l}");
    assert!(l.contains("(5)"), "partition counts shown: {l}");
    assert_eq!(l.lines().count(), 3, "{l}");
    Ok(())
}

rddflow::pipeline! {
    struct Labels(label: String, width: usize) {
        nums: u64 = range(0..3, 2);
        // `label` and `width` are used only inside the format string.
        text: String = nums.map(|x| format!("{label}{x:>width$}|{{label}}"));
    }
}

#[test]
fn params_captured_inside_format_strings() -> rddflow::Result<()> {
    let ctx = ctx();
    let l = Labels::new(&ctx, "n=".into(), 3)?;
    assert_eq!(
        l.text.collect()?,
        vec!["n=  0|{label}", "n=  1|{label}", "n=  2|{label}"]
    );
    Ok(())
}
