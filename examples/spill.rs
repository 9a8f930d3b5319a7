//! WordCount under a memory limit: a generated corpus several times larger than the limit,
//! with a vocabulary too large for the counts to fit in it, counted by a pipeline whose
//! shuffle spills sorted runs to disk; checked against the same pipeline without a limit and a
//! hand-written rayon word count.
//!
//! ```sh
//! cargo run --release --example spill
//! ```
//!
//! Each variant runs in a process of its own (this program starts itself again with the
//! variant's name), so that each peak RSS (`getrusage`'s `ru_maxrss`) is that variant's alone.
//! Every child runs with `MIMALLOC_PURGE_DELAY=0`, so the allocator returns freed pages to the
//! OS at once instead of keeping them for a while (with the default delay, freed pages add up
//! to about 30 MiB of RSS). The corpus is written to a temporary directory first and removed at
//! the end. `SPILL_LIMIT_MIB=16` runs the spilling variant with another limit.

/// See examples/wordcount.rs: mimalloc keeps multi-threaded timings stable.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use rayon::prelude::*;
use rddflow::prelude::*;
use rustc_hash::FxHashMap;

/// The memory limit of the spilling variant (`SPILL_LIMIT_MIB` overrides it, to see how the
/// overhead above the limit varies with it; the corpus stays the same).
const LIMIT: u64 = 48 << 20;
/// Corpus size: 5 times the default limit.
const CORPUS_BYTES: u64 = 5 * LIMIT;
/// Distinct words the corpus draws from (skewed towards the small ids).
const VOCABULARY: u64 = 3_000_000;
/// Worker threads of every variant.
const THREADS: usize = 2;
/// What the spilling variant may use above its limit (see BENCHMARKS.md): the process itself
/// (about 13 MiB over a tiny input), I/O buffers (256 KiB per text split being read, 64 KiB
/// per run being written, 4 to 64 KiB per run being merged) and the allocator's slack.
const OVERHEAD: u64 = 32 << 20;

rddflow::pipeline! {
    /// Word frequencies of a corpus.
    pub struct Count(path: PathBuf) {
        lines: String = text_file(path, 8);
        words: String = lines.flat_map(|l| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>());
        pairs: (String, u64) = words.map(|w| (w, 1));
        counts: (String, u64) = pairs.reduce_by_key(|a, b| a + b);
    }
}

/// `(distinct words, total words)`: what every variant must agree on.
type Summary = (u64, u64);

/// The word of id `i`: `w` and `i` in base 26.
fn word(mut i: u64, out: &mut String) {
    out.push('w');
    loop {
        out.push((b'a' + (i % 26) as u8) as char);
        i /= 26;
        if i == 0 {
            break;
        }
    }
}

/// Writes the corpus: lines of 12 words, ids drawn as `VOCABULARY * u^2` (u uniform, from a
/// fixed-seed xorshift generator), so small ids are frequent and most ids appear.
fn write_corpus(path: &Path) -> std::io::Result<()> {
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut written = 0u64;
    let mut line = String::new();
    while written < CORPUS_BYTES {
        line.clear();
        for j in 0..12 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let u = (state >> 11) as f64 / (1u64 << 53) as f64;
            if j > 0 {
                line.push(' ');
            }
            word((VOCABULARY as f64 * u * u) as u64, &mut line);
        }
        line.push('\n');
        w.write_all(line.as_bytes())?;
        written += line.len() as u64;
    }
    w.flush()
}

/// Peak resident set size of this process so far, in bytes.
fn peak_rss() -> u64 {
    // SAFETY: `getrusage` only writes the zeroed struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: as above; RUSAGE_SELF is always valid.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    u.ru_maxrss as u64 * 1024 // KiB on Linux
}

fn run_pipeline(path: &Path, limit: Option<u64>) -> rddflow::Result<(Summary, u64)> {
    let mut b = Context::builder().threads(THREADS);
    if let Some(l) = limit {
        b = b.memory_limit(l);
    }
    let ctx = b.build()?;
    let c = Count::new(&ctx, path.to_path_buf())?;
    let summary = c.counts.aggregate(
        (0u64, 0u64),
        |(d, t), (_, n)| (d + 1, t + n),
        |a, b| (a.0 + b.0, a.1 + b.1),
    )?;
    Ok((summary, ctx.spilled_bytes()))
}

/// Shards of the baseline's counts: words are merged shard by shard, in parallel.
const SHARDS: usize = 64;

/// The hand-written baseline: 8 MiB chunks of lines, each counted in parallel into per-task
/// maps split into shards by word hash, then merged into the running totals shard by shard in
/// parallel. It holds every distinct word in memory.
fn run_rayon(path: &Path) -> std::io::Result<Summary> {
    type Map = FxHashMap<String, u64>;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(THREADS)
        .build()
        .expect("pool");
    let shard_of = |w: &str| {
        use std::hash::BuildHasher;
        (rustc_hash::FxBuildHasher.hash_one(w) >> 58) as usize % SHARDS
    };
    let mut reader = BufReader::with_capacity(1 << 20, std::fs::File::open(path)?);
    let mut totals: Vec<Map> = (0..SHARDS).map(|_| Map::default()).collect();
    loop {
        let mut chunk = Vec::new();
        let mut bytes = 0;
        let mut line = String::new();
        while bytes < 8 << 20 && reader.read_line(&mut line)? > 0 {
            bytes += line.len();
            chunk.push(std::mem::take(&mut line));
        }
        if chunk.is_empty() {
            break;
        }
        pool.install(|| {
            let parts: Vec<Vec<Map>> = chunk
                .par_chunks(chunk.len().div_ceil(4 * THREADS))
                .map(|lines| {
                    let mut m: Vec<Map> = (0..SHARDS).map(|_| Map::default()).collect();
                    for l in lines {
                        for w in l.split_whitespace() {
                            *m[shard_of(w)].entry(w.to_owned()).or_default() += 1;
                        }
                    }
                    m
                })
                .collect();
            let mut by_shard: Vec<Vec<Map>> = (0..SHARDS).map(|_| Vec::new()).collect();
            for p in parts {
                for (s, m) in p.into_iter().enumerate() {
                    by_shard[s].push(m);
                }
            }
            totals.par_iter_mut().zip(by_shard).for_each(|(t, ms)| {
                for m in ms {
                    for (w, n) in m {
                        *t.entry(w).or_default() += n;
                    }
                }
            });
        });
    }
    let distinct = totals.iter().map(|m| m.len() as u64).sum();
    let total = totals.iter().flat_map(|m| m.values()).sum();
    Ok((distinct, total))
}

/// One variant, in this process: prints `RESULT variant secs peak_rss spilled distinct total`.
fn child(variant: &str, path: &Path, limit: u64) -> Result<(), Box<dyn std::error::Error>> {
    let start = Instant::now();
    let ((distinct, total), spilled) = match variant {
        "spill" => run_pipeline(path, Some(limit))?,
        "memory" => run_pipeline(path, None)?,
        "rayon" => (run_rayon(path)?, 0),
        // Writes the corpus only (to run one variant by hand: `spill spill PATH LIMIT_BYTES`).
        "write" => return Ok(write_corpus(path)?),
        other => return Err(format!("unknown variant {other}").into()),
    };
    let secs = start.elapsed().as_secs_f64();
    println!(
        "RESULT {variant} {secs:.2} {} {spilled} {distinct} {total}",
        peak_rss()
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if let [_, variant, path, limit] = &args[..] {
        return child(variant, Path::new(path), limit.parse()?);
    }
    let limit = match std::env::var("SPILL_LIMIT_MIB") {
        Ok(m) => m.parse::<u64>()? << 20,
        Err(_) => LIMIT,
    };
    let dir = tempfile::tempdir()?;
    let corpus = dir.path().join("corpus.txt");
    let start = Instant::now();
    write_corpus(&corpus)?;
    let size = std::fs::metadata(&corpus)?.len();
    println!(
        "corpus: {:.0} MiB ({:.1}x the {} MiB limit), {VOCABULARY} possible words, written in {:.1} s; {THREADS} threads",
        size as f64 / (1 << 20) as f64,
        size as f64 / limit as f64,
        limit >> 20,
        start.elapsed().as_secs_f64()
    );
    println!(
        "{:<34} {:>8} {:>14} {:>14} {:>12}",
        "variant", "wall s", "peak RSS MiB", "spill MiB", "distinct"
    );
    let mut summaries = Vec::new();
    let spill = format!("rddflow, memory_limit({} MiB)", limit >> 20);
    for (variant, what) in [
        ("spill", spill.as_str()),
        ("memory", "rddflow, no limit"),
        ("rayon", "hand-written rayon"),
    ] {
        let out = Command::new(std::env::current_exe()?)
            .arg(variant)
            .arg(&corpus)
            .arg(limit.to_string())
            .env("MIMALLOC_PURGE_DELAY", "0")
            .output()?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let line = stdout
            .lines()
            .find(|l| l.starts_with("RESULT "))
            .ok_or_else(|| {
                format!(
                    "variant {variant} failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                )
            })?;
        let f: Vec<&str> = line.split_whitespace().collect();
        let (secs, rss, spilled): (f64, u64, u64) = (f[2].parse()?, f[3].parse()?, f[4].parse()?);
        let summary: Summary = (f[5].parse()?, f[6].parse()?);
        println!(
            "{what:<34} {secs:>8.2} {:>14.1} {:>14.1} {:>12}",
            rss as f64 / (1 << 20) as f64,
            spilled as f64 / (1 << 20) as f64,
            summary.0
        );
        if variant == "spill" {
            println!(
                "  peak RSS above the limit: {:.1} MiB",
                (rss as f64 - limit as f64) / (1 << 20) as f64
            );
            assert!(spilled > 0, "the limited run must spill");
            assert!(
                rss <= limit + OVERHEAD,
                "peak RSS {rss} above the limit plus {} MiB",
                OVERHEAD >> 20
            );
        }
        summaries.push(summary);
    }
    assert!(
        summaries.windows(2).all(|w| w[0] == w[1]),
        "variants disagree: {summaries:?}"
    );
    println!(
        "all variants agree: {} distinct words, {} words",
        summaries[0].0, summaries[0].1
    );
    Ok(())
}
