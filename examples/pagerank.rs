//! Iterative PageRank on the bundled graph (`examples/data/graph/edges.txt`, one `src dst` edge
//! per line), with Spark's `SparkPageRank` semantics, checked against a plain single-threaded
//! implementation.
//!
//! ```sh
//! cargo run --release --example pagerank
//! ```
//!
//! Written as Spark's `SparkPageRank` is: `Graph` reads the edges once, groups them into
//! adjacency lists and keeps them (`#[cache]`, and `#[checkpoint]` so that a lost block is read
//! back rather than recomputed); `Step` is one iteration, a new instance per iteration fed the
//! previous iteration's ranks through an `Rdd<T>` param: `links.join(ranks)`, each page's
//! contributions along its links, `reduce_by_key`. The links and the ranks are hash-partitioned
//! into the same `PARTS` partitions, so the join reads both in place: neither is shuffled, and
//! the cached lists are shared (`Arc<[u64]>`), not copied, by every iteration's join. Every
//! `CHECKPOINT_EVERY` iterations the ranks are checkpointed, which keeps the lineage bounded.
//!
//! `--dot graph` and `--dot step` print the pipelines' Graphviz DOT instead (the pictures in
//! the README are made from them).
//!
//! `--processes N` (cargo feature `cluster`) runs it on N processes of this program (cluster
//! mode, SPEC section 8), checkpoints in a directory they share; each process prints how many
//! map partitions it computed, and the ranks are checked against the reference as usual.
//!
//! ```sh
//! cargo run --release --features cluster --example pagerank -- --processes 3
//! ```

/// glibc's allocator makes multi-threaded, allocation-heavy runs bimodal (arena lock
/// contention when data allocated on one thread is freed on another); mimalloc does not. It
/// serves both sides of every comparison in this process. See BENCHMARKS.md.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use rddflow::prelude::*;

#[path = "support/processes.rs"]
mod processes;

/// Iterations.
const ITERS: usize = 20;
/// Ranks are checkpointed every this many iterations.
const CHECKPOINT_EVERY: usize = 5;
/// Partitions of the links and of every iteration's ranks: the same partitioner on both sides
/// of the join is what lets it read them without a shuffle.
const PARTS: usize = 4;
/// Largest accepted difference from the reference implementation.
const TOLERANCE: f64 = 1e-9;

/// A page and the pages it links to. The list is shared: every iteration's join hands the
/// cached list to `contributions` by reference count, where a `Vec<u64>` would be copied out of
/// the cache each time.
pub type Links = (u64, Arc<[u64]>);

/// `src dst` to `(src, dst)`; blank lines and `#` comments are skipped.
fn parse_edge(line: &str) -> Option<(u64, u64)> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let mut it = line.split_whitespace().map(|t| t.parse::<u64>());
    match (it.next(), it.next(), it.next()) {
        (Some(Ok(s)), Some(Ok(d)), None) => Some((s, d)),
        _ => panic!("malformed edge line: {line:?}"),
    }
}

/// What a page sends along its out-links: `rank / out_degree` to each.
fn contributions((_, (links, rank)): (u64, (Arc<[u64]>, f64))) -> impl Iterator<Item = (u64, f64)> {
    let share = rank / links.len() as f64;
    (0..links.len()).map(move |i| (links[i], share))
}

rddflow::pipeline! {
    /// The adjacency lists of a graph given as an edge list, and the initial ranks.
    pub struct Graph(path: PathBuf, parts: usize) {
        lines: String = text_file(path);
        edges: (u64, u64) = lines.filter_map(|l| parse_edge(&l));
        grouped: (u64, Vec<u64>) = edges.group_by_key(parts);
        /// Kept in memory for every iteration's join, and checkpointed: a block evicted or lost
        /// is read back from the checkpoint instead of grouping the edges again.
        #[checkpoint]
        #[cache]
        links: Links = grouped.map_values(Arc::from);
        ranks: (u64, f64) = links.map_values(|_| 1.0);
    }

    /// One PageRank iteration: `ranks` in, `next` out.
    pub struct Step(links: Rdd<Links>, ranks: Rdd<(u64, f64)>, parts: usize) {
        joined: (u64, (Arc<[u64]>, f64)) = links.join(ranks, parts);
        contribs: (u64, f64) = joined.flat_map(contributions);
        sums: (u64, f64) = contribs.reduce_by_key(|a, b| a + b, parts);
        next: (u64, f64) = sums.map_values(|s| 0.15 + 0.85 * s);
    }
}

/// The same algorithm, single-threaded, on plain maps.
fn reference_pagerank(path: &Path, iters: usize) -> std::io::Result<HashMap<u64, f64>> {
    let text = std::fs::read_to_string(path)?;
    let mut links: HashMap<u64, Vec<u64>> = HashMap::new();
    for (s, d) in text.lines().filter_map(parse_edge) {
        links.entry(s).or_default().push(d);
    }
    let mut ranks: HashMap<u64, f64> = links.keys().map(|&k| (k, 1.0)).collect();
    for _ in 0..iters {
        let mut sums: HashMap<u64, f64> = HashMap::new();
        for (src, dsts) in &links {
            if let Some(&rank) = ranks.get(src) {
                let share = rank / dsts.len() as f64;
                for &d in dsts {
                    *sums.entry(d).or_insert(0.0) += share;
                }
            }
        }
        ranks = sums
            .into_iter()
            .map(|(k, s)| (k, 0.15 + 0.85 * s))
            .collect();
    }
    Ok(ranks)
}

/// The context: local, or process 0 of `n` (starting the others).
fn context(
    n: usize,
    checkpoints: &Path,
    tasks: Arc<processes::MapTasks>,
) -> rddflow::Result<Context> {
    let b = Context::builder()
        .checkpoint_dir(checkpoints)
        .listener(tasks);
    #[cfg(feature = "cluster")]
    let b = if n > 1 {
        b.processes(n).clean_checkpoints(true)
    } else {
        b
    };
    let _ = n;
    b.build()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if let [_, flag, name] = args.as_slice()
        && flag == "--dot"
    {
        match name.as_str() {
            "graph" => print!("{}", Graph::graph().to_dot()),
            "step" => print!("{}", Step::graph().to_dot()),
            _ => return Err(format!("--dot takes `graph` or `step`, not `{name}`").into()),
        }
        return Ok(());
    }
    // This package is `examples/`: its data beside it, scratch files in the workspace's target/.
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let edges = here.join("data/graph/edges.txt");
    let n = processes::processes("pagerank")?;
    // Processes of a cluster share the directory (each cluster writes below it, in a
    // sub-directory named by its session).
    let checkpoints = here.join("../target/rddflow-checkpoints").join(match n {
        1 => format!("pagerank-{}", std::process::id()),
        _ => "pagerank-cluster".to_string(),
    });
    let tasks = Arc::new(processes::MapTasks::default());
    let ctx = context(n, &checkpoints, tasks.clone())?;

    let start = Instant::now();
    let graph = Graph::new(&ctx, edges.clone(), PARTS)?;
    let pages_with_links = graph.links.count()?;
    assert!(graph.links.is_checkpointed());
    let links = graph.links.rdd();
    let mut ranks = graph.ranks.rdd();
    println!(
        "graph: {} ({pages_with_links} pages with out-links), {} threads, {PARTS} partitions",
        edges.display(),
        ctx.threads()
    );

    let mut one_step_lineage = String::new();
    for i in 1..=ITERS {
        let step = Step::new(&ctx, links.clone(), ranks, PARTS)?;
        ranks = step.next.rdd();
        let marked = i.is_multiple_of(CHECKPOINT_EVERY);
        if marked {
            ranks.checkpoint()?;
            ranks.count()?; // the job that writes the checkpoint
            assert!(ranks.is_checkpointed(), "iteration {i}: ranks checkpointed");
        }
        let lineage = ranks.lineage();
        println!(
            "iteration {i:>2}: lineage {:>2} lines{}",
            lineage.lines().count(),
            if marked { " (checkpointed)" } else { "" }
        );
        if i == CHECKPOINT_EVERY + 1 {
            one_step_lineage = lineage;
        }
    }
    let result = ranks.collect_map()?;
    let elapsed = start.elapsed();

    println!(
        "\nlineage one iteration after a checkpoint:\n{one_step_lineage}\nfinal lineage:\n{}",
        ranks.lineage()
    );

    let mut top: Vec<(u64, f64)> = result.iter().map(|(&k, &v)| (k, v)).collect();
    top.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    println!(
        "top 10 ranks after {ITERS} iterations ({} pages ranked):",
        top.len()
    );
    for (i, (page, rank)) in top.iter().take(10).enumerate() {
        println!("{:>3}. page {page:>6}  {rank:.6}", i + 1);
    }

    let t = Instant::now();
    let expected = reference_pagerank(&edges, ITERS)?;
    let reference_time = t.elapsed();
    assert_eq!(result.len(), expected.len(), "same pages ranked");
    let mut max_diff = 0.0f64;
    for (page, want) in &expected {
        let got = result
            .get(page)
            .unwrap_or_else(|| panic!("page {page} missing"));
        max_diff = max_diff.max((got - want).abs());
    }
    assert!(max_diff <= TOLERANCE, "max difference {max_diff:e}");
    println!("\nmatches the single-threaded reference: max |difference| {max_diff:.1e}");
    println!(
        "time: rddflow {:.1} ms (read, {ITERS} iterations, collect); single-threaded reference {:.1} ms",
        elapsed.as_secs_f64() * 1e3,
        reference_time.as_secs_f64() * 1e3
    );

    if ctx.process_count() > 1 {
        processes::report(&ctx, &tasks, elapsed);
        // `clean_checkpoints(true)` removes this cluster's files with the last handle.
        return Ok(());
    }
    drop((graph, links, ranks));
    std::fs::remove_dir_all(&checkpoints)?;
    // The shared parent goes too when no other run is using it.
    let _ = std::fs::remove_dir(here.join("../target/rddflow-checkpoints"));
    Ok(())
}
