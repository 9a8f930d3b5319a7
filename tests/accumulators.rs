//! Accumulators passed as params: each partition's updates count once (a retried attempt's
//! updates are discarded, a partition read from a checkpoint or cache adds nothing), the task
//! metrics report what each successful task added, and the fingerprint leaves them out.
//!
//! Tests run in parallel threads of one process, so each keeps its own statics.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rddflow::listener::{Event, Listener, TaskOutcome};
use rddflow::prelude::*;
use rddflow::{Accumulator, AccumulatorValue};

/// Lines of which every seventh is not a number.
fn lines(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            if i % 7 == 3 {
                format!("bad-{i}")
            } else {
                i.to_string()
            }
        })
        .collect()
}

rddflow::pipeline! {
    struct Parse(lines: Vec<String>, bad: Accumulator<u64>, total: Accumulator<f64>) {
        raw: String = parallelize(lines, 4);
        nums: u64 = raw.filter_map(|s: String| match s.parse::<u64>() {
            Ok(v) => {
                total.add(v as f64);
                Some(v)
            }
            Err(_) => {
                bad.add(1);
                None
            }
        });
    }
}

#[test]
fn counts_bad_records_as_plain_rust_does() -> rddflow::Result<()> {
    let input = lines(1000);
    let want_bad = input.iter().filter(|s| s.parse::<u64>().is_err()).count() as u64;
    let want_total: f64 = input
        .iter()
        .filter_map(|s| s.parse::<u64>().ok())
        .sum::<u64>() as f64;
    let ctx = Context::builder().threads(2).build()?;
    let bad = ctx.accumulator(0u64);
    let total = ctx.accumulator(0.0f64);
    let p = Parse::new(&ctx, input.clone(), bad.clone(), total.clone())?;
    assert_eq!(bad.value(), 0, "building the graph runs nothing");
    assert_eq!(p.nums.count()?, input.len() as u64 - want_bad);
    assert_eq!(bad.value(), want_bad);
    assert_eq!(total.value(), want_total);
    // Uncached, the second action computes the partitions again and adds again (Spark's rule).
    p.nums.count()?;
    assert_eq!(bad.value(), 2 * want_bad);
    Ok(())
}

static PANICKED: AtomicBool = AtomicBool::new(false);

rddflow::pipeline! {
    /// The first attempt of the task that meets 50 adds for the elements before it, then
    /// panics; the retry adds them again.
    struct Flaky(n: u64, seen: Accumulator<u64>, items: Accumulator<Vec<u64>>) {
        nums: u64 = range(0..n, 4);
        checked: u64 = nums.map(|x| {
            seen.add(1);
            items.add(x);
            if x == 50 && !PANICKED.swap(true, Ordering::SeqCst) {
                panic!("transient failure at {x}");
            }
            x
        });
    }
}

/// Records the accumulator updates of every task attempt, with how the attempt ended.
#[derive(Default)]
struct Updates(Mutex<Vec<(usize, bool, Vec<u64>)>>);

impl Listener for Updates {
    fn on_event(&self, event: &Event) {
        if let Event::TaskEnd(t) = event {
            let ok = t.outcome == TaskOutcome::Success;
            let counts = t
                .metrics
                .accumulators
                .iter()
                .filter_map(|u| u.value::<u64>().copied())
                .collect();
            self.0.lock().unwrap().push((t.partition, ok, counts));
        }
    }
}

#[test]
fn a_retried_attempt_counts_each_record_once() -> rddflow::Result<()> {
    let updates = Arc::new(Updates::default());
    let ctx = Context::builder()
        .threads(2)
        .listener(updates.clone())
        .build()?;
    let seen = ctx.named_accumulator("seen", 0u64);
    let items = ctx.accumulator(Vec::new());
    let p = Flaky::new(&ctx, 100, seen.clone(), items.clone())?;
    assert_eq!(p.checked.collect()?, (0..100).collect::<Vec<u64>>());
    assert!(
        PANICKED.load(Ordering::SeqCst),
        "the first attempt panicked"
    );
    assert_eq!(
        seen.value(),
        100,
        "each record once, not the failed attempt's too"
    );
    let mut got = items.value();
    got.sort();
    assert_eq!(got, (0..100).collect::<Vec<u64>>());

    // The metrics: the panicked attempt reports no update; each successful task reports what
    // it added (its partition's 25 records), and they sum to the value.
    let events = updates.0.lock().unwrap().clone();
    let failed: Vec<_> = events.iter().filter(|e| !e.1).collect();
    assert_eq!(failed.len(), 1);
    assert!(failed[0].2.is_empty());
    let mut ok: Vec<_> = events.iter().filter(|e| e.1).collect();
    ok.sort();
    assert_eq!(ok.len(), 4);
    for (part, _, counts) in &ok {
        assert_eq!(counts, &vec![25], "partition {part}");
    }
    Ok(())
}

/// One reported update: accumulator id, name, typed update, `Debug` form.
type Reported = (u64, Option<String>, u64, String);

/// The listener metrics name the accumulator and carry the typed update.
#[derive(Default)]
struct Named(Mutex<Vec<Reported>>);

impl Listener for Named {
    fn on_event(&self, event: &Event) {
        if let Event::TaskEnd(t) = event {
            for u in &t.metrics.accumulators {
                self.0.lock().unwrap().push((
                    u.id,
                    u.name.as_deref().map(str::to_string),
                    *u.value::<u64>().unwrap(),
                    u.update.clone(),
                ));
            }
        }
    }
}

rddflow::pipeline! {
    struct Evens(n: u64, evens: Accumulator<u64>) {
        nums: u64 = range(0..n, 3);
        kept: u64 = nums.filter(|x| {
            if x % 2 == 0 {
                evens.add(1);
            }
            true
        });
    }
}

#[test]
fn task_metrics_carry_each_tasks_update() -> rddflow::Result<()> {
    let named = Arc::new(Named::default());
    let ctx = Context::builder()
        .threads(2)
        .listener(named.clone())
        .build()?;
    let evens = ctx.named_accumulator("evens", 0u64);
    let p = Evens::new(&ctx, 30, evens.clone())?;
    p.kept.count()?;
    let mut got = named.0.lock().unwrap().clone();
    got.sort_by_key(|g| g.2);
    // range(0..30, 3): 0..10, 10..20, 20..30, five even numbers each.
    let want: Vec<_> = (0..3)
        .map(|_| (evens.id(), Some("evens".to_string()), 5, "5".to_string()))
        .collect();
    assert_eq!(got, want);
    assert_eq!(evens.value(), 15);
    Ok(())
}

static RUNS: AtomicU64 = AtomicU64::new(0);

rddflow::pipeline! {
    struct Marked(n: u64, calls: Accumulator<u64>) {
        nums: u64 = range(0..n, 4);
        #[checkpoint]
        squares: u64 = nums.map(|x| {
            calls.add(1);
            RUNS.fetch_add(1, Ordering::SeqCst);
            x * x
        });
        #[cache]
        cached: u64 = nums.map(|x| {
            calls.add(1);
            x + 1
        });
    }
}

#[test]
fn partitions_read_from_a_checkpoint_or_cache_add_nothing() -> rddflow::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let ctx = Context::builder()
        .threads(2)
        .checkpoint_dir(dir.path())
        .build()?;
    let calls = ctx.accumulator(0u64);
    let p = Marked::new(&ctx, 40, calls.clone())?;
    assert_eq!(p.squares.count()?, 40);
    assert!(p.squares.is_checkpointed());
    assert_eq!(
        calls.value(),
        40,
        "written while computed: each record once"
    );
    let runs = RUNS.load(Ordering::SeqCst);
    let sum: u64 = p.squares.collect()?.iter().sum();
    assert_eq!(sum, (0..40u64).map(|x| x * x).sum::<u64>());
    assert_eq!(
        RUNS.load(Ordering::SeqCst),
        runs,
        "read from the checkpoint"
    );
    assert_eq!(calls.value(), 40, "the checkpoint read adds nothing");

    calls.reset();
    assert_eq!(p.cached.count()?, 40);
    assert_eq!(p.cached.count()?, 40);
    assert_eq!(calls.value(), 40, "the second count reads the cache");
    Ok(())
}

rddflow::pipeline! {
    struct Resumed(n: u64, calls: Accumulator<u64>) {
        nums: u64 = range(0..n, 2);
        #[checkpoint]
        doubled: u64 = nums.map(|x| {
            calls.add(1);
            x * 2
        });
    }
}

#[test]
fn an_accumulator_is_not_part_of_the_fingerprint() -> rddflow::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let run = || -> rddflow::Result<(bool, u64)> {
        let ctx = Context::builder()
            .threads(2)
            .checkpoint_dir(dir.path())
            .resume(true)
            .build()?;
        // A fresh accumulator (another id, another value) each run: the same computation.
        let calls = ctx.accumulator(0u64);
        let p = Resumed::new(&ctx, 20, calls.clone())?;
        assert!(p.doubled.fingerprint().is_some());
        let resumed = p.doubled.checkpoint_resumed();
        assert_eq!(
            p.doubled.collect()?,
            (0..20).map(|x| x * 2).collect::<Vec<u64>>()
        );
        Ok((resumed, calls.value()))
    };
    assert_eq!(run()?, (false, 20), "the first run computes");
    assert_eq!(
        run()?,
        (true, 0),
        "the second resumes: its closures never run"
    );
    Ok(())
}

rddflow::pipeline! {
    struct Merged(n: u64, merges: Accumulator<u64>) {
        nums: u64 = range(1..n, 3);
    }
}

#[test]
fn adds_outside_tasks_go_straight_to_the_value() -> rddflow::Result<()> {
    let ctx = Context::builder().threads(2).build()?;
    let merges = ctx.accumulator(0u64);
    let p = Merged::new(&ctx, 10, merges.clone())?;
    let m = merges.clone();
    // `reduce` runs its function in the tasks and once more per partition result on the
    // caller's thread; every call counts, since neither kind is retried once it succeeded.
    let sum = p.nums.reduce(move |a, b| {
        m.add(1);
        a + b
    })?;
    assert_eq!(sum, Some(45));
    // Nine elements in three partitions of three: two calls in each task, then two merging
    // the three partition results.
    assert_eq!(merges.value(), 3 * 2 + 2);
    merges.add(100);
    assert_eq!(merges.value(), 108);
    Ok(())
}

/// A user-defined accumulator: the largest value added.
#[derive(Clone, Debug, Default, PartialEq)]
struct Max(u64);

impl AccumulatorValue for Max {
    type Item = u64;
    fn add(&mut self, item: u64) {
        self.0 = self.0.max(item);
    }
    fn merge(&mut self, other: Self) {
        self.0 = self.0.max(other.0);
    }
}

rddflow::pipeline! {
    struct Largest(xs: Vec<u64>, max: Accumulator<Max>) {
        nums: u64 = parallelize(xs, 3);
        seen: u64 = nums.inspect(|x| max.add(*x));
    }
}

#[test]
fn a_user_defined_accumulator_merges_its_own_way() -> rddflow::Result<()> {
    let xs: Vec<u64> = (0..50).map(|i| (i * 37) % 101).collect();
    let ctx = Context::builder().threads(2).build()?;
    let max = Accumulator::new(Max::default());
    let p = Largest::new(&ctx, xs.clone(), max.clone())?;
    p.seen.count()?;
    assert_eq!(max.value(), Max(*xs.iter().max().unwrap()));
    Ok(())
}
