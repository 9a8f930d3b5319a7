//! Jobs, stages and tasks: a job runs the checkpoint pass, the shuffle map stages its result
//! needs (independent ones together), the result stage, then commits the checkpoints it wrote.
//! Which stages a job needs is decided here; the stages run through the context's back end
//! (`backend.rs`), whose local implementation runs them with the task runner (`runner.rs`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rayon::prelude::*;

use crate::context::Context;
use crate::error::{Error, Result};
use crate::listener::{Event, StageInfo, StageKind};
use crate::node::{CheckpointPass, Dependency, NodeDyn};
use crate::sync::lock;
use crate::task::TaskContext;

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
    job(ctx, root, parts, coverage, task, Results::Everywhere)
}

/// One job between its start and end events, whatever is done with its results.
fn job<R: Send>(
    ctx: &Context,
    root: &Arc<dyn NodeDyn>,
    parts: &[usize],
    coverage: Coverage,
    task: &(dyn Fn(&TaskContext, usize) -> Result<R> + Sync),
    results: Results,
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
    let out = job_stages(ctx, job, root, parts, coverage, task, results);
    ctx.emit(|| Event::JobEnd {
        job,
        rdd,
        succeeded: out.is_ok(),
        duration: started.elapsed(),
    });
    out
}

/// Where a job's per-partition results are needed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Results {
    /// In the caller, for every partition (in a cluster, in every process).
    Everywhere,
    /// Nowhere: the task's side effect is the point (`for_each`, saves). In a cluster each
    /// partition's task runs once, in the process that owns it.
    Nowhere,
}

/// Runs one job for its side effects: `task(cx, p)` once for every partition `p` in `parts`
/// of `root` (in a cluster, in the process that owns `p`); fails in every process if a task
/// failed in any.
pub(crate) fn run_job_for_effect(
    ctx: &Context,
    root: &Arc<dyn NodeDyn>,
    parts: &[usize],
    coverage: Coverage,
    task: &(dyn Fn(&TaskContext, usize) -> Result<()> + Sync),
) -> Result<()> {
    job(ctx, root, parts, coverage, task, Results::Nowhere).map(drop)
}

/// Every process's `outcome` of a step outside any job (a save's checks and commit): the
/// first error of any process, or `Ok`. Locally, `outcome` itself.
pub(crate) fn agree(ctx: &Context, what: &str, outcome: Result<()>) -> Result<()> {
    backend_of(ctx).agree(ctx, what, outcome)
}

/// The stages of job `job`: checkpoint pass, missing shuffles, result stage, checkpoints.
fn job_stages<R: Send>(
    ctx: &Context,
    job: usize,
    root: &Arc<dyn NodeDyn>,
    parts: &[usize],
    coverage: Coverage,
    task: &(dyn Fn(&TaskContext, usize) -> Result<R> + Sync),
    results: Results,
) -> Result<Vec<R>> {
    let mut pass = CheckpointPass::new(ctx.checkpoint_all_marked_ancestors());
    root.do_checkpoint_dyn(&mut pass);
    let armed = Armed::arm(pass.into_selected())?;

    prepare_nodes(root)?;
    let backend = backend_of(ctx);
    backend.run_map_stages(ctx, job, root)?;
    let info = root.info();
    let stage = StageInfo::new(job, StageKind::Result, info, parts.len());
    // The back end runs untyped tasks; each keeps its result in its partition's slot (a
    // retried task overwrites its failed attempt's).
    let slots: Vec<Mutex<Option<R>>> = parts.iter().map(|_| Mutex::new(None)).collect();
    let one = |cx: &TaskContext, i: usize| {
        let r = task(cx, parts[i])?;
        *lock(&slots[i]) = Some(r);
        Ok(())
    };
    if results == Results::Nowhere {
        backend.run_stage(ctx, stage, info, parts, &one)?;
        if !armed.0.is_empty() {
            finish_checkpoints(ctx, job, &armed.0, coverage)?;
        }
        // Only the partitions this process ran have a slot filled; nobody reads them.
        return Ok(Vec::new());
    }
    backend.run_result_stage(ctx, stage, root, parts, &one)?;
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

/// Calls `prepare_job` on every node the job may compute: those reached from `root` through
/// narrow dependencies and through shuffles whose map outputs are missing. Parents first, so
/// a node's preparation sees its ancestors prepared.
fn prepare_nodes(root: &Arc<dyn NodeDyn>) -> Result<()> {
    let mut seen = rustc_hash::FxHashSet::default();
    let mut order = Vec::new();
    // Iterative: lineage may be long when nothing was checkpointed yet.
    let mut stack = vec![root.clone()];
    while let Some(n) = stack.pop() {
        if !seen.insert(n.info().id) {
            continue;
        }
        for d in n.dependencies() {
            match d {
                Dependency::Narrow(p) => stack.push(p),
                Dependency::Shuffle(s) if !s.status.is_complete() => stack.push(s.parent),
                Dependency::Shuffle(_) | Dependency::Checkpoint(_) => {}
            }
        }
        order.push(n);
    }
    order.iter().rev().try_for_each(|n| n.prepare_job())
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

/// The back end of `ctx`'s jobs (the cluster's in cluster mode).
fn backend_of(ctx: &Context) -> &'static dyn crate::backend::Backend {
    #[cfg(feature = "cluster")]
    return crate::cluster::of(ctx);
    #[cfg(not(feature = "cluster"))]
    crate::backend::of(ctx)
}

/// Commits the selected checkpoints, in parallel (Spark writes them one after another).
fn finish_checkpoints(
    ctx: &Context,
    job: usize,
    armed: &[Arc<dyn NodeDyn>],
    coverage: Coverage,
) -> Result<()> {
    let backend = backend_of(ctx);
    if backend.is_collective() {
        return finish_checkpoints_collectively(ctx, job, armed, coverage, backend);
    }
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

/// [`finish_checkpoints`] in a cluster: one step after another, in the same order in every
/// process. Each process recorded the parts it computed; the records are shared, so every
/// process sees the same missing parts (computed by their owners), then each commits (process
/// 0 writes the manifest, after every part is in place) and all agree on the outcome.
fn finish_checkpoints_collectively(
    ctx: &Context,
    job: usize,
    armed: &[Arc<dyn NodeDyn>],
    coverage: Coverage,
    backend: &dyn crate::backend::Backend,
) -> Result<()> {
    backend.share_checkpoint_parts(ctx, armed)?;
    if coverage == Coverage::Full {
        let mut computed = false;
        for n in armed {
            let missing = n.missing_checkpoint_parts()?;
            if missing.is_empty() {
                continue;
            }
            backend.run_map_stages(ctx, job, n)?;
            let info = n.info();
            let stage = StageInfo::new(job, StageKind::Checkpoint, info, missing.len());
            backend.run_stage(ctx, stage, info, &missing, &|cx, i| {
                n.drain_partition(cx, missing[i]);
                Ok(())
            })?;
            computed = true;
        }
        if computed {
            backend.share_checkpoint_parts(ctx, armed)?;
        }
    }
    for n in armed {
        let outcome = n.commit_checkpoint();
        let committed = matches!(outcome, Ok(true));
        backend.agree(ctx, "a checkpoint commit", outcome.map(drop))?;
        if committed {
            ctx.emit(|| Event::Checkpoint(n.checkpoint_info(job)));
        }
    }
    Ok(())
}
