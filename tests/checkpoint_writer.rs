//! Part files larger than the sink's 1 MiB buffer are written and synced by a writer thread
//! while the task computes: the bytes, checksums and durability are the same as when the task
//! writes them itself; a write error on that thread fails the job naming the file; and a
//! partition abandoned (a `take`) or failed leaves neither a temporary file nor a thread behind.
//!
//! The tests share one lock: they count the writer threads of this process.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rddflow::__private::checkpoint::manifest::MANIFEST;
use rddflow::prelude::*;

static SERIAL: Mutex<()> = Mutex::new(());

rddflow::pipeline! {
    /// Parts of `n / 2` values of 3 to 8 bytes each: several MiB per part for large `n`.
    struct Big(n: u64) {
        nums: u64 = range(0..n, 2);
        #[checkpoint]
        marked: u64 = nums.map(|x| x.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 24);
        child: u64 = marked.map(|x| x ^ 1);
    }
}

fn want(n: u64) -> Vec<u64> {
    (0..n)
        .map(|x| (x.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 24) ^ 1)
        .collect()
}

fn ctx(dir: &Path, compress: bool) -> Context {
    Context::builder()
        .threads(2)
        .checkpoint_dir(dir)
        .checkpoint_compression(compress)
        .build()
        .unwrap()
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![dir.to_path_buf()];
    let mut i = 0;
    while i < out.len() {
        if out[i].is_dir() {
            out.extend(
                std::fs::read_dir(&out[i])
                    .unwrap()
                    .map(|e| e.unwrap().path()),
            );
        }
        i += 1;
    }
    out
}

fn temp_files(dir: &Path) -> Vec<PathBuf> {
    walk(dir)
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with(".tmp"))
        .collect()
}

/// Live threads of this process named like the checkpoint writer (Linux; elsewhere 0).
fn live_writer_threads() -> usize {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .filter(|name| name.starts_with("rddflow-ckpt"))
        .count()
}

/// Writer threads are joined before the job returns; the kernel may list a joined thread for
/// a moment longer, so this waits up to a second for the list to empty.
fn writer_threads() -> usize {
    for _ in 0..100 {
        if live_writer_threads() == 0 {
            return 0;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    live_writer_threads()
}

#[test]
fn large_parts_round_trip_through_the_writer_thread() {
    let _g = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    for compress in [false, true] {
        let tmp = tempfile::tempdir().unwrap();
        let c = ctx(tmp.path(), compress);
        let n = 1_500_000;
        let p = Big::new(&c, n).unwrap();
        assert_eq!(p.child.collect().unwrap(), want(n));
        assert!(p.marked.is_checkpointed());
        let dir = p.marked.checkpoint_file().unwrap();
        let largest = walk(&dir)
            .iter()
            .filter(|f| {
                f.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("part-")
            })
            .map(|f| std::fs::metadata(f).unwrap().len())
            .max()
            .unwrap();
        if !compress {
            assert!(
                largest > 3 << 20,
                "parts must outgrow several buffers: {largest}"
            );
        }
        assert!(temp_files(tmp.path()).is_empty());
        // The lineage is gone: this reads the parts back, checking their lengths and
        // checksums against the manifest and decoding every value.
        assert_eq!(p.child.collect().unwrap(), want(n));
        assert_eq!(writer_threads(), 0);
    }
}

#[test]
fn disk_full_on_the_writer_thread_is_an_error_naming_the_part_and_leaves_nothing() {
    let _g = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ckpt");
    let c = ctx(&dir, false);
    let n = 1_500_000;
    let p = Big::new(&c, n).unwrap();
    // Room for the first buffer handed to the thread, not the second.
    rddflow::__private::checkpoint::faults::simulate_disk_full(&dir, Some(3 << 19));
    match p.child.collect() {
        Err(Error::Io { path, source, .. }) => {
            assert!(path.starts_with(&dir), "{}", path.display());
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            assert!(name.starts_with(".part-"), "{name}");
            assert_eq!(source.kind(), std::io::ErrorKind::StorageFull);
        }
        other => panic!("expected a disk-full I/O error, got {other:?}"),
    }
    rddflow::__private::checkpoint::faults::simulate_disk_full(&dir, None);
    assert!(!p.marked.is_checkpointed());
    assert!(temp_files(&dir).is_empty(), "{:?}", temp_files(&dir));
    assert!(walk(&dir).iter().all(|f| !f.ends_with(MANIFEST)));
    assert_eq!(writer_threads(), 0);
    // The next job writes it.
    assert_eq!(p.child.collect().unwrap(), want(n));
    assert!(p.marked.is_checkpointed());
}

#[test]
fn a_partition_abandoned_by_take_stops_its_writer_thread_and_removes_its_file() {
    let _g = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    let c = ctx(tmp.path(), false);
    let n = 2_000_000;
    let p = Big::new(&c, n).unwrap();
    // Far into the first partition: its buffer was handed to the thread before the take ended.
    let k = 700_000;
    assert_eq!(p.child.take(k).unwrap(), want(n)[..k].to_vec());
    assert!(!p.marked.is_checkpointed());
    assert!(temp_files(tmp.path()).is_empty());
    assert_eq!(writer_threads(), 0);
    assert_eq!(p.child.collect().unwrap(), want(n));
    assert!(p.marked.is_checkpointed());
}
