//! Crash stress: hundreds of SIGKILLs at random moments while a child process writes
//! multi-MB checkpoints; after every kill, every visible checkpoint must be whole (each part
//! present with its recorded length and CRC-32), and every few kills a resumed run must give
//! the reference result.
//!
//! ```sh
//! cargo run --release --example crash_stress          # 300 kills
//! cargo run --release --example crash_stress -- 1000  # as many kills as asked
//! ```
//!
//! The child is this program run again with `RDDFLOW_CRASH_STRESS_DIR` set. tests/crash.rs
//! is the same check, bounded for CI.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

#[path = "../tests/support/crash.rs"]
mod crash;
use crash::{child, inspect, kill_times, parse, reference};

const CHILD_DIR: &str = "RDDFLOW_CRASH_STRESS_DIR";
/// About 15 MB of checkpointed records.
const N: u64 = 400_000;

fn run(me: &Path, dir: &Path) -> std::process::Child {
    Command::new(me)
        .env(CHILD_DIR, dir)
        .stdout(Stdio::piped())
        .spawn()
        .expect("child starts")
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    if let Some(dir) = std::env::var_os(CHILD_DIR) {
        return Ok(child(Path::new(&dir), N)?);
    }
    let kills_wanted: usize = std::env::args().nth(1).map_or(Ok(300), |a| a.parse())?;
    let me = std::env::current_exe()?;
    let root = tempfile::tempdir()?;
    let want = format!("{:?}", reference(N));

    let t = Instant::now();
    let out = run(&me, &root.path().join("measure")).wait_with_output()?;
    let full = t.elapsed();
    if parse(&String::from_utf8_lossy(&out.stdout)).result.as_ref() != Some(&want) {
        return Err("undisturbed run gave a wrong result".into());
    }
    println!("undisturbed run: {full:?}; killing at uniform random moments in [0, {full:?}]");

    let mut kill_time = kill_times(full);
    let (mut kills, mut mid_write, mut verified, mut resumed_total, mut round) = (0, 0, 0, 0, 0);
    let start = Instant::now();
    while kills < kills_wanted {
        round += 1;
        let dir = root.path().join(format!("round-{round}"));
        for _ in 0..5 {
            let mut c = run(&me, &dir);
            std::thread::sleep(kill_time());
            let killed = c.try_wait()?.is_none();
            if killed {
                c.kill()?;
                kills += 1;
            }
            c.wait()?;
            let st = inspect(&dir)?;
            if killed && st.uncommitted > 0 {
                mid_write += 1;
            }
            if st.committed == 2 {
                // Nothing left to interrupt: later runs would only resume.
                break;
            }
        }
        let out = run(&me, &dir).wait_with_output()?;
        let o = parse(&String::from_utf8_lossy(&out.stdout));
        if !out.status.success() || o.result.as_ref() != Some(&want) {
            return Err(format!("round {round}: resumed run gave a wrong result").into());
        }
        let (r, s) = o.resumed.unwrap_or_default();
        resumed_total += usize::from(r) + usize::from(s);
        verified += 1;
        std::fs::remove_dir_all(&dir)?;
        if round % 20 == 0 {
            println!("  {kills} kills so far");
        }
    }
    println!(
        "{kills} kills in {:?}: after every one, every visible checkpoint was whole; \
         {mid_write} kills left an uncommitted checkpoint behind (a write interrupted); {verified} resumed \
         runs gave the reference result, resuming {resumed_total} committed checkpoints",
        start.elapsed()
    );
    Ok(())
}
