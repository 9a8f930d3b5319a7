//! Property tests: every wide operator (and `coalesce`) against a naive single-threaded
//! reference, on random data with random partition counts (one partition, more partitions
//! than elements, empty partitions, skewed keys), in memory and spilling under a tiny memory
//! limit (after which no spill file may remain).

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use rddflow::prelude::*;

type L = (u8, i32);
type R = (u8, i16);

rddflow::pipeline! {
    struct Wide(left: Vec<L>, right: Vec<R>, in_parts: usize, out: usize, ascending: bool) {
        a: (u8, i32) = parallelize(left, in_parts);
        b: (u8, i16) = parallelize(right, in_parts + 1);
        wide_a: (u8, i64) = a.map_values(|v| v as i64);
        reduced: (u8, i64) = wide_a.reduce_by_key(|x, y| x + y, out);
        folded: (u8, i32) = a.fold_by_key(0, |x, y| x.wrapping_add(y), out);
        aggregated: (u8, (i64, u32)) = a.aggregate_by_key((0, 0), |(s, n), v| (s + v as i64, n + 1), |(s1, n1), (s2, n2)| (s1 + s2, n1 + n2), out);
        combined: (u8, Vec<i32>) = a.combine_by_key(|v| vec![v], |mut c, v| { c.push(v); c }, |mut x, mut y| { x.append(&mut y); x }, out);
        grouped: (u8, Vec<i32>) = a.group_by_key(out);
        values: i32 = a.map(|(_, v)| v % 7);
        distinct: i32 = values.distinct(out);
        by_key: (u8, i32) = a.sort_by_key(ascending, out);
        by_value: (u8, i32) = a.sort_by(|(_, v)| *v, ascending, out);
        partitioned: (u8, i32) = a.partition_by(out);
        spread: (u8, i32) = a.repartition(out);
        fewer: (u8, i32) = a.coalesce(out);
        joined: (u8, (i32, i16)) = a.join(b, out);
        left_outer: (u8, (i32, Option<i16>)) = a.left_outer_join(b, out);
        right_outer: (u8, (Option<i32>, i16)) = a.right_outer_join(b, out);
        full_outer: (u8, (Option<i32>, Option<i16>)) = a.full_outer_join(b, out);
        cogrouped: (u8, (Vec<i32>, Vec<i16>)) = a.cogroup(b, out);
    }
}

fn memory() -> Context {
    Context::builder().threads(2).build().expect("context")
}

/// A context with a tiny memory limit spilling under `dir`.
fn spilling(dir: &std::path::Path) -> Context {
    Context::builder()
        .threads(2)
        .memory_limit(1024)
        .spill_dir(dir)
        .build()
        .expect("context")
}

/// Files left under `dir` (spill directories may exist; files may not).
fn files_under(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .expect("read dir")
        .flatten()
        .map(|e| {
            let p = e.path();
            if p.is_dir() { files_under(&p) } else { 1 }
        })
        .sum()
}

/// Runs `check` in memory and spilling; every spill file is gone once the pipeline is.
fn check_both(left: &[L], right: &[R], in_parts: usize, out: usize, asc: bool) -> u64 {
    check(&memory(), left, right, in_parts, out, asc);
    let dir = tempfile::tempdir().expect("tempdir");
    let ctx = spilling(dir.path());
    check(&ctx, left, right, in_parts, out, asc);
    assert_eq!(files_under(dir.path()), 0, "spill files left behind");
    ctx.spilled_bytes()
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

fn groups<V: Ord + Clone>(kvs: &[(u8, V)]) -> BTreeMap<u8, Vec<V>> {
    let mut g: BTreeMap<u8, Vec<V>> = BTreeMap::new();
    for (k, v) in kvs {
        g.entry(*k).or_default().push(v.clone());
    }
    g.values_mut().for_each(|v| v.sort());
    g
}

fn check(ctx: &Context, left: &[L], right: &[R], in_parts: usize, out: usize, asc: bool) {
    let w = Wide::new(ctx, left.to_vec(), right.to_vec(), in_parts, out, asc).expect("new");
    let gl = groups(left);
    let gr = groups(right);

    let sums: BTreeMap<u8, i64> = gl
        .iter()
        .map(|(k, vs)| (*k, vs.iter().map(|&v| v as i64).sum()))
        .collect();
    let got: BTreeMap<_, _> = w.reduced.collect().unwrap().into_iter().collect();
    assert_eq!(got, sums);
    assert_eq!(w.reduced.num_partitions(), out);
    let folded: BTreeMap<_, _> = w.folded.collect().unwrap().into_iter().collect();
    let want: BTreeMap<u8, i32> = gl
        .iter()
        .map(|(k, vs)| (*k, vs.iter().fold(0i32, |a, &v| a.wrapping_add(v))))
        .collect();
    assert_eq!(folded, want);
    let agg: BTreeMap<_, _> = w.aggregated.collect().unwrap().into_iter().collect();
    let want: BTreeMap<u8, (i64, u32)> = gl
        .iter()
        .map(|(k, vs)| (*k, (sums[k], vs.len() as u32)))
        .collect();
    assert_eq!(agg, want);
    for node in [w.combined.rdd(), w.grouped.rdd()] {
        let got: BTreeMap<u8, Vec<i32>> = node
            .collect()
            .unwrap()
            .into_iter()
            .map(|(k, v)| (k, sorted(v)))
            .collect();
        assert_eq!(
            got.len(),
            node.count().unwrap() as usize,
            "one record per key"
        );
        assert_eq!(got, gl);
    }
    let distinct = w.distinct.collect().unwrap();
    let want: BTreeSet<i32> = left.iter().map(|(_, v)| v % 7).collect();
    assert_eq!(distinct.len(), want.len());
    assert_eq!(distinct.into_iter().collect::<BTreeSet<_>>(), want);

    // Sorts: globally sorted across partitions, stable for equal keys.
    let mut want = left.to_vec();
    want.sort_by(|x, y| if asc { x.0.cmp(&y.0) } else { y.0.cmp(&x.0) });
    assert_eq!(w.by_key.collect().unwrap(), want);
    let mut want = left.to_vec();
    want.sort_by(|x, y| if asc { x.1.cmp(&y.1) } else { y.1.cmp(&x.1) });
    assert_eq!(w.by_value.collect().unwrap(), want);
    assert_eq!(w.by_value.num_partitions(), out);

    for node in [w.partitioned.rdd(), w.spread.rdd()] {
        assert_eq!(sorted(node.collect().unwrap()), sorted(left.to_vec()));
        assert_eq!(node.num_partitions(), out);
    }
    let p = w.partitioned.partitioner().expect("partition_by sets one");
    assert_eq!(p, rddflow::Partitioner::hash(out));
    assert_eq!(w.fewer.collect().unwrap(), left.to_vec());
    assert_eq!(w.fewer.num_partitions(), out.min(in_parts.max(1)));

    let mut join = Vec::new();
    let mut left_outer = Vec::new();
    let mut right_outer = Vec::new();
    let mut full_outer = Vec::new();
    for (k, v) in left {
        let ws: Vec<i16> = right.iter().filter(|r| r.0 == *k).map(|r| r.1).collect();
        for w in &ws {
            join.push((*k, (*v, *w)));
        }
        if ws.is_empty() {
            left_outer.push((*k, (*v, None)));
            full_outer.push((*k, (Some(*v), None)));
        }
        left_outer.extend(ws.iter().map(|w| (*k, (*v, Some(*w)))));
        full_outer.extend(ws.iter().map(|w| (*k, (Some(*v), Some(*w)))));
    }
    for (k, w) in right {
        let n = left.iter().filter(|l| l.0 == *k).count();
        if n == 0 {
            right_outer.push((*k, (None, *w)));
            full_outer.push((*k, (None, Some(*w))));
        }
        right_outer.extend(
            left.iter()
                .filter(|l| l.0 == *k)
                .map(|l| (*k, (Some(l.1), *w))),
        );
    }
    assert_eq!(sorted(w.joined.collect().unwrap()), sorted(join));
    assert_eq!(sorted(w.left_outer.collect().unwrap()), sorted(left_outer));
    assert_eq!(
        sorted(w.right_outer.collect().unwrap()),
        sorted(right_outer)
    );
    assert_eq!(sorted(w.full_outer.collect().unwrap()), sorted(full_outer));
    let got: BTreeMap<u8, (Vec<i32>, Vec<i16>)> = w
        .cogrouped
        .collect()
        .unwrap()
        .into_iter()
        .map(|(k, (vs, ws))| (k, (sorted(vs), sorted(ws))))
        .collect();
    let keys: BTreeSet<u8> = gl.keys().chain(gr.keys()).copied().collect();
    let want: BTreeMap<u8, (Vec<i32>, Vec<i16>)> = keys
        .into_iter()
        .map(|k| {
            let vs = gl.get(&k).cloned().unwrap_or_default();
            let ws = gr.get(&k).cloned().unwrap_or_default();
            (k, (vs, ws))
        })
        .collect();
    assert_eq!(got, want);
}

/// Keys: mostly a handful of hot ones (skew), some spread over the whole range.
fn key() -> impl Strategy<Value = u8> {
    prop_oneof![3 => 0u8..3, 1 => any::<u8>()]
}

fn partitions() -> impl Strategy<Value = usize> {
    // One partition, a few, or far more than there are elements (most of them empty).
    prop_oneof![Just(1usize), 2usize..6, Just(97usize)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn wide_operators_match_references(
        left in prop::collection::vec((key(), -1000i32..1000), 0..80),
        right in prop::collection::vec((key(), any::<i16>()), 0..40),
        in_parts in partitions(),
        out in partitions(),
        ascending in any::<bool>(),
    ) {
        check_both(&left, &right, in_parts, out, ascending);
    }
}

#[test]
fn the_tiny_limit_spills() {
    let left: Vec<L> = (0..500).map(|i| ((i % 13) as u8, i)).collect();
    assert!(check_both(&left, &[(1, 1), (2, 2)], 3, 4, true) > 0);
}
