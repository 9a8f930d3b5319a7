//! Committing a checkpoint: the manifest is written and synced without holding the node's lock,
//! so the RDD can be inspected meanwhile, and of two jobs committing the same checkpoint at
//! once, one writes it and the other finds it done.
//!
//! Both tests act from inside the commit through the manifest hook of
//! `rddflow::__private::checkpoint::faults`, which runs after the manifest's temporary file is synced and
//! before it is renamed into place.

use std::path::Path;
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use rddflow::__private::checkpoint::faults::on_manifest_write;
use rddflow::__private::checkpoint::manifest::{MANIFEST, Manifest};
use rddflow::listener::{Event, Listener};
use rddflow::prelude::*;
use rddflow::{CheckpointKind, CheckpointStatus};

/// How long a test waits for something that, if the engine works, takes milliseconds.
const PATIENCE: Duration = Duration::from_secs(20);

rddflow::pipeline! {
    struct Squares(n: u64) {
        nums: u64 = range(0..n, 4);
        #[checkpoint]
        squares: u64 = nums.map(|x| x * x);
    }
}

fn squares_below(n: u64) -> Vec<u64> {
    (0..n).map(|x| x * x).collect()
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

/// The entries of a committed checkpoint directory: its part files and manifest, and no
/// temporary file left over.
fn assert_committed(dir: &Path, partitions: usize, records: u64) {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut want: Vec<String> = (0..partitions).map(|p| format!("part-{p:05}")).collect();
    want.push(MANIFEST.to_string());
    want.sort();
    assert_eq!(names, want);
    let m = Manifest::read(dir).expect("a valid manifest");
    assert_eq!(m.partitions, partitions);
    assert_eq!(m.parts.iter().map(|p| p.records).sum::<u64>(), records);
}

#[test]
fn the_node_can_be_inspected_while_its_manifest_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ckpt");
    let ctx = Context::builder()
        .threads(2)
        .checkpoint_dir(&dir)
        .build()
        .unwrap();
    let p = Squares::new(&ctx, 1000).unwrap();

    // What another thread sees of the node during each manifest write; `None` if it could not
    // look within `PATIENCE`, as when the commit holds the node's lock.
    type Seen = Option<(CheckpointStatus, bool, String)>;
    let during: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let (node, log) = (p.squares.clone(), during.clone());
    on_manifest_write(
        &dir,
        Some(Arc::new(move |_: &Path| {
            let (tx, rx) = mpsc::channel();
            let node = node.clone();
            std::thread::spawn(move || {
                let _ = tx.send((
                    node.checkpoint_status(),
                    node.is_checkpointed(),
                    node.lineage(),
                ));
            });
            log.lock().unwrap().push(rx.recv_timeout(PATIENCE).ok());
        })),
    );
    let count = p.squares.count();
    on_manifest_write(&dir, None);
    assert_eq!(count.unwrap(), 1000);

    let during = during.lock().unwrap().clone();
    assert_eq!(during.len(), 1, "one manifest written");
    let (status, checkpointed, lineage) = during[0]
        .clone()
        .expect("the node's state could be read while the manifest was written");
    assert_eq!(status, CheckpointStatus::Marked(CheckpointKind::Reliable));
    assert!(!checkpointed);
    assert!(
        lineage.contains("[marked for reliable checkpoint]"),
        "{lineage}"
    );

    assert!(p.squares.is_checkpointed());
    assert!(p.squares.lineage().contains("[checkpointed]"));
    assert_committed(&p.squares.checkpoint_file().unwrap(), 4, 1000);
    assert_eq!(sorted(p.squares.collect().unwrap()), squares_below(1000));
}

/// Where the concurrent-commit test stands, shared by the hook, the listener and the test.
#[derive(Default)]
struct Race {
    state: Mutex<RaceState>,
    changed: Condvar,
}

#[derive(Default)]
struct RaceState {
    manifest_writes: usize,
    /// The first job is writing its manifest.
    first_committing: bool,
    /// A stage ended after the first job started writing its manifest: the second job's.
    second_computed: bool,
    /// The second job computed while the first job's manifest write waited for it.
    overlapped: bool,
    /// Checkpoint events of the marked node.
    committed_events: usize,
}

impl Listener for Race {
    fn on_event(&self, event: &Event) {
        let mut s = self.state.lock().unwrap();
        match event {
            Event::StageEnd { .. } if s.first_committing => s.second_computed = true,
            Event::Checkpoint(c) if c.rdd == "Squares.squares" => s.committed_events += 1,
            _ => return,
        }
        self.changed.notify_all();
    }
}

#[test]
fn of_two_jobs_committing_one_checkpoint_one_writes_it_and_the_other_finds_it_done() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ckpt");
    let race = Arc::new(Race::default());
    let ctx = Context::builder()
        .threads(3)
        .checkpoint_dir(&dir)
        .listener(race.clone())
        .build()
        .unwrap();
    let p = Squares::new(&ctx, 2000).unwrap();

    // The first commit waits, in the middle of its manifest write, until the second job has
    // computed its partitions (it reads those the first job recorded) and is about to commit.
    let hook_race = race.clone();
    on_manifest_write(
        &dir,
        Some(Arc::new(move |_: &Path| {
            let mut s = hook_race.state.lock().unwrap();
            s.manifest_writes += 1;
            if s.manifest_writes > 1 {
                return;
            }
            s.first_committing = true;
            hook_race.changed.notify_all();
            let (mut s, _) = hook_race
                .changed
                .wait_timeout_while(s, PATIENCE, |s| !s.second_computed)
                .unwrap();
            s.overlapped = s.second_computed;
            drop(s);
            // Time for the second job to reach its own commit.
            std::thread::sleep(Duration::from_millis(200));
        })),
    );

    let first = {
        let node = p.squares.clone();
        std::thread::spawn(move || node.count())
    };
    {
        let s = race.state.lock().unwrap();
        let (s, timeout) = race
            .changed
            .wait_timeout_while(s, PATIENCE, |s| !s.first_committing)
            .unwrap();
        assert!(!timeout.timed_out(), "the first job never committed");
        drop(s);
    }
    let second = p.squares.count();
    let first = first.join().unwrap();
    on_manifest_write(&dir, None);

    assert_eq!(first.unwrap(), 2000);
    assert_eq!(second.unwrap(), 2000);
    let s = race.state.lock().unwrap();
    assert!(
        s.overlapped,
        "the second job could not compute while the first wrote its manifest"
    );
    assert_eq!(
        s.manifest_writes, 1,
        "the second job wrote the manifest again"
    );
    assert_eq!(s.committed_events, 1, "exactly one job committed");
    drop(s);

    assert!(p.squares.is_checkpointed());
    assert_committed(&p.squares.checkpoint_file().unwrap(), 4, 2000);
    assert_eq!(sorted(p.squares.collect().unwrap()), squares_below(2000));
}
