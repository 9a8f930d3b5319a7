//! Resume after a crash: a three-stage pipeline on the bundled corpus, each stage's result
//! checkpointed, with `Context::builder().resume(true)`.
//!
//! ```sh
//! cargo run --release --example resume            # run, kill, run again, run once more
//! cargo run --release --example resume -- --once  # one run (kill it yourself, run it again)
//! ```
//!
//! Without arguments it runs itself three times as child processes, on a fresh checkpoint
//! directory: the first run is killed (SIGKILL) as soon as the checkpoint of stage 1 is
//! committed; the second run reads stage 1 from that checkpoint and computes the rest; the
//! third reads every stage from checkpoints and computes nothing. Each run reports, per stage,
//! whether it was read from a checkpoint or computed.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use rddflow::prelude::*;

#[path = "support/words.rs"]
mod words;
use words::words_of;

const CHECKPOINTS: &str = "target/resume-example-checkpoints";

rddflow::pipeline! {
    /// Words, their counts, then the words grouped by count: three checkpointed stages.
    pub struct Stages(path: PathBuf) {
        lines: String = text_file(path, 8);
        #[checkpoint]
        words: String = lines.flat_map(|l| words_of(&l));
        pairs: (String, u64) = words.map(|w| (w, 1));
        #[checkpoint]
        counts: (String, u64) = pairs.reduce_by_key(|a, b| a + b, 8);
        by_count: (u64, String) = counts.map(|(w, c)| (c, w));
        #[checkpoint]
        groups: (u64, Vec<String>) = by_count.group_by_key(8);
    }
}

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/corpus")
}

/// One run: each stage is one job, which commits that stage's checkpoint.
fn run_once() -> rddflow::Result<()> {
    let ctx = Context::builder()
        .checkpoint_dir(CHECKPOINTS)
        .resume(true)
        .build()?;
    let p = Stages::new(&ctx, corpus())?;
    let report = |stage: &str, resumed: bool, t: Instant, what: String| {
        let how = if resumed {
            "read from checkpoint".to_string()
        } else {
            format!("computed and checkpointed in {:?}", t.elapsed())
        };
        println!("  {stage}: {how} ({what})");
    };
    let t = Instant::now();
    let words = p.words.count()?;
    report(
        "stage 1 (words) ",
        p.words.checkpoint_resumed(),
        t,
        format!("{words} words"),
    );
    let t = Instant::now();
    let distinct = p.counts.count()?;
    report(
        "stage 2 (counts)",
        p.counts.checkpoint_resumed(),
        t,
        format!("{distinct} distinct"),
    );
    let t = Instant::now();
    let mut groups = p.groups.collect()?;
    groups.sort();
    let (top, top_words) = groups.last().cloned().unwrap_or_default();
    report(
        "stage 3 (groups)",
        p.groups.checkpoint_resumed(),
        t,
        format!("most frequent, {top} times: {top_words:?}"),
    );
    println!("  lineage of stage 3:");
    for line in p.groups.lineage().lines() {
        println!("    {line}");
    }
    Ok(())
}

/// The committed checkpoint of stage 1, if any.
fn stage1_committed() -> bool {
    let Ok(entries) = std::fs::read_dir(Path::new(CHECKPOINTS).join("resumable")) else {
        return false;
    };
    entries.flatten().any(|e| {
        e.file_name().to_string_lossy().starts_with("Stages.words-")
            && e.path().join("_manifest.json").is_file()
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::args().any(|a| a == "--once") {
        return Ok(run_once()?);
    }
    let _ = std::fs::remove_dir_all(CHECKPOINTS);
    let me = std::env::current_exe()?;

    println!("run 1: killed once stage 1 is committed");
    let mut child = Command::new(&me).arg("--once").spawn()?;
    let start = Instant::now();
    loop {
        if stage1_committed() {
            child.kill()?; // SIGKILL: no destructor, no flush, like a crash
            child.wait()?;
            println!("  killed after {:?}", start.elapsed());
            break;
        }
        if child.try_wait()?.is_some() {
            println!("  (finished before it could be killed)");
            break;
        }
        std::thread::sleep(Duration::from_micros(200));
    }

    for (n, note) in [
        (2, "resumes what run 1 committed"),
        (3, "resumes everything"),
    ] {
        println!("run {n}: {note}");
        let status = Command::new(&me).arg("--once").status()?;
        if !status.success() {
            return Err(format!("run {n} failed: {status}").into());
        }
    }
    Ok(())
}
