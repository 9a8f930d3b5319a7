//! Listener events of real jobs: jobs, stages (kinds, task counts), tasks (records, shuffle
//! bytes, retried attempts), checkpoints and cache reads, and the job summary built from them.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rddflow::listener::{
    CheckpointInfo, Event, JobSummary, Listener, ReadFrom, StageKind, TaskEnd, TaskOutcome,
};
use rddflow::prelude::*;

/// Keeps every event.
#[derive(Default)]
struct Recorder(Mutex<Vec<Event>>);

impl Listener for Recorder {
    fn on_event(&self, event: &Event) {
        self.0.lock().unwrap().push(event.clone());
    }
}

impl Recorder {
    fn events(&self) -> Vec<Event> {
        self.0.lock().unwrap().clone()
    }

    fn task_ends(&self) -> Vec<TaskEnd> {
        self.events()
            .into_iter()
            .filter_map(|e| match e {
                Event::TaskEnd(t) => Some(t),
                _ => None,
            })
            .collect()
    }

    /// `(kind, op, tasks)` of each started stage, in order.
    fn stages(&self) -> Vec<(StageKind, &'static str, usize)> {
        self.events()
            .into_iter()
            .filter_map(|e| match e {
                Event::StageStart(s) => Some((s.kind, s.op, s.tasks)),
                _ => None,
            })
            .collect()
    }

    fn checkpoints(&self) -> Vec<CheckpointInfo> {
        self.events()
            .into_iter()
            .filter_map(|e| match e {
                Event::Checkpoint(c) => Some(c),
                _ => None,
            })
            .collect()
    }
}

rddflow::pipeline! {
    struct Mod10(n: u64) {
        nums: u64 = range(0..n, 4);
        pairs: (u64, u64) = nums.map(|x| (x % 10, 1));
        counts: (u64, u64) = pairs.reduce_by_key(|a, b| a + b, 2);
    }
}

fn recorded() -> (Context, Arc<Recorder>) {
    let rec = Arc::new(Recorder::default());
    let ctx = Context::builder()
        .threads(2)
        .listener(rec.clone())
        .build()
        .unwrap();
    (ctx, rec)
}

#[test]
fn a_shuffle_job_reports_its_stages_tasks_and_records() {
    let (ctx, rec) = recorded();
    let p = Mod10::new(&ctx, 100).unwrap();
    assert_eq!(p.counts.collect().unwrap().len(), 10);

    let events = rec.events();
    assert!(matches!(
        events.first(),
        Some(Event::JobStart {
            rdd: "Mod10.counts",
            ..
        })
    ));
    assert!(matches!(
        events.last(),
        Some(Event::JobEnd {
            succeeded: true,
            ..
        })
    ));
    assert_eq!(
        rec.stages(),
        vec![
            (StageKind::ShuffleMap, "reduce_by_key", 4),
            (StageKind::Result, "reduce_by_key", 2)
        ]
    );
    let ends = rec.task_ends();
    assert_eq!(ends.len(), 6);
    assert!(
        ends.iter()
            .all(|t| t.outcome == TaskOutcome::Success && t.attempt == 1)
    );

    let map: Vec<&TaskEnd> = ends
        .iter()
        .filter(|t| t.kind == StageKind::ShuffleMap)
        .collect();
    assert_eq!(map.len(), 4);
    // Map tasks read 25 numbers each from the source and write one combined pair per key.
    assert!(map.iter().all(|t| t.rdd == "Mod10.pairs"));
    assert_eq!(map.iter().map(|t| t.metrics.records_in).sum::<u64>(), 100);
    assert_eq!(map.iter().map(|t| t.metrics.records_out).sum::<u64>(), 40);
    let written: u64 = map.iter().map(|t| t.metrics.shuffle_records_written).sum();
    assert_eq!(written, 40);
    let bytes: u64 = map.iter().map(|t| t.metrics.shuffle_bytes_written).sum();
    assert_eq!(bytes, 40 * std::mem::size_of::<(u64, u64)>() as u64);

    let result: Vec<&TaskEnd> = ends
        .iter()
        .filter(|t| t.kind == StageKind::Result)
        .collect();
    assert_eq!(
        result
            .iter()
            .map(|t| t.metrics.shuffle_records_read)
            .sum::<u64>(),
        40
    );
    assert_eq!(result.iter().map(|t| t.metrics.records_in).sum::<u64>(), 40);
    assert_eq!(
        result.iter().map(|t| t.metrics.records_out).sum::<u64>(),
        10
    );
    assert!(ends.iter().all(|t| t.metrics.bytes_spilled == 0));

    // Stage totals add up their tasks.
    let stage_out: Vec<u64> = events
        .iter()
        .filter_map(|e| match e {
            Event::StageEnd { metrics, .. } => Some(metrics.records_out),
            _ => None,
        })
        .collect();
    assert_eq!(stage_out, vec![40, 10]);

    // A second job reuses the shuffle output: no map stage.
    rec.0.lock().unwrap().clear();
    p.counts.count().unwrap();
    assert_eq!(rec.stages(), vec![(StageKind::Result, "reduce_by_key", 2)]);
}

static PANICKED: AtomicBool = AtomicBool::new(false);

rddflow::pipeline! {
    struct Flaky() {
        nums: u64 = range(0..40, 4);
        checked: u64 = nums.map(|x| {
            if x == 15 && !PANICKED.swap(true, Ordering::SeqCst) {
                panic!("flaky at {x}");
            }
            x
        });
    }
}

#[test]
fn a_panicking_task_is_reported_then_its_retry() {
    let (ctx, rec) = recorded();
    let p = Flaky::new(&ctx).unwrap();
    assert_eq!(p.checked.count().unwrap(), 40);
    let ends = rec.task_ends();
    assert_eq!(ends.len(), 5, "4 tasks, one of them twice");
    let part1: Vec<&TaskEnd> = ends.iter().filter(|t| t.partition == 1).collect();
    assert_eq!(part1.len(), 2);
    let first = part1.iter().find(|t| t.attempt == 1).unwrap();
    match &first.outcome {
        TaskOutcome::Panicked(m) => assert!(m.contains("flaky at 15"), "{m}"),
        o => panic!("attempt 1 should have panicked: {o:?}"),
    }
    let second = part1.iter().find(|t| t.attempt == 2).unwrap();
    assert_eq!(second.outcome, TaskOutcome::Success);
    assert_eq!(second.metrics.records_out, 10);
    let starts = rec
        .events()
        .iter()
        .filter(|e| matches!(e, Event::TaskStart { partition: 1, .. }))
        .count();
    assert_eq!(starts, 2);
}

#[test]
fn a_failed_job_ends_unsuccessfully() {
    rddflow::pipeline! {
        struct Broken() {
            nums: u64 = range(0..8, 2);
            bad: u64 = nums.map(|x| if x == 5 { panic!("always") } else { x });
        }
    }
    let rec = Arc::new(Recorder::default());
    let ctx = Context::builder()
        .threads(2)
        .task_max_failures(3)
        .listener(rec.clone())
        .build()
        .unwrap();
    assert!(Broken::new(&ctx).unwrap().bad.collect().is_err());
    let attempts: Vec<u32> = rec
        .task_ends()
        .iter()
        .filter(|t| t.partition == 1)
        .map(|t| t.attempt)
        .collect();
    assert_eq!(attempts, vec![1, 2, 3]);
    assert!(rec.events().iter().any(|e| matches!(
        e,
        Event::StageEnd {
            succeeded: false,
            ..
        }
    )));
    assert!(matches!(
        rec.events().last(),
        Some(Event::JobEnd {
            succeeded: false,
            ..
        })
    ));
}

static CACHED_CALLS: AtomicU64 = AtomicU64::new(0);

rddflow::pipeline! {
    struct Stored() {
        nums: u64 = range(0..30, 3);
        #[checkpoint]
        doubled: u64 = nums.map(|x| x * 2);
        #[cache]
        plus: u64 = doubled.map(|x| {
            CACHED_CALLS.fetch_add(1, Ordering::SeqCst);
            x + 1
        });
    }
}

#[test]
fn checkpoints_and_cache_reads_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let rec = Arc::new(Recorder::default());
    let summary = Arc::new(JobSummary::new());
    let ctx = Context::builder()
        .threads(2)
        .checkpoint_dir(dir.path())
        .listener(rec.clone())
        .listener(summary.clone())
        .build()
        .unwrap();
    let p = Stored::new(&ctx).unwrap();
    assert_eq!(p.plus.count().unwrap(), 30);

    let ck = rec.checkpoints();
    assert_eq!(ck.len(), 1);
    assert_eq!(ck[0].rdd, "Stored.doubled");
    assert_eq!(ck[0].records, 30);
    assert!(ck[0].bytes > 0);
    let written: u64 = rec
        .task_ends()
        .iter()
        .map(|t| t.metrics.bytes_checkpointed)
        .sum();
    assert_eq!(written, ck[0].bytes);
    // Every task that wrote a part also reports the time its write and `fsync` took.
    for t in rec.task_ends() {
        let m = &t.metrics;
        assert_eq!(
            m.bytes_checkpointed > 0,
            m.checkpoint_write_nanos > 0,
            "{m:?}"
        );
    }
    let first = summary.last().expect("a job summary");
    assert_eq!(first.checkpointed, vec!["Stored.doubled".to_string()]);
    assert!(first.read_from.is_empty());

    // The second job reads `plus` from the cache; `doubled` is not even reached.
    assert_eq!(p.plus.count().unwrap(), 30);
    assert_eq!(CACHED_CALLS.load(Ordering::SeqCst), 30);
    let second = summary.last().unwrap();
    assert_eq!(
        second.read_from,
        vec![("Stored.plus".to_string(), ReadFrom::Memory, 3)]
    );
    assert_eq!(second.records_out, 30);

    // A job on `doubled` reads its checkpoint.
    assert_eq!(p.doubled.count().unwrap(), 30);
    let third = summary.last().unwrap();
    assert_eq!(
        third.read_from,
        vec![("Stored.doubled".to_string(), ReadFrom::Checkpoint, 3)]
    );
    let text = third.to_string();
    assert!(text.contains("Stored.doubled"), "{text}");
    assert!(text.contains("checkpoint"), "{text}");
    assert_eq!(summary.jobs().len(), 3);
}

#[test]
fn several_listeners_see_the_same_events() {
    let a = Arc::new(Recorder::default());
    let b = Arc::new(Recorder::default());
    let ctx = Context::builder()
        .threads(2)
        .listener(a.clone())
        .listener(b.clone())
        .build()
        .unwrap();
    Mod10::new(&ctx, 50).unwrap().counts.count().unwrap();
    assert_eq!(a.task_ends().len(), 6);
    assert_eq!(a.events().len(), b.events().len());
}

#[test]
fn partial_jobs_report_the_records_they_read() {
    let (ctx, rec) = recorded();
    let p = Mod10::new(&ctx, 100).unwrap();
    let n = 5;
    let want: Vec<(u64, u64)> = (0..n).map(|x| (x % 10, 1)).collect();
    assert_eq!(p.pairs.take(n as usize).unwrap(), want);
    // The first partition holds 25 elements, so `take(5)` ran one task, which read five
    // numbers from the source and produced five pairs before it stopped.
    let ends = rec.task_ends();
    assert_eq!(ends.len(), 1, "one partition was enough");
    assert_eq!(ends[0].outcome, TaskOutcome::Success);
    assert_eq!(ends[0].metrics.records_out, n);
    assert_eq!(ends[0].metrics.records_in, n);
    let stage_out: Vec<u64> = rec
        .events()
        .iter()
        .filter_map(|e| match e {
            Event::StageEnd { metrics, .. } => Some(metrics.records_out),
            _ => None,
        })
        .collect();
    assert_eq!(stage_out, vec![n]);

    rec.0.lock().unwrap().clear();
    assert_eq!(p.nums.first().unwrap(), Some(0));
    let ends = rec.task_ends();
    assert_eq!(ends.len(), 1);
    assert_eq!(
        (ends[0].metrics.records_in, ends[0].metrics.records_out),
        (1, 1)
    );
}
