//! `#[cache]` on a `#[checkpoint]`ed node: the job that writes the checkpoint does not also
//! keep the records in memory (the node then costs no more than its checkpoint); the first
//! later job reads the checkpoint and fills the cache; the jobs after it read the cache.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rddflow::listener::{JobSummary, ReadFrom};
use rddflow::prelude::*;

static CALLS: AtomicU64 = AtomicU64::new(0);

rddflow::pipeline! {
    struct Kept() {
        nums: u64 = range(0..40, 4);
        #[checkpoint]
        #[cache]
        squares: u64 = nums.map(|x| {
            CALLS.fetch_add(1, Ordering::SeqCst);
            x * x
        });
    }
}

#[test]
fn the_cache_is_filled_from_the_checkpoint_not_by_the_job_writing_it() {
    let dir = tempfile::tempdir().unwrap();
    let summary = Arc::new(JobSummary::new());
    let ctx = Context::builder()
        .threads(2)
        .checkpoint_dir(dir.path())
        .listener(summary.clone())
        .build()
        .unwrap();
    let p = Kept::new(&ctx).unwrap();
    let want: u64 = (0..40u64).map(|x| x * x).sum();

    // The first job computes the squares and writes the checkpoint, and caches nothing.
    assert_eq!(p.squares.collect().unwrap().iter().sum::<u64>(), want);
    assert_eq!(CALLS.load(Ordering::SeqCst), 40);
    let first = summary.last().expect("a job summary");
    assert_eq!(first.checkpointed, vec!["Kept.squares".to_string()]);
    assert_eq!(p.squares.storage_state().unwrap().in_memory, 0);

    // The second reads the checkpoint and caches what it read.
    assert_eq!(p.squares.collect().unwrap().iter().sum::<u64>(), want);
    let second = summary.last().unwrap();
    assert_eq!(
        second.read_from,
        vec![("Kept.squares".to_string(), ReadFrom::Checkpoint, 4)]
    );
    assert_eq!(p.squares.storage_state().unwrap().in_memory, 4);

    // The third reads the cache. The map never ran again.
    let mut got = p.squares.collect().unwrap();
    got.sort_unstable();
    assert_eq!(got, (0..40u64).map(|x| x * x).collect::<Vec<_>>());
    let third = summary.last().unwrap();
    assert_eq!(
        third.read_from,
        vec![("Kept.squares".to_string(), ReadFrom::Memory, 4)]
    );
    assert_eq!(CALLS.load(Ordering::SeqCst), 40);
}
