//! The cluster back end (SPEC section 8, feature `cluster`): the same stages as the local back
//! end, each partition computed by one process, and every stage ending in one collective step
//! over timely ([`crate::net::Session::exchange`]):
//!
//! - a map stage: each process runs the map tasks of the partitions it owns (with the usual
//!   retries, before anything is sent), encodes each map output bucket by bucket, and sends
//!   each bucket only to the process that owns its output partition; that process stores
//!   what it received from every map partition, so a reduce partition reads its buckets in
//!   map-partition order exactly as locally (results equal bit for bit). Under the context's
//!   memory limit, received buckets wait in files until their reduce task reads them;
//! - a stage that reads partitions under other indices than its own (`union`, `coalesce`,
//!   `cartesian` above a shuffle) runs its tasks in other processes than the buckets' owners:
//!   before it, the whole outputs of those shuffles go to every process, once;
//! - a result stage: each process computes its partitions of the job's root and sends their
//!   elements; every process then runs the action's task on every partition, reading the
//!   elements instead of computing them, so every process returns the same value;
//! - checkpoints: each part is written by the process that computed it, the records are
//!   shared, process 0 writes the manifest, and every process agrees on the outcome.
//!
//! A process whose task fails for good sends its error in the step, so every process fails the
//! job; a lost process fails the step in every survivor with `Error::Cluster` naming it.
//! Partition `p` belongs to worker `p mod (processes x threads)`, i.e. to process
//! `(p mod W) / threads`.

use std::sync::{Arc, Mutex};

use xxhash_rust::xxh3::Xxh3;

use crate::backend::{Backend, StageTask, run_missing_shuffles, run_wave};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::listener::StageInfo;
use crate::net::Session;
use crate::node::{Dependency, NodeDyn, ShuffleDep};
use crate::node_info::NodeInfo;
use crate::runner::run_tasks;
use crate::shuffle::{EncodedBucket, ShuffleStatus};
use crate::sync::lock;
use crate::task::TaskContext;

/// The back end of `ctx`'s jobs: the cluster's in cluster mode, else the local one.
pub(crate) fn of(ctx: &Context) -> &'static dyn Backend {
    match ctx.cluster() {
        Some(_) => &Cluster,
        None => crate::backend::of(ctx),
    }
}

/// The cluster back end (stateless: the session is the context's).
pub(crate) struct Cluster;

/// The process that computes partition `p` of any stage.
pub(crate) fn owner(ctx: &Context, p: usize) -> usize {
    let processes = ctx.process_count();
    let threads = ctx.threads().max(1);
    (p % (processes * threads)) / threads
}

fn session(ctx: &Context) -> Result<&Arc<Session>> {
    ctx.cluster()
        .ok_or_else(|| Error::Internal("the cluster back end runs without a cluster".into()))
}

/// A tagged block of one step: two numbers saying what it is (a stage and a partition, say)
/// and its bytes.
type Block = (u64, u64, Vec<u8>);

/// What one process sends in a step: its blocks, or the error that failed its side.
fn encode_outcome(outcome: std::result::Result<&[Block], &Error>) -> Vec<u8> {
    let mut out = Vec::new();
    match outcome {
        Ok(blocks) => {
            out.push(0);
            out.extend_from_slice(&(blocks.len() as u64).to_le_bytes());
            for (a, b, bytes) in blocks {
                out.extend_from_slice(&a.to_le_bytes());
                out.extend_from_slice(&b.to_le_bytes());
                out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
                out.extend_from_slice(bytes);
            }
        }
        Err(e) => {
            out.push(1);
            out.extend_from_slice(e.to_string().as_bytes());
        }
    }
    out
}

/// A block list sent by process `from`, or its error.
type Received = std::result::Result<Vec<Block>, String>;

fn decode_outcome(bytes: &[u8]) -> Option<Received> {
    let (&kind, rest) = bytes.split_first()?;
    if kind == 1 {
        return Some(Err(String::from_utf8_lossy(rest).into_owned()));
    }
    let n = word(rest, 0)? as usize;
    let mut at = 8;
    let mut blocks = Vec::with_capacity(n.min(1 << 16));
    for _ in 0..n {
        let (a, b, len) = (
            word(rest, at)?,
            word(rest, at + 8)?,
            word(rest, at + 16)? as usize,
        );
        let body = rest.get(at + 24..at + 24 + len)?.to_vec();
        blocks.push((a, b, body));
        at += 24 + len;
    }
    Some(Ok(blocks))
}

/// The little-endian `u64` at `at`.
fn word(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
}

/// Every other process's blocks decoded, in process order (this process's entry empty), or
/// the first failure as `Error::Cluster` naming the process.
fn decode_all(s: &Session, got: Vec<Vec<u8>>, what: &str) -> Result<Vec<Vec<Block>>> {
    let me = s.index();
    let mut out = Vec::with_capacity(got.len());
    for (p, bytes) in got.into_iter().enumerate() {
        if p == me {
            out.push(Vec::new());
            continue;
        }
        match decode_outcome(&bytes) {
            Some(Ok(blocks)) => out.push(blocks),
            Some(Err(m)) => return Err(s.error(p, format!("{what} failed there: {m}"))),
            None => return Err(s.error(p, format!("sent a malformed message in {what}"))),
        }
    }
    Ok(out)
}

/// Runs one collective step: sends `mine` (this process's blocks, or its error) to all and
/// returns every process's blocks in process order, or the first failure: this process's own
/// error as it is, another's as `Error::Cluster` naming it.
fn step(ctx: &Context, tag: u64, what: &str, mine: Result<Vec<Block>>) -> Result<Vec<Vec<Block>>> {
    let s = session(ctx)?;
    let got = s.all_gather(tag, encode_outcome(mine.as_deref()))?;
    let mine = mine?;
    let mut out = decode_all(s, got, what)?;
    out[s.index()] = mine;
    Ok(out)
}

/// [`step`] with blocks of their own for each process (`mine[q]` to process `q`); returns
/// what each other process sent this one (this process's entry empty).
fn exchange(
    ctx: &Context,
    tag: u64,
    what: &str,
    mine: Result<Vec<Vec<Block>>>,
) -> Result<Vec<Vec<Block>>> {
    let s = session(ctx)?;
    let payloads = match &mine {
        Ok(per) => per.iter().map(|b| encode_outcome(Ok(b))).collect(),
        Err(e) => vec![encode_outcome(Err(e)); s.processes()],
    };
    let got = s.exchange(tag, payloads)?;
    mine?;
    decode_all(s, got, what)
}

/// The buckets `keep` selects of one map output, for one process: the partition count, then
/// each selected bucket's index, records, byte length and bytes.
fn encode_buckets(buckets: &[EncodedBucket], keep: impl Fn(usize) -> bool) -> Vec<u8> {
    let kept: Vec<usize> = (0..buckets.len()).filter(|&r| keep(r)).collect();
    let bytes: usize = kept.iter().map(|&r| 24 + buckets[r].bytes.len()).sum();
    let mut out = Vec::with_capacity(16 + bytes);
    out.extend_from_slice(&(buckets.len() as u64).to_le_bytes());
    out.extend_from_slice(&(kept.len() as u64).to_le_bytes());
    for r in kept {
        let b = &buckets[r];
        out.extend_from_slice(&(r as u64).to_le_bytes());
        out.extend_from_slice(&b.records.to_le_bytes());
        out.extend_from_slice(&(b.bytes.len() as u64).to_le_bytes());
        out.extend_from_slice(&b.bytes);
    }
    out
}

/// What [`encode_buckets`] wrote: one entry per output partition, `None` where not sent.
type Buckets<'a> = Vec<Option<(u64, &'a [u8])>>;

fn decode_buckets(bytes: &[u8]) -> Option<Buckets<'_>> {
    let n = word(bytes, 0)? as usize;
    let k = word(bytes, 8)? as usize;
    if k > n || n > bytes.len() {
        return None;
    }
    let mut out = vec![None; n];
    let mut at = 16;
    for _ in 0..k {
        let (r, records, len) = (
            word(bytes, at)? as usize,
            word(bytes, at + 8)?,
            word(bytes, at + 16)? as usize,
        );
        *out.get_mut(r)? = Some((records, bytes.get(at + 24..at + 24 + len)?));
        at += 24 + len;
    }
    Some(out)
}

/// Stores the map outputs (their buckets for this process) the others sent: block `(i, p)`
/// is map partition `p` of `statuses[i]`.
fn import_all(ctx: &Context, statuses: &[&dyn ShuffleStatus], all: Vec<Vec<Block>>) -> Result<()> {
    let me = ctx.process_index();
    for (q, blocks) in all.into_iter().enumerate() {
        if q == me {
            continue;
        }
        for (i, p, bytes) in blocks {
            let status = statuses
                .get(i as usize)
                .ok_or_else(|| Error::Internal("a map output for an unknown shuffle".into()))?;
            let buckets = decode_buckets(&bytes).ok_or_else(|| {
                session(ctx).map_or_else(|e| e, |s| s.error(q, "sent a malformed map output"))
            })?;
            status.import(ctx, p as usize, buckets)?;
        }
    }
    Ok(())
}

/// Whether partition `i` of `node` reads only partition `i` of `parent` (so a task runs in
/// the process that owns the parent's partition too): so whenever both have as many
/// partitions (a `union` of co-partitioned inputs, a `coalesce` to the same count, a
/// `cartesian` with a one-partition side); not so for a plain `union`, a `coalesce` to fewer
/// partitions or a `cartesian`'s side with fewer partitions, which read partitions under other
/// indices.
fn keeps_index(node: &dyn NodeDyn, parent: &dyn NodeDyn) -> bool {
    node.info().partitions == parent.info().partitions
}

/// The shuffles a stage rooted at `roots` reads in processes other than the owners of the
/// buckets: those below a node that reads its parent's partitions under other indices. With
/// `whole_job`, also those read so by the map stages still to run below them.
fn scattered_reads(roots: &[Arc<dyn NodeDyn>], whole_job: bool) -> Vec<ShuffleDep> {
    let mut out: Vec<ShuffleDep> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut stack: Vec<(Arc<dyn NodeDyn>, bool)> =
        roots.iter().map(|r| (r.clone(), false)).collect();
    while let Some((n, moved)) = stack.pop() {
        if !seen.insert((n.info().id, moved)) {
            continue;
        }
        for d in n.dependencies() {
            match d {
                Dependency::Narrow(p) => {
                    let moved = moved || !keeps_index(&*n, &*p);
                    stack.push((p, moved));
                }
                Dependency::Shuffle(s) => {
                    // Its map tasks run in the owners of the parent's partitions.
                    if whole_job && !s.status.is_complete() {
                        stack.push((s.parent.clone(), false));
                    }
                    if moved && !out.iter().any(|o| o.status.id() == s.status.id()) {
                        out.push(s);
                    }
                }
                Dependency::Checkpoint(_) => {}
            }
        }
    }
    out
}

/// Before a stage that reads shuffle buckets outside their owners ([`scattered_reads`]):
/// every process sends the whole map outputs it made of those shuffles to all, once per
/// shuffle (until its outputs are dropped).
fn spread(ctx: &Context, roots: &[Arc<dyn NodeDyn>]) -> Result<()> {
    let deps: Vec<ShuffleDep> = scattered_reads(roots, false)
        .into_iter()
        .filter(|d| !d.status.is_spread())
        .collect();
    if deps.is_empty() {
        return Ok(());
    }
    let me = ctx.process_index();
    let mine = (|| {
        let mut blocks = Vec::new();
        for (i, d) in deps.iter().enumerate() {
            for p in (0..d.parent.info().partitions).filter(|&p| owner(ctx, p) == me) {
                let cx = TaskContext::new(ctx, p, 0, usize::MAX);
                let buckets = d.status.export(&cx, p)?;
                if let Some(e) = cx.take_error() {
                    return Err(e);
                }
                blocks.push((i as u64, p as u64, encode_buckets(&buckets, |_| true)));
            }
        }
        Ok(blocks)
    })();
    let mut h = Xxh3::new();
    for d in &deps {
        h.update(&tag("spread", &*d.owner, &[d.index]).to_le_bytes());
    }
    let all = step(
        ctx,
        h.digest(),
        "sending shuffle outputs to every process",
        mine,
    )?;
    let statuses: Vec<&dyn ShuffleStatus> = deps.iter().map(|d| &*d.status).collect();
    import_all(ctx, &statuses, all)?;
    deps.iter().for_each(|d| d.status.mark_spread());
    Ok(())
}

/// The tag of a step: what it is, so that processes running different programs (another
/// graph, other params: the root's fingerprint differs) or taking different paths fail.
fn tag(kind: &str, node: &dyn NodeDyn, parts: &[usize]) -> u64 {
    let mut h = Xxh3::new();
    h.update(kind.as_bytes());
    h.update(&(node.info().id as u64).to_le_bytes());
    h.update(node.info().label.as_bytes());
    if let Some(f) = node.fingerprint_dyn() {
        h.update(&f.0.to_le_bytes());
    }
    for p in parts {
        h.update(&(*p as u64).to_le_bytes());
    }
    h.digest()
}

/// This process's indices of `parts`.
fn own(ctx: &Context, parts: &[usize]) -> Vec<usize> {
    let me = ctx.process_index();
    (0..parts.len())
        .filter(|&i| owner(ctx, parts[i]) == me)
        .collect()
}

impl Backend for Cluster {
    fn run_map_stages(&self, ctx: &Context, job: usize, root: &Arc<dyn NodeDyn>) -> Result<()> {
        let me = ctx.process_index();
        let processes = ctx.process_count();
        // Shuffles this job will read outside their buckets' owners: sent whole to every
        // process by their map stage, rather than routed and then spread.
        let whole: Vec<usize> = scattered_reads(std::slice::from_ref(root), true)
            .iter()
            .map(|d| d.status.id())
            .collect();
        run_missing_shuffles(ctx, job, root, &|wave, infos, tasks| {
            // The map tasks read the shuffles below their parents.
            let parents: Vec<Arc<dyn NodeDyn>> = wave.iter().map(|d| d.parent.clone()).collect();
            spread(ctx, &parents)?;
            let mine: Vec<(usize, usize)> = tasks
                .iter()
                .copied()
                .filter(|&(_, p)| owner(ctx, p) == me)
                .collect();
            // What each process gets of each map output made here: the buckets it reads.
            let routed: Vec<Mutex<Vec<Block>>> =
                (0..processes).map(|_| Mutex::new(Vec::new())).collect();
            let ran = run_wave(ctx, wave, infos, &mine, |cx, i, p| {
                let buckets = wave[i].status.export(cx, p)?;
                let everywhere = whole.contains(&wave[i].status.id());
                // This process keeps its own output whole: nothing to send itself.
                for (q, blocks) in routed.iter().enumerate().filter(|&(q, _)| q != me) {
                    let body = encode_buckets(&buckets, |r| everywhere || owner(ctx, r) == q);
                    let mut blocks = lock(blocks);
                    // A retried task exports once per successful attempt: one is enough.
                    if !blocks.iter().any(|b| (b.0, b.1) == (i as u64, p as u64)) {
                        blocks.push((i as u64, p as u64, body));
                    }
                }
                Ok(())
            });
            let mut h = Xxh3::new();
            for d in wave {
                h.update(&tag("map", &*d.owner, &[d.index]).to_le_bytes());
            }
            for (i, p) in tasks {
                h.update(&(*i as u64).to_le_bytes());
                h.update(&(*p as u64).to_le_bytes());
            }
            let outgoing = ran.map(|()| {
                routed
                    .into_iter()
                    .map(|b| b.into_inner().unwrap_or_else(|p| p.into_inner()))
                    .collect()
            });
            let all = exchange(ctx, h.digest(), "a shuffle map stage", outgoing)?;
            let statuses: Vec<&dyn ShuffleStatus> = wave.iter().map(|d| &*d.status).collect();
            import_all(ctx, &statuses, all)?;
            // Spread when every output of the shuffle was made and sent whole just now.
            for (i, d) in wave.iter().enumerate() {
                let made = tasks.iter().filter(|t| t.0 == i).count();
                if whole.contains(&d.status.id()) && made == d.parent.info().partitions {
                    d.status.mark_spread();
                }
            }
            Ok(())
        })?;
        // The stage after these reads the shuffles below `root`.
        spread(ctx, std::slice::from_ref(root))
    }

    /// Runs this process's partitions; every process learns whether all succeeded.
    fn run_stage(
        &self,
        ctx: &Context,
        stage: StageInfo,
        node: &NodeInfo,
        parts: &[usize],
        task: &StageTask<'_>,
    ) -> Result<()> {
        let mine = own(ctx, parts);
        let ran = run_tasks(
            ctx,
            &[stage],
            &mine,
            |&i| (0, node.id, node.label, parts[i]),
            |cx, &i| task(cx, i),
        );
        let mut h = Xxh3::new();
        h.update(b"stage");
        h.update(&(node.id as u64).to_le_bytes());
        for p in parts {
            h.update(&(*p as u64).to_le_bytes());
        }
        step(ctx, h.digest(), "a stage", ran.map(|_| Vec::new())).map(drop)
    }

    fn run_result_stage(
        &self,
        ctx: &Context,
        stage: StageInfo,
        root: &Arc<dyn NodeDyn>,
        parts: &[usize],
        task: &StageTask<'_>,
    ) -> Result<()> {
        let info = root.info();
        let (id, label) = (info.id, info.label);
        let mine = own(ctx, parts);
        let computed = run_tasks(
            ctx,
            std::slice::from_ref(&stage),
            &mine,
            |&i| (0, id, label, parts[i]),
            |cx, &i| {
                let bytes = root.encode_partition(cx, parts[i]).ok_or_else(|| {
                    Error::InvalidArgument(format!(
                        "node `{label}`: cluster mode sends an action's partitions to every \
                         process, so its element type must be `serde::Serialize + \
                         serde::de::DeserializeOwned`"
                    ))
                })?;
                Ok((i as u64, parts[i] as u64, bytes))
            },
        );
        let all = step(ctx, tag("result", &**root, parts), "the job", computed)?;
        let mut blocks: Vec<Option<Arc<Vec<u8>>>> = vec![None; parts.len()];
        for (i, _, bytes) in all.into_iter().flatten() {
            if let Some(slot) = blocks.get_mut(i as usize) {
                *slot = Some(Arc::new(bytes));
            }
        }
        if blocks.iter().any(Option::is_none) {
            return Err(Error::Internal(
                "a partition of the job came from no process".into(),
            ));
        }
        // The action's own per-partition work (a count, a fold, a copy) runs in every
        // process on the elements received, so every process returns the same value.
        let indices: Vec<usize> = (0..parts.len()).collect();
        run_tasks(
            ctx,
            &[stage],
            &indices,
            |&i| (0, id, label, parts[i]),
            |cx, &i| {
                let bytes = blocks[i].clone().expect("checked above");
                cx.set_replay(id, parts[i], bytes);
                task(cx, i)
            },
        )
        .map(drop)
    }

    fn is_collective(&self) -> bool {
        true
    }

    fn share_checkpoint_parts(&self, ctx: &Context, armed: &[Arc<dyn NodeDyn>]) -> Result<()> {
        let me = ctx.process_index();
        let mine: Vec<Block> = armed
            .iter()
            .enumerate()
            .map(|(i, n)| (i as u64, 0, n.checkpoint_parts()))
            .collect();
        let mut h = Xxh3::new();
        for n in armed {
            h.update(&tag("checkpoint parts", &**n, &[]).to_le_bytes());
        }
        let all = step(ctx, h.digest(), "sharing checkpoint parts", Ok(mine))?;
        for (q, blocks) in all.into_iter().enumerate() {
            if q == me {
                continue;
            }
            for (i, _, bytes) in blocks {
                if let Some(n) = armed.get(i as usize) {
                    n.adopt_checkpoint_parts(&bytes)?;
                }
            }
        }
        Ok(())
    }

    fn agree(&self, ctx: &Context, what: &str, outcome: Result<()>) -> Result<()> {
        let mut h = Xxh3::new();
        h.update(what.as_bytes());
        step(ctx, h.digest(), what, outcome.map(|()| Vec::new())).map(drop)
    }
}
