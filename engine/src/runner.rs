//! The local task runner: one task per item on the context's rayon pool, each attempt with its
//! task context, panic capture, retries, metrics and listener events; and the ids of stages.
//! Below both the scheduler, which decides the stages of a job, and the back end, which runs
//! them through it.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use rayon::prelude::*;

use crate::accumulator::{self, AttemptUpdates};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::listener::{Event, StageInfo, StageKind, TaskEnd, TaskMetrics, TaskOutcome};
use crate::node_info::NodeInfo;
use crate::sync::lock;
use crate::task::{self, TaskContext};

static STAGE_IDS: AtomicUsize = AtomicUsize::new(0);

/// Runs one task per item, in parallel on the context's pool, each with retries. `stages` are
/// the stages the items belong to (a wave of independent shuffle map stages runs as one set of
/// tasks); `describe` gives an item's stage index, the id and name of the node it produces,
/// and its partition.
pub(crate) fn run_tasks<I: Sync, R: Send>(
    ctx: &Context,
    stages: &[StageInfo],
    items: &[I],
    describe: impl Fn(&I) -> (usize, usize, &'static str, usize) + Sync,
    f: impl Fn(&TaskContext, &I) -> Result<R> + Sync,
) -> Result<Vec<R>> {
    let span = match stages {
        [s] => {
            tracing::info_span!("stage", stage = s.stage, kind = ?s.kind, rdd = s.rdd, tasks = s.tasks)
        }
        _ => {
            tracing::info_span!("stage", stages = stages.len(), kind = ?StageKind::ShuffleMap, tasks = items.len())
        }
    };
    let _e = span.enter();
    let started = Instant::now();
    for s in stages {
        ctx.emit(|| Event::StageStart(s.clone()));
    }
    let totals: Vec<Mutex<TaskMetrics>> = stages.iter().map(|_| Mutex::default()).collect();
    let out: Result<Vec<R>> = ctx.install(|| {
        items
            .par_iter()
            .with_max_len(1)
            .map(|it| {
                let (stage, root, label, part) = describe(it);
                let target = Target {
                    stage: &stages[stage],
                    root,
                    label,
                    part,
                    span: &span,
                };
                let (r, metrics) = run_task(ctx, target, |cx| f(cx, it))?;
                lock(&totals[stage]).add(&metrics);
                Ok(r)
            })
            .collect()
    });
    for (s, m) in stages.iter().zip(totals) {
        ctx.emit(|| Event::StageEnd {
            stage: s.clone(),
            metrics: m.into_inner().unwrap_or_else(|p| p.into_inner()),
            duration: started.elapsed(),
            succeeded: out.is_ok(),
        });
    }
    out
}

/// What a task computes, and where it reports.
struct Target<'a> {
    stage: &'a StageInfo,
    /// Id and name of the node whose partition it produces.
    root: usize,
    label: &'static str,
    part: usize,
    /// The stage's span: tasks run on worker threads, where it is not the current span.
    span: &'a tracing::Span,
}

/// One task with up to `task_max_failures` attempts. A panic is retried; an error (bad input,
/// I/O) is not, since it would fail the same way again.
fn run_task<R>(
    ctx: &Context,
    t: Target<'_>,
    f: impl Fn(&TaskContext) -> Result<R>,
) -> Result<(R, TaskMetrics)> {
    let max = ctx.task_max_failures();
    let (label, part) = (t.label, t.part);
    let mut last = None;
    for attempt in 1..=max {
        let cx = TaskContext::new(ctx, part, attempt, t.root);
        let span = tracing::trace_span!(parent: t.span, "task", rdd = label, part, attempt);
        let _e = span.enter();
        ctx.emit(|| Event::TaskStart {
            job: t.stage.job,
            stage: t.stage.stage,
            partition: part,
            attempt,
        });
        let started = Instant::now();
        // Ok, or Err(Some(error)) (not retried), or Err(None) after a panic (retried). The
        // attempt's accumulator updates are merged only once everything else succeeded.
        let (caught, updates) = accumulator::attempt(|| task::catch(|| f(&cx)));
        let outcome = match caught {
            Ok(result) => match cx.take_error().map_or(result, Err) {
                Ok(v) => cx
                    .run_commits()
                    .and_then(|()| commit_updates(&cx, updates, label))
                    .map(|()| v)
                    .map_err(Some),
                Err(e) => Err(Some(e)),
            },
            Err(report) => {
                tracing::warn!(
                    rdd = label,
                    part,
                    attempt,
                    "task panicked: {}",
                    report.message
                );
                last = Some(report);
                Err(None)
            }
        };
        let metrics = cx.take_metrics();
        let end = |outcome: TaskOutcome, metrics: TaskMetrics| {
            ctx.emit(|| {
                Event::TaskEnd(TaskEnd {
                    job: t.stage.job,
                    stage: t.stage.stage,
                    kind: t.stage.kind,
                    rdd: label,
                    partition: part,
                    attempt,
                    outcome,
                    metrics,
                    duration: started.elapsed(),
                })
            })
        };
        match outcome {
            Ok(v) => {
                end(TaskOutcome::Success, metrics.clone());
                return Ok((v, metrics));
            }
            Err(Some(e)) => {
                end(TaskOutcome::Failed(e.to_string()), metrics);
                return Err(e);
            }
            Err(None) => {
                let msg = last.as_ref().map_or(String::new(), |r| r.message.clone());
                end(TaskOutcome::Panicked(msg), metrics);
            }
        }
    }
    let report = last.expect("at least one attempt ran");
    Err(Error::TaskFailed {
        node: report.node.unwrap_or(label).to_string(),
        partition: part,
        attempts: max,
        message: report.message,
    })
}

/// Merges a successful attempt's accumulator updates and reports them in its metrics.
fn commit_updates(cx: &TaskContext, updates: AttemptUpdates, node: &str) -> Result<()> {
    let reported = updates.commit().map_err(|message| Error::Panicked {
        node: node.to_string(),
        during: "merging accumulator updates",
        message,
    })?;
    cx.metrics(|m| m.accumulators = reported);
    Ok(())
}

impl StageInfo {
    pub(crate) fn new(job: usize, kind: StageKind, node: &NodeInfo, tasks: usize) -> Self {
        StageInfo {
            job,
            stage: STAGE_IDS.fetch_add(1, Ordering::Relaxed),
            kind,
            rdd: node.label,
            op: node.op,
            tasks,
        }
    }
}
