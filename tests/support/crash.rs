//! What tests/crash.rs and examples/crash_stress.rs share: the child's pipeline and its
//! reference, and the check of a checkpoint directory after a kill.

use std::path::Path;

use rddflow::__private::checkpoint::manifest::{Manifest, part_path};
use rddflow::prelude::*;

rddflow::pipeline! {
    /// Records of about 40 bytes, checkpointed, then a shuffle whose output is checkpointed
    /// too (`n` = 120 000 writes about 5 MB).
    pub struct Crash(n: u64) {
        nums: u64 = range(0..n, 8);
        #[checkpoint]
        records: (u64, String) = nums.map(|x| (x % 997, format!("record {x:>12} {}", "#".repeat((x % 23) as usize))));
        lens: (u64, u64) = records.map(|(k, s)| (k, s.len() as u64));
        #[checkpoint]
        sums: (u64, u64) = lens.reduce_by_key(|a, b| a + b, 4);
    }
}

/// `Crash(n).sums`, sorted, computed without rddflow.
pub fn reference(n: u64) -> Vec<(u64, u64)> {
    let mut m = std::collections::BTreeMap::new();
    for x in 0..n {
        let s = format!("record {x:>12} {}", "#".repeat((x % 23) as usize));
        *m.entry(x % 997).or_insert(0u64) += s.len() as u64;
    }
    m.into_iter().collect()
}

/// The child: runs the pipeline with resume on and prints what it resumed and its result, as
/// `RESUMED records=BOOL sums=BOOL` and `RESULT [..]`.
pub fn child(dir: &Path, n: u64) -> rddflow::Result<()> {
    let ctx = Context::builder()
        .threads(2)
        .checkpoint_dir(dir)
        .checkpoint_all_marked_ancestors(true)
        .resume(true)
        .build()?;
    let p = Crash::new(&ctx, n)?;
    println!(
        "RESUMED records={} sums={}",
        p.records.checkpoint_resumed(),
        p.sums.checkpoint_resumed()
    );
    let mut v = p.sums.collect()?;
    v.sort();
    println!("RESULT {v:?}");
    Ok(())
}

/// What a child printed.
pub struct Outcome {
    /// Whether `records` and `sums` were resumed.
    pub resumed: Option<(bool, bool)>,
    pub result: Option<String>,
}

/// Reads a child's output. The test harness prints `test NAME ... ` before the child's first
/// line: markers are searched for, not expected at the start of a line.
pub fn parse(stdout: &str) -> Outcome {
    let mut o = Outcome {
        resumed: None,
        result: None,
    };
    for line in stdout.lines() {
        if let Some(r) = line.find("RESUMED ").map(|i| &line[i + 8..]) {
            o.resumed = Some((r.contains("records=true"), r.contains("sums=true")));
        } else if let Some(r) = line.find("RESULT ").map(|i| &line[i + 7..]) {
            o.result = Some(r.to_string());
        }
    }
    o
}

/// What the checkpoint directory shows after a kill.
#[derive(Debug, Default)]
pub struct State {
    pub committed: usize,
    /// Checkpoint directories holding files but no manifest: a write was interrupted.
    pub uncommitted: usize,
}

/// Every checkpoint with a manifest must be whole: every part present with its recorded
/// length and checksum. Those without one are counted, never read.
pub fn inspect(dir: &Path) -> Result<State, String> {
    let mut st = State::default();
    let Ok(entries) = std::fs::read_dir(dir.join("resumable")) else {
        return Ok(st);
    };
    for e in entries.flatten() {
        let d = e.path();
        match Manifest::read_if_exists(&d).map_err(|e| format!("visible manifest invalid: {e}"))? {
            Some(m) => {
                for (i, info) in m.parts.iter().enumerate() {
                    let p = part_path(&d, i);
                    let bytes = std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?;
                    if bytes.len() as u64 != info.bytes || crc32fast::hash(&bytes) != info.crc32 {
                        return Err(format!("partial or corrupt committed part {}", p.display()));
                    }
                }
                st.committed += 1;
            }
            None => {
                if std::fs::read_dir(&d).is_ok_and(|mut f| f.next().is_some()) {
                    st.uncommitted += 1;
                }
            }
        }
    }
    Ok(st)
}

/// A kill time: uniform in `[0, full]`, from a generator seeded by the clock (each run of the
/// test kills at other moments).
pub fn kill_times(full: std::time::Duration) -> impl FnMut() -> std::time::Duration {
    use rand::{Rng, SeedableRng};
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut rng = rand_pcg::Pcg64::seed_from_u64(seed);
    move || full.mul_f64(rng.random_range(0.0..=1.0))
}
