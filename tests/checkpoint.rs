//! Checkpoint semantics (SPEC.md section 5; reference sections 2.D, 2.E and 4).
//!
//! Closure invocations are counted with one `static` counter per test, since tests run in
//! parallel threads and closures in a pipeline see statics but not locals.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use rddflow::prelude::*;

const N: u64 = 200;

fn ctx_with_dir(dir: &Path) -> Context {
    Context::builder()
        .threads(4)
        .checkpoint_dir(dir)
        .build()
        .expect("context")
}

fn ctx_with_dir_all(dir: &Path, all: bool) -> Context {
    Context::builder()
        .threads(4)
        .checkpoint_dir(dir)
        .checkpoint_all_marked_ancestors(all)
        .build()
        .expect("context")
}

fn ctx_no_dir() -> Context {
    Context::builder().threads(4).build().expect("context")
}

fn load(c: &AtomicU64) -> u64 {
    c.load(Ordering::SeqCst)
}

/// The visible (not hidden) entries of a checkpoint directory, and whether temp files remain.
fn dir_entries(dir: &Path) -> (BTreeSet<String>, Vec<String>) {
    let mut visible = BTreeSet::new();
    let mut hidden = Vec::new();
    for e in std::fs::read_dir(dir).expect("checkpoint dir readable") {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            hidden.push(name);
        } else {
            visible.insert(name);
        }
    }
    (visible, hidden)
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

// ------------------------------------------------------------------------------------------
// No recomputation: the marked node's closure runs once per element in the first job.
// ------------------------------------------------------------------------------------------

static SHUFFLE_CALLS: AtomicU64 = AtomicU64::new(0);
static NARROW_CALLS: AtomicU64 = AtomicU64::new(0);
static LOCAL_SHUFFLE_CALLS: AtomicU64 = AtomicU64::new(0);
static LOCAL_NARROW_CALLS: AtomicU64 = AtomicU64::new(0);

rddflow::pipeline! {
    /// A marked node with a shuffle between it and the action.
    struct CkShuffle(n: u64) {
        nums: u64 = range(0..n, 4);
        #[checkpoint]
        pairs: (u64, u64) = nums.map(|x| {
            SHUFFLE_CALLS.fetch_add(1, Ordering::SeqCst);
            (x % 7, x)
        });
        sums: (u64, u64) = pairs.reduce_by_key(|a, b| a + b);
        big: (u64, u64) = sums.filter(|(_, s)| *s > 0);
    }
}

rddflow::pipeline! {
    /// A marked node followed by narrow operators only.
    struct CkNarrow(n: u64) {
        nums: u64 = range(0..n, 5);
        #[checkpoint]
        squares: u64 = nums.map(|x| {
            NARROW_CALLS.fetch_add(1, Ordering::SeqCst);
            x * x
        });
        odd: u64 = squares.filter(|x| x % 2 == 1);
        labels: String = odd.map(|x| format!("<{x}>"));
    }
}

rddflow::pipeline! {
    struct LocalShuffle(n: u64) {
        nums: u64 = range(0..n, 4);
        #[checkpoint(local)]
        pairs: (u64, u64) = nums.map(|x| {
            LOCAL_SHUFFLE_CALLS.fetch_add(1, Ordering::SeqCst);
            (x % 7, x)
        });
        sums: (u64, u64) = pairs.reduce_by_key(|a, b| a + b);
        big: (u64, u64) = sums.filter(|(_, s)| *s > 0);
    }
}

rddflow::pipeline! {
    struct LocalNarrow(n: u64) {
        nums: u64 = range(0..n, 5);
        #[checkpoint(local)]
        squares: u64 = nums.map(|x| {
            LOCAL_NARROW_CALLS.fetch_add(1, Ordering::SeqCst);
            x * x
        });
        odd: u64 = squares.filter(|x| x % 2 == 1);
        labels: String = odd.map(|x| format!("<{x}>"));
    }
}

fn expected_sums(n: u64) -> Vec<(u64, u64)> {
    let mut m = std::collections::BTreeMap::new();
    for x in 0..n {
        *m.entry(x % 7).or_insert(0u64) += x;
    }
    m.into_iter().filter(|(_, s)| *s > 0).collect()
}

fn expected_labels(n: u64) -> Vec<String> {
    (0..n)
        .map(|x| x * x)
        .filter(|x| x % 2 == 1)
        .map(|x| format!("<{x}>"))
        .collect()
}

#[test]
fn reliable_checkpoint_through_shuffle_computes_marked_node_once() -> rddflow::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx_with_dir(dir.path());
    let p = CkShuffle::new(&ctx, N)?;
    assert_eq!(load(&SHUFFLE_CALLS), 0, "new runs nothing");
    assert!(!p.pairs.is_checkpointed());

    let first = sorted(p.big.collect()?);
    assert_eq!(first, expected_sums(N));
    assert_eq!(
        load(&SHUFFLE_CALLS),
        N,
        "the first job computes the marked node exactly once per element (no second job for the checkpoint)"
    );
    assert!(p.pairs.is_checkpointed());

    let second = sorted(p.big.collect()?);
    let third = sorted(p.pairs.collect()?);
    assert_eq!(load(&SHUFFLE_CALLS), N, "later jobs read the checkpoint");
    assert_eq!(first, second);
    assert_eq!(third, sorted((0..N).map(|x| (x % 7, x)).collect()));
    Ok(())
}

#[test]
fn reliable_checkpoint_narrow_chain_computes_marked_node_once() -> rddflow::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx_with_dir(dir.path());
    let p = CkNarrow::new(&ctx, N)?;
    let first = p.labels.collect()?;
    assert_eq!(first, expected_labels(N));
    assert_eq!(load(&NARROW_CALLS), N);
    assert!(p.squares.is_checkpointed());
    assert_eq!(p.labels.collect()?, first);
    assert_eq!(p.labels.count()?, first.len() as u64);
    assert_eq!(
        load(&NARROW_CALLS),
        N,
        "two later jobs never call the marked closure"
    );
    Ok(())
}

#[test]
fn local_checkpoint_through_shuffle_computes_marked_node_once() -> rddflow::Result<()> {
    // No checkpoint directory needed for a local checkpoint.
    let ctx = ctx_no_dir();
    let p = LocalShuffle::new(&ctx, N)?;
    assert!(!p.pairs.is_checkpointed());
    let first = sorted(p.big.collect()?);
    assert_eq!(first, expected_sums(N));
    assert_eq!(load(&LOCAL_SHUFFLE_CALLS), N);
    assert!(p.pairs.is_checkpointed());
    assert_eq!(
        p.pairs.checkpoint_file(),
        None,
        "a local checkpoint has no file"
    );
    assert_eq!(sorted(p.big.collect()?), first);
    assert_eq!(
        sorted(p.pairs.collect()?),
        sorted((0..N).map(|x| (x % 7, x)).collect())
    );
    assert_eq!(load(&LOCAL_SHUFFLE_CALLS), N);
    Ok(())
}

#[test]
fn local_checkpoint_narrow_chain_computes_marked_node_once() -> rddflow::Result<()> {
    let ctx = ctx_no_dir();
    let p = LocalNarrow::new(&ctx, N)?;
    let first = p.labels.collect()?;
    assert_eq!(first, expected_labels(N));
    assert_eq!(load(&LOCAL_NARROW_CALLS), N);
    assert!(p.squares.is_checkpointed());
    assert_eq!(p.labels.collect()?, first);
    assert_eq!(p.squares.count()?, N);
    assert_eq!(load(&LOCAL_NARROW_CALLS), N);
    let lineage = p.labels.lineage();
    assert!(lineage.contains("checkpoint (local)"), "{lineage}");
    assert!(!lineage.contains("LocalNarrow.nums"), "{lineage}");
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Status and files.
// ------------------------------------------------------------------------------------------

rddflow::pipeline! {
    struct Files(n: u64) {
        nums: u64 = range(0..n, 5);
        #[checkpoint]
        doubled: u64 = nums.map(|x| x * 2);
        #[checkpoint(local)]
        tripled: u64 = nums.map(|x| x * 3);
        shifted: u64 = doubled.map(|x| x + 1);
    }
}

#[test]
fn status_and_checkpoint_file_layout() -> rddflow::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx_with_dir(dir.path());
    let p = Files::new(&ctx, 50)?;
    assert!(!p.doubled.is_checkpointed(), "marked but no job ran yet");
    assert!(!p.tripled.is_checkpointed());
    assert_eq!(p.doubled.checkpoint_file(), None);
    assert!(
        !p.shifted.lineage().contains("checkpoint (reliable)"),
        "marking alone does not truncate"
    );

    assert_eq!(
        p.shifted.collect()?,
        (0..50).map(|x| x * 2 + 1).collect::<Vec<_>>()
    );
    assert_eq!(
        p.tripled.collect()?,
        (0..50).map(|x| x * 3).collect::<Vec<_>>()
    );
    assert!(p.doubled.is_checkpointed());
    assert!(p.tripled.is_checkpointed());
    assert!(
        !p.shifted.is_checkpointed(),
        "an unmarked node is never checkpointed"
    );
    assert!(!p.nums.is_checkpointed());

    let file = p
        .doubled
        .checkpoint_file()
        .expect("reliable checkpoint has a directory");
    assert!(file.is_dir(), "{} is a directory", file.display());
    assert!(
        file.starts_with(dir.path()),
        "{} is under the checkpoint dir",
        file.display()
    );
    let (visible, hidden) = dir_entries(&file);
    let parts: BTreeSet<String> = visible
        .iter()
        .filter(|n| n.starts_with("part-"))
        .cloned()
        .collect();
    let want: BTreeSet<String> = (0..5).map(|i| format!("part-{i:05}")).collect();
    assert_eq!(parts, want);
    assert!(visible.contains("_manifest.json"), "{visible:?}");
    assert!(
        hidden.iter().all(|h| !h.contains("tmp")),
        "no temporary files are left behind: {hidden:?}"
    );
    assert_eq!(
        p.doubled.num_partitions(),
        5,
        "checkpointing keeps the partition count"
    );
    assert_eq!(
        p.tripled.checkpoint_file(),
        None,
        "local checkpoints have no file"
    );
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Marking at run time, after a job already ran on the node.
// ------------------------------------------------------------------------------------------

static LATE_CALLS: AtomicU64 = AtomicU64::new(0);
static LATE_LOCAL_CALLS: AtomicU64 = AtomicU64::new(0);

rddflow::pipeline! {
    struct Late(n: u64) {
        nums: u64 = range(0..n, 4);
        squares: u64 = nums.map(|x| {
            LATE_CALLS.fetch_add(1, Ordering::SeqCst);
            x * x
        });
        plus: u64 = squares.map(|x| x + 1);
    }
}

rddflow::pipeline! {
    struct LateLocal(n: u64) {
        nums: u64 = range(0..n, 4);
        squares: u64 = nums.map(|x| {
            LATE_LOCAL_CALLS.fetch_add(1, Ordering::SeqCst);
            x * x
        });
        plus: u64 = squares.map(|x| x + 1);
    }
}

#[test]
fn marking_after_a_job_is_honoured_by_the_next_job() -> rddflow::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx_with_dir(dir.path());
    let p = Late::new(&ctx, 100)?;
    let want: Vec<u64> = (0..100).map(|x| x * x + 1).collect();
    assert_eq!(p.plus.collect()?, want);
    assert_eq!(load(&LATE_CALLS), 100);
    assert!(!p.squares.is_checkpointed());

    p.squares.checkpoint()?;
    assert!(!p.squares.is_checkpointed(), "marking runs nothing");
    assert_eq!(p.plus.collect()?, want);
    assert!(
        p.squares.is_checkpointed(),
        "the job after marking checkpoints the node (Spark would silently ignore the mark)"
    );
    assert_eq!(
        load(&LATE_CALLS),
        200,
        "the second job computed the node once"
    );
    assert!(p.squares.checkpoint_file().is_some());

    assert_eq!(p.plus.collect()?, want);
    assert_eq!(load(&LATE_CALLS), 200, "the third job reads the checkpoint");
    Ok(())
}

#[test]
fn local_marking_after_a_job_is_honoured_by_the_next_job() -> rddflow::Result<()> {
    let ctx = ctx_no_dir();
    let p = LateLocal::new(&ctx, 100)?;
    let want: Vec<u64> = (0..100).map(|x| x * x + 1).collect();
    assert_eq!(p.plus.collect()?, want);
    p.squares.rdd().local_checkpoint()?;
    assert_eq!(p.plus.collect()?, want);
    assert!(p.squares.is_checkpointed());
    assert_eq!(load(&LATE_LOCAL_CALLS), 200);
    assert_eq!(p.plus.collect()?, want);
    assert_eq!(load(&LATE_LOCAL_CALLS), 200);
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Nearest marked ancestor only, unless checkpoint_all_marked_ancestors.
// ------------------------------------------------------------------------------------------

static CHAIN_A_CALLS_OFF: AtomicU64 = AtomicU64::new(0);
static CHAIN_A_CALLS_ON: AtomicU64 = AtomicU64::new(0);

rddflow::pipeline! {
    struct ChainOff(n: u64) {
        nums: u64 = range(0..n, 4);
        #[checkpoint]
        a: u64 = nums.map(|x| {
            CHAIN_A_CALLS_OFF.fetch_add(1, Ordering::SeqCst);
            x + 1
        });
        #[checkpoint]
        b: u64 = a.map(|x| x * 10);
        c: u64 = b.filter(|x| x % 20 == 0);
    }
}

rddflow::pipeline! {
    struct ChainOn(n: u64) {
        nums: u64 = range(0..n, 4);
        #[checkpoint]
        a: u64 = nums.map(|x| {
            CHAIN_A_CALLS_ON.fetch_add(1, Ordering::SeqCst);
            x + 1
        });
        #[checkpoint]
        b: u64 = a.map(|x| x * 10);
        c: u64 = b.filter(|x| x % 20 == 0);
    }
}

#[test]
fn only_nearest_marked_ancestor_without_flag() -> rddflow::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx_with_dir_all(dir.path(), false);
    let p = ChainOff::new(&ctx, 40)?;
    let want: Vec<u64> = (1..=40).map(|x| x * 10).filter(|x| x % 20 == 0).collect();
    assert_eq!(p.c.collect()?, want);
    assert!(
        p.b.is_checkpointed(),
        "the nearest marked node is checkpointed"
    );
    assert!(!p.a.is_checkpointed(), "a marked ancestor behind it is not");
    assert_eq!(load(&CHAIN_A_CALLS_OFF), 40);

    // A later job directly on `a` checkpoints it.
    assert_eq!(p.a.collect()?, (1..=40).collect::<Vec<_>>());
    assert!(p.a.is_checkpointed(), "a job on `a` itself checkpoints it");
    assert_eq!(load(&CHAIN_A_CALLS_OFF), 80);
    assert_eq!(p.a.collect()?, (1..=40).collect::<Vec<_>>());
    assert_eq!(p.c.collect()?, want);
    assert_eq!(load(&CHAIN_A_CALLS_OFF), 80);
    Ok(())
}

#[test]
fn all_marked_ancestors_with_flag() -> rddflow::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx_with_dir_all(dir.path(), true);
    let p = ChainOn::new(&ctx, 40)?;
    let want: Vec<u64> = (1..=40).map(|x| x * 10).filter(|x| x % 20 == 0).collect();
    assert_eq!(p.c.collect()?, want);
    assert!(p.b.is_checkpointed());
    assert!(
        p.a.is_checkpointed(),
        "with the flag, marked ancestors are checkpointed too"
    );
    assert_eq!(
        load(&CHAIN_A_CALLS_ON),
        40,
        "both checkpoints written by the same job, `a` computed once"
    );
    assert!(p.a.checkpoint_file().is_some());
    assert_ne!(p.a.checkpoint_file(), p.b.checkpoint_file());
    assert_eq!(p.a.collect()?, (1..=40).collect::<Vec<_>>());
    assert_eq!(load(&CHAIN_A_CALLS_ON), 40);
    Ok(())
}

// ------------------------------------------------------------------------------------------
// CheckpointDirNotSet.
// ------------------------------------------------------------------------------------------

rddflow::pipeline! {
    struct NeedsDir(n: u64) {
        nums: u64 = range(0..n, 2);
        #[checkpoint]
        marked: u64 = nums.map(|x| x + 1);
    }
}

rddflow::pipeline! {
    struct Unmarked(n: u64) {
        nums: u64 = range(0..n, 2);
        doubled: u64 = nums.map(|x| x * 2);
    }
}

rddflow::pipeline! {
    struct LocalNoDir(n: u64) {
        nums: u64 = range(0..n, 2);
        #[checkpoint(local)]
        marked: u64 = nums.map(|x| x + 1);
    }
}

#[test]
fn checkpoint_dir_not_set_at_new() {
    let ctx = ctx_no_dir();
    match NeedsDir::new(&ctx, 10) {
        Err(Error::CheckpointDirNotSet { node }) => {
            assert!(node.contains("marked"), "names the node: {node}")
        }
        Err(e) => panic!("expected CheckpointDirNotSet, got {e:?}"),
        Ok(_) => panic!("expected CheckpointDirNotSet, got a pipeline"),
    }
}

#[test]
fn checkpoint_dir_not_set_at_checkpoint_call() -> rddflow::Result<()> {
    let ctx = ctx_no_dir();
    let p = Unmarked::new(&ctx, 10)?;
    match p.doubled.checkpoint() {
        Err(Error::CheckpointDirNotSet { node }) => {
            assert!(node.contains("doubled"), "names the node: {node}")
        }
        other => panic!("expected CheckpointDirNotSet, got {other:?}"),
    }
    match p.doubled.rdd().checkpoint() {
        Err(Error::CheckpointDirNotSet { .. }) => {}
        other => panic!("expected CheckpointDirNotSet, got {other:?}"),
    }
    // The failed mark leaves the node usable and unmarked.
    assert_eq!(
        p.doubled.collect()?,
        (0..10).map(|x| x * 2).collect::<Vec<_>>()
    );
    assert!(!p.doubled.is_checkpointed());
    Ok(())
}

#[test]
fn local_checkpoint_needs_no_dir() -> rddflow::Result<()> {
    let ctx = ctx_no_dir();
    let p = LocalNoDir::new(&ctx, 10)?;
    assert_eq!(p.marked.collect()?, (1..=10).collect::<Vec<_>>());
    assert!(p.marked.is_checkpointed());
    let q = Unmarked::new(&ctx, 10)?;
    q.doubled.local_checkpoint()?;
    assert_eq!(q.doubled.count()?, 10);
    assert!(q.doubled.is_checkpointed());
    Ok(())
}

// ------------------------------------------------------------------------------------------
// take does not commit a checkpoint; a later full job does.
// ------------------------------------------------------------------------------------------

static TAKE_CALLS: AtomicU64 = AtomicU64::new(0);

rddflow::pipeline! {
    struct TakeCk(n: u64) {
        nums: u64 = range(0..n, 4);
        #[checkpoint]
        marked: u64 = nums.map(|x| {
            TAKE_CALLS.fetch_add(1, Ordering::SeqCst);
            x + 100
        });
        child: u64 = marked.map(|x| x * 2);
    }
}

#[test]
fn take_does_not_commit_but_later_collect_does() -> rddflow::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx_with_dir(dir.path());
    let p = TakeCk::new(&ctx, 100)?;
    assert_eq!(p.child.take(1)?, vec![200]);
    let after_take = load(&TAKE_CALLS);
    assert!(after_take >= 1, "take computed something");
    assert!(
        !p.marked.is_checkpointed(),
        "take(1) computed only part of the node: no checkpoint"
    );
    assert_eq!(p.marked.checkpoint_file(), None);

    let want: Vec<u64> = (0..100).map(|x| (x + 100) * 2).collect();
    assert_eq!(p.child.collect()?, want);
    assert!(
        p.marked.is_checkpointed(),
        "the full job commits the checkpoint"
    );
    let after_collect = load(&TAKE_CALLS);
    assert!(
        after_collect <= 100 + after_take,
        "at most one call per element plus what take computed: {after_collect} > 100 + {after_take}"
    );
    assert!(after_collect >= 100 - 25, "the collect computed the rest");

    assert_eq!(p.child.collect()?, want);
    assert_eq!(p.child.take(3)?, want[..3].to_vec());
    assert_eq!(
        load(&TAKE_CALLS),
        after_collect,
        "later jobs read the checkpoint"
    );
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Lineage truncation.
// ------------------------------------------------------------------------------------------

rddflow::pipeline! {
    struct Lin(n: u64) {
        source_nums: u64 = range(0..n, 3);
        pairs: (u64, u64) = source_nums.map(|x| (x % 3, x));
        #[checkpoint]
        summed: (u64, u64) = pairs.reduce_by_key(|a, b| a + b);
        out: (u64, u64) = summed.map_values(|v| v + 1);
    }
}

#[test]
fn lineage_truncated_after_checkpoint() -> rddflow::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx_with_dir(dir.path());
    let p = Lin::new(&ctx, 30)?;
    let before = p.out.lineage();
    assert!(before.contains("Lin.source_nums"), "{before}");
    assert!(before.contains("Lin.pairs"), "{before}");
    assert!(before.contains("Lin.summed"), "{before}");
    assert!(!before.contains("checkpoint (reliable)"), "{before}");

    let mut got = p.out.collect()?;
    got.sort();
    let want: Vec<(u64, u64)> = (0..3)
        .map(|k| (k, (0..30).filter(|x| x % 3 == k).sum::<u64>() + 1))
        .collect();
    assert_eq!(got, want);

    let after = p.out.lineage();
    assert!(after.contains("Lin.out"), "{after}");
    assert!(after.contains("Lin.summed"), "{after}");
    assert!(after.contains("checkpoint (reliable)"), "{after}");
    assert!(
        !after.contains("Lin.source_nums"),
        "ancestors gone: {after}"
    );
    assert!(!after.contains("Lin.pairs"), "ancestors gone: {after}");
    assert!(
        after.lines().count() < before.lines().count() + 1,
        "{after}"
    );
    // The partitioner of the checkpointed shuffle output is kept.
    assert_eq!(p.summed.partitioner().map(|x| x.num_partitions()), Some(3));
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Corruption is detected, never read as data.
// ------------------------------------------------------------------------------------------

rddflow::pipeline! {
    struct Corrupt(n: u64) {
        nums: u64 = range(0..n, 3);
        #[checkpoint]
        marked: u64 = nums.map(|x| x * 7 + 3);
        child: u64 = marked.map(|x| x + 1);
    }
}

fn flip_byte(path: &Path, at: usize) {
    let mut bytes = std::fs::read(path).unwrap();
    assert!(bytes.len() > at, "part file has data");
    bytes[at] ^= 0x5A;
    std::fs::write(path, &bytes).unwrap();
}

fn expect_corrupt(r: rddflow::Result<Vec<u64>>, file: &PathBuf) {
    match r {
        Err(Error::CorruptCheckpoint { path, .. }) => assert_eq!(&path, file),
        Err(e) => panic!(
            "expected CorruptCheckpoint naming {}, got {e:?}",
            file.display()
        ),
        Ok(v) => panic!("expected CorruptCheckpoint, got data {v:?}"),
    }
}

#[test]
fn corrupt_part_file_is_an_error_never_wrong_data() -> rddflow::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx_with_dir(dir.path());
    let p = Corrupt::new(&ctx, 60)?;
    let want: Vec<u64> = (0..60).map(|x| x * 7 + 4).collect();
    assert_eq!(p.child.collect()?, want);
    assert!(p.marked.is_checkpointed());
    let part0 = p.marked.checkpoint_file().unwrap().join("part-00000");
    assert!(part0.is_file());

    flip_byte(&part0, 0);
    expect_corrupt(p.child.collect(), &part0);
    expect_corrupt(p.marked.collect(), &part0);
    // Errors are reported on every later job too, and do not make the context unusable.
    match p.child.count() {
        Err(Error::CorruptCheckpoint { path, .. }) => assert_eq!(path, part0),
        other => panic!("expected CorruptCheckpoint, got {other:?}"),
    }
    let q = Corrupt::new(&ctx, 10)?;
    assert_eq!(
        q.child.collect()?,
        (0..10).map(|x| x * 7 + 4).collect::<Vec<_>>()
    );
    Ok(())
}

#[test]
fn corrupt_byte_in_the_middle_of_a_later_part_is_detected() -> rddflow::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx_with_dir(dir.path());
    let p = Corrupt::new(&ctx, 300)?;
    let want: Vec<u64> = (0..300).map(|x| x * 7 + 4).collect();
    assert_eq!(p.child.collect()?, want);
    let part2 = p.marked.checkpoint_file().unwrap().join("part-00002");
    let len = std::fs::metadata(&part2).unwrap().len() as usize;
    flip_byte(&part2, len / 2);
    expect_corrupt(p.child.collect(), &part2);
    // Truncating a part file is detected as well.
    let part1 = p.marked.checkpoint_file().unwrap().join("part-00001");
    let bytes = std::fs::read(&part1).unwrap();
    std::fs::write(&part1, &bytes[..bytes.len() - 1]).unwrap();
    match p.marked.collect() {
        Err(Error::CorruptCheckpoint { path, .. }) => {
            assert!(path == part1 || path == part2, "{}", path.display())
        }
        other => panic!("expected CorruptCheckpoint, got {other:?}"),
    }
    Ok(())
}
