//! What `checkpoint_compression(true)` costs and saves, on the word pairs of the bundled
//! corpus (`(String, u64)`, compressible) and on numeric pairs (`(u64, u64)`, barely).
//!
//! ```sh
//! cargo run --release --example checkpoint_compression
//! ```
//!
//! For each data set and setting, in one process: the job that computes the pipeline and
//! writes the checkpoint of its marked node as a side output, a job that reads the checkpoint
//! back, and the bytes on disk; the same pipeline without a checkpoint is the baseline of the
//! ratios. Median of 5 timed runs after one warm-up, each on a fresh context and directory.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rddflow::prelude::*;

#[path = "support/words.rs"]
mod words;
use words::words_of;

const REPS: usize = 5;
const NUMS: u64 = 4_000_000;

rddflow::pipeline! {
    pub struct Words(path: PathBuf) {
        lines: String = text_file(path, 8);
        #[checkpoint]
        pairs: (String, u64) = lines.flat_map(|l| words_of(&l).into_iter().map(|w| (w, 1)).collect::<Vec<_>>());
        counts: (String, u64) = pairs.reduce_by_key(|a, b| a + b, 8);
    }

    pub struct WordsPlain(path: PathBuf) {
        lines: String = text_file(path, 8);
        pairs: (String, u64) = lines.flat_map(|l| words_of(&l).into_iter().map(|w| (w, 1)).collect::<Vec<_>>());
        counts: (String, u64) = pairs.reduce_by_key(|a, b| a + b, 8);
    }

    pub struct Nums(n: u64) {
        nums: u64 = range(0..n, 8);
        #[checkpoint]
        pairs: (u64, u64) = nums.map(|x| (x % 1000, x.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 20));
        counts: (u64, u64) = pairs.reduce_by_key(|a, b| a + b, 8);
    }

    pub struct NumsPlain(n: u64) {
        nums: u64 = range(0..n, 8);
        pairs: (u64, u64) = nums.map(|x| (x % 1000, x.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 20));
        counts: (u64, u64) = pairs.reduce_by_key(|a, b| a + b, 8);
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ctx(dir: &Path, compress: bool) -> rddflow::Result<Context> {
    Context::builder()
        .checkpoint_dir(dir)
        .checkpoint_compression(compress)
        .clean_checkpoints(true)
        .build()
}

fn part_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|es| {
            es.flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with("part-"))
                .map(|e| e.metadata().map_or(0, |m| m.len()))
                .sum()
        })
        .unwrap_or(0)
}

struct Row {
    write: Duration,
    read: Duration,
    bytes: u64,
}

/// What one measured job returns: write time, read-back time, bytes of the part files.
type Measured = rddflow::Result<(Duration, Duration, u64)>;

/// Runs `job` (build a pipeline, time the job writing the checkpoint and one reading it back,
/// measure the part files) on fresh contexts; the files go with each pipeline.
fn measure(compress: bool, job: &dyn Fn(&Context) -> Measured) -> rddflow::Result<Row> {
    let tmp = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/compression-bench");
    let (mut w, mut r, mut bytes) = (Vec::new(), Vec::new(), 0);
    for i in 0..=REPS {
        let c = ctx(&tmp, compress)?;
        let (write, read, b) = job(&c)?;
        bytes = b;
        if i > 0 {
            w.push(write);
            r.push(read);
        }
    }
    Ok(Row {
        write: median(w),
        read: median(r),
        bytes,
    })
}

fn plain(run: &dyn Fn(&Context) -> rddflow::Result<()>) -> rddflow::Result<Duration> {
    let mut v = Vec::new();
    for i in 0..=REPS {
        let c = Context::builder().build()?;
        let t = Instant::now();
        run(&c)?;
        if i > 0 {
            v.push(t.elapsed());
        }
    }
    Ok(median(v))
}

fn report(name: &str, base: Duration, rows: &[(&str, Row)]) {
    println!("{name}: pipeline without checkpoint {base:.1?}");
    for (setting, r) in rows {
        println!(
            "  {setting:<5} write job {:>8.1?} ({:.2}x the plain pipeline), read-back job {:>8.1?}, \
             {:.1} MB on disk",
            r.write,
            r.write.as_secs_f64() / base.as_secs_f64(),
            r.read,
            r.bytes as f64 / 1e6
        );
    }
}

fn main() -> rddflow::Result<()> {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/corpus");
    let words_base = plain(&|c| WordsPlain::new(c, corpus.clone())?.counts.count().map(drop))?;
    let rows = both_settings(&|c| {
        let p = Words::new(c, corpus.clone())?;
        Ok((p.counts.rdd(), p.pairs.rdd()))
    })?;
    report("word pairs (String, u64)", words_base, &rows);

    let nums_base = plain(&|c| NumsPlain::new(c, NUMS)?.counts.count().map(drop))?;
    let rows = both_settings(&|c| {
        let p = Nums::new(c, NUMS)?;
        Ok((p.counts.rdd(), p.pairs.rdd()))
    })?;
    report("numeric pairs (u64, u64)", nums_base, &rows);
    Ok(())
}

/// Builds a workload's pipeline; returns the RDD whose job writes the checkpoint and the
/// checkpointed RDD.
type Workload<'a, A, B> = dyn Fn(&Context) -> rddflow::Result<(Rdd<A>, Rdd<B>)> + 'a;

/// One workload without and with compression. `build` makes its pipeline and returns the RDD
/// whose job writes the checkpoint (`counts`) and the checkpointed one (`pairs`), which is then
/// read back.
fn both_settings<A: rddflow::Data, B: rddflow::Data>(
    build: &Workload<'_, A, B>,
) -> rddflow::Result<Vec<(&'static str, Row)>> {
    [("none", false), ("lz4", true)]
        .into_iter()
        .map(|(setting, on)| {
            let row = measure(on, &|c| {
                let (counts, pairs) = build(c)?;
                let t = Instant::now();
                counts.count()?;
                let write = t.elapsed();
                let t = Instant::now();
                pairs.count()?;
                let read = t.elapsed();
                let dir = pairs.checkpoint_file().unwrap_or_default();
                Ok((write, read, part_bytes(&dir)))
            })?;
            Ok((setting, row))
        })
        .collect()
}
