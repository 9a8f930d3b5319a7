//! The combine-style wide operators against naive references.

use std::collections::{BTreeMap, BTreeSet};

use rddflow::prelude::*;

rddflow::pipeline! {
    struct Wide(items: Vec<(u32, i64)>) {
        pairs: (u32, i64) = parallelize(items, 5);
        sums: (u32, i64) = pairs.fold_by_key(0, |a, b| a + b);
        stats: (u32, (i64, u64)) = pairs.aggregate_by_key((0, 0), |(s, n), v| (s + v, n + 1), |(s1, n1), (s2, n2)| (s1 + s2, n1 + n2), 3);
        lists: (u32, Vec<i64>) = pairs.combine_by_key(|v| vec![v], |mut c, v| { c.push(v); c }, |mut a, mut b| { a.append(&mut b); a });
        keys: u32 = pairs.map(|(k, _)| k);
        unique: u32 = keys.distinct(4);
        by_key: (u32, i64) = pairs.partition_by(3);
        spread: (u32, i64) = pairs.repartition(7);
    }
}

fn data() -> Vec<(u32, i64)> {
    (0..500i64)
        .map(|i| (((i * 7919) % 37) as u32, i - 250))
        .collect()
}

#[test]
fn fold_aggregate_combine_distinct_partition_repartition() -> rddflow::Result<()> {
    let ctx = Context::builder().threads(2).build()?;
    let w = Wide::new(&ctx, data())?;
    let mut sums: BTreeMap<u32, i64> = BTreeMap::new();
    let mut lists: BTreeMap<u32, Vec<i64>> = BTreeMap::new();
    for (k, v) in data() {
        *sums.entry(k).or_default() += v;
        lists.entry(k).or_default().push(v);
    }
    assert_eq!(
        w.sums.collect()?.into_iter().collect::<BTreeMap<_, _>>(),
        sums
    );
    let stats: BTreeMap<u32, (i64, u64)> = w.stats.collect()?.into_iter().collect();
    assert_eq!(w.stats.num_partitions(), 3);
    for (k, (s, n)) in &stats {
        assert_eq!((*s, *n), (sums[k], lists[k].len() as u64));
    }
    let got_lists = w.lists.collect()?;
    assert_eq!(got_lists.len(), lists.len());
    for (k, mut vs) in got_lists {
        vs.sort();
        let mut want = lists[&k].clone();
        want.sort();
        assert_eq!(vs, want);
    }
    let unique = w.unique.collect()?;
    assert_eq!(unique.len(), 37);
    assert_eq!(
        unique.into_iter().collect::<BTreeSet<_>>(),
        (0..37).collect()
    );
    assert_eq!(w.unique.num_partitions(), 4);

    // partition_by: same pairs, each key in the partition its partitioner says.
    let p = w
        .by_key
        .partitioner()
        .expect("partition_by sets a partitioner");
    assert_eq!(p.num_partitions(), 3);
    let mut all = w.by_key.collect()?;
    all.sort();
    let mut want = data();
    want.sort();
    assert_eq!(all, want);
    assert!(w.by_key.lineage().contains("partitioned hash(3)"));

    // repartition: same elements, 7 partitions, no key partitioner, roughly balanced.
    assert_eq!(w.spread.num_partitions(), 7);
    assert_eq!(w.spread.partitioner(), None);
    let mut spread = w.spread.collect()?;
    spread.sort();
    assert_eq!(spread, want);
    Ok(())
}

rddflow::pipeline! {
    /// A parent whose element type is long: the generated code must not trip
    /// `clippy::type_complexity` in the user's crate (CI runs clippy on this file).
    struct Nested(prev: Rdd<(u64, Vec<(String, Option<u64>)>)>) {
        sizes: (u64, usize) = prev.map_values(|v| v.len());
        grouped: (u64, Vec<Vec<(String, Option<u64>)>>) = prev.group_by_key();
    }
}

#[test]
fn complex_input_types() -> rddflow::Result<()> {
    rddflow::pipeline! {
        struct Src() {
            rows: (u64, Vec<(String, Option<u64>)>) = parallelize((0..6u64).map(|i| (i % 2, vec![("x".to_string(), Some(i)); i as usize])));
        }
    }
    let ctx = Context::builder().threads(2).build()?;
    let src = Src::new(&ctx)?;
    let n = Nested::new(&ctx, src.rows.rdd())?;
    let mut sizes = n.sizes.collect()?;
    sizes.sort();
    assert_eq!(sizes, vec![(0, 0), (0, 2), (0, 4), (1, 1), (1, 3), (1, 5)]);
    assert_eq!(n.grouped.count()?, 2);
    Ok(())
}
