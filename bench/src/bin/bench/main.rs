//! The benchmark harness: every workload of the performance targets, each against a
//! hand-written rayon program run in the same process on the same data, with ratios, and the
//! peak memory of each side measured in a child process.
//!
//! ```sh
//! cargo run --profile bench-release -p rddflow-bench --bin bench                  # the issue's sizes, 5 repetitions
//! cargo run --profile bench-release -p rddflow-bench --bin bench -- --size smoke  # a thousandth, a quick correctness run
//! cargo run --profile bench-release -p rddflow-bench --bin bench -- --help
//! ```
//!
//! Inputs are generated from a fixed seed into `target/bench-data/<size>/` (or `--data DIR`)
//! the first time; every side reads them from there, including the Spark programs of
//! `bench/spark/`. Every run checks that rddflow's results equal the baselines' and stops
//! with an error when they do not.

/// Both sides share one allocator: the system's by default (what a user gets without
/// choosing one), mimalloc with the `mimalloc` feature, to measure how much the engine's
/// speed depends on the allocator (issue 16's "any allocator" target).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The allocator serving both sides, as printed.
const ALLOCATOR: &str = if cfg!(feature = "mimalloc") {
    "mimalloc"
} else {
    "system"
};

mod data;
mod join;
mod lower;
mod measure;
mod narrow_chain;
mod pagerank;
mod sizes;
mod wordcount;
mod writes;

use std::cell::RefCell;
use std::collections::HashMap;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use rddflow::prelude::*;

use data::Inputs;
use measure::{Times, child_peak_rss, interleaved};
use sizes::Sizes;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// Workloads, in the order they run.
const WORKLOADS: [&str; 7] = [
    "narrow_chain",
    "wordcount",
    "wordcount_ckpt",
    "wordcount_cache_ckpt",
    "pagerank",
    "pagerank_ckpt",
    "join",
];

const HELP: &str = "\
usage: bench [--size full|small|smoke] [--reps N] [--threads N] [--only W1,W2]
             [--data DIR] [--no-rss] [--write-data] [--spark-results FILE]
             [--save-ratios FILE] [--other-allocator FILE]

  --size        workload sizes: full (the issue's), small (1/10), smoke (1/1000); default full
  --reps        timed repetitions per side after one warm-up (median reported); default 5
                (four times as many for narrow_chain and join, which take milliseconds)
  --threads     worker threads of both sides; default 2. Partitions: 2 per thread
  --only        comma-separated workloads: narrow_chain, wordcount, wordcount_ckpt,
                wordcount_cache_ckpt, pagerank, pagerank_ckpt, join
  --data        where the generated inputs live; default target/bench-data/<size>
  --no-rss      skip the child processes that measure peak memory
  --write-data  only generate the inputs (for bench/spark/run.sh) and print where they are
                and the sizes
  --spark-results FILE
                Spark's medians (lines `ENGINE WORKLOAD MEDIAN_MS ...`, as bench/spark/run.sh
                writes them), printed beside rddflow's, with the pagerank_ckpt target
  --save-ratios FILE
                writes this run's ratios (one `workload<TAB>baseline<TAB>ratio<TAB>allocator`
                line per row), for --other-allocator
  --other-allocator FILE
                ratios saved by a run of the harness built with the other allocator (with or
                without --features mimalloc): each ratio of this run is divided by the same
                ratio there, with the target (the system allocator's ratio within 1.15x of
                mimalloc's)";

/// Parsed command line.
struct Opts {
    sizes: Sizes,
    reps: usize,
    threads: usize,
    only: Vec<String>,
    data: PathBuf,
    rss: bool,
    write_data: bool,
    spark: Option<PathBuf>,
    /// `--save-ratios`: where this run's ratios go.
    save_ratios: Option<PathBuf>,
    /// `--other-allocator`: ratios of a run with the other allocator.
    other_allocator: Option<PathBuf>,
    /// `--child WORKLOAD SIDE`: run one side once, for its peak memory.
    child: Option<(String, String)>,
}

fn parse_args() -> Res<Opts> {
    let mut args = std::env::args().skip(1);
    let mut size = "full".to_string();
    let (mut reps, mut threads) = (5, 2);
    let (mut only, mut data, mut rss, mut write_data, mut child, mut spark) =
        (Vec::new(), None, true, false, None, None);
    let (mut save_ratios, mut other_allocator) = (None, None);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--size" => size = value()?,
            "--reps" => reps = value()?.parse()?,
            "--threads" => threads = value()?.parse()?,
            "--only" => only = value()?.split(',').map(str::to_owned).collect(),
            "--data" => data = Some(PathBuf::from(value()?)),
            "--no-rss" => rss = false,
            "--write-data" => write_data = true,
            "--spark-results" => spark = Some(PathBuf::from(value()?)),
            "--save-ratios" => save_ratios = Some(PathBuf::from(value()?)),
            "--other-allocator" => other_allocator = Some(PathBuf::from(value()?)),
            "--child" => {
                let w = value()?;
                child = Some((w, value()?));
            }
            "--help" | "-h" => {
                println!("{HELP}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}\n{HELP}").into()),
        }
    }
    let sizes = Sizes::preset(&size).ok_or_else(|| format!("unknown size {size:?}\n{HELP}"))?;
    for w in &only {
        if !WORKLOADS.contains(&w.as_str()) {
            return Err(format!("unknown workload {w:?}\n{HELP}").into());
        }
    }
    if reps == 0 || threads == 0 {
        return Err("--reps and --threads must be at least 1".into());
    }
    let data = data.unwrap_or_else(|| data::workspace_target().join("bench-data").join(sizes.name));
    Ok(Opts {
        sizes,
        reps,
        threads,
        only,
        data,
        rss: rss && !write_data,
        write_data,
        spark,
        save_ratios,
        other_allocator,
        child,
    })
}

/// What one workload printed as its table row.
struct Row {
    name: &'static str,
    rddflow: Times,
    baseline_name: &'static str,
    baseline: Times,
    target: String,
    /// Whether the target is met; `None` where the harness alone cannot tell.
    met: Option<bool>,
    rss: Option<(u64, u64)>,
    /// Whether the peak memory is judged (at most twice the baseline's): against the lower
    /// bounds, not against the older baselines printed for reference.
    rss_target: bool,
}

impl Row {
    fn ratio(&self) -> f64 {
        self.rddflow.ms() / self.baseline.ms()
    }
}

/// Everything the workloads share.
struct Bench {
    opts: Opts,
    inputs: Inputs,
    ctx: Context,
    /// The checkpoint writer's bytes and time, from the task metrics.
    writes: Arc<writes::CheckpointWrites>,
    parts: usize,
    checkpoints: PathBuf,
    /// Peak memory of each `(workload, side)` child run so far: a baseline shared by several
    /// rows runs once.
    peaks: RefCell<HashMap<(String, String), u64>>,
}

fn main() -> Res<()> {
    let opts = parse_args()?;
    let inputs = Inputs::at(&opts.data);
    let t = Instant::now();
    inputs.ensure(&opts.sizes)?;
    if opts.write_data {
        let s = &opts.sizes;
        println!("inputs of size {} in {}", s.name, opts.data.display());
        println!(
            "sizes: chain_n {} pr_iters {} pr_every {}",
            s.chain_n, s.pr_iters, s.pr_checkpoint_every
        );
        return Ok(());
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .build_global()?;
    let checkpoints = data::workspace_target()
        .join("rddflow-checkpoints")
        .join(format!("bench-{}", std::process::id()));
    let writes = Arc::new(writes::CheckpointWrites::default());
    let ctx = Context::builder()
        .threads(opts.threads)
        .checkpoint_dir(&checkpoints)
        .listener(writes.clone())
        .build()?;
    let b = Bench {
        parts: 2 * opts.threads,
        opts,
        inputs,
        ctx,
        writes,
        checkpoints,
        peaks: RefCell::default(),
    };
    let result = if let Some((w, side)) = &b.opts.child {
        b.child(w, side)
    } else {
        println!(
            "size {}, {} allocator, {} threads, {} partitions, {} timed repetitions per side after \
             a warm-up (median reported); inputs ready in {:.1} s; load average {}",
            b.opts.sizes.name,
            ALLOCATOR,
            b.opts.threads,
            b.parts,
            b.opts.reps,
            t.elapsed().as_secs_f64(),
            load_average()
        );
        b.run_all()
    };
    let _ = std::fs::remove_dir_all(&b.checkpoints);
    let _ = std::fs::remove_dir(b.checkpoints.parent().expect("a parent"));
    result
}

/// The 1, 5 and 15 minute load averages.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1 << 20) as f64)
}

impl Bench {
    fn selected(&self, w: &str) -> bool {
        self.opts.only.is_empty() || self.opts.only.iter().any(|o| o == w)
    }

    fn run_all(&self) -> Res<()> {
        let mut rows = Vec::new();
        if self.selected("narrow_chain") {
            rows.push(self.narrow_chain()?);
        }
        if self.selected("wordcount") {
            rows.extend(self.wordcount()?);
        }
        if self.selected("wordcount_ckpt") {
            rows.push(self.wordcount_ckpt()?);
        }
        if self.selected("wordcount_cache_ckpt") {
            rows.push(self.wordcount_cache_ckpt()?);
        }
        if self.selected("pagerank") {
            rows.extend(self.pagerank("pagerank", 0)?);
        }
        if self.selected("pagerank_ckpt") {
            let every = self.opts.sizes.pr_checkpoint_every;
            rows.extend(self.pagerank("pagerank_ckpt", every)?);
        }
        if self.selected("join") {
            rows.push(self.join()?);
        }
        println!(
            "\n{:<20} {:>11} {:>22} {:>11} {:>6}  {:<26} {:>12} {:>12} {:>9}",
            "workload",
            "rddflow ms",
            "baseline",
            "base ms",
            "ratio",
            "target",
            "rss rddflow",
            "rss base",
            "rss ratio"
        );
        for r in &rows {
            let (rss_a, rss_b, rss_ratio) = match r.rss {
                Some((a, b)) => {
                    let ratio = a as f64 / b as f64;
                    // Issue 16: at most twice the lower bound's peak on every workload.
                    let verdict = if r.rss_target && ratio > 2.0 {
                        " MISSED"
                    } else {
                        ""
                    };
                    (mib(a), mib(b), format!("{ratio:.2}{verdict}"))
                }
                None => ("-".into(), "-".into(), "-".into()),
            };
            println!(
                "{:<20} {:>11.1} {:>22} {:>11.1} {:>6.2}  {:<26} {:>12} {:>12} {:>9}",
                r.name,
                r.rddflow.ms(),
                r.baseline_name,
                r.baseline.ms(),
                r.ratio(),
                match r.met {
                    Some(true) => format!("{} met", r.target),
                    Some(false) => format!("{} MISSED", r.target),
                    None => r.target.clone(),
                },
                rss_a,
                rss_b,
                rss_ratio
            );
        }
        if let Some(path) = &self.opts.spark {
            spark_table(&rows, &std::fs::read_to_string(path)?);
        }
        if let Some(path) = &self.opts.save_ratios {
            let lines: String = rows
                .iter()
                .map(|r| {
                    format!(
                        "{}\t{}\t{}\t{ALLOCATOR}\n",
                        r.name,
                        r.baseline_name,
                        r.ratio()
                    )
                })
                .collect();
            std::fs::write(path, lines)?;
        }
        if let Some(path) = &self.opts.other_allocator {
            allocator_table(&rows, &std::fs::read_to_string(path)?)?;
        }
        println!("load average at the end: {}", load_average());
        println!("every rddflow result equals its baseline's (checked above)");
        Ok(())
    }

    /// Peak memory of `workload`'s rddflow side and of `base` (a workload and a side), each
    /// run once in a child process.
    fn rss(&self, workload: &str, base: (&str, &str)) -> Res<Option<(u64, u64)>> {
        if !self.opts.rss {
            return Ok(None);
        }
        Ok(Some((
            self.peak(workload, "rddflow")?,
            self.peak(base.0, base.1)?,
        )))
    }

    /// Peak memory of one side of one workload, run once in a child process (remembered).
    fn peak(&self, workload: &str, side: &str) -> Res<u64> {
        let key = (workload.to_owned(), side.to_owned());
        if let Some(&p) = self.peaks.borrow().get(&key) {
            return Ok(p);
        }
        let mut cmd = Command::new(std::env::current_exe()?);
        cmd.args(["--size", self.opts.sizes.name, "--threads"])
            .arg(self.opts.threads.to_string())
            .arg("--data")
            .arg(&self.opts.data)
            .args(["--child", workload, side]);
        let p = child_peak_rss(&mut cmd)?;
        self.peaks.borrow_mut().insert(key, p);
        Ok(p)
    }

    /// One side of one workload, run once (in a child process, for its peak memory).
    fn child(&self, workload: &str, side: &str) -> Res<()> {
        let (s, p, i) = (&self.opts.sizes, self.parts, &self.inputs);
        let rdd = side == "rddflow";
        match workload {
            "narrow_chain" if rdd => {
                black_box(narrow_chain::rddflow(&self.ctx, s.chain_n, p)?);
            }
            "narrow_chain" => {
                black_box(narrow_chain::rayon(s.chain_n));
            }
            "wordcount" if rdd => {
                black_box(wordcount::rddflow(&self.ctx, &i.corpus, p)?);
            }
            "wordcount" if side == "rddflow_string" => {
                black_box(wordcount::rddflow_string(&self.ctx, &i.corpus, p)?);
            }
            "wordcount_ckpt" if rdd => {
                black_box(wordcount::rddflow_ckpt(&self.ctx, &i.corpus, p)?);
            }
            "wordcount_cache_ckpt" if rdd => {
                black_box(wordcount::rddflow_cache_ckpt(&self.ctx, &i.corpus, p)?);
            }
            "wordcount" if side == "lower" => {
                black_box(lower::wordcount(&i.corpus)?);
            }
            "wordcount" => {
                black_box(wordcount::rayon(&i.corpus)?);
            }
            "pagerank" | "pagerank_ckpt" if rdd => {
                let every = if workload == "pagerank" {
                    0
                } else {
                    s.pr_checkpoint_every
                };
                black_box(pagerank::rddflow(
                    &self.ctx, &i.edges, p, s.pr_iters, every,
                )?);
            }
            "pagerank" | "pagerank_ckpt" if side == "lower" => {
                black_box(lower::pagerank(&i.edges, s.pr_iters)?);
            }
            "pagerank" | "pagerank_ckpt" => {
                black_box(pagerank::rayon(&i.edges, s.pr_iters)?);
            }
            "join" => {
                let (l, r) = data::join_data(s);
                if rdd {
                    black_box(join::rddflow(&self.ctx, &Arc::new(l), &Arc::new(r), p)?);
                } else {
                    black_box(join::rayon(&l, &r));
                }
            }
            _ => return Err(format!("unknown child workload {workload} {side}").into()),
        }
        println!("peak_rss_bytes {}", measure::own_peak_rss()?);
        Ok(())
    }

    fn print_times(&self, name: &str, a: (&str, &Times), b: (&str, &Times)) {
        println!("\n== {name}");
        for (label, t) in [a, b] {
            println!("  {label:<28} median {:>9.1} ms  [{}]", t.ms(), t.list());
        }
        println!("  ratio                        {:.3}", a.1.ms() / b.1.ms());
    }

    /// Repetitions of the workloads that take a few milliseconds, where one descheduled
    /// thread moves a single time by half: four times as many.
    fn short_reps(&self) -> usize {
        4 * self.opts.reps
    }

    fn narrow_chain(&self) -> Res<Row> {
        let n = self.opts.sizes.chain_n;
        let (ta, tb, a, b) = interleaved(
            self.short_reps(),
            || narrow_chain::rddflow(&self.ctx, n, self.parts),
            || narrow_chain::rayon(n),
            |_| (),
        );
        let a = a?;
        assert_eq!(a, b, "narrow_chain: rddflow and rayon sums differ");
        self.print_times(
            "narrow_chain",
            ("rddflow", &ta),
            ("hand-written rayon", &tb),
        );
        println!("  sum {a} (equal on both sides)");
        let ratio = ta.ms() / tb.ms();
        Ok(Row {
            name: "narrow_chain",
            rddflow: ta,
            baseline_name: "rayon",
            baseline: tb,
            target: "<= 1.05x rayon".into(),
            met: Some(ratio <= 1.05),
            rss: self.rss("narrow_chain", ("narrow_chain", "rayon"))?,
            rss_target: true,
        })
    }

    /// The natural wordcount against the lower bound (the target's row) and against the
    /// older baseline, a rayon program with a `String` per word (for reference).
    fn wordcount(&self) -> Res<Vec<Row>> {
        let path = &self.inputs.corpus;
        let (ta, tl, a, l) = interleaved(
            self.opts.reps,
            || wordcount::rddflow(&self.ctx, path, self.parts),
            || lower::wordcount(path),
            |_| (),
        );
        let (a, l) = (a?, l?);
        assert_eq!(a.len(), l.len(), "wordcount: distinct words differ");
        assert!(
            a.iter().all(|(w, c)| l.get(w.as_str()) == Some(c)),
            "wordcount: counts differ from the lower bound's"
        );
        let (ta2, tb, a2, b) = interleaved(
            self.opts.reps,
            || wordcount::rddflow(&self.ctx, path, self.parts),
            || wordcount::rayon(path),
            |_| (),
        );
        assert_eq!(a2?, a, "wordcount: two rddflow runs differ");
        assert_eq!(
            b?, l,
            "wordcount: the rayon baseline differs from the lower bound"
        );
        // Two variants for reference only: rddflow with `String` records (a `String` per line
        // and per word), and rayon borrowing the words from one whole-file buffer.
        let (td, tc, d, c) = interleaved(
            self.opts.reps,
            || wordcount::rddflow_string(&self.ctx, path, self.parts),
            || wordcount::rayon_borrowed(path),
            |_| (),
        );
        assert_eq!(c?, l, "wordcount: the two rayon variants differ");
        assert_eq!(
            d?,
            wordcount::owned(&a),
            "wordcount: the two rddflow variants differ"
        );
        self.print_times("wordcount", ("rddflow", &ta), ("lower bound", &tl));
        self.print_times(
            "wordcount (older baseline)",
            ("rddflow", &ta2),
            ("rayon, a String per word", &tb),
        );
        println!(
            "  hand-written rayon, &str keys median {:>9.1} ms  [{}] (rddflow / this: {:.3})",
            tc.ms(),
            tc.list(),
            ta.ms() / tc.ms()
        );
        println!(
            "  rddflow, String records        median {:>9.1} ms  [{}] (this / lower bound: {:.3})",
            td.ms(),
            td.list(),
            td.ms() / tl.ms()
        );
        println!(
            "  {} distinct words, {} words (equal on every side)",
            a.len(),
            a.values().sum::<u64>()
        );
        let ratio = ta.ms() / tl.ms();
        Ok(vec![
            Row {
                name: "wordcount",
                rddflow: ta,
                baseline_name: "lower bound",
                baseline: tl,
                target: "<= 1.3x lower bound".into(),
                met: Some(ratio <= 1.3),
                rss: self.rss("wordcount", ("wordcount", "lower"))?,
                rss_target: true,
            },
            Row {
                name: "wordcount",
                rddflow: ta2,
                baseline_name: "rayon (String/word)",
                baseline: tb,
                target: "(older baseline)".into(),
                met: None,
                rss: self.rss("wordcount", ("wordcount", "rayon"))?,
                rss_target: false,
            },
        ])
    }

    fn wordcount_ckpt(&self) -> Res<Row> {
        let path = &self.inputs.corpus;
        let mut ckpt_bytes = 0;
        self.writes.take();
        let (ta, tb, a, b) = interleaved(
            self.opts.reps,
            || wordcount::rddflow_ckpt(&self.ctx, path, self.parts),
            || wordcount::rddflow(&self.ctx, path, self.parts),
            |r| {
                if let Ok((_, dir)) = r {
                    ckpt_bytes = dir_size(dir);
                    let _ = std::fs::remove_dir_all(dir);
                }
            },
        );
        // Over the warm-up and the timed runs: the writer's bytes and its write + sync time.
        let (written, write_secs) = self.writes.take();
        let ((a, _), b) = (a?, b?);
        assert_eq!(
            a, b,
            "wordcount_ckpt: counts differ from the unchecked pipeline's"
        );
        let disk = disk_write_bandwidth(&self.checkpoints, ckpt_bytes, self.opts.reps)?;
        self.print_times(
            "wordcount_ckpt",
            ("rddflow, pairs checkpointed", &ta),
            ("rddflow, no checkpoint", &tb),
        );
        let extra = (ta.ms() - tb.ms()) / 1e3;
        let ckpt_bw = ckpt_bytes as f64 / extra.max(1e-9);
        let job_bw = ckpt_bytes as f64 / (ta.ms() / 1e3);
        println!(
            "  checkpoint: {} written; {:.0} MB/s over the extra time (checkpointed minus \
             unchecked median), {:.0} MB/s over the whole job",
            mib(ckpt_bytes),
            ckpt_bw / 1e6,
            job_bw / 1e6
        );
        println!(
            "  disk: write + fsync of a {} file, median {:.1} ms [{}]: {:.0} MB/s",
            mib(ckpt_bytes),
            disk.ms(),
            disk.list(),
            ckpt_bytes as f64 / disk.median().as_secs_f64() / 1e6
        );
        let disk_bw = ckpt_bytes as f64 / disk.median().as_secs_f64();
        let fraction = ckpt_bw / disk_bw;
        println!(
            "  checkpoint write bandwidth / disk sequential write bandwidth: {fraction:.2} \
             (target >= 0.5: {}; the target is judged on this figure)",
            if fraction >= 0.5 { "met" } else { "MISSED" }
        );
        // Second measure, for reference: the writer alone, on its own thread while the task
        // computes. Parts are written concurrently, so this is the throughput of one part's
        // writer, comparable with the single-stream disk figure above.
        let writer_bw = written as f64 / write_secs.max(1e-9);
        println!(
            "  for reference, the writer's own throughput: {} in {:.1} ms of write + fsync \
             over all runs: {:.0} MB/s per part file, {:.2} of the disk's (not the target)",
            mib(written),
            write_secs * 1e3,
            writer_bw / 1e6,
            writer_bw / disk_bw
        );
        let ratio = ta.ms() / tb.ms();
        Ok(Row {
            name: "wordcount_ckpt",
            rddflow: ta,
            baseline_name: "rddflow wordcount",
            baseline: tb,
            target: "<= 1.2x rddflow wordcount".into(),
            met: Some(ratio <= 1.2),
            rss: self.rss("wordcount_ckpt", ("wordcount", "lower"))?,
            rss_target: true,
        })
    }

    /// The pairs cached and checkpointed, against the lower bound; the target is on memory.
    fn wordcount_cache_ckpt(&self) -> Res<Row> {
        let path = &self.inputs.corpus;
        let (ta, tl, a, l) = interleaved(
            self.opts.reps,
            || wordcount::rddflow_cache_ckpt(&self.ctx, path, self.parts),
            || lower::wordcount(path),
            |r| {
                if let Ok((_, dir)) = r {
                    let _ = std::fs::remove_dir_all(dir);
                }
            },
        );
        let ((a, _), l) = (a?, l?);
        assert_eq!(
            a.len(),
            l.len(),
            "wordcount_cache_ckpt: distinct words differ"
        );
        assert!(
            a.iter().all(|(w, c)| l.get(w.as_str()) == Some(c)),
            "wordcount_cache_ckpt: counts differ from the lower bound's"
        );
        self.print_times(
            "wordcount_cache_ckpt",
            ("rddflow, pairs cached + checkpointed", &ta),
            ("lower bound", &tl),
        );
        Ok(Row {
            name: "wordcount_cache_ckpt",
            rddflow: ta,
            baseline_name: "lower bound",
            baseline: tl,
            target: "rss <= 2x lower bound".into(),
            met: None,
            rss: self.rss("wordcount_cache_ckpt", ("wordcount", "lower"))?,
            rss_target: true,
        })
    }

    /// PageRank (`every` = 0: no checkpoint; else the ranks checkpointed every `every`
    /// iterations) against the CSR lower bound, and for reference against the older baseline,
    /// a rayon program folding contributions into hash maps.
    fn pagerank(&self, name: &'static str, every: usize) -> Res<Vec<Row>> {
        let s = &self.opts.sizes;
        let path = &self.inputs.edges;
        let run = || pagerank::rddflow(&self.ctx, path, self.parts, s.pr_iters, every);
        let (ta, tl, a, l) = interleaved(
            self.opts.reps,
            run,
            || lower::pagerank(path, s.pr_iters),
            |_| (),
        );
        let (a, l) = (a?, l?);
        let diff = pagerank::max_rel_diff(&a, &l).expect("pagerank: the same pages ranked");
        assert!(
            diff <= 1e-9,
            "{name}: ranks differ from the lower bound's by {diff:e}"
        );
        self.print_times(name, ("rddflow", &ta), ("lower bound (CSR)", &tl));
        let mut rows = vec![];
        let (target, met) = if every == 0 {
            ("rss <= 2x lower bound".to_string(), None)
        } else {
            let ratio = ta.ms() / tl.ms();
            ("<= 3x lower bound".to_string(), Some(ratio <= 3.0))
        };
        println!(
            "  {} pages ranked, largest relative difference {diff:.1e}",
            a.len()
        );
        rows.push(Row {
            name,
            rddflow: ta,
            baseline_name: "lower bound (CSR)",
            baseline: tl,
            target,
            met,
            rss: self.rss(name, ("pagerank", "lower"))?,
            rss_target: true,
        });
        if every > 0 {
            let (ta, tb, a, b) = interleaved(
                self.opts.reps,
                run,
                || pagerank::rayon(path, s.pr_iters),
                |_| (),
            );
            let (a, b) = (a?, b?);
            let diff = pagerank::max_rel_diff(&a, &b).expect("pagerank: the same pages ranked");
            assert!(diff <= 1e-9, "{name}: ranks differ by {diff:e}");
            self.print_times(
                &format!("{name} (older baseline)"),
                ("rddflow", &ta),
                ("rayon, maps (no checkpoint)", &tb),
            );
            println!(
                "  the Spark target (>= 50x faster than Spark's Java API) is checked with \
                 --spark-results (bench/spark/run.sh)"
            );
            rows.push(Row {
                name,
                rddflow: ta,
                baseline_name: "rayon (maps)",
                baseline: tb,
                target: "vs Spark: --spark-results".into(),
                met: None,
                rss: self.rss(name, ("pagerank", "rayon"))?,
                rss_target: false,
            });
        }
        Ok(rows)
    }

    fn join(&self) -> Res<Row> {
        let (l, r) = data::join_data(&self.opts.sizes);
        let (l, r) = (Arc::new(l), Arc::new(r));
        let (ta, tb, a, b) = interleaved(
            self.short_reps(),
            || join::rddflow(&self.ctx, &l, &r, self.parts),
            || join::rayon(&l, &r),
            |_| (),
        );
        let a = a?;
        assert_eq!(a, b, "join: rddflow and rayon outputs differ");
        self.print_times("join", ("rddflow", &ta), ("hand-written rayon", &tb));
        println!(
            "  {} matching pairs, checksum {:#x} (equal on both sides)",
            a.count, a.checksum
        );
        Ok(Row {
            name: "join",
            rddflow: ta,
            baseline_name: "rayon",
            baseline: tb,
            target: "(none)".into(),
            met: None,
            rss: self.rss("join", ("join", "rayon"))?,
            rss_target: false,
        })
    }
}

/// Each ratio of this run beside the same ratio of a run with the other allocator (saved by
/// `--save-ratios`), and issue 16's target: the system allocator's ratio within 1.15x of
/// mimalloc's.
fn allocator_table(rows: &[Row], saved: &str) -> Res<()> {
    let mut other = None;
    let mut ratios = HashMap::new();
    for l in saved.lines() {
        let f: Vec<&str> = l.split('\t').collect();
        let [name, base, ratio, alloc] = f[..] else {
            return Err(format!("--other-allocator: not a saved ratio: {l:?}").into());
        };
        ratios.insert((name, base), ratio.parse::<f64>()?);
        other = Some(alloc);
    }
    let other = other.ok_or("--other-allocator: no ratios in the file")?;
    if other == ALLOCATOR {
        return Err(
            format!("--other-allocator: those ratios are of the {other} allocator too").into(),
        );
    }
    println!(
        "\n{:<20} {:>22} {:>12} {:>12} {:>16}  target",
        "workload",
        "baseline",
        format!("{ALLOCATOR} ratio"),
        format!("{other} ratio"),
        "system / mimalloc"
    );
    for r in rows {
        let Some(&o) = ratios.get(&(r.name, r.baseline_name)) else {
            continue;
        };
        let here = r.ratio();
        let (system, mimalloc) = if ALLOCATOR == "system" {
            (here, o)
        } else {
            (o, here)
        };
        let q = system / mimalloc;
        let verdict = if q <= 1.15 { "met" } else { "MISSED" };
        println!(
            "{:<20} {:>22} {:>12.2} {:>12.2} {:>16.2}  <= 1.15 {verdict}",
            r.name, r.baseline_name, here, o, q
        );
    }
    Ok(())
}

/// Spark's medians beside rddflow's, and the targets against Spark's Java API (wordcount at
/// least 10 times faster, pagerank_ckpt at least 50 times).
fn spark_table(rows: &[Row], results: &str) {
    let spark = |engine: &str, workload: &str| -> Option<f64> {
        results.lines().find_map(|l| {
            let mut f = l.split_whitespace();
            (f.next()? == engine && f.next()? == workload).then_some(())?;
            f.next()?.parse().ok()
        })
    };
    let cell = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.1}"));
    let speedup = |v: Option<f64>, r: f64| v.map_or("-".to_string(), |v| format!("{:.1}x", v / r));
    println!(
        "\nagainst Spark local[2] (Spark's JVM start-up excluded; its times from a separate run):"
    );
    println!(
        "{:<15} {:>11} {:>14} {:>11} {:>14} {:>11}",
        "workload", "rddflow ms", "spark-java ms", "speedup", "pyspark ms", "speedup"
    );
    let mut seen = Vec::new();
    // One line per workload: a workload's later rows compare it with older baselines.
    for r in rows.iter().filter(|r| {
        let first = !seen.contains(&r.name);
        seen.push(r.name);
        first
    }) {
        let (java, py) = (spark("spark-java", r.name), spark("pyspark", r.name));
        let ms = r.rddflow.ms();
        println!(
            "{:<15} {:>11.1} {:>14} {:>11} {:>14} {:>11}",
            r.name,
            ms,
            cell(java),
            speedup(java, ms),
            cell(py),
            speedup(py, ms)
        );
        // Issue 16: at least 10x faster than Spark's Java API on wordcount, 50x on PageRank.
        let goal = match r.name {
            "wordcount" => 10.0,
            "pagerank_ckpt" => 50.0,
            _ => continue,
        };
        match java {
            Some(j) => println!(
                "  {}: {:.1}x faster than Spark's Java API (target >= {goal}x: {})",
                r.name,
                j / ms,
                if j / ms >= goal { "met" } else { "MISSED" }
            ),
            None => println!("  {}: no Spark Java figure in the results", r.name),
        }
    }
}

/// Total size of the files under `dir`.
fn dir_size(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

/// Sequential write bandwidth of the disk under `dir`: `reps` times, a file of `bytes` bytes
/// written in 1 MiB blocks and `fsync`ed (the checkpoint writer's pattern), then deleted.
fn disk_write_bandwidth(dir: &Path, bytes: u64, reps: usize) -> std::io::Result<Times> {
    use std::io::Write;
    std::fs::create_dir_all(dir)?;
    let path = dir.join("disk-bandwidth-probe");
    let block: Vec<u8> = (0..1 << 20).map(|i| (i * 31 % 251) as u8).collect();
    let mut times = Vec::with_capacity(reps);
    for _ in 0..reps {
        let t = Instant::now();
        let mut f = std::fs::File::create(&path)?;
        let mut left = bytes;
        while left > 0 {
            let n = left.min(block.len() as u64) as usize;
            f.write_all(&block[..n])?;
            left -= n as u64;
        }
        f.sync_all()?;
        times.push(t.elapsed());
        drop(f);
        std::fs::remove_file(&path)?;
    }
    times.sort();
    Ok(Times(times))
}
