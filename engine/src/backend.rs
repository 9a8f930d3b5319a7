//! The execution back end: what runs the stages of a job. The scheduler (`scheduler.rs`)
//! decides *which* stages a job needs (checkpoint pass, missing shuffles, the result stage,
//! checkpoint commits); a [`Backend`] decides *where and how* their tasks run. [`Rayon`] runs
//! them on the context's thread pool; a cluster back end (SPEC section 8) would run partition
//! `p` on its worker and move shuffle outputs between processes, behind the same trait and the
//! shuffle's [`MapOutputStore`](crate::shuffle::MapOutputStore), with no change to the nodes
//! or to the code `pipeline!` generates.

use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::checkpoint::CheckpointStatus;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::listener::{StageInfo, StageKind};
use crate::node::{Dependency, NodeDyn, ShuffleDep};
use crate::node_info::NodeInfo;
use crate::runner::run_tasks;
use crate::task::TaskContext;

/// One task of a stage: `task(cx, i)` computes the `i`-th of the stage's partitions (its
/// result is kept by the caller).
pub type StageTask<'a> = dyn Fn(&TaskContext, usize) -> Result<()> + Sync + 'a;

/// Runs the stages of a job.
pub trait Backend: Send + Sync {
    /// Runs every shuffle map stage that `root`'s partitions need and that is not complete,
    /// a stage after the stages it reads.
    fn run_map_stages(&self, ctx: &Context, job: usize, root: &Arc<dyn NodeDyn>) -> Result<()>;

    /// Runs `task(cx, i)` for every index `i` of `parts`, partition `parts[i]` of `node` (the
    /// stage `stage`), each with the context's retries; fails with the first task that fails
    /// for good.
    fn run_stage(
        &self,
        ctx: &Context,
        stage: StageInfo,
        node: &NodeInfo,
        parts: &[usize],
        task: &StageTask<'_>,
    ) -> Result<()>;

    /// Runs the result stage of a job: `task(cx, i)` for partition `parts[i]` of `root`, whose
    /// results the caller keeps. Every process of a cluster gets every result (the back end
    /// moves what it must); locally this is [`Backend::run_stage`].
    fn run_result_stage(
        &self,
        ctx: &Context,
        stage: StageInfo,
        root: &Arc<dyn NodeDyn>,
        parts: &[usize],
        task: &StageTask<'_>,
    ) -> Result<()> {
        self.run_stage(ctx, stage, root.info(), parts, task)
    }

    /// Whether stages are collective steps of several processes (then the scheduler runs the
    /// steps of a job one after another, in the same order in every process).
    fn is_collective(&self) -> bool {
        false
    }

    /// Makes the checkpoint parts recorded by any process known to every process (each
    /// process records the parts it computed); nothing to do locally.
    fn share_checkpoint_parts(&self, ctx: &Context, armed: &[Arc<dyn NodeDyn>]) -> Result<()> {
        let _ = (ctx, armed);
        Ok(())
    }

    /// Every process's `outcome` of one step (a commit, say): the first error of any
    /// process, or `Ok`. Locally, `outcome` itself.
    fn agree(&self, ctx: &Context, what: &str, outcome: Result<()>) -> Result<()> {
        let _ = (ctx, what);
        outcome
    }
}

/// The local back end: one task per partition on the context's rayon pool, shuffle outputs in
/// memory (spilling to local files under a memory limit).
pub struct Rayon;

impl Backend for Rayon {
    fn run_map_stages(&self, ctx: &Context, job: usize, root: &Arc<dyn NodeDyn>) -> Result<()> {
        run_missing_shuffles(ctx, job, root, &|wave, infos, tasks| {
            run_wave(ctx, wave, infos, tasks, |_, _, _| Ok(()))
        })
    }

    fn run_stage(
        &self,
        ctx: &Context,
        stage: StageInfo,
        node: &NodeInfo,
        parts: &[usize],
        task: &StageTask<'_>,
    ) -> Result<()> {
        let (id, label) = (node.id, node.label);
        let indices: Vec<usize> = (0..parts.len()).collect();
        run_tasks(
            ctx,
            &[stage],
            &indices,
            |&i| (0, id, label, parts[i]),
            |cx, &i| task(cx, i),
        )
        .map(drop)
    }
}

/// The local back end. The scheduler asks `cluster::of`, which picks the cluster back end in
/// cluster mode and this one otherwise.
pub(crate) fn of(ctx: &Context) -> &'static dyn Backend {
    let _ = ctx;
    &Rayon
}

/// Ids of the shuffles below a node marked for checkpointing under `root`: the job that
/// writes the checkpoint truncates their lineage, so they go with it rather than to disk.
fn below_checkpoints(root: &Arc<dyn NodeDyn>) -> FxHashSet<usize> {
    let mut out = FxHashSet::default();
    let mut seen = FxHashSet::default();
    let mut stack = vec![(root.clone(), false)];
    while let Some((n, below)) = stack.pop() {
        let below = below || matches!(n.checkpoint_status(), CheckpointStatus::Marked(_));
        if !seen.insert((n.info().id, below)) {
            continue;
        }
        for d in n.dependencies() {
            match d {
                Dependency::Narrow(p) => stack.push((p, below)),
                Dependency::Shuffle(s) => {
                    if below {
                        out.insert(s.status.id());
                    }
                    stack.push((s.parent, below));
                }
                Dependency::Checkpoint(_) => {}
            }
        }
    }
    out
}

/// The shuffle dependencies of the stages rooted at `nodes`: reachable through narrow edges,
/// complete or not, each once.
fn stage_shuffles(nodes: &[Arc<dyn NodeDyn>]) -> Vec<ShuffleDep> {
    let mut out = Vec::new();
    let mut seen = FxHashSet::default();
    let mut stack: Vec<Arc<dyn NodeDyn>> = nodes.to_vec();
    // Iterative: lineage may be long when nothing was checkpointed yet.
    while let Some(n) = stack.pop() {
        if !seen.insert(n.info().id) {
            continue;
        }
        for d in n.dependencies() {
            match d {
                Dependency::Narrow(p) => stack.push(p),
                Dependency::Shuffle(s) => out.push(s),
                Dependency::Checkpoint(_) => {}
            }
        }
    }
    out
}

/// Ids of the shuffles read by tasks of stages rooted at `nodes`, complete or not.
fn shuffles_read_by(nodes: &[Arc<dyn NodeDyn>]) -> FxHashSet<usize> {
    stage_shuffles(nodes)
        .iter()
        .map(|s| s.status.id())
        .collect()
}

/// Shuffle dependencies reachable from `node` through narrow edges whose outputs are missing.
fn direct_missing_shuffles(node: &Arc<dyn NodeDyn>) -> Vec<ShuffleDep> {
    let mut deps = stage_shuffles(std::slice::from_ref(node));
    deps.retain(|s| !s.status.is_complete());
    deps
}

/// Runs one wave of map stages: tasks `(i, p)` (map partition `p` of `wave[i]`), each
/// followed by `after(cx, i, p)` in the same task (cluster mode encodes the output there).
pub(crate) fn run_wave(
    ctx: &Context,
    wave: &[ShuffleDep],
    infos: &[StageInfo],
    tasks: &[(usize, usize)],
    after: impl Fn(&TaskContext, usize, usize) -> Result<()> + Sync,
) -> Result<()> {
    run_tasks(
        ctx,
        infos,
        tasks,
        // No node's elements are the output of a map task: its shuffle writes are.
        |&(i, p)| (i, usize::MAX, wave[i].parent.info().label, p),
        |cx, &(i, p)| {
            let d = &wave[i];
            d.owner.run_map_task(cx, d.index, p)?;
            let (records, bytes) = d.status.map_output_size(p);
            cx.metrics(|m| {
                m.records_out += records;
                m.shuffle_records_written += records;
                m.shuffle_bytes_written += bytes;
            });
            after(cx, i, p)
        },
    )
    .map(drop)
}

/// How a back end runs one wave: `(wave, stage infos, tasks (i, map partition))`.
pub(crate) type WaveRunner<'a> =
    dyn Fn(&[ShuffleDep], &[StageInfo], &[(usize, usize)]) -> Result<()> + 'a;

/// Runs every missing shuffle map stage under `root`, in waves: each wave runs, as one set of
/// parallel tasks, all stages whose own inputs are ready. The order of waves and of stages in
/// a wave depends only on the graph, so every process of a cluster walks the same.
///
/// A shuffle this job made and no later stage of the job reads is kept for later jobs (as
/// Spark keeps its shuffle files): in memory while such shuffles take at most
/// `Context::kept_shuffle_memory` bytes (the newest first), on disk beyond, its in-memory
/// outputs moved to files of the spill directory after the wave that stopped reading them
/// ([`ShuffleStatus::move_to_disk`](crate::shuffle::ShuffleStatus::move_to_disk)). A long
/// lineage computed in one job (an iterative algorithm without checkpoints) then holds the
/// shuffles it reads and writes plus that budget, not every iteration's. Shuffles below a node
/// this job checkpoints stay: the checkpoint truncates their lineage at the end of the job.
pub(crate) fn run_missing_shuffles(
    ctx: &Context,
    job: usize,
    root: &Arc<dyn NodeDyn>,
    run: &WaveRunner<'_>,
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
    // Shuffles made by this job and still in memory.
    let mut made: Vec<ShuffleDep> = Vec::new();
    let transient = below_checkpoints(root);
    while !stages.is_empty() {
        let mut ready: Vec<(usize, usize)> = stages
            .iter()
            .filter(|(_, s)| s.needs.iter().all(|n| !stages.contains_key(n)))
            .map(|(k, _)| *k)
            .collect();
        ready.sort_unstable();
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
        let deps: Vec<ShuffleDep> = wave.into_iter().map(|s| s.dep).collect();
        run(&deps, &infos, &tasks)?;
        made.extend(deps);
        let pending: Vec<Arc<dyn NodeDyn>> = stages
            .values()
            .map(|s| s.dep.parent.clone())
            .chain([root.clone()])
            .collect();
        let read = shuffles_read_by(&pending);
        // The newest unread shuffles stay in memory up to the budget; older ones move.
        let mut kept = 0u64;
        let mut moved = FxHashSet::default();
        let unread = |d: &&ShuffleDep| {
            let id = d.status.id();
            !read.contains(&id) && !transient.contains(&id)
        };
        for d in made.iter().rev().filter(unread) {
            kept += d.status.memory_bytes();
            if kept <= ctx.kept_shuffle_memory() {
                continue;
            }
            if let Err(e) = d.status.move_to_disk(ctx) {
                // Kept in memory then: moving is what bounds memory, not what makes results.
                tracing::warn!(
                    shuffle = d.status.id(),
                    "cannot move shuffle outputs to disk: {e}"
                );
            }
            moved.insert(d.status.id());
        }
        made.retain(|d| !moved.contains(&d.status.id()));
    }
    Ok(())
}
