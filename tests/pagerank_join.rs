//! PageRank as a Spark user writes it (issue 16, item 2): adjacency lists grouped once and
//! cached, then per iteration a new pipeline instance doing `links.join(ranks)`, the
//! contributions, and `reduce_by_key`. Checked against a plain-Rust PageRank with Spark's
//! semantics, and checked to join the cached lists in place: no shuffle of either join input,
//! the edges grouped once for all iterations, and each joined record holding the very list the
//! cache holds (shared, not copied).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rddflow::prelude::*;

const PAGES: u64 = 300;
const PARTS: usize = 4;
const ITERS: usize = 8;

/// Edges of a small graph in which every page links to between one and five others.
fn edges() -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    for s in 0..PAGES {
        for j in 0..(s % 5 + 1) {
            out.push((s, (s * 7 + j * 13 + 1) % PAGES));
        }
    }
    out
}

/// Edge records read by the graph's pipeline, across all of a test's jobs.
static EDGES_READ: AtomicUsize = AtomicUsize::new(0);

type Links = (u64, Arc<[u64]>);

fn contributions((_, (links, rank)): (u64, (Arc<[u64]>, f64))) -> impl Iterator<Item = (u64, f64)> {
    let share = rank / links.len() as f64;
    (0..links.len()).map(move |i| (links[i], share))
}

rddflow::pipeline! {
    struct Graph(edges: Vec<(u64, u64)>) {
        read: (u64, u64) = parallelize(edges, 3);
        counted: (u64, u64) = read.inspect(|_| { EDGES_READ.fetch_add(1, Ordering::Relaxed); });
        grouped: (u64, Vec<u64>) = counted.group_by_key(PARTS);
        #[cache]
        links: Links = grouped.map_values(Arc::from);
        ranks: (u64, f64) = links.map_values(|_| 1.0);
    }

    struct Step(links: Rdd<Links>, ranks: Rdd<(u64, f64)>) {
        joined: (u64, (Arc<[u64]>, f64)) = links.join(ranks, PARTS);
        contribs: (u64, f64) = joined.flat_map(contributions);
        sums: (u64, f64) = contribs.reduce_by_key(|a, b| a + b, PARTS);
        next: (u64, f64) = sums.map_values(|s| 0.15 + 0.85 * s);
    }
}

/// Spark's `SparkPageRank` on plain maps: ranks start at 1; a page with links sends
/// `rank / out_degree` along each; a page's new rank is `0.15 + 0.85 * received`, and a page
/// that receives nothing drops out.
fn reference(edges: &[(u64, u64)], iters: usize) -> HashMap<u64, f64> {
    let mut links: HashMap<u64, Vec<u64>> = HashMap::new();
    for &(s, d) in edges {
        links.entry(s).or_default().push(d);
    }
    let mut ranks: HashMap<u64, f64> = links.keys().map(|&k| (k, 1.0)).collect();
    for _ in 0..iters {
        let mut sums: HashMap<u64, f64> = HashMap::new();
        for (s, ds) in &links {
            if let Some(r) = ranks.get(s) {
                for d in ds {
                    *sums.entry(*d).or_default() += r / ds.len() as f64;
                }
            }
        }
        ranks = sums
            .into_iter()
            .map(|(k, s)| (k, 0.15 + 0.85 * s))
            .collect();
    }
    ranks
}

/// Whether `label`'s line in `lineage` starts a new stage (`+-`): its output is shuffled.
fn shuffled(lineage: &str, label: &str) -> bool {
    let needle = format!("{label}[");
    let line = lineage
        .lines()
        .find(|l| l.contains(&needle))
        .unwrap_or_else(|| panic!("{label} not in:\n{lineage}"));
    line.trim_start().starts_with("+-")
}

#[test]
fn pagerank_joins_the_cached_links_in_place() -> rddflow::Result<()> {
    let ctx = Context::builder().threads(2).build()?;
    let edges = edges();
    let graph = Graph::new(&ctx, edges.clone())?;
    let links = graph.links.rdd();
    let mut ranks = graph.ranks.rdd();
    // The lists as the cache holds them, by page.
    let cached: HashMap<u64, Arc<[u64]>> = links.collect()?.into_iter().collect();
    assert_eq!(EDGES_READ.load(Ordering::Relaxed), edges.len());

    for i in 0..ITERS {
        let step = Step::new(&ctx, links.clone(), ranks)?;
        let lineage = step.joined.lineage();
        // Both inputs are partitioned as the join's output: read in place, not shuffled.
        assert!(!shuffled(&lineage, "Graph.links"), "{lineage}");
        let ranks_label = if i == 0 { "Graph.ranks" } else { "Step.next" };
        assert!(!shuffled(&lineage, ranks_label), "{lineage}");
        if i == 0 {
            // Each joined record carries the cached list itself.
            for (page, (list, _)) in step.joined.collect()? {
                assert!(Arc::ptr_eq(&list, &cached[&page]), "page {page}: a copy");
            }
        }
        ranks = step.next.rdd();
    }
    let got = ranks.collect_map()?;
    // The edges were read once, by the job that filled the cache.
    assert_eq!(EDGES_READ.load(Ordering::Relaxed), edges.len());

    let want = reference(&edges, ITERS);
    assert_eq!(got.len(), want.len());
    for (page, w) in &want {
        let g = got[page];
        assert!(
            (g - w).abs() <= 1e-12 * w.abs().max(1.0),
            "page {page}: {g} vs {w}"
        );
    }
    Ok(())
}
