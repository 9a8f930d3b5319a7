//! Actions: each runs one job (`take` may run a few) and brings a result to the caller.
//!
//! User code runs in the job's tasks, where a panic is retried and then reported as
//! `TaskFailed`; what an action does with the partition results on the caller's thread (merge
//! them, hash their keys into a map) runs through [`on_caller`], so a panic there is an
//! `Error::Panicked` naming the node, never a panic out of the action.

use std::collections::HashMap;

use std::sync::Arc;

use crate::data::{Data, Key, Pair, PairMap};
use crate::error::Result;
use crate::node::{NodeCore, NodeDyn};
use crate::scheduler::{Coverage, run_job, run_job_for_effect};
use crate::task::{TaskContext, on_caller};

/// An RDD handle as an action sees it: its node (for the scheduler and error reports) and a
/// reader of its partitions. Every `Dataset` is one (`rdd.rs`) and offers the actions below as
/// methods; naming only this lets actions sit below the handles that call them.
pub(crate) trait Handle: Sync {
    /// Element type.
    type Item: Data;
    /// The node as a scheduler object.
    fn erased(&self) -> Arc<dyn NodeDyn>;
    /// Shared node state.
    fn core(&self) -> &NodeCore<Self::Item>;
    /// Partition `part`, counted as the task's output.
    fn iter_partition(
        &self,
        cx: &TaskContext,
        part: usize,
    ) -> impl Iterator<Item = Self::Item> + use<Self>;
    /// Number of partitions.
    fn num_partitions(&self) -> usize {
        self.core().info().partitions
    }
}

/// What the caller's thread does with partition results, named in `Error::Panicked`.
pub(crate) const MERGING: &str = "merging partition results";
/// Likewise, for `collect_map`.
const BUILDING_MAP: &str = "building the result map";

/// The node an action runs on, which `Error::Panicked` names.
pub(crate) fn label<D: Handle>(d: &D) -> &'static str {
    d.core().info().label
}

fn all_parts<D: Handle>(d: &D) -> Vec<usize> {
    (0..d.num_partitions()).collect()
}

/// Runs `f` over every partition of `d` and returns the per-partition results in order.
pub(crate) fn per_partition<D: Handle, R: Send>(
    d: &D,
    f: impl Fn(&TaskContext, usize) -> Result<R> + Sync,
) -> Result<Vec<R>> {
    run_job(
        d.core().context(),
        &d.erased(),
        &all_parts(d),
        Coverage::Full,
        &f,
    )
}

pub(crate) fn collect<D: Handle>(d: &D) -> Result<Vec<D::Item>> {
    let parts = per_partition(d, |cx, p| {
        let mut v = Vec::new();
        d.iter_partition(cx, p).for_each(|x| v.push(x));
        Ok(v)
    })?;
    let mut out = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    for p in parts {
        out.extend(p);
    }
    Ok(out)
}

pub(crate) fn count<D: Handle>(d: &D) -> Result<u64> {
    let parts = per_partition(d, |cx, p| Ok(d.iter_partition(cx, p).count() as u64))?;
    Ok(parts.into_iter().sum())
}

pub(crate) fn reduce<D, F>(d: &D, f: F) -> Result<Option<D::Item>>
where
    D: Handle,
    F: Fn(D::Item, D::Item) -> D::Item + Send + Sync,
{
    // A fold, not `Iterator::reduce`: that takes the first element through `next`, which
    // leaves the fused chain's state in memory for the whole loop after it.
    let parts = per_partition(d, |cx, p| {
        Ok(d.iter_partition(cx, p).fold(None, |acc, x| {
            Some(match acc {
                None => x,
                Some(a) => f(a, x),
            })
        }))
    })?;
    on_caller(label(d), MERGING, || parts.into_iter().flatten().reduce(&f))
}

pub(crate) fn aggregate<D, U, S, C>(d: &D, zero: U, seq: &S, comb: &C) -> Result<U>
where
    D: Handle,
    U: Clone + Send + Sync,
    S: Fn(U, D::Item) -> U + Send + Sync,
    C: Fn(U, U) -> U + Send + Sync,
{
    let parts = per_partition(d, |cx, p| {
        Ok(d.iter_partition(cx, p).fold(zero.clone(), seq))
    })?;
    on_caller(label(d), MERGING, || parts.into_iter().fold(zero, comb))
}

pub(crate) fn for_each<D, F>(d: &D, f: F) -> Result<()>
where
    D: Handle,
    F: Fn(D::Item) + Send + Sync,
{
    // A side effect: in a cluster each partition runs once, where it is owned.
    run_job_for_effect(
        d.core().context(),
        &d.erased(),
        &all_parts(d),
        Coverage::Full,
        &|cx, p| {
            d.iter_partition(cx, p).for_each(&f);
            Ok(())
        },
    )
}

/// Scans one partition, then four times as many each round, like Spark's `take`.
pub(crate) fn take<D: Handle>(d: &D, n: usize) -> Result<Vec<D::Item>> {
    let total = d.num_partitions();
    let mut out = Vec::new();
    let mut next = 0;
    let mut batch = 1;
    while out.len() < n && next < total {
        let end = total.min(next + batch);
        let parts: Vec<usize> = (next..end).collect();
        let left = n - out.len();
        let got = run_job(
            d.core().context(),
            &d.erased(),
            &parts,
            Coverage::Partial,
            &|cx, p| Ok(d.iter_partition(cx, p).take(left).collect::<Vec<_>>()),
        )?;
        for x in got.into_iter().flatten() {
            if out.len() == n {
                break;
            }
            out.push(x);
        }
        next = end;
        batch *= 4;
    }
    Ok(out)
}

pub(crate) fn count_by_key<D>(d: &D) -> Result<HashMap<<D::Item as Pair>::Key, u64>>
where
    D: Handle,
    D::Item: Pair,
    <D::Item as Pair>::Key: Key,
{
    let parts = per_partition(d, |cx, p| {
        let mut m: HashMap<_, u64> = HashMap::new();
        for x in d.iter_partition(cx, p) {
            *m.entry(x.into_parts().0).or_default() += 1;
        }
        Ok(m)
    })?;
    on_caller(label(d), MERGING, || merge_counts(parts))
}

pub(crate) fn count_by_value<D>(d: &D) -> Result<HashMap<D::Item, u64>>
where
    D: Handle,
    D::Item: Key,
{
    let parts = per_partition(d, |cx, p| {
        let mut m: HashMap<_, u64> = HashMap::new();
        for x in d.iter_partition(cx, p) {
            *m.entry(x).or_default() += 1;
        }
        Ok(m)
    })?;
    on_caller(label(d), MERGING, || merge_counts(parts))
}

fn merge_counts<K: Key>(parts: Vec<HashMap<K, u64>>) -> HashMap<K, u64> {
    let mut out: HashMap<K, u64> = HashMap::new();
    for m in parts {
        for (k, c) in m {
            *out.entry(k).or_default() += c;
        }
    }
    out
}

pub(crate) fn collect_map<D>(d: &D) -> Result<PairMap<D::Item>>
where
    D: Handle,
    D::Item: Pair,
    <D::Item as Pair>::Key: Key,
{
    let pairs = collect(d)?;
    on_caller(label(d), BUILDING_MAP, || {
        pairs.into_iter().map(Pair::into_parts).collect()
    })
}
