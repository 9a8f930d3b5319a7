//! Crash safety with real processes: a child process (this test binary run again, selected by
//! an environment variable) writes multi-MB checkpoints; the parent SIGKILLs it at random
//! moments, checks after every kill that every visible checkpoint is complete and intact, and
//! finally re-runs it with `resume(true)` to check that the result equals the reference and
//! that what was resumed was a committed checkpoint.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use rddflow::checkpoint::manifest::{Manifest, part_path};
use rddflow::prelude::*;

const CHILD_DIR: &str = "RDDFLOW_CRASH_TEST_CHILD_DIR";
const TEST_NAME: &str = "sigkill_at_random_moments_never_exposes_a_partial_checkpoint";
const N: u64 = 120_000;

rddflow::pipeline! {
    /// About 5 MB of records, checkpointed, then a shuffle whose output is checkpointed too.
    struct Crash(n: u64) {
        nums: u64 = range(0..n, 8);
        #[checkpoint]
        records: (u64, String) = nums.map(|x| (x % 997, format!("record {x:>12} {}", "#".repeat((x % 23) as usize))));
        lens: (u64, u64) = records.map(|(k, s)| (k, s.len() as u64));
        #[checkpoint]
        sums: (u64, u64) = lens.reduce_by_key(|a, b| a + b, 4);
    }
}

fn reference() -> Vec<(u64, u64)> {
    let mut m = std::collections::BTreeMap::new();
    for x in 0..N {
        let s = format!("record {x:>12} {}", "#".repeat((x % 23) as usize));
        *m.entry(x % 997).or_insert(0u64) += s.len() as u64;
    }
    m.into_iter().collect()
}

/// The child: runs the pipeline with resume on and prints what it resumed and its result.
fn child(dir: &Path) -> rddflow::Result<()> {
    let ctx = Context::builder()
        .threads(2)
        .checkpoint_dir(dir)
        .checkpoint_all_marked_ancestors(true)
        .resume(true)
        .build()?;
    let p = Crash::new(&ctx, N)?;
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

struct Outcome {
    resumed: Option<(bool, bool)>,
    result: Option<String>,
}

fn parse(stdout: &str) -> Outcome {
    let mut o = Outcome {
        resumed: None,
        result: None,
    };
    // The test harness prints `test NAME ... ` before the child's first line: search, do not
    // expect the markers at the start of a line.
    for line in stdout.lines() {
        if let Some(r) = line.find("RESUMED ").map(|i| &line[i + 8..]) {
            o.resumed = Some((r.contains("records=true"), r.contains("sums=true")));
        } else if let Some(r) = line.find("RESULT ").map(|i| &line[i + 7..]) {
            o.result = Some(r.to_string());
        }
    }
    o
}

fn spawn(dir: &Path) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", TEST_NAME, "--nocapture", "--test-threads=1"])
        .env(CHILD_DIR, dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("child process starts")
}

fn run_to_end(dir: &Path) -> Outcome {
    let out = spawn(dir).wait_with_output().unwrap();
    assert!(out.status.success(), "child failed: {out:?}");
    parse(&String::from_utf8_lossy(&out.stdout))
}

/// What the checkpoint directory shows after a kill.
#[derive(Debug, Default)]
struct State {
    committed: usize,
    /// Checkpoint directories holding files but no manifest: a write was interrupted.
    uncommitted: usize,
}

/// Every checkpoint with a manifest must be whole: every part present with its recorded
/// length and checksum. Those without one are counted, never read.
fn inspect(dir: &Path) -> State {
    let mut st = State::default();
    let Ok(entries) = std::fs::read_dir(dir.join("resumable")) else {
        return st;
    };
    for e in entries {
        let d = e.unwrap().path();
        match Manifest::read_if_exists(&d).expect("a visible manifest is always valid") {
            Some(m) => {
                for (i, info) in m.parts.iter().enumerate() {
                    let bytes = std::fs::read(part_path(&d, i)).expect("committed part exists");
                    assert_eq!(
                        bytes.len() as u64,
                        info.bytes,
                        "part {i} of {}",
                        d.display()
                    );
                    assert_eq!(
                        crc32fast::hash(&bytes),
                        info.crc32,
                        "part {i} of {}",
                        d.display()
                    );
                }
                st.committed += 1;
            }
            None => {
                if std::fs::read_dir(&d).unwrap().next().is_some() {
                    st.uncommitted += 1;
                }
            }
        }
    }
    st
}

/// splitmix64: the random kill times need no more than this.
fn next_random(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[test]
fn sigkill_at_random_moments_never_exposes_a_partial_checkpoint() {
    if let Some(dir) = std::env::var_os(CHILD_DIR) {
        child(Path::new(&dir)).expect("child run");
        return;
    }
    let want = format!("{:?}", reference());
    let root = tempfile::tempdir().unwrap();

    // One undisturbed run: its duration bounds the kill times.
    let first = root.path().join("measure");
    let t0 = Instant::now();
    let o = run_to_end(&first);
    let full = t0.elapsed();
    assert_eq!(o.result.as_deref(), Some(want.as_str()));
    assert_eq!(o.resumed, Some((false, false)));
    let o = run_to_end(&first);
    assert_eq!(o.resumed, Some((true, true)), "a second run resumes both");
    assert_eq!(o.result.as_deref(), Some(want.as_str()));

    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let (mut kills, mut interrupted, mut rounds) = (0, 0, 0);
    while kills < 24 {
        rounds += 1;
        let dir: PathBuf = root.path().join(format!("round-{rounds}"));
        for _ in 0..3 {
            let mut c = spawn(&dir);
            let wait = full.mul_f64((next_random(&mut seed) % 1000) as f64 / 1000.0);
            std::thread::sleep(wait);
            match c.try_wait().unwrap() {
                Some(_) => {
                    // Finished before the kill: it must have produced the right result.
                    let out = c.wait_with_output().unwrap();
                    let o = parse(&String::from_utf8_lossy(&out.stdout));
                    assert_eq!(o.result.as_deref(), Some(want.as_str()));
                }
                None => {
                    c.kill().unwrap(); // SIGKILL
                    c.wait().unwrap();
                    kills += 1;
                    if inspect(&dir).uncommitted > 0 {
                        interrupted += 1;
                    }
                }
            }
            // After every kill or completion, whatever is visible is whole.
            inspect(&dir);
        }
        // After the crashes: a run with resume computes the right result, and resumes exactly
        // the checkpoints that were committed.
        let before = inspect(&dir);
        let o = run_to_end(&dir);
        assert_eq!(o.result.as_deref(), Some(want.as_str()), "round {rounds}");
        let (r, s) = o.resumed.expect("child reports what it resumed");
        assert_eq!(
            usize::from(r) + usize::from(s),
            before.committed,
            "round {rounds}: resumed what was committed, and nothing else"
        );
        // Temporary files of the killed runs were removed by the re-run (their processes are
        // gone), where `/proc` tells.
        if Path::new("/proc/self").exists() {
            let leftovers: Vec<PathBuf> = std::fs::read_dir(dir.join("resumable"))
                .unwrap()
                .flat_map(|d| std::fs::read_dir(d.unwrap().path()).unwrap())
                .map(|e| e.unwrap().path())
                .filter(|p| p.to_string_lossy().ends_with(".tmp"))
                .collect();
            assert!(leftovers.is_empty(), "round {rounds}: {leftovers:?}");
        }
        // Both are committed now, unless `sums` was committed and resumed: then `records`,
        // behind it, is never needed (nor computed) again.
        let after = inspect(&dir);
        assert!(
            after.committed == 2 || (s && !r && after.committed == 1),
            "round {rounds}: {after:?}"
        );
    }
    eprintln!(
        "{kills} kills in {rounds} rounds, {interrupted} left an uncommitted checkpoint; \
         an undisturbed run takes {full:?}"
    );
    assert!(kills >= 20);
    assert!(
        interrupted > 0,
        "at least one kill landed while a checkpoint was being written ({kills} kills)"
    );
}
