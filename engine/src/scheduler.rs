//! Jobs, stages and tasks: a job runs the checkpoint pass, the shuffle map stages its result
//! needs (independent ones together), the result stage, then commits the checkpoints it wrote.
//! Which stages a job needs is decided here; the stages run through the context's back end
//! (`backend.rs`), whose local implementation is the rayon task runner below.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::context::Context;
use crate::error::{Error, Result};
use crate::listener::{Event, StageInfo, StageKind, TaskEnd, TaskMetrics, TaskOutcome};
use crate::node::{CheckpointPass, Dependency, NodeDyn, NodeInfo, ShuffleDep};
use crate::sync::lock;
use crate::task::{self, TaskContext};

static JOB_IDS: AtomicUsize = AtomicUsize::new(0);
static STAGE_IDS: AtomicUsize = AtomicUsize::new(0);

/// How much of the final RDD a job consumes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coverage {
    /// Every element of every partition: checkpoints selected by the job are completed even
    /// for partitions the job did not compute (a shuffle reused from an earlier job, say).
    Full,
    /// Some elements only (`take`): whatever was fully computed is kept, the rest is left to a
    /// later job.
    Partial,
}

/// Runs one job: `task(cx, p)` for every partition `p` in `parts` of `root`.
pub(crate) fn run_job<R: Send>(
    ctx: &Context,
    root: &Arc<dyn NodeDyn>,
    parts: &[usize],
    coverage: Coverage,
    task: &(dyn Fn(&TaskContext, usize) -> Result<R> + Sync),
) -> Result<Vec<R>> {
    let job = JOB_IDS.fetch_add(1, Ordering::Relaxed);
    let rdd = root.info().label;
    let span = tracing::info_span!("job", job, rdd);
    let _enter = span.enter();
    let started = Instant::now();
    ctx.emit(|| Event::JobStart {
        job,
        rdd,
        partitions: parts.len(),
    });
    let out = job_stages(ctx, job, root, parts, coverage, task);
    ctx.emit(|| Event::JobEnd {
        job,
        rdd,
        succeeded: out.is_ok(),
        duration: started.elapsed(),
    });
    out
}

/// The stages of job `job`: checkpoint pass, missing shuffles, result stage, checkpoints.
fn job_stages<R: Send>(
    ctx: &Context,
    job: usize,
    root: &Arc<dyn NodeDyn>,
    parts: &[usize],
    coverage: Coverage,
    task: &(dyn Fn(&TaskContext, usize) -> Result<R> + Sync),
) -> Result<Vec<R>> {
    let mut pass = CheckpointPass::new(ctx.checkpoint_all_marked_ancestors());
    root.do_checkpoint_dyn(&mut pass);
    let armed = Armed::arm(pass.into_selected())?;

    let backend = crate::backend::of(ctx);
    backend.run_map_stages(ctx, job, root)?;
    let info = root.info();
    let stage = StageInfo::new(job, StageKind::Result, info, parts.len());
    // The back end runs untyped tasks; each keeps its result in its partition's slot (a
    // retried task overwrites its failed attempt's).
    let slots: Vec<Mutex<Option<R>>> = parts.iter().map(|_| Mutex::new(None)).collect();
    backend.run_stage(ctx, stage, info, parts, &|cx, i| {
        let r = task(cx, parts[i])?;
        *lock(&slots[i]) = Some(r);
        Ok(())
    })?;
    let out = slots
        .into_iter()
        .map(|s| s.into_inner().unwrap_or_else(|p| p.into_inner()))
        .collect::<Option<Vec<R>>>()
        .ok_or_else(|| Error::Internal("a result task ended without a result".into()))?;

    if !armed.0.is_empty() {
        finish_checkpoints(ctx, job, &armed.0, coverage)?;
    }
    Ok(out)
}

/// The nodes a job writes checkpoints for; disarmed when the job ends, however it ends.
struct Armed(Vec<Arc<dyn NodeDyn>>);

impl Armed {
    fn arm(selected: Vec<Arc<dyn NodeDyn>>) -> Result<Armed> {
        let mut armed = Armed(Vec::with_capacity(selected.len()));
        for n in selected {
            if n.arm()? {
                armed.0.push(n);
            }
        }
        Ok(armed)
    }
}

impl Drop for Armed {
    fn drop(&mut self) {
        for n in &self.0 {
            n.disarm();
        }
    }
}

/// Commits the selected checkpoints, in parallel (Spark writes them one after another).
fn finish_checkpoints(
    ctx: &Context,
    job: usize,
    armed: &[Arc<dyn NodeDyn>],
    coverage: Coverage,
) -> Result<()> {
    ctx.install(|| {
        armed.par_iter().try_for_each(|n| {
            if coverage == Coverage::Full {
                let missing = n.missing_checkpoint_parts()?;
                if !missing.is_empty() {
                    tracing::debug!(
                        rdd = n.info().label,
                        parts = missing.len(),
                        "computing partitions the job did not reach, for the checkpoint"
                    );
                    let backend = crate::backend::of(ctx);
                    backend.run_map_stages(ctx, job, n)?;
                    let info = n.info();
                    let stage = StageInfo::new(job, StageKind::Checkpoint, info, missing.len());
                    backend.run_stage(ctx, stage, info, &missing, &|cx, i| {
                        n.drain_partition(cx, missing[i]);
                        Ok(())
                    })?;
                }
            }
            if n.commit_checkpoint()? {
                ctx.emit(|| Event::Checkpoint(n.checkpoint_info(job)));
            }
            Ok(())
        })
    })
}

/// Shuffle dependencies reachable from `node` through narrow edges whose outputs are missing.
fn direct_missing_shuffles(node: &Arc<dyn NodeDyn>) -> Vec<ShuffleDep> {
    let mut out = Vec::new();
    let mut seen = FxHashSet::default();
    let mut stack = vec![node.clone()];
    // Iterative: lineage may be long when nothing was checkpointed yet.
    while let Some(n) = stack.pop() {
        if !seen.insert(n.info().id) {
            continue;
        }
        for d in n.dependencies() {
            match d {
                Dependency::Narrow(p) => stack.push(p),
                Dependency::Shuffle(s) if !s.status.is_complete() => out.push(s),
                Dependency::Shuffle(_) | Dependency::Checkpoint(_) => {}
            }
        }
    }
    out
}

/// Runs every missing shuffle map stage under `root`, in waves: each wave runs, as one set of
/// parallel tasks, all stages whose own inputs are ready.
pub(crate) fn run_missing_shuffles(
    ctx: &Context,
    job: usize,
    root: &Arc<dyn NodeDyn>,
) -> Result<()> {
    struct Stage {
        dep: ShuffleDep,
        needs: Vec<(usize, usize)>,
    }
    let key = |d: &ShuffleDep| (d.owner.info().id, d.index);
    let mut stages: FxHashMap<(usize, usize), Stage> = FxHashMap::default();
    let mut todo = direct_missing_shuffles(root);
    while let Some(dep) = todo.pop() {
        let k = key(&dep);
        if stages.contains_key(&k) {
            continue;
        }
        let pre = direct_missing_shuffles(&dep.parent);
        let needs = pre.iter().map(key).collect();
        todo.extend(pre);
        stages.insert(k, Stage { dep, needs });
    }
    while !stages.is_empty() {
        let ready: Vec<(usize, usize)> = stages
            .iter()
            .filter(|(_, s)| s.needs.iter().all(|n| !stages.contains_key(n)))
            .map(|(k, _)| *k)
            .collect();
        if ready.is_empty() {
            return Err(Error::Internal(
                "shuffle stages depend on each other".into(),
            ));
        }
        let wave: Vec<Stage> = ready.iter().filter_map(|k| stages.remove(k)).collect();
        let tasks: Vec<(usize, usize)> = wave
            .iter()
            .enumerate()
            .flat_map(|(i, s)| s.dep.status.missing().into_iter().map(move |p| (i, p)))
            .collect();
        for s in &wave {
            s.dep.owner.prepare_map_stage(s.dep.index)?;
        }
        let infos: Vec<StageInfo> = wave
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let n = tasks.iter().filter(|t| t.0 == i).count();
                StageInfo::new(job, StageKind::ShuffleMap, s.dep.owner.info(), n)
            })
            .collect();
        run_tasks(
            ctx,
            &infos,
            &tasks,
            // No node's elements are the output of a map task: its shuffle writes are.
            |&(i, p)| (i, usize::MAX, wave[i].dep.parent.info().label, p),
            |cx, &(i, p)| {
                let d = &wave[i].dep;
                d.owner.run_map_task(cx, d.index, p)?;
                let (records, bytes) = d.status.map_output_size(p);
                cx.metrics(|m| {
                    m.records_out += records;
                    m.shuffle_records_written += records;
                    m.shuffle_bytes_written += bytes;
                });
                Ok(())
            },
        )?;
    }
    Ok(())
}

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
        // Ok, or Err(Some(error)) (not retried), or Err(None) after a panic (retried).
        let outcome = match task::catch(|| f(&cx)) {
            Ok(result) => match cx.take_error().map_or(result, Err) {
                Ok(v) => cx.run_commits().map(|()| v).map_err(Some),
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

impl StageInfo {
    fn new(job: usize, kind: StageKind, node: &NodeInfo, tasks: usize) -> Self {
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
