//! No action panics (SPEC.md section 4): user code that panics, in a task or on the caller's
//! thread (the merge of partition results, a map built from them, a sort's range bounds), is
//! an `Err` naming the node and carrying the panic message, and the context stays usable: the
//! next job on it is correct.
//!
//! A panicking listener is logged and ignored (it only observes), and a parameter whose
//! `Serialize` panics while `new` hashes it is an `Err` from `new`.
//!
//! The keys below panic on one chosen value, 13, in one trait each. A pipeline over `0..100`
//! meets it; the same pipeline over `0..13` does not, and is the next job.

use std::collections::HashMap;
use std::fmt;
use std::hash::{Hash, Hasher};

use rddflow::prelude::*;
use serde::{Deserialize, Serialize};

/// The value on which the keys below panic.
const BOMB: u64 = 13;

/// A key whose `Hash` panics on [`BOMB`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct HashBomb(u64);

impl Hash for HashBomb {
    fn hash<H: Hasher>(&self, state: &mut H) {
        assert_ne!(self.0, BOMB, "Hash of the bomb key");
        self.0.hash(state);
    }
}

/// A key whose `Eq` panics when it compares [`BOMB`] with [`BOMB`] (so a map that holds the
/// key once never panics; merging two that hold it does).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct EqBomb(u64);

/// Hashes the value, as the derived `Hash` would; written out because clippy asks for a
/// hand-written `Hash` beside a hand-written `PartialEq` (they agree: equal values, equal hashes).
impl Hash for EqBomb {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl PartialEq for EqBomb {
    fn eq(&self, other: &Self) -> bool {
        assert!(self.0 != BOMB || other.0 != BOMB, "Eq of the bomb key");
        self.0 == other.0
    }
}

impl Eq for EqBomb {}

/// A key whose `Ord` panics on [`BOMB`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
struct OrdBomb(u64);

impl PartialOrd for OrdBomb {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for OrdBomb {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        assert!(self.0 != BOMB && other.0 != BOMB, "Ord of the bomb key");
        self.0.cmp(&other.0)
    }
}

/// A value whose `Display` panics on [`BOMB`].
#[derive(Clone, Debug)]
struct Shown(u64);

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        assert_ne!(self.0, BOMB, "Display of the bomb value");
        write!(f, "{}", self.0)
    }
}

rddflow::pipeline! {
    /// Over `0..n` in 4 partitions; each partition of `0..100` holds every residue mod 25 once.
    struct Bombs(n: u64) {
        nums: u64 = range(0..n, 4);
        hashed: (HashBomb, u64) = nums.map(|x| (HashBomb(x % 25), x));
        summed: (HashBomb, u64) = hashed.reduce_by_key(|a, b| a + b, 3);
        equal: (EqBomb, u64) = nums.map(|x| (EqBomb(x % 25), x));
        equal_values: EqBomb = nums.map(|x| EqBomb(x % 25));
        ordered: (OrdBomb, u64) = nums.map(|x| (OrdBomb(x), x));
        sorted: (OrdBomb, u64) = ordered.sort_by_key(true, 2);
        by_key_fn: u64 = nums.sort_by(|x| {
            assert_ne!(*x, BOMB, "sort key function of the bomb value");
            *x
        }, false, 2);
        shown: Shown = nums.map(Shown);
    }
}

fn ctx() -> Context {
    Context::builder()
        .threads(2)
        .task_max_failures(2)
        .build()
        .expect("context")
}

/// `result` is an error whose message names `node` and carries `panic`.
#[track_caller]
fn assert_names<T: fmt::Debug>(result: rddflow::Result<T>, node: &str, panic: &str) {
    let text = match result {
        Err(e) => e.to_string(),
        Ok(v) => panic!("expected an error, got {v:?}"),
    };
    assert!(
        text.contains(&format!("`{node}`")),
        "node not named: {text}"
    );
    assert!(text.contains(panic), "panic message missing: {text}");
}

/// Sums of `0..100` by partition are 300, 925, 1550 and 2175: a merge function that panics
/// above 3000 passes every task and panics only when the caller merges their results.
fn merge_or_panic(a: u64, b: u64) -> u64 {
    assert!(a + b <= 3000, "merge went past 3000");
    a + b
}

#[test]
fn a_panicking_merge_in_reduce_fold_and_aggregate_is_an_error() -> rddflow::Result<()> {
    let ctx = ctx();
    let p = Bombs::new(&ctx, 100)?;
    let msg = "merge went past 3000";
    assert_names(p.nums.reduce(merge_or_panic), "Bombs.nums", msg);
    assert_names(p.nums.fold(0, merge_or_panic), "Bombs.nums", msg);
    assert_names(
        p.nums.aggregate(0u64, |a, x| a + x, merge_or_panic),
        "Bombs.nums",
        msg,
    );
    let e = p.nums.reduce(merge_or_panic).unwrap_err();
    assert!(
        matches!(&e, rddflow::Error::Panicked { during, .. } if during.contains("merging")),
        "{e:?}"
    );

    let sum: u64 = (0..100).sum();
    assert_eq!(p.nums.reduce(|a, b| a + b)?, Some(sum));
    assert_eq!(p.nums.fold(0, |a, b| a + b)?, sum);
    assert_eq!(p.nums.aggregate(0u64, |a, x| a.max(x), u64::max)?, 99);
    Ok(())
}

#[test]
fn a_key_whose_hash_panics_in_collect_map_is_an_error() -> rddflow::Result<()> {
    let ctx = ctx();
    let p = Bombs::new(&ctx, 100)?;
    assert_names(
        p.hashed.collect_map(),
        "Bombs.hashed",
        "Hash of the bomb key",
    );

    let q = Bombs::new(&ctx, BOMB)?;
    let want: HashMap<HashBomb, u64> = (0..BOMB).map(|x| (HashBomb(x % 25), x)).collect();
    assert_eq!(q.hashed.collect_map()?, want);
    Ok(())
}

#[test]
fn a_key_whose_hash_panics_in_a_shuffle_is_an_error() -> rddflow::Result<()> {
    let ctx = ctx();
    let p = Bombs::new(&ctx, 100)?;
    // The map side hashes the keys of the shuffled node's elements, in its tasks.
    assert_names(p.summed.collect(), "Bombs.hashed", "Hash of the bomb key");

    let q = Bombs::new(&ctx, BOMB)?;
    let mut got: Vec<(u64, u64)> = q
        .summed
        .collect()?
        .into_iter()
        .map(|(k, v)| (k.0, v))
        .collect();
    got.sort();
    let want: Vec<(u64, u64)> = (0..BOMB).map(|x| (x, x)).collect();
    assert_eq!(got, want);
    Ok(())
}

#[test]
fn a_key_whose_eq_panics_while_counts_merge_is_an_error() -> rddflow::Result<()> {
    let ctx = ctx();
    let p = Bombs::new(&ctx, 100)?;
    assert_names(p.equal.count_by_key(), "Bombs.equal", "Eq of the bomb key");
    assert_names(
        p.equal_values.count_by_value(),
        "Bombs.equal_values",
        "Eq of the bomb key",
    );
    // Inside a task, `Hash` panics are task failures, which name the node too.
    assert_names(
        p.hashed.count_by_key(),
        "Bombs.hashed",
        "Hash of the bomb key",
    );

    let q = Bombs::new(&ctx, BOMB)?;
    let mut want: HashMap<u64, u64> = HashMap::new();
    for x in 0..BOMB {
        *want.entry(x % 25).or_default() += 1;
    }
    let by_key: HashMap<u64, u64> = q
        .equal
        .count_by_key()?
        .into_iter()
        .map(|(k, c)| (k.0, c))
        .collect();
    assert_eq!(by_key, want);
    let by_value: HashMap<u64, u64> = q
        .equal_values
        .count_by_value()?
        .into_iter()
        .map(|(k, c)| (k.0, c))
        .collect();
    assert_eq!(by_value, want);
    Ok(())
}

#[test]
fn a_key_whose_ord_panics_in_sort_by_key_is_an_error() -> rddflow::Result<()> {
    let ctx = ctx();
    let p = Bombs::new(&ctx, 100)?;
    assert_names(p.sorted.collect(), "Bombs.sorted", "Ord of the bomb key");
    // Twice: the failed sampling left nothing half done.
    assert_names(p.sorted.count(), "Bombs.sorted", "Ord of the bomb key");
    assert_eq!(
        p.ordered.count()?,
        100,
        "the unsorted parent still computes"
    );

    let q = Bombs::new(&ctx, BOMB)?;
    let got: Vec<u64> = q.sorted.collect()?.into_iter().map(|(k, _)| k.0).collect();
    assert_eq!(got, (0..BOMB).collect::<Vec<_>>());
    Ok(())
}

#[test]
fn a_panicking_sort_key_function_is_an_error() -> rddflow::Result<()> {
    let ctx = ctx();
    let p = Bombs::new(&ctx, 100)?;
    assert_names(
        p.by_key_fn.collect(),
        "Bombs.by_key_fn",
        "sort key function of the bomb value",
    );

    let q = Bombs::new(&ctx, BOMB)?;
    assert_eq!(q.by_key_fn.collect()?, (0..BOMB).rev().collect::<Vec<_>>());
    Ok(())
}

#[test]
fn a_panicking_display_in_save_is_an_error_and_leaves_no_parts() -> rddflow::Result<()> {
    let ctx = ctx();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let p = Bombs::new(&ctx, 100)?;
    assert_names(
        p.shown.save_as_text_file(&out),
        "Bombs.shown",
        "Display of the bomb value",
    );
    let left: Vec<_> = std::fs::read_dir(&out)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "a failed save left {left:?}");

    let q = Bombs::new(&ctx, BOMB)?;
    q.shown.save_as_text_file(&out)?;
    let mut parts: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("part-")
        })
        .collect();
    parts.sort();
    let lines: Vec<String> = parts
        .iter()
        .flat_map(|p| {
            std::fs::read_to_string(p)
                .unwrap()
                .lines()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect();
    let want: Vec<String> = (0..BOMB).map(|x| x.to_string()).collect();
    assert_eq!(lines, want);
    assert!(out.join("_SUCCESS").exists());
    Ok(())
}

/// A listener that panics on every job start.
struct PanickingListener;

impl rddflow::listener::Listener for PanickingListener {
    fn on_event(&self, event: &rddflow::listener::Event) {
        if matches!(event, rddflow::listener::Event::JobStart { .. }) {
            panic!("listener at job start");
        }
    }
}

#[test]
fn a_panicking_listener_does_not_fail_the_job() -> rddflow::Result<()> {
    let ctx = Context::builder()
        .threads(2)
        .listener(std::sync::Arc::new(PanickingListener))
        .build()?;
    let p = Bombs::new(&ctx, 100)?;
    assert_eq!(p.nums.count()?, 100);
    assert_eq!(p.nums.reduce(|a, b| a + b)?, Some((0..100).sum()));
    Ok(())
}

/// A parameter whose `Serialize` panics on [`BOMB`].
#[derive(Clone)]
struct Touchy(u64);

impl Serialize for Touchy {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        assert_ne!(self.0, BOMB, "Serialize of the bomb parameter");
        s.serialize_u64(self.0)
    }
}

rddflow::pipeline! {
    struct Scaled(factor: Touchy) {
        nums: u64 = range(0..10, 2);
        #[checkpoint]
        scaled: u64 = nums.map(|x| x * factor.0);
    }
}

#[test]
fn a_parameter_whose_serialize_panics_is_an_error_at_new() -> rddflow::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    // Only a resuming context hashes parameters, for the fingerprints.
    let ctx = Context::builder()
        .threads(2)
        .checkpoint_dir(dir.path())
        .resume(true)
        .build()?;
    match Scaled::new(&ctx, Touchy(BOMB)) {
        Err(e @ rddflow::Error::InvalidArgument(_)) => {
            let text = e.to_string();
            assert!(text.contains("`factor`"), "{text}");
            assert!(text.contains("Serialize of the bomb parameter"), "{text}");
        }
        Err(e) => panic!("expected InvalidArgument, got {e:?}"),
        Ok(_) => panic!("expected an error"),
    }
    let p = Scaled::new(&ctx, Touchy(3))?;
    assert_eq!(
        p.scaled.collect()?,
        (0..10).map(|x| x * 3).collect::<Vec<_>>()
    );
    Ok(())
}
