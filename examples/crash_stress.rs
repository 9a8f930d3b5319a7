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

use rddflow::checkpoint::manifest::{Manifest, part_path};
use rddflow::prelude::*;

const CHILD_DIR: &str = "RDDFLOW_CRASH_STRESS_DIR";
const N: u64 = 400_000;

rddflow::pipeline! {
    /// About 15 MB of records, checkpointed, then a checkpointed shuffle.
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

fn child(dir: &Path) -> rddflow::Result<()> {
    let ctx = Context::builder()
        .checkpoint_dir(dir)
        .checkpoint_all_marked_ancestors(true)
        .resume(true)
        .build()?;
    let p = Crash::new(&ctx, N)?;
    let resumed =
        usize::from(p.records.checkpoint_resumed()) + usize::from(p.sums.checkpoint_resumed());
    let mut v = p.sums.collect()?;
    v.sort();
    println!("RESUMED {resumed}");
    println!("RESULT {v:?}");
    Ok(())
}

/// Checks every committed checkpoint under `dir` in full; returns (committed, uncommitted).
fn inspect(dir: &Path) -> Result<(usize, usize), String> {
    let (mut committed, mut uncommitted) = (0, 0);
    let Ok(entries) = std::fs::read_dir(dir.join("resumable")) else {
        return Ok((0, 0));
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
                committed += 1;
            }
            None => uncommitted += 1,
        }
    }
    Ok((committed, uncommitted))
}

fn run(me: &Path, dir: &Path) -> std::process::Child {
    Command::new(me)
        .env(CHILD_DIR, dir)
        .stdout(Stdio::piped())
        .spawn()
        .expect("child starts")
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    if let Some(dir) = std::env::var_os(CHILD_DIR) {
        return Ok(child(Path::new(&dir))?);
    }
    let kills_wanted: usize = std::env::args().nth(1).map_or(Ok(300), |a| a.parse())?;
    let me = std::env::current_exe()?;
    let root = tempfile::tempdir()?;
    let want = format!("RESULT {:?}", reference());

    let t = Instant::now();
    let out = run(&me, &root.path().join("measure")).wait_with_output()?;
    let full = t.elapsed();
    if !String::from_utf8_lossy(&out.stdout).contains(&want) {
        return Err("undisturbed run gave a wrong result".into());
    }
    println!("undisturbed run: {full:?}; killing at uniform random moments in [0, {full:?}]");

    let mut seed = t.elapsed().as_nanos() as u64 ^ 0x5DEE_CE66_D1CE_4E5B;
    let mut random = move || {
        seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let (mut kills, mut mid_write, mut verified, mut resumed_total, mut round) = (0, 0, 0, 0, 0);
    let start = Instant::now();
    while kills < kills_wanted {
        round += 1;
        let dir = root.path().join(format!("round-{round}"));
        for _ in 0..5 {
            let mut c = run(&me, &dir);
            std::thread::sleep(full.mul_f64((random() % 1000) as f64 / 1000.0));
            let killed = c.try_wait()?.is_none();
            if killed {
                c.kill()?;
                kills += 1;
            }
            c.wait()?;
            let (committed, uncommitted) = inspect(&dir)?;
            if killed && uncommitted > 0 {
                mid_write += 1;
            }
            if committed == 2 {
                // Nothing left to interrupt: later runs would only resume.
                break;
            }
        }
        let out = run(&me, &dir).wait_with_output()?;
        let text = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() || !text.contains(&want) {
            return Err(format!("round {round}: resumed run gave a wrong result").into());
        }
        resumed_total += text
            .lines()
            .find_map(|l| l.strip_prefix("RESUMED ")?.parse::<usize>().ok())
            .unwrap_or(0);
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
