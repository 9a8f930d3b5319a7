//! What a resume fingerprint covers beyond tokens, params and input files: each node's
//! partition count (a re-run with another thread count recomputes, never a mismatch) and the
//! user's `#[checkpoint(version = N)]`. Each "process" is a fresh `Context` on the same
//! checkpoint directory: it finds earlier checkpoints only on disk, as a new process would.
//!
//! Tests run in parallel threads of one process, so each counts its closure's runs in a static
//! of its own.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use rddflow::prelude::*;

static SPREAD_RUNS: AtomicU64 = AtomicU64::new(0);
static VERSION_RUNS: AtomicU64 = AtomicU64::new(0);

const N: u64 = 120;

fn resuming(dir: &Path, threads: usize) -> rddflow::Result<Context> {
    Context::builder()
        .threads(threads)
        .checkpoint_dir(dir)
        .resume(true)
        .build()
}

fn squares_plus_one() -> Vec<u64> {
    (0..N).map(|x| x * x + 1).collect()
}

rddflow::pipeline! {
    /// `range` without a partition count: one partition per default parallelism, which is the
    /// thread count unless set.
    struct Spread(n: u64) {
        nums: u64 = range(0..n);
        #[checkpoint]
        squares: u64 = nums.map(|x| {
            SPREAD_RUNS.fetch_add(1, Ordering::SeqCst);
            x * x
        });
        plus_one: u64 = squares.map(|x| x + 1);
    }
}

/// Runs `Spread` in a fresh context; returns its partition count, whether its checkpoint was
/// resumed, and how many times the checkpointed closure ran.
fn spread_run(ctx: Context) -> rddflow::Result<(usize, bool, u64)> {
    let before = SPREAD_RUNS.load(Ordering::SeqCst);
    let p = Spread::new(&ctx, N)?;
    let resumed = p.squares.checkpoint_resumed();
    assert_eq!(p.plus_one.collect()?, squares_plus_one());
    assert!(p.squares.is_checkpointed());
    let runs = SPREAD_RUNS.load(Ordering::SeqCst) - before;
    Ok((p.squares.num_partitions(), resumed, runs))
}

#[test]
fn another_thread_count_recomputes_then_resumes_its_own_checkpoint() -> rddflow::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        spread_run(resuming(dir.path(), 2)?)?,
        (2, false, N),
        "first run computes"
    );
    assert_eq!(
        spread_run(resuming(dir.path(), 3)?)?,
        (3, false, N),
        "three partitions: another checkpoint, computed, not a mismatch"
    );
    assert_eq!(
        spread_run(resuming(dir.path(), 3)?)?,
        (3, true, 0),
        "the same layout again reads it back"
    );
    assert_eq!(
        spread_run(resuming(dir.path(), 2)?)?,
        (2, true, 0),
        "the first layout's checkpoint is still there"
    );
    let parallel = Context::builder()
        .threads(2)
        .default_parallelism(5)
        .checkpoint_dir(dir.path())
        .resume(true)
        .build()?;
    assert_eq!(
        spread_run(parallel)?,
        (5, false, N),
        "default_parallelism changes the layout too"
    );
    Ok(())
}

fn bump() {
    VERSION_RUNS.fetch_add(1, Ordering::SeqCst);
}

/// The same pipeline as the user edits it: only `version` differs between the modules (the
/// pipeline and node names, hence the checkpoint's label, are the same).
mod v1 {
    use super::*;

    rddflow::pipeline! {
        pub struct Versioned(n: u64) {
            nums: u64 = range(0..n, 4);
            #[checkpoint(version = 1)]
            squares: u64 = nums.map(|x| {
                bump();
                x * x
            });
            plus_one: u64 = squares.map(|x| x + 1);
        }
    }
}

mod v2 {
    use super::*;

    rddflow::pipeline! {
        pub struct Versioned(n: u64) {
            nums: u64 = range(0..n, 4);
            #[checkpoint(version = 2)]
            squares: u64 = nums.map(|x| {
                bump();
                x * x
            });
            plus_one: u64 = squares.map(|x| x + 1);
        }
    }
}

/// What one run of a `Versioned` saw: its fingerprints as text (checkpointed node,
/// descendant), whether it resumed, and how many times the checkpointed closure ran.
type Seen = (Option<String>, Option<String>, bool, u64);

macro_rules! versioned_run {
    ($module:ident, $dir:expr) => {{
        let before = VERSION_RUNS.load(Ordering::SeqCst);
        let p = $module::Versioned::new(&resuming($dir, 2)?, N)?;
        let resumed = p.squares.checkpoint_resumed();
        assert_eq!(p.plus_one.collect()?, squares_plus_one());
        let runs = VERSION_RUNS.load(Ordering::SeqCst) - before;
        let seen: Seen = (
            p.squares.fingerprint().map(|f| f.to_string()),
            p.plus_one.fingerprint().map(|f| f.to_string()),
            resumed,
            runs,
        );
        seen
    }};
}

#[test]
fn a_new_version_recomputes_then_resumes() -> rddflow::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let (fp1, down1, resumed, runs) = versioned_run!(v1, dir.path());
    assert_eq!((resumed, runs), (false, N), "first run computes");
    let (fp2, down2, resumed, runs) = versioned_run!(v2, dir.path());
    assert_eq!((resumed, runs), (false, N), "version 2 recomputes");
    assert!(fp1.is_some() && fp1 != fp2);
    assert!(down1.is_some() && down1 != down2, "descendants change too");
    let (fp, _, resumed, runs) = versioned_run!(v2, dir.path());
    assert_eq!((resumed, runs), (true, 0), "version 2 again reads it back");
    assert_eq!(fp, fp2);
    let (_, _, resumed, runs) = versioned_run!(v1, dir.path());
    assert_eq!(
        (resumed, runs),
        (true, 0),
        "version 1's checkpoint is still there"
    );
    Ok(())
}
