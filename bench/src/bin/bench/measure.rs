//! Timing (interleaved repetitions, medians) and peak memory (the harness runs one workload
//! side in a child process and reads the child's `ru_maxrss`).

use std::process::Command;
use std::time::{Duration, Instant};

/// Sorted times of the timed repetitions.
pub struct Times(pub Vec<Duration>);

impl Times {
    /// The median (the upper one for an even count).
    pub fn median(&self) -> Duration {
        self.0[self.0.len() / 2]
    }

    /// The median in milliseconds.
    pub fn ms(&self) -> f64 {
        self.median().as_secs_f64() * 1e3
    }

    /// Every repetition, in milliseconds.
    pub fn list(&self) -> String {
        let v: Vec<String> = self
            .0
            .iter()
            .map(|t| format!("{:.1}", t.as_secs_f64() * 1e3))
            .collect();
        v.join(", ")
    }
}

/// One warm-up run of each, then `reps` rounds running `a` then `b`, so that both see the same
/// machine load; `after_a` sees each result of `a` outside the timed region (to delete
/// checkpoint files). Returns both sides' times and last results.
pub fn interleaved<A, B>(
    reps: usize,
    mut a: impl FnMut() -> A,
    mut b: impl FnMut() -> B,
    mut after_a: impl FnMut(&A),
) -> (Times, Times, A, B) {
    let mut last_a = a();
    after_a(&last_a);
    let mut last_b = b();
    let (mut ta, mut tb) = (Vec::with_capacity(reps), Vec::with_capacity(reps));
    for _ in 0..reps {
        let t = Instant::now();
        last_a = a();
        ta.push(t.elapsed());
        after_a(&last_a);
        let t = Instant::now();
        last_b = b();
        tb.push(t.elapsed());
    }
    ta.sort();
    tb.sort();
    (Times(ta), Times(tb), last_a, last_b)
}

/// Runs `cmd` (a child run of this harness) to completion and returns the peak resident set
/// size it reported for itself.
///
/// Not `ru_maxrss` from `wait4`: Linux carries the parent's high-water mark across `fork`/`exec`
/// into the child's `ru_maxrss`, so every child would report at least this (large) process's
/// peak. `VmHWM` belongs to the child's own address space, created by `exec`.
pub fn child_peak_rss(cmd: &mut Command) -> std::io::Result<u64> {
    let out = cmd.stderr(std::process::Stdio::inherit()).output()?;
    if !out.status.success() {
        return Err(std::io::Error::other(format!(
            "child {cmd:?} failed: {}",
            out.status
        )));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("peak_rss_bytes ")?.trim().parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("child {cmd:?} reported no peak memory")))
}

/// This process's peak resident set size (`VmHWM` of `/proc/self/status`), in bytes.
pub fn own_peak_rss() -> std::io::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    status
        .lines()
        .find_map(|l| {
            let kb = l.strip_prefix("VmHWM:")?.trim().strip_suffix("kB")?.trim();
            kb.parse::<u64>().ok()
        })
        .map(|kb| kb * 1024)
        .ok_or_else(|| std::io::Error::other("no VmHWM in /proc/self/status"))
}
