//! WordCount on the bundled corpus (`examples/data/corpus`, about 1.9 MB of English prose),
//! checked against, and timed against, a hand-written rayon word count.
//!
//! ```sh
//! cargo run --release --example wordcount
//! ```
//!
//! It times the pipeline without a checkpoint and the hand-written rayon version (one warm-up
//! and five timed runs each, median reported), then runs the checkpointed pipeline once: the
//! checkpoint of `pairs` is written during the first job, and a later job on `pairs` reads it
//! back. All three must give the same counts. At the end it prints the summary of the
//! checkpointed job (stages, tasks, records, bytes, time, what was read from checkpoints).
//!
//! `--dot` prints the Graphviz DOT of `WordCount` instead (the README's picture is made from it).
//!
//! `--processes N` (cargo feature `cluster`) runs the checkpointed pipeline on N processes of
//! this program instead (cluster mode, SPEC section 8): it prints the same counts, and each
//! process prints how many of the map partitions it computed.
//!
//! ```sh
//! cargo run --release --features cluster --example wordcount -- --processes 3
//! ```

/// glibc's allocator makes multi-threaded, allocation-heavy runs bimodal (arena lock
/// contention when data allocated on one thread is freed on another); mimalloc does not. It
/// serves both sides of every comparison in this process. See BENCHMARKS.md.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use rddflow::listener::JobSummary;
use rddflow::prelude::*;

#[path = "support/processes.rs"]
// Without the feature only the flag is read here.
#[cfg_attr(not(feature = "cluster"), allow(dead_code))]
mod processes;
use rustc_hash::FxHashMap;

/// Timed repetitions of each variant (after one warm-up run).
const REPS: usize = 5;

/// The words of a line: maximal runs of alphanumeric characters, lowercased. `Text` lines
/// share the buffer they were read into and the words are inline (up to 23 bytes), so neither
/// allocates; the iterator owns the line, so `flat_map` takes it without collecting.
fn words_of(line: Text) -> impl Iterator<Item = Text> {
    line.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
}

/// The same words of a borrowed line, for the hand-written baseline.
fn str_words(line: &str) -> impl Iterator<Item = String> + '_ {
    line.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

rddflow::pipeline! {
    /// Word frequencies of a text corpus; `pairs` is checkpointed by the first job.
    pub struct WordCount(path: PathBuf) {
        lines: Text = text_file(path);
        words: Text = lines.flat_map(words_of);
        #[checkpoint]
        pairs: (Text, u64) = words.map(|w| (w, 1));
        counts: (Text, u64) = pairs.reduce_by_key(|a, b| a + b);
    }

    /// The same pipeline without the checkpoint, for the timing comparison.
    pub struct WordCountPlain(path: PathBuf) {
        lines: Text = text_file(path);
        words: Text = lines.flat_map(words_of);
        pairs: (Text, u64) = words.map(|w| (w, 1));
        counts: (Text, u64) = pairs.reduce_by_key(|a, b| a + b);
    }
}

/// Counts with `String` keys, to compare with the baseline's.
fn owned(counts: impl IntoIterator<Item = (Text, u64)>) -> Vec<(String, u64)> {
    counts
        .into_iter()
        .map(|(w, c)| (w.into_string(), c))
        .collect()
}

/// The hand-written baseline: read every file, split the lines into chunks, count them into
/// one `FxHashMap` per rayon fold split (about one per thread), merge the maps.
fn rayon_wordcount(dir: &Path) -> std::io::Result<FxHashMap<String, u64>> {
    let mut texts = Vec::new();
    for path in corpus_files(dir)? {
        texts.push(std::fs::read_to_string(path)?);
    }
    let lines: Vec<&str> = texts.iter().flat_map(|t| t.lines()).collect();
    let chunk = lines
        .len()
        .div_ceil(4 * rayon::current_num_threads())
        .max(1);
    let counts = lines
        .par_chunks(chunk)
        .fold(FxHashMap::default, |mut m, chunk| {
            for line in chunk {
                for w in str_words(line) {
                    *m.entry(w).or_insert(0) += 1;
                }
            }
            m
        })
        .reduce(FxHashMap::default, |mut a, mut b| {
            if a.len() < b.len() {
                std::mem::swap(&mut a, &mut b);
            }
            for (w, c) in b {
                *a.entry(w).or_insert(0) += c;
            }
            a
        });
    Ok(counts)
}

/// The corpus files, sorted.
fn corpus_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// One warm-up run, then `REPS` timed runs; returns the sorted times and the last result.
fn bench<R>(mut f: impl FnMut() -> R) -> (Vec<Duration>, R) {
    let mut last = f();
    let mut times = Vec::with_capacity(REPS);
    for _ in 0..REPS {
        let t = Instant::now();
        last = f();
        times.push(t.elapsed());
    }
    times.sort();
    (times, last)
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn list(times: &[Duration]) -> String {
    times.iter().map(|&t| ms(t)).collect::<Vec<_>>().join(", ")
}

/// The top 20 words, the total and the distinct count: what both modes print.
fn print_counts(mut counts: Vec<(String, u64)>) -> u64 {
    counts.sort_by(|(wa, ca), (wb, cb)| cb.cmp(ca).then_with(|| wa.cmp(wb)));
    let total: u64 = counts.iter().map(|(_, c)| c).sum();
    println!("\ntop 20 words:");
    for (i, (w, c)) in counts.iter().take(20).enumerate() {
        println!("{:>3}. {w:<12} {c:>7}", i + 1);
    }
    println!("\ntotal words: {total}");
    println!("distinct words: {}", counts.len());
    total
}

/// `--processes N`: the checkpointed pipeline on N processes of this program.
#[cfg(feature = "cluster")]
fn run_on_processes(
    n: usize,
    corpus: &Path,
    here: &Path,
) -> Result<(), Box<dyn std::error::Error>> {
    let tasks = Arc::new(processes::MapTasks::default());
    // One base directory: each cluster writes under a sub-directory named by its session.
    let checkpoints = here.join("../target/rddflow-checkpoints/wordcount-cluster");
    let ctx = Context::builder()
        .processes(n)
        .checkpoint_dir(&checkpoints)
        .clean_checkpoints(true)
        .listener(tasks.clone())
        .build()?;
    let t = Instant::now();
    let wc = WordCount::new(&ctx, corpus.to_path_buf())?;
    let counts = wc.counts.collect()?;
    let job = t.elapsed();
    let parts = wc.lines.num_partitions();
    // Every process has the same counts; process 0 prints them.
    if ctx.process_index() == 0 {
        println!("{} processes", ctx.process_count());
        print_counts(owned(counts));
    }
    println!("{parts} map partitions");
    processes::report(&ctx, &tasks, job);
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::args().nth(1).as_deref() == Some("--dot") {
        print!("{}", WordCount::graph().to_dot());
        return Ok(());
    }
    if std::env::args().any(|a| a == "--processes") {
        let n = processes::processes("wordcount")?;
        let here = Path::new(env!("CARGO_MANIFEST_DIR"));
        #[cfg(feature = "cluster")]
        return run_on_processes(n, &here.join("data/corpus"), here);
        #[cfg(not(feature = "cluster"))]
        return Err(format!("--processes {n}: {}", here.display()).into());
    }
    // This package is `examples/`: its data beside it, scratch files in the workspace's target/.
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = here.join("data/corpus");
    let checkpoints = here
        .join("../target/rddflow-checkpoints")
        .join(format!("wordcount-{}", std::process::id()));
    let bytes: u64 = corpus_files(&corpus)?
        .iter()
        .map(|p| std::fs::metadata(p).map(|m| m.len()))
        .sum::<std::io::Result<u64>>()?;

    // Collects a report per job; the checkpointed run's are printed at the end.
    let summary = Arc::new(JobSummary::new());
    let ctx = Context::builder()
        .checkpoint_dir(&checkpoints)
        .listener(summary.clone())
        .build()?;
    println!(
        "corpus: {} ({} files, {:.2} MB), {} threads",
        corpus.display(),
        corpus_files(&corpus)?.len(),
        bytes as f64 / 1e6,
        ctx.threads()
    );

    // Timings without checkpoint.
    let (rdd_times, rdd_counts) = bench(|| -> rddflow::Result<HashMap<Text, u64>> {
        let wc = WordCountPlain::new(&ctx, corpus.clone())?;
        wc.counts.collect_map()
    });
    let (rayon_times, rayon_counts) = bench(|| rayon_wordcount(&corpus));

    // The checkpointed run: the first job computes `counts` and writes `pairs` on the way.
    let t = Instant::now();
    let wc = WordCount::new(&ctx, corpus.clone())?;
    let counts = owned(wc.counts.collect()?);
    let first_report = summary.last().expect("a job report");
    let first_job = t.elapsed();
    assert!(
        wc.pairs.is_checkpointed(),
        "`pairs` is checkpointed by the first job"
    );
    let checkpoint_dir = wc.pairs.checkpoint_file().expect("a reliable checkpoint");
    assert!(checkpoint_dir.is_dir());
    // A later job on `pairs` reads the checkpoint instead of the text files. (A second job on
    // `counts` would read neither: it reuses the first job's shuffle output, as Spark does.)
    let t = Instant::now();
    let pairs_read = wc.pairs.count()?;
    let second_job = t.elapsed();
    let second_report = summary.last().expect("a job report");

    let total = print_counts(counts.clone());
    println!("\nlineage of WordCount.counts:\n{}", wc.counts.lineage());

    // Correctness: the checkpointed pipeline, the plain one and the hand-written count agree.
    let by_word: HashMap<String, u64> = counts.iter().cloned().collect();
    assert_eq!(by_word.len(), counts.len(), "one record per word");
    assert_eq!(pairs_read, total, "the checkpoint holds one pair per word");

    let rdd_counts: HashMap<String, u64> = owned(rdd_counts?).into_iter().collect();
    let rayon_counts: HashMap<String, u64> = rayon_counts?.into_iter().collect();
    assert_eq!(
        rdd_counts, by_word,
        "checkpointed and plain pipelines agree"
    );
    assert_eq!(
        rayon_counts, by_word,
        "rddflow and hand-written rayon agree"
    );
    println!("counts identical: rddflow (checkpointed), rddflow (plain), hand-written rayon");

    let rdd_median = rdd_times[REPS / 2];
    let rayon_median = rayon_times[REPS / 2];
    println!("\ntimings (1 warm-up, median of {REPS}):");
    println!(
        "  rddflow, no checkpoint:   median {}  [{}]",
        ms(rdd_median),
        list(&rdd_times)
    );
    println!(
        "  hand-written rayon:       median {}  [{}]",
        ms(rayon_median),
        list(&rayon_times)
    );
    println!(
        "  ratio rddflow / rayon:    {:.2}",
        rdd_median.as_secs_f64() / rayon_median.as_secs_f64()
    );
    println!(
        "  rddflow with #[checkpoint] (one run, after the timed runs): first job {} (computes and writes `pairs`), \
         `pairs.count()` {} (reads the checkpoint)",
        ms(first_job),
        ms(second_job)
    );

    println!("\njob summaries of the checkpointed run:\n{first_report}{second_report}");

    drop(wc);
    std::fs::remove_dir_all(&checkpoints)?;
    // The shared parent goes too when no other run is using it.
    let _ = std::fs::remove_dir(here.join("../target/rddflow-checkpoints"));
    Ok(())
}
