//! `pagerank_ckpt`: Spark's `SparkPageRank` (ranks start at 1; each iteration a page sends
//! `rank / out_degree` along its links, and a page's new rank is `0.15 + 0.85 * received`;
//! pages without in-links drop out), with the ranks checkpointed every few iterations.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use rddflow::prelude::*;
use rustc_hash::FxHashMap;

use crate::data::parse_pair;

/// A page and the pages it links to. The list is shared (`Arc`), so each iteration's join
/// copies a pointer out of the cache rather than the list.
pub type Links = (u64, Arc<[u64]>);

/// What a page sends along its links.
fn contributions((_, (links, rank)): (u64, (Arc<[u64]>, f64))) -> impl Iterator<Item = (u64, f64)> {
    let share = rank / links.len() as f64;
    (0..links.len()).map(move |i| (links[i], share))
}

rddflow::pipeline! {
    /// The adjacency lists, read once, checkpointed and cached; the initial ranks.
    pub struct Graph(path: PathBuf, parts: usize) {
        lines: String = text_file(path, parts);
        edges: (u64, u64) = lines.filter_map(|l| parse_pair(&l));
        grouped: (u64, Vec<u64>) = edges.group_by_key(parts);
        /// Cached as well, as Spark's `SparkPageRank` does: every iteration reads it, and the
        /// jobs before its checkpoint is written would otherwise group the edges again.
        #[checkpoint]
        #[cache]
        links: Links = grouped.map_values(Arc::from);
        ranks: (u64, f64) = links.map_values(|_| 1.0);
    }

    /// The same graph cached only, as Spark's `SparkPageRank` keeps it (the workload without
    /// checkpoints).
    pub struct GraphCached(path: PathBuf, parts: usize) {
        lines: String = text_file(path, parts);
        edges: (u64, u64) = lines.filter_map(|l| parse_pair(&l));
        grouped: (u64, Vec<u64>) = edges.group_by_key(parts);
        #[cache]
        links: Links = grouped.map_values(Arc::from);
        ranks: (u64, f64) = links.map_values(|_| 1.0);
    }

    /// One iteration. `links` and `ranks` are both hash-partitioned into `parts`, so the join
    /// reads them without a shuffle; only the contributions are shuffled.
    pub struct Step(links: Rdd<Links>, ranks: Rdd<(u64, f64)>, parts: usize) {
        joined: (u64, (Arc<[u64]>, f64)) = links.join(ranks, parts);
        contribs: (u64, f64) = joined.flat_map(contributions);
        sums: (u64, f64) = contribs.reduce_by_key(|a, b| a + b, parts);
        next: (u64, f64) = sums.map_values(|s| 0.15 + 0.85 * s);
    }
}

/// rddflow: `iters` steps; every `every` steps the ranks are marked and a `count` job writes
/// them (as Spark's `checkpoint()` then an action); the final ranks are collected. With
/// `every == 0`, no checkpoint at all (the links are then only cached).
pub fn rddflow(
    ctx: &Context,
    path: &Path,
    parts: usize,
    iters: usize,
    every: usize,
) -> rddflow::Result<HashMap<u64, f64>> {
    let (links, mut ranks) = if every == 0 {
        let graph = GraphCached::new(ctx, path.to_owned(), parts)?;
        (graph.links.rdd(), graph.ranks.rdd())
    } else {
        let graph = Graph::new(ctx, path.to_owned(), parts)?;
        (graph.links.rdd(), graph.ranks.rdd())
    };
    for i in 1..=iters {
        ranks = Step::new(ctx, links.clone(), ranks, parts)?.next.rdd();
        if every > 0 && i % every == 0 {
            ranks.checkpoint()?;
            ranks.count()?;
        }
    }
    ranks.collect_map()
}

/// Hand-written rayon: parse the edges in parallel, group them into adjacency lists, then per
/// iteration fold the contributions into one `FxHashMap` per rayon split and merge them. No
/// checkpoint.
pub fn rayon(path: &Path, iters: usize) -> std::io::Result<FxHashMap<u64, f64>> {
    let text = std::fs::read_to_string(path)?;
    let lines: Vec<&str> = text.lines().collect();
    let mut adjacency: FxHashMap<u64, Vec<u64>> = lines
        .par_iter()
        .filter_map(|l| parse_pair(l))
        .fold(
            FxHashMap::default,
            |mut m: FxHashMap<u64, Vec<u64>>, (s, d)| {
                m.entry(s).or_default().push(d);
                m
            },
        )
        .reduce(FxHashMap::default, |mut a, mut b| {
            if a.len() < b.len() {
                std::mem::swap(&mut a, &mut b);
            }
            for (s, ds) in b {
                a.entry(s).or_default().extend(ds);
            }
            a
        });
    let links: Vec<(u64, Vec<u64>)> = adjacency.drain().collect();
    let mut ranks: FxHashMap<u64, f64> = links.iter().map(|(s, _)| (*s, 1.0)).collect();
    for _ in 0..iters {
        let sums = links
            .par_iter()
            .fold(
                FxHashMap::default,
                |mut m: FxHashMap<u64, f64>, (src, dsts)| {
                    if let Some(&rank) = ranks.get(src) {
                        let share = rank / dsts.len() as f64;
                        for &d in dsts {
                            *m.entry(d).or_insert(0.0) += share;
                        }
                    }
                    m
                },
            )
            .reduce(FxHashMap::default, |mut a, mut b| {
                if a.len() < b.len() {
                    std::mem::swap(&mut a, &mut b);
                }
                for (k, s) in b {
                    *a.entry(k).or_insert(0.0) += s;
                }
                a
            });
        ranks = sums
            .into_iter()
            .map(|(k, s)| (k, 0.15 + 0.85 * s))
            .collect();
    }
    Ok(ranks)
}

/// The largest relative difference between two rank maps with the same pages; `None` when
/// the pages differ.
pub fn max_rel_diff(a: &HashMap<u64, f64>, b: &FxHashMap<u64, f64>) -> Option<f64> {
    if a.len() != b.len() {
        return None;
    }
    let mut worst = 0.0f64;
    for (k, x) in a {
        let y = b.get(k)?;
        worst = worst.max((x - y).abs() / y.abs().max(1e-12));
    }
    Some(worst)
}
