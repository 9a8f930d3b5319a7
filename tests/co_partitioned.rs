//! A keyed wide operator whose input is already partitioned by its partitioner runs without
//! a shuffle stage (a narrow dependency), in memory and spilling, and through a checkpoint.

use std::collections::BTreeMap;

use rddflow::prelude::*;

rddflow::pipeline! {
    struct Keyed(items: Vec<(u32, i64)>) {
        pairs: (u32, i64) = parallelize(items, 3);
        #[checkpoint]
        by4: (u32, i64) = pairs.partition_by(4);
        /// Default partition count = the parent's 4: co-partitioned, no shuffle.
        sums: (u32, i64) = by4.reduce_by_key(|a, b| a + b);
        /// Another count: shuffled.
        sums3: (u32, i64) = by4.reduce_by_key(|a, b| a + b, 3);
        /// `map_values` keeps the partitioner, so this is narrow too.
        doubled: (u32, i64) = by4.map_values(|v| v * 2);
        folded: (u32, i64) = doubled.fold_by_key(0, |a, b| a + b, 4);
        grouped: (u32, Vec<i64>) = by4.group_by_key(4);
        again: (u32, i64) = by4.partition_by(4);
        /// `map` forgets it: shuffled.
        remapped: (u32, i64) = by4.map(|kv| kv);
        sums_remapped: (u32, i64) = remapped.reduce_by_key(|a, b| a + b, 4);
        /// `distinct` with the input's partition count runs in place and keeps the
        /// partitioner (Spark 3; it used to shuffle by element and drop it).
        unique: (u32, i64) = by4.distinct(4);
        unique_sums: (u32, i64) = unique.reduce_by_key(|a, b| a + b, 4);
        /// Only the right input is shuffled (and, under a limit, spilled).
        joined: (u32, (i64, i64)) = by4.join(pairs, 4);
    }
}

fn items() -> Vec<(u32, i64)> {
    (0..400i64)
        .map(|i| (((i * 37) % 23) as u32, i % 5))
        .collect()
}

fn stages(lineage: &str) -> usize {
    lineage.matches("+-").count()
}

fn check(ctx: &Context) -> rddflow::Result<()> {
    let k = Keyed::new(ctx, items())?;
    let mut sums: BTreeMap<u32, i64> = BTreeMap::new();
    let mut lists: BTreeMap<u32, Vec<i64>> = BTreeMap::new();
    for (key, v) in items() {
        *sums.entry(key).or_default() += v;
        lists.entry(key).or_default().push(v);
    }
    let as_map = |v: Vec<(u32, i64)>| v.into_iter().collect::<BTreeMap<_, _>>();

    // One shuffle (partition_by) under each co-partitioned operator; two elsewhere.
    for (what, l) in [
        ("sums", k.sums.lineage()),
        ("folded", k.folded.lineage()),
        ("grouped", k.grouped.lineage()),
        ("again", k.again.lineage()),
    ] {
        assert_eq!(stages(&l), 1, "{what}:\n{l}");
    }
    for (what, l) in [
        ("sums3", k.sums3.lineage()),
        ("sums_remapped", k.sums_remapped.lineage()),
    ] {
        assert_eq!(stages(&l), 2, "{what}:\n{l}");
    }
    let l = k.unique_sums.lineage();
    assert_eq!(stages(&l), 1, "{l}");
    assert_eq!(k.unique.partitioner(), Some(rddflow::Partitioner::hash(4)));
    assert_eq!(k.sums.partitioner(), Some(rddflow::Partitioner::hash(4)));

    assert_eq!(as_map(k.sums.collect()?), sums);
    assert!(k.by4.is_checkpointed());
    // The checkpoint's manifest records the partitioner, for a later process to restore.
    let dir = k.by4.checkpoint_file().expect("checkpoint directory");
    let manifest = std::fs::read_to_string(dir.join("_manifest.json")).expect("manifest");
    let compact: String = manifest.split_whitespace().collect();
    assert!(
        compact.contains(r#""partitioner":{"Hash":{"partitions":4}}"#),
        "{manifest}"
    );
    // After the checkpoint the partitioner is restored: still no shuffle.
    let l = k.sums.lineage();
    assert_eq!(stages(&l), 0, "{l}");
    assert!(l.contains("checkpoint"), "{l}");
    assert_eq!(as_map(k.sums.collect()?), sums);
    assert_eq!(as_map(k.sums3.collect()?), sums);
    let doubled: BTreeMap<u32, i64> = sums.iter().map(|(k, v)| (*k, v * 2)).collect();
    assert_eq!(as_map(k.folded.collect()?), doubled);
    let grouped: BTreeMap<u32, Vec<i64>> = k
        .grouped
        .collect()?
        .into_iter()
        .map(|(k, mut v)| {
            v.sort();
            (k, v)
        })
        .collect();
    let mut want = lists.clone();
    want.values_mut().for_each(|v| v.sort());
    assert_eq!(grouped, want);
    let mut again = k.again.collect()?;
    again.sort();
    let mut all = items();
    all.sort();
    assert_eq!(again, all);
    assert_eq!(as_map(k.sums_remapped.collect()?), sums);
    let mut unique: BTreeMap<u32, i64> = BTreeMap::new();
    for (key, vs) in &lists {
        let mut vs = vs.clone();
        vs.sort();
        vs.dedup();
        unique.insert(*key, vs.iter().sum());
    }
    assert_eq!(as_map(k.unique_sums.collect()?), unique);
    let l = k.joined.lineage();
    assert!(!l.contains("+-(4) Keyed.by4"), "{l}");
    let mut joined = k.joined.collect()?;
    joined.sort();
    let mut want = Vec::new();
    for (a, v) in items() {
        for (b, w) in items() {
            if a == b {
                want.push((a, (v, w)));
            }
        }
    }
    want.sort();
    assert_eq!(joined, want);
    Ok(())
}

#[test]
fn co_partitioned_one_input_operators_skip_the_shuffle() -> rddflow::Result<()> {
    let dir = tempfile::tempdir().expect("tempdir");
    check(
        &Context::builder()
            .threads(2)
            .checkpoint_dir(dir.path())
            .build()?,
    )?;
    let ctx = Context::builder()
        .threads(2)
        .checkpoint_dir(dir.path())
        .memory_limit(512)
        .build()?;
    check(&ctx)?;
    assert!(ctx.spilled_bytes() > 0);
    Ok(())
}
