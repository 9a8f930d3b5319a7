//! The execution back end: what runs the stages of a job. The scheduler (`scheduler.rs`)
//! decides *which* stages a job needs (checkpoint pass, missing shuffles, the result stage,
//! checkpoint commits); a [`Backend`] decides *where and how* their tasks run. [`Rayon`] runs
//! them on the context's thread pool; a cluster back end (SPEC section 8) would run partition
//! `p` on its worker and move shuffle outputs between processes, behind the same trait and the
//! shuffle's [`MapOutputStore`](crate::shuffle::MapOutputStore), with no change to the nodes
//! or to the code `pipeline!` generates.

use std::sync::Arc;

use crate::context::Context;
use crate::error::Result;
use crate::listener::StageInfo;
use crate::node::NodeDyn;
use crate::node_info::NodeInfo;
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
}

/// The local back end: one task per partition on the context's rayon pool, shuffle outputs in
/// memory (spilling to local files under a memory limit).
pub struct Rayon;

impl Backend for Rayon {
    fn run_map_stages(&self, ctx: &Context, job: usize, root: &Arc<dyn NodeDyn>) -> Result<()> {
        crate::scheduler::run_missing_shuffles(ctx, job, root)
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
        crate::scheduler::run_tasks(
            ctx,
            &[stage],
            &indices,
            |&i| (0, id, label, parts[i]),
            |cx, &i| task(cx, i),
        )
        .map(drop)
    }
}

/// The back end of `ctx`'s jobs. Local today; cluster mode will pick its back end here from
/// the context's configuration.
pub(crate) fn of(ctx: &Context) -> &'static dyn Backend {
    let _ = ctx;
    &Rayon
}
