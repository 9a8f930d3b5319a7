//! `--processes N` for the examples that run in cluster mode (`wordcount`, `pagerank`,
//! `join`): the flag, and what each process reports when its job is done.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rddflow::Context;
use rddflow::listener::{Event, Listener, StageKind, TaskOutcome};

/// `--processes N` of `example`'s command line: the process count asked for (1 without the
/// flag); more than 1 needs the cargo feature `cluster`.
pub fn processes(example: &str) -> Result<usize, String> {
    let args: Vec<String> = std::env::args().collect();
    let Some(i) = args.iter().position(|a| a == "--processes") else {
        return Ok(1);
    };
    let n: usize = args
        .get(i + 1)
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .ok_or("--processes needs a process count")?;
    if n > 1 && !cfg!(feature = "cluster") {
        return Err(format!(
            "--processes {n} needs the cargo feature `cluster`: cargo run --release \
             --features cluster --example {example} -- --processes {n}"
        ));
    }
    Ok(n)
}

/// Counts the map tasks this process ran (each partition of a shuffle's input once, in the
/// process that owns it).
#[derive(Default)]
pub struct MapTasks(AtomicUsize);

impl Listener for MapTasks {
    fn on_event(&self, event: &Event) {
        if let Event::TaskEnd(t) = event
            && t.kind == StageKind::ShuffleMap
            && matches!(t.outcome, TaskOutcome::Success)
        {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// One line per process: the map tasks it ran, the job's time, the bytes it sent to the
/// others and its peak RSS.
pub fn report(ctx: &Context, tasks: &MapTasks, job: Duration) {
    println!(
        "process {} of {} computed {} map partitions; job {:.1} ms, sent {} bytes to the other \
         processes, peak RSS {:.1} MB",
        ctx.process_index(),
        ctx.process_count(),
        tasks.0.load(Ordering::Relaxed),
        job.as_secs_f64() * 1e3,
        ctx.cluster_bytes_sent(),
        peak_rss_mb()
    );
}

/// This process's peak resident set size (`VmHWM`), in MB; 0 where `/proc` is missing.
pub fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
            let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kb / 1024.0)
        })
        .unwrap_or(0.0)
}
