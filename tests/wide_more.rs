//! The remaining wide operators (`group_with`, `cartesian`, `intersection`, `subtract`,
//! `subtract_by_key`, `repartition_and_sort_within_partitions`) against plain-Rust
//! computations of Spark's semantics, on varying inputs.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use rddflow::prelude::*;

rddflow::pipeline! {
    struct More(a: Vec<(u8, i32)>, b: Vec<(u8, i32)>, c: Vec<(u8, String)>, pa: usize, pb: usize) {
        left: (u8, i32) = parallelize(a, pa);
        right: (u8, i32) = parallelize(b, pb);
        third: (u8, String) = parallelize(c, 2);
        grouped: (u8, (Vec<i32>, Vec<i32>, Vec<String>)) = left.group_with(right, third);
        grouped3: (u8, (Vec<i32>, Vec<i32>, Vec<String>)) = left.group_with(right, third, 3);
        product: ((u8, i32), (u8, i32)) = left.cartesian(right);
        left_parts: Vec<(u8, i32)> = left.glom();
        right_parts: Vec<(u8, i32)> = right.glom();
        both: (u8, i32) = left.intersection(right);
        both2: (u8, i32) = left.intersection(right, 2);
        only_left: (u8, i32) = left.subtract(right);
        only_left5: (u8, i32) = left.subtract(right, 5);
        keys_only_left: (u8, i32) = left.subtract_by_key(third);
        keys_only_left2: (u8, i32) = left.subtract_by_key(third, 2);
        sorted_parts: (u8, i32) = left.repartition_and_sort_within_partitions(3);
        sorted_glom: Vec<(u8, i32)> = sorted_parts.glom();
    }
}

/// One key's values in each of the three inputs.
type Groups = (Vec<i32>, Vec<i32>, Vec<String>);

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

fn check(
    a: Vec<(u8, i32)>,
    b: Vec<(u8, i32)>,
    c: Vec<(u8, String)>,
    pa: usize,
    pb: usize,
) -> rddflow::Result<()> {
    let ctx = Context::builder().threads(2).build()?;
    let m = More::new(&ctx, a.clone(), b.clone(), c.clone(), pa, pb)?;

    // group_with: every key of any input, each list the values of that input with the key.
    let mut want: BTreeMap<u8, Groups> = BTreeMap::new();
    for (k, v) in &a {
        want.entry(*k).or_default().0.push(*v);
    }
    for (k, v) in &b {
        want.entry(*k).or_default().1.push(*v);
    }
    for (k, v) in &c {
        want.entry(*k).or_default().2.push(v.clone());
    }
    for want in want.values_mut() {
        want.0.sort();
        want.1.sort();
        want.2.sort();
    }
    for (got, n) in [
        (m.grouped.collect()?, None),
        (m.grouped3.collect()?, Some(3)),
    ] {
        assert_eq!(got.len(), want.len(), "one group per key");
        let got: BTreeMap<_, _> = got
            .into_iter()
            .map(|(k, (x, y, z))| (k, (sorted(x), sorted(y), sorted(z))))
            .collect();
        assert_eq!(got, want);
        if let Some(n) = n {
            assert_eq!(m.grouped3.num_partitions(), n);
        }
    }
    // Without a count: the default-partitioner rule, the largest input's count.
    assert_eq!(m.grouped.num_partitions(), pa.max(pb).max(2));

    // cartesian: Spark's partition (i, j) = i * m + j, x-major within it.
    let (lp, rp) = (m.left_parts.collect()?, m.right_parts.collect()?);
    let mut want = Vec::new();
    for l in &lp {
        for r in &rp {
            for x in l {
                for y in r {
                    want.push((*x, *y));
                }
            }
        }
    }
    assert_eq!(m.product.collect()?, want);
    assert_eq!(m.product.num_partitions(), pa * pb);
    assert_eq!(m.product.count()?, (a.len() * b.len()) as u64);

    // intersection: the distinct elements in both.
    let (sa, sb): (BTreeSet<_>, BTreeSet<_>) =
        (a.iter().copied().collect(), b.iter().copied().collect());
    let want: Vec<(u8, i32)> = sa.intersection(&sb).copied().collect();
    assert_eq!(sorted(m.both.collect()?), want);
    assert_eq!(sorted(m.both2.collect()?), want);
    assert_eq!(m.both2.num_partitions(), 2);
    assert_eq!(m.both.partitioner(), None);

    // subtract: the elements of the left not on the right, duplicates kept.
    let want: Vec<(u8, i32)> = sorted(a.iter().copied().filter(|x| !sb.contains(x)).collect());
    assert_eq!(sorted(m.only_left.collect()?), want);
    assert_eq!(sorted(m.only_left5.collect()?), want);
    // Spark: the parent's partition count, whatever the other's.
    assert_eq!(m.only_left.num_partitions(), pa);
    assert_eq!(m.only_left5.num_partitions(), 5);

    // subtract_by_key: the left pairs whose key the right lacks.
    let keys: BTreeSet<u8> = c.iter().map(|(k, _)| *k).collect();
    let want: Vec<(u8, i32)> = sorted(
        a.iter()
            .copied()
            .filter(|(k, _)| !keys.contains(k))
            .collect(),
    );
    assert_eq!(sorted(m.keys_only_left.collect()?), want);
    assert_eq!(sorted(m.keys_only_left2.collect()?), want);
    assert_eq!(m.keys_only_left.num_partitions(), pa);
    assert_eq!(
        m.keys_only_left2.partitioner(),
        Some(rddflow::Partitioner::hash(2))
    );

    // repartition_and_sort_within_partitions: placed by the hash partitioner, each
    // partition sorted by key (stably), nothing lost.
    let p3 = rddflow::Partitioner::hash(3);
    let parts = m.sorted_glom.collect()?;
    assert_eq!(parts.len(), 3);
    let mut all = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let mut want: Vec<(u8, i32)> = a
            .iter()
            .copied()
            .filter(|(k, _)| p3.partition(k) == i)
            .collect();
        // A stable sort of what reached the partition in map-partition order: the order of
        // `a` (parallelize keeps it).
        want.sort_by_key(|(k, _)| *k);
        assert_eq!(part, &want, "partition {i}");
        all.extend(part.iter().copied());
    }
    assert_eq!(sorted(all), sorted(a.clone()));
    assert_eq!(m.sorted_parts.partitioner(), Some(p3));
    Ok(())
}

#[test]
fn fixed_inputs() -> rddflow::Result<()> {
    let a = vec![(1, 10), (2, 20), (1, 10), (3, 30), (4, 40), (1, 11)];
    let b = vec![(1, 10), (3, 31), (5, 50), (1, 10)];
    let c = vec![(1, "x".to_string()), (6, "y".to_string())];
    check(a, b, c, 3, 2)
}

#[test]
fn empty_sides() -> rddflow::Result<()> {
    check(vec![], vec![(1, 1)], vec![], 2, 3)?;
    check(vec![(1, 1), (1, 1)], vec![], vec![], 1, 1)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn against_plain_rust(
        a in proptest::collection::vec((0u8..12, -5i32..5), 0..60),
        b in proptest::collection::vec((0u8..12, -5i32..5), 0..60),
        c in proptest::collection::vec((0u8..12, "[a-c]{0,2}"), 0..20),
        pa in 1usize..5,
        pb in 1usize..5,
    ) {
        check(a, b, c, pa, pb).unwrap();
    }
}
