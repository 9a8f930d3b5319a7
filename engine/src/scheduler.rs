//! Jobs, stages and tasks: a job runs the checkpoint pass, the shuffle map stages its result
//! needs (independent ones together), the result stage, then commits the checkpoints it wrote.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::checkpoint::CheckpointPass;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::node::{Dependency, NodeDyn, ShuffleDep};
use crate::task::{self, TaskContext};

static JOB_IDS: AtomicUsize = AtomicUsize::new(0);

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
    let span = tracing::info_span!("job", job, rdd = root.info().label);
    let _enter = span.enter();

    let mut pass = CheckpointPass::new(ctx.checkpoint_all_marked_ancestors());
    root.do_checkpoint_dyn(&mut pass);
    let armed = Armed::arm(pass.into_selected())?;

    run_missing_shuffles(ctx, root)?;
    let label = root.info().label;
    let out = run_tasks(ctx, parts, |&p| (label, p), |cx, &p| task(cx, p))?;

    if !armed.0.is_empty() {
        finish_checkpoints(ctx, &armed.0, coverage)?;
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
fn finish_checkpoints(ctx: &Context, armed: &[Arc<dyn NodeDyn>], coverage: Coverage) -> Result<()> {
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
                    run_missing_shuffles(ctx, n)?;
                    let label = n.info().label;
                    run_tasks(
                        ctx,
                        &missing,
                        |&p| (label, p),
                        |cx, &p| {
                            n.drain_partition(cx, p);
                            Ok(())
                        },
                    )?;
                }
            }
            n.commit_checkpoint().map(drop)
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
pub(crate) fn run_missing_shuffles(ctx: &Context, root: &Arc<dyn NodeDyn>) -> Result<()> {
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
        let span = tracing::info_span!("stage", kind = "shuffle_map", tasks = tasks.len());
        let _e = span.enter();
        run_tasks(
            ctx,
            &tasks,
            |&(i, p)| (wave[i].dep.parent.info().label, p),
            |cx, &(i, p)| {
                let d = &wave[i].dep;
                d.owner.run_map_task(cx, d.index, p)
            },
        )?;
    }
    Ok(())
}

/// Runs one task per item, in parallel on the context's pool, each with retries.
pub(crate) fn run_tasks<I: Sync, R: Send>(
    ctx: &Context,
    items: &[I],
    describe: impl Fn(&I) -> (&'static str, usize) + Sync,
    f: impl Fn(&TaskContext, &I) -> Result<R> + Sync,
) -> Result<Vec<R>> {
    ctx.install(|| {
        items
            .par_iter()
            .with_max_len(1)
            .map(|it| {
                let (label, part) = describe(it);
                run_task(ctx, label, part, |cx| f(cx, it))
            })
            .collect()
    })
}

/// One task with up to `task_max_failures` attempts. A panic is retried; an error (bad input,
/// I/O) is not, since it would fail the same way again.
fn run_task<R>(
    ctx: &Context,
    label: &'static str,
    part: usize,
    f: impl Fn(&TaskContext) -> Result<R>,
) -> Result<R> {
    let max = ctx.task_max_failures();
    let mut last = None;
    for attempt in 1..=max {
        let cx = TaskContext::new(ctx, part, attempt);
        let span = tracing::trace_span!("task", rdd = label, part, attempt);
        let _e = span.enter();
        match task::catch(|| f(&cx)) {
            Ok(result) => {
                if let Some(e) = cx.take_error() {
                    return Err(e);
                }
                let v = result?;
                cx.run_commits()?;
                return Ok(v);
            }
            Err(report) => {
                tracing::warn!(
                    rdd = label,
                    part,
                    attempt,
                    "task panicked: {}",
                    report.message
                );
                last = Some(report);
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
