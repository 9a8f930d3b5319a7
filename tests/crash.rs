//! Crash safety with real processes: a child process (this test binary run again, selected by
//! an environment variable) writes multi-MB checkpoints; the parent SIGKILLs it at random
//! moments, checks after every kill that every visible checkpoint is complete and intact, and
//! finally re-runs it with `resume(true)` to check that the result equals the reference and
//! that what was resumed was a committed checkpoint.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

#[path = "support/crash.rs"]
mod crash;
use crash::{Outcome, child, inspect, kill_times, parse, reference};

const CHILD_DIR: &str = "RDDFLOW_CRASH_TEST_CHILD_DIR";
const TEST_NAME: &str = "sigkill_at_random_moments_never_exposes_a_partial_checkpoint";
/// About 5 MB of checkpointed records.
const N: u64 = 120_000;

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

#[test]
fn sigkill_at_random_moments_never_exposes_a_partial_checkpoint() {
    if let Some(dir) = std::env::var_os(CHILD_DIR) {
        child(Path::new(&dir), N).expect("child run");
        return;
    }
    let want = format!("{:?}", reference(N));
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

    let mut kill_time = kill_times(full);
    let (mut kills, mut interrupted, mut rounds) = (0, 0, 0);
    while kills < 24 {
        rounds += 1;
        let dir: PathBuf = root.path().join(format!("round-{rounds}"));
        for _ in 0..3 {
            let mut c = spawn(&dir);
            std::thread::sleep(kill_time());
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
                    if inspect(&dir).unwrap().uncommitted > 0 {
                        interrupted += 1;
                    }
                }
            }
            // After every kill or completion, whatever is visible is whole.
            inspect(&dir).unwrap();
        }
        // After the crashes: a run with resume computes the right result, and resumes exactly
        // the checkpoints that were committed.
        let before = inspect(&dir).unwrap();
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
        let after = inspect(&dir).unwrap();
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
