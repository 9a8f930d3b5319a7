//! The two-input wide operators (`cogroup` and the joins) against naive nested-loop references,
//! co-partitioned inputs read without a shuffle, and joins through checkpointed inputs.

use std::collections::BTreeMap;

use rddflow::prelude::*;

type Left = (u32, i64);
type Right = (u32, String);
type FullOuter = (u32, (Option<i64>, Option<String>));

rddflow::pipeline! {
    /// Every two-input operator over two parallelized inputs.
    struct Joins(left: Vec<Left>, right: Vec<Right>, lp: usize, rp: usize, n: usize) {
        a: (u32, i64) = parallelize(left, lp);
        b: (u32, String) = parallelize(right, rp);
        cogrouped: (u32, (Vec<i64>, Vec<String>)) = a.cogroup(b, n);
        joined: (u32, (i64, String)) = a.join(b, n);
        left_outer: (u32, (i64, Option<String>)) = a.left_outer_join(b, n);
        right_outer: (u32, (Option<i64>, String)) = a.right_outer_join(b, n);
        full_outer: (u32, (Option<i64>, Option<String>)) = a.full_outer_join(b, n);
        // The default partition count, and a self-join.
        joined_default: (u32, (i64, String)) = a.join(b);
        cogrouped_default: (u32, (Vec<i64>, Vec<String>)) = a.cogroup(b);
        self_joined: (u32, (i64, i64)) = a.join(a, n);
    }
}

/// `(key, left value, right value)` pairs of each kind, by nested loops.
struct Reference {
    cogroup: BTreeMap<u32, (Vec<i64>, Vec<String>)>,
    join: Vec<(u32, (i64, String))>,
    left_outer: Vec<(u32, (i64, Option<String>))>,
    right_outer: Vec<(u32, (Option<i64>, String))>,
    full_outer: Vec<FullOuter>,
    self_join: Vec<(u32, (i64, i64))>,
}

fn reference(left: &[Left], right: &[Right]) -> Reference {
    let mut join = Vec::new();
    let mut left_outer = Vec::new();
    let mut right_outer = Vec::new();
    let mut full_outer = Vec::new();
    for (k, v) in left {
        let mut matched = false;
        for (k2, w) in right {
            if k == k2 {
                matched = true;
                join.push((*k, (*v, w.clone())));
                left_outer.push((*k, (*v, Some(w.clone()))));
                right_outer.push((*k, (Some(*v), w.clone())));
                full_outer.push((*k, (Some(*v), Some(w.clone()))));
            }
        }
        if !matched {
            left_outer.push((*k, (*v, None)));
            full_outer.push((*k, (Some(*v), None)));
        }
    }
    for (k2, w) in right {
        if !left.iter().any(|(k, _)| k == k2) {
            right_outer.push((*k2, (None, w.clone())));
            full_outer.push((*k2, (None, Some(w.clone()))));
        }
    }
    let mut self_join = Vec::new();
    for (k, v) in left {
        for (k2, v2) in left {
            if k == k2 {
                self_join.push((*k, (*v, *v2)));
            }
        }
    }
    // Values in input order: that is the order in which they reach the reduce side.
    let mut cogroup: BTreeMap<u32, (Vec<i64>, Vec<String>)> = BTreeMap::new();
    for (k, v) in left {
        cogroup.entry(*k).or_default().0.push(*v);
    }
    for (k, w) in right {
        cogroup.entry(*k).or_default().1.push(w.clone());
    }
    Reference {
        cogroup,
        join: sorted(join),
        left_outer: sorted(left_outer),
        right_outer: sorted(right_outer),
        full_outer: sorted(full_outer),
        self_join: sorted(self_join),
    }
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

fn ctx() -> Context {
    Context::builder().threads(4).build().expect("context")
}

/// Duplicate keys on both sides, keys on one side only (left: 20..25, right: 30..33).
fn left_data() -> Vec<Left> {
    let mut v: Vec<Left> = (0..60i64).map(|i| ((i % 13) as u32, i)).collect();
    v.extend((20..25u32).map(|k| (k, -(k as i64))));
    v
}

fn right_data() -> Vec<Right> {
    let mut v: Vec<Right> = (0..40u32)
        .map(|i| ((i * 7) % 17, format!("r{i}")))
        .collect();
    v.extend((30..33u32).map(|k| (k, format!("only{k}"))));
    v
}

/// Every operator of `Joins` against the reference, and its partitioning.
fn check(
    left: Vec<Left>,
    right: Vec<Right>,
    lp: usize,
    rp: usize,
    n: usize,
) -> rddflow::Result<()> {
    let want = reference(&left, &right);
    let what = format!(
        "left {} in {lp}, right {} in {rp}, {n} partitions",
        left.len(),
        right.len()
    );
    let j = Joins::new(&ctx(), left, right, lp, rp, n)?;

    let cogrouped = j.cogrouped.collect()?;
    assert_eq!(
        cogrouped.len(),
        want.cogroup.len(),
        "{what}: one group per key"
    );
    let got: BTreeMap<_, _> = cogrouped.into_iter().collect();
    assert_eq!(got, want.cogroup, "{what}: cogroup");
    assert_eq!(sorted(j.joined.collect()?), want.join, "{what}: join");
    assert_eq!(
        sorted(j.left_outer.collect()?),
        want.left_outer,
        "{what}: left_outer_join"
    );
    assert_eq!(
        sorted(j.right_outer.collect()?),
        want.right_outer,
        "{what}: right_outer_join"
    );
    assert_eq!(
        sorted(j.full_outer.collect()?),
        want.full_outer,
        "{what}: full_outer_join"
    );
    assert_eq!(
        sorted(j.self_joined.collect()?),
        want.self_join,
        "{what}: self-join"
    );
    assert_eq!(
        sorted(j.joined_default.collect()?),
        want.join,
        "{what}: join, default count"
    );
    let got: BTreeMap<_, _> = j.cogrouped_default.collect()?.into_iter().collect();
    assert_eq!(got, want.cogroup, "{what}: cogroup, default count");

    for (parts, partitioner) in [
        (j.cogrouped.num_partitions(), j.cogrouped.partitioner()),
        (j.joined.num_partitions(), j.joined.partitioner()),
        (j.left_outer.num_partitions(), j.left_outer.partitioner()),
        (j.right_outer.num_partitions(), j.right_outer.partitioner()),
        (j.full_outer.num_partitions(), j.full_outer.partitioner()),
    ] {
        assert_eq!(parts, n, "{what}");
        assert_eq!(partitioner, Some(rddflow::Partitioner::hash(n)), "{what}");
    }
    // Without a count: as many partitions as the larger input (no default parallelism set).
    assert_eq!(j.joined_default.num_partitions(), lp.max(rp), "{what}");
    assert_eq!(j.cogrouped_default.num_partitions(), lp.max(rp), "{what}");
    // Same data, same order: the output is deterministic.
    assert_eq!(j.full_outer.collect()?, j.full_outer.collect()?, "{what}");
    Ok(())
}

#[test]
fn every_operator_matches_nested_loops() -> rddflow::Result<()> {
    for (lp, rp, n) in [(1, 1, 1), (3, 5, 4), (5, 2, 7), (4, 4, 2), (2, 3, 16)] {
        check(left_data(), right_data(), lp, rp, n)?;
    }
    Ok(())
}

#[test]
fn empty_and_one_sided_inputs() -> rddflow::Result<()> {
    for (lp, rp, n) in [(1, 1, 1), (3, 2, 4)] {
        check(Vec::new(), right_data(), lp, rp, n)?;
        check(left_data(), Vec::new(), lp, rp, n)?;
        check(Vec::new(), Vec::new(), lp, rp, n)?;
        // No key in common.
        check(
            vec![(1, 1), (1, 2), (2, 3)],
            vec![(3, "x".into()), (4, "y".into())],
            lp,
            rp,
            n,
        )?;
        // One key only, many values each side.
        check(
            (0..9).map(|i| (5, i)).collect(),
            (0..4).map(|i| (5, format!("w{i}"))).collect(),
            lp,
            rp,
            n,
        )?;
    }
    Ok(())
}

#[test]
fn graph_describes_joins_as_wide() {
    let g = Joins::graph();
    let node = g.node("joined").expect("node");
    assert_eq!(node.kind, rddflow::NodeKind::Wide);
    assert_eq!(node.op, "join");
    assert_eq!(node.parents, &["a", "b"]);
    assert_eq!(g.node("self_joined").expect("node").parents, &["a", "a"]);
}

// ------------------------------------------------------------------------------------------
// Co-partitioning: an input already partitioned like the output is read directly.

rddflow::pipeline! {
    struct CoPartitioned(left: Vec<Left>, right: Vec<Right>) {
        a: (u32, i64) = parallelize(left, 3);
        b: (u32, String) = parallelize(right, 5);
        a4: (u32, i64) = a.partition_by(4);
        b4: (u32, String) = b.partition_by(4);
        /// Both inputs partitioned by `hash(4)`: no shuffle.
        co: (u32, (i64, String)) = a4.join(b4, 4);
        /// The default count is 4 here too, so no shuffle either.
        co_default: (u32, (i64, String)) = a4.join(b4);
        /// Another partition count: both inputs are shuffled.
        not_co: (u32, (i64, String)) = a4.join(b4, 3);
        /// Only the left input is partitioned like the output.
        half: (u32, (i64, String)) = a4.join(b, 4);
        /// A narrow chain that keeps the partitioner is still co-partitioned.
        kept: (u32, i64) = a4.filter(|(_, v)| v % 2 == 0);
        co_kept: (u32, (i64, Option<String>)) = kept.left_outer_join(b4, 4);
        co_cogroup: (u32, (Vec<i64>, Vec<String>)) = a4.cogroup(b4, 4);
        co_right: (u32, (Option<i64>, String)) = a4.right_outer_join(b4, 4);
        co_full: (u32, (Option<i64>, Option<String>)) = a4.full_outer_join(b4, 4);
    }
}

/// The lines of a lineage naming node `label` (`Pipeline.node[`).
fn lines_of<'a>(lineage: &'a str, label: &str) -> Vec<&'a str> {
    let needle = format!("{label}[");
    lineage.lines().filter(|l| l.contains(&needle)).collect()
}

/// Whether the (only) line of `label` starts a new stage (`+-`), or continues its child's.
fn is_shuffle_boundary(lineage: &str, label: &str) -> bool {
    let lines = lines_of(lineage, label);
    assert_eq!(lines.len(), 1, "{label} once in:\n{lineage}");
    let line = lines[0].trim_start();
    if line.starts_with("+-") {
        true
    } else {
        assert!(line.starts_with('|'), "{line}");
        false
    }
}

#[test]
fn co_partitioned_inputs_are_not_shuffled() -> rddflow::Result<()> {
    let (left, right) = (left_data(), right_data());
    let want = reference(&left, &right);
    let c = CoPartitioned::new(&ctx(), left, right)?;

    let co = c.co.lineage();
    assert!(!is_shuffle_boundary(&co, "CoPartitioned.a4"), "{co}");
    assert!(!is_shuffle_boundary(&co, "CoPartitioned.b4"), "{co}");
    // The only stage boundaries are the two `partition_by` shuffles.
    assert_eq!(co.matches("+-").count(), 2, "{co}");
    assert!(is_shuffle_boundary(&co, "CoPartitioned.a"), "{co}");
    assert!(is_shuffle_boundary(&co, "CoPartitioned.b"), "{co}");

    let co_default = c.co_default.lineage();
    assert_eq!(c.co_default.num_partitions(), 4);
    assert!(
        !is_shuffle_boundary(&co_default, "CoPartitioned.a4"),
        "{co_default}"
    );
    assert!(
        !is_shuffle_boundary(&co_default, "CoPartitioned.b4"),
        "{co_default}"
    );

    let not_co = c.not_co.lineage();
    assert!(is_shuffle_boundary(&not_co, "CoPartitioned.a4"), "{not_co}");
    assert!(is_shuffle_boundary(&not_co, "CoPartitioned.b4"), "{not_co}");
    assert_eq!(not_co.matches("+-").count(), 4, "{not_co}");

    let half = c.half.lineage();
    assert!(!is_shuffle_boundary(&half, "CoPartitioned.a4"), "{half}");
    assert!(is_shuffle_boundary(&half, "CoPartitioned.b"), "{half}");
    assert_eq!(half.matches("+-").count(), 2, "{half}");

    let kept = c.co_kept.lineage();
    assert!(!is_shuffle_boundary(&kept, "CoPartitioned.kept"), "{kept}");
    assert!(!is_shuffle_boundary(&kept, "CoPartitioned.b4"), "{kept}");

    for l in [
        c.co_cogroup.lineage(),
        c.co_right.lineage(),
        c.co_full.lineage(),
    ] {
        assert_eq!(l.matches("+-").count(), 2, "{l}");
    }

    // Same results with and without the shuffle.
    let co = sorted(c.co.collect()?);
    assert_eq!(co, want.join);
    assert_eq!(sorted(c.co_default.collect()?), co);
    assert_eq!(sorted(c.not_co.collect()?), co);
    assert_eq!(sorted(c.half.collect()?), co);
    let got: BTreeMap<_, _> = c.co_cogroup.collect()?.into_iter().collect();
    assert_eq!(got.len(), want.cogroup.len());
    for (k, (vs, ws)) in got {
        // Arrival order differs after `partition_by`: compare as multisets.
        let (wv, ww) = &want.cogroup[&k];
        assert_eq!(sorted(vs), sorted(wv.clone()));
        assert_eq!(sorted(ws), sorted(ww.clone()));
    }
    assert_eq!(sorted(c.co_right.collect()?), want.right_outer);
    assert_eq!(sorted(c.co_full.collect()?), want.full_outer);
    let even: Vec<Left> = left_data()
        .into_iter()
        .filter(|(_, v)| v % 2 == 0)
        .collect();
    assert_eq!(
        sorted(c.co_kept.collect()?),
        reference(&even, &right_data()).left_outer
    );
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Joins through checkpointed inputs, and a checkpointed join.

rddflow::pipeline! {
    struct Checkpointed(left: Vec<Left>, right: Vec<Right>) {
        a: (u32, i64) = parallelize(left, 3);
        b: (u32, String) = parallelize(right, 2);
        #[checkpoint]
        a_marked: (u32, i64) = a.map(|(k, v)| (k, v));
        #[checkpoint]
        b4: (u32, String) = b.partition_by(4);
        /// The left input is checkpointed; the right one is checkpointed and co-partitioned.
        joined: (u32, (i64, String)) = a_marked.join(b4, 4);
        #[checkpoint]
        full: (u32, (Option<i64>, Option<String>)) = a_marked.full_outer_join(b4, 5);
        after_full: u64 = full.map(|(k, _)| k as u64);
    }
}

#[test]
fn joins_through_checkpointed_inputs() -> rddflow::Result<()> {
    let dir = tempfile::tempdir().expect("tempdir");
    let ctx = Context::builder()
        .threads(4)
        .checkpoint_dir(dir.path())
        .build()?;
    let (left, right) = (left_data(), right_data());
    let want = reference(&left, &right);
    let c = Checkpointed::new(&ctx, left, right)?;

    // The first job writes both input checkpoints while it computes them.
    assert!(!is_shuffle_boundary(&c.joined.lineage(), "Checkpointed.b4"));
    assert_eq!(sorted(c.joined.collect()?), want.join);
    assert!(c.a_marked.is_checkpointed());
    assert!(c.b4.is_checkpointed());
    // The checkpoint keeps the partitioner: `b4` is still read without a shuffle.
    assert_eq!(c.b4.partitioner(), Some(rddflow::Partitioner::hash(4)));
    let lineage = c.joined.lineage();
    assert!(
        !is_shuffle_boundary(&lineage, "Checkpointed.b4"),
        "{lineage}"
    );
    assert!(
        is_shuffle_boundary(&lineage, "Checkpointed.a_marked"),
        "{lineage}"
    );
    assert_eq!(
        lineage.matches("checkpoint (reliable)").count(),
        2,
        "{lineage}"
    );
    assert!(!lineage.contains("Checkpointed.a["), "{lineage}");
    // Later jobs read the checkpoints.
    assert_eq!(sorted(c.joined.collect()?), want.join);

    // A checkpointed join: written by its first job, then read back with its shuffles dropped.
    assert_eq!(c.after_full.count()?, want.full_outer.len() as u64);
    assert!(c.full.is_checkpointed());
    assert_eq!(sorted(c.full.collect()?), want.full_outer);
    let lineage = c.after_full.lineage();
    assert!(!lineage.contains("+-"), "{lineage}");
    assert!(!lineage.contains("a_marked"), "{lineage}");
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Joining `Rdd<T>` inputs of a pipeline (composition).

rddflow::pipeline! {
    struct Compose(l: Rdd<(u32, i64)>, r: Rdd<(u32, String)>) {
        joined: (u32, (i64, String)) = l.join(r, 3);
        cogrouped: (u32, (Vec<i64>, Vec<String>)) = l.cogroup(r);
    }
}

#[test]
fn joins_of_input_nodes() -> rddflow::Result<()> {
    let ctx = ctx();
    let (left, right) = (left_data(), right_data());
    let want = reference(&left, &right);
    let j = Joins::new(&ctx, left, right, 2, 3, 4)?;
    let c = Compose::new(&ctx, j.a.rdd(), j.b.rdd())?;
    assert_eq!(sorted(c.joined.collect()?), want.join);
    let got: BTreeMap<_, _> = c.cogrouped.collect()?.into_iter().collect();
    assert_eq!(got, want.cogroup);
    assert_eq!(c.cogrouped.num_partitions(), 3);
    Ok(())
}
