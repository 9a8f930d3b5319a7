//! `JobSummary`: a listener that sums each job's events into a report (stages, tasks,
//! records, bytes, time, what was read from caches and checkpoints), printable at the end of a
//! program like the stage table of Spark's web UI.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use rustc_hash::FxHashMap;

use super::{Event, Listener, ReadFrom, StageKind, TaskMetrics, TaskOutcome};
use crate::sync::lock;

/// Collects a [`JobReport`] per finished job.
///
/// ```
/// use std::sync::Arc;
/// use rddflow_engine::listener::JobSummary;
/// use rddflow_engine::prelude::*;
/// use rddflow_engine::sources::range::range;
///
/// let summary = Arc::new(JobSummary::new());
/// let ctx = Context::builder().threads(2).listener(summary.clone()).build()?;
/// range(&ctx, "Doc.nums", 0..10, 2)?.count()?;
/// let report = summary.last().unwrap();
/// assert_eq!((report.stages.len(), report.tasks, report.records_out), (1, 2, 10));
/// println!("{report}");
/// # Ok::<(), rddflow_engine::Error>(())
/// ```
#[derive(Default)]
pub struct JobSummary {
    running: Mutex<FxHashMap<usize, JobReport>>,
    done: Mutex<Vec<JobReport>>,
}

/// What one job did.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct JobReport {
    /// Job id.
    pub job: usize,
    /// The RDD the action ran on.
    pub rdd: String,
    /// Whether it succeeded.
    pub succeeded: bool,
    /// Wall time.
    pub duration: Duration,
    /// Its stages, in the order they started.
    pub stages: Vec<StageReport>,
    /// Successful tasks.
    pub tasks: usize,
    /// Attempts that panicked or failed.
    pub failed_attempts: usize,
    /// Records produced by the job's RDD.
    pub records_out: u64,
    /// Sum of every successful task's metrics.
    pub metrics: TaskMetrics,
    /// `(rdd, from, partitions)`: partitions read from a cache or checkpoint, by RDD.
    pub read_from: Vec<(String, ReadFrom, usize)>,
    /// RDDs whose checkpoint this job committed.
    pub checkpointed: Vec<String>,
}

/// What one stage did.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct StageReport {
    /// Stage id.
    pub stage: usize,
    /// What it computed.
    pub kind: StageKind,
    /// The node it is named after, and its operator.
    pub rdd: String,
    /// The operator.
    pub op: String,
    /// Tasks.
    pub tasks: usize,
    /// Sum of its tasks' metrics.
    pub metrics: TaskMetrics,
    /// Wall time.
    pub duration: Duration,
}

impl JobSummary {
    /// An empty summary.
    pub fn new() -> Self {
        JobSummary::default()
    }

    /// Reports of the finished jobs, in the order they ended.
    pub fn jobs(&self) -> Vec<JobReport> {
        lock(&self.done).clone()
    }

    /// The report of the job that ended last.
    pub fn last(&self) -> Option<JobReport> {
        lock(&self.done).last().cloned()
    }
}

impl Listener for JobSummary {
    fn on_event(&self, event: &Event) {
        let mut running = lock(&self.running);
        match event {
            Event::JobStart { job, rdd, .. } => {
                running.insert(
                    *job,
                    JobReport {
                        job: *job,
                        rdd: rdd.to_string(),
                        ..JobReport::default()
                    },
                );
            }
            Event::StageStart(s) => {
                if let Some(r) = running.get_mut(&s.job) {
                    r.stages.push(StageReport {
                        stage: s.stage,
                        kind: s.kind,
                        rdd: s.rdd.to_string(),
                        op: s.op.to_string(),
                        tasks: s.tasks,
                        metrics: TaskMetrics::default(),
                        duration: Duration::ZERO,
                    });
                }
            }
            Event::StageEnd {
                stage,
                metrics,
                duration,
                ..
            } => {
                let r = running.get_mut(&stage.job);
                if let Some(st) =
                    r.and_then(|r| r.stages.iter_mut().find(|s| s.stage == stage.stage))
                {
                    st.metrics = metrics.clone();
                    st.duration = *duration;
                }
            }
            Event::TaskEnd(t) => {
                if let Some(r) = running.get_mut(&t.job) {
                    if t.outcome == TaskOutcome::Success {
                        r.tasks += 1;
                        r.metrics.add(&t.metrics);
                        if t.kind == StageKind::Result {
                            r.records_out += t.metrics.records_out;
                        }
                    } else {
                        r.failed_attempts += 1;
                    }
                }
            }
            Event::Checkpoint(c) => {
                if let Some(r) = running.get_mut(&c.job) {
                    r.checkpointed.push(c.rdd.to_string());
                }
            }
            Event::JobEnd {
                job,
                succeeded,
                duration,
                ..
            } => {
                if let Some(mut r) = running.remove(job) {
                    r.succeeded = *succeeded;
                    r.duration = *duration;
                    let mut reads: BTreeMap<(String, ReadFrom), usize> = BTreeMap::new();
                    for b in &r.metrics.blocks_read {
                        *reads.entry((b.rdd.to_string(), b.from)).or_default() += 1;
                    }
                    r.read_from = reads.into_iter().map(|((n, f), c)| (n, f, c)).collect();
                    drop(running);
                    lock(&self.done).push(r);
                }
            }
            Event::TaskStart { .. } => {}
        }
    }
}

/// Bytes in B, KB, MB or GB (decimal).
fn bytes(n: u64) -> String {
    match n {
        0..1_000 => format!("{n} B"),
        1_000..1_000_000 => format!("{:.1} KB", n as f64 / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1} MB", n as f64 / 1e6),
        _ => format!("{:.2} GB", n as f64 / 1e9),
    }
}

impl fmt::Display for JobReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = &self.metrics;
        writeln!(
            f,
            "job {} on {}: {} in {:.3} s, {} stage(s), {} task(s), {} failed attempt(s), {} record(s) out",
            self.job,
            self.rdd,
            if self.succeeded {
                "succeeded"
            } else {
                "FAILED"
            },
            self.duration.as_secs_f64(),
            self.stages.len(),
            self.tasks,
            self.failed_attempts,
            self.records_out
        )?;
        for s in &self.stages {
            let kind = match s.kind {
                StageKind::ShuffleMap => "shuffle map",
                StageKind::Result => "result",
                StageKind::Checkpoint => "checkpoint",
            };
            writeln!(
                f,
                "  stage {} {kind} ({} {}): {} task(s), {} record(s) in, {} out, {:.3} s",
                s.stage,
                s.op,
                s.rdd,
                s.tasks,
                s.metrics.records_in,
                s.metrics.records_out,
                s.duration.as_secs_f64()
            )?;
        }
        writeln!(
            f,
            "  shuffle: {} written, {} read (estimated); spilled: {}; checkpointed: {}",
            bytes(m.shuffle_bytes_written),
            bytes(m.shuffle_bytes_read),
            bytes(m.bytes_spilled),
            bytes(m.bytes_checkpointed)
        )?;
        for (rdd, from, parts) in &self.read_from {
            let from = match from {
                ReadFrom::Memory => "cache (memory)",
                ReadFrom::Disk => "cache (disk)",
                ReadFrom::Checkpoint => "checkpoint",
            };
            writeln!(f, "  read {rdd} from {from}: {parts} partition(s)")?;
        }
        for rdd in &self.checkpointed {
            writeln!(f, "  checkpointed {rdd}")?;
        }
        Ok(())
    }
}
