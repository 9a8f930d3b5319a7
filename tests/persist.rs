//! `cache()`, `persist(StorageLevel)` and `#[persist(..)]`: closure calls are counted to prove
//! which partitions were read from storage and which were recomputed, under an LRU memory
//! limit; disk blocks are deleted by `unpersist` and when the RDD is dropped.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use rddflow::prelude::*;

/// 4 partitions of 25 `u64`s: 200 bytes per block.
const N: u64 = 100;
const BLOCK: u64 = 25 * 8;

fn load(c: &AtomicU64) -> u64 {
    c.load(Ordering::SeqCst)
}

fn ctx(limit: Option<u64>) -> Context {
    let b = Context::builder().threads(2);
    match limit {
        Some(l) => b.memory_limit(l),
        None => b,
    }
    .build()
    .unwrap()
}

static MEM_CALLS: AtomicU64 = AtomicU64::new(0);

rddflow::pipeline! {
    struct Mem() {
        nums: u64 = range(0..N, 4);
        #[persist(memory)]
        squares: u64 = nums.map(|x| { MEM_CALLS.fetch_add(1, Ordering::SeqCst); x * x });
    }
}

#[test]
fn memory_blocks_are_reused_and_unpersist_recomputes() {
    let c = ctx(None);
    let p = Mem::new(&c).unwrap();
    let sum: u64 = (0..N).map(|x| x * x).sum();
    assert_eq!(p.squares.reduce(|a, b| a + b).unwrap(), Some(sum));
    assert_eq!(load(&MEM_CALLS), N);
    assert_eq!(p.squares.collect().unwrap().len() as u64, N);
    assert_eq!(load(&MEM_CALLS), N, "second job reads the blocks");
    assert_eq!(c.cached_bytes(), 4 * BLOCK);
    p.squares.unpersist();
    assert_eq!(c.cached_bytes(), 0);
    assert_eq!(p.squares.count().unwrap(), N);
    assert_eq!(
        load(&MEM_CALLS),
        2 * N,
        "after unpersist the lineage runs again"
    );
}

static LRU_CALLS: AtomicU64 = AtomicU64::new(0);

rddflow::pipeline! {
    struct Lru() {
        nums: u64 = range(0..N, 4);
        #[cache]
        squares: u64 = nums.map(|x| { LRU_CALLS.fetch_add(1, Ordering::SeqCst); x * x });
    }
}

#[test]
fn evicted_memory_blocks_are_recomputed_and_the_rest_are_not() {
    // Room for two of the four blocks.
    let c = ctx(Some(2 * BLOCK));
    let p = Lru::new(&c).unwrap();
    assert_eq!(p.squares.count().unwrap(), N);
    assert_eq!(load(&LRU_CALLS), N);
    assert_eq!(c.cached_bytes(), 2 * BLOCK);
    let st = p.squares.storage_state().unwrap();
    assert_eq!((st.in_memory, st.on_disk), (2, 0));

    // The two blocks that did not fit were not stored (an RDD never evicts its own blocks):
    // exactly those partitions cost closure calls again.
    let before = load(&LRU_CALLS);
    assert_eq!(p.squares.collect().unwrap().len() as u64, N);
    let recomputed = load(&LRU_CALLS) - before;
    assert_eq!(
        recomputed,
        2 * 25,
        "two evicted blocks recomputed, two read from memory"
    );
    assert!(c.cached_bytes() <= 2 * BLOCK);
}

static LRU_ORDER_CALLS: AtomicU64 = AtomicU64::new(0);

rddflow::pipeline! {
    struct LruOrder() {
        a: u64 = range(0..50, 2);
        #[cache]
        a2: u64 = a.map(|x| { LRU_ORDER_CALLS.fetch_add(1, Ordering::SeqCst); x + 1 });
        b: u64 = range(0..50, 2);
        #[cache]
        b2: u64 = b.map(|x| x + 2);
        c: u64 = range(0..50, 2);
        #[cache]
        c2: u64 = c.map(|x| x + 3);
    }
}

#[test]
fn the_least_recently_used_rdd_is_evicted_first() {
    // Each RDD holds two blocks of 25 u64s (400 bytes); room for two RDDs.
    let c = ctx(Some(4 * BLOCK));
    let p = LruOrder::new(&c).unwrap();
    p.a2.count().unwrap();
    p.b2.count().unwrap();
    p.a2.count().unwrap(); // `a2` used again: `b2` is now the least recently used
    assert_eq!(load(&LRU_ORDER_CALLS), 50);
    p.c2.count().unwrap(); // evicts `b2`, not `a2`
    assert_eq!(p.a2.storage_state().unwrap().in_memory, 2);
    assert_eq!(p.b2.storage_state().unwrap().in_memory, 0);
    assert_eq!(p.c2.storage_state().unwrap().in_memory, 2);
    p.a2.count().unwrap();
    assert_eq!(load(&LRU_ORDER_CALLS), 50, "`a2` was kept");
}

static MD_CALLS: AtomicU64 = AtomicU64::new(0);

rddflow::pipeline! {
    struct MemDisk() {
        nums: u64 = range(0..N, 4);
        #[persist(memory_and_disk)]
        squares: u64 = nums.map(|x| { MD_CALLS.fetch_add(1, Ordering::SeqCst); x * x });
    }
}

/// The files of the context's block directory.
fn block_files(c: &Context) -> Vec<PathBuf> {
    let dir = c.block_dir().expect("a block directory");
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect()
}

#[test]
fn memory_and_disk_blocks_spill_instead_of_being_recomputed() {
    let c = ctx(Some(2 * BLOCK));
    let p = MemDisk::new(&c).unwrap();
    let expected: Vec<u64> = (0..N).map(|x| x * x).collect();
    assert_eq!(p.squares.collect().unwrap(), expected);
    let st = p.squares.storage_state().unwrap();
    assert_eq!((st.in_memory, st.on_disk), (2, 2));
    assert_eq!(
        p.squares.collect().unwrap(),
        expected,
        "disk blocks decode to the same data"
    );
    assert_eq!(load(&MD_CALLS), N, "nothing recomputed");
    let lineage = p.squares.lineage();
    assert!(
        lineage.contains("[cached] memory_and_disk 4/4 (2 on disk)"),
        "{lineage}"
    );
}

static DISK_CALLS: AtomicU64 = AtomicU64::new(0);

rddflow::pipeline! {
    struct OnDisk() {
        nums: u64 = range(0..N, 4);
        #[persist(disk)]
        words: (u64, String) = nums.map(|x| { DISK_CALLS.fetch_add(1, Ordering::SeqCst); (x, format!("w{x}")) });
    }
}

#[test]
fn disk_blocks_are_read_back_and_deleted_by_unpersist_and_drop() {
    let c = ctx(Some(1));
    let p = OnDisk::new(&c).unwrap();
    let expected: Vec<(u64, String)> = (0..N).map(|x| (x, format!("w{x}"))).collect();
    assert_eq!(p.words.collect().unwrap(), expected);
    assert_eq!(p.words.collect().unwrap(), expected);
    assert_eq!(load(&DISK_CALLS), N, "the second job read the disk blocks");
    assert_eq!(c.cached_bytes(), 0, "disk blocks hold no memory");
    let id = p.words.id();
    let mine = |files: Vec<PathBuf>| {
        files
            .into_iter()
            .filter(|f| f.to_string_lossy().contains(&format!("rdd-{id}-part-")))
            .count()
    };
    assert_eq!(mine(block_files(&c)), 4);
    p.words.unpersist();
    assert_eq!(mine(block_files(&c)), 0, "unpersist deletes the files");

    // Dropping the pipeline deletes them too.
    p.words.persist(StorageLevel::Disk).unwrap();
    p.words.count().unwrap();
    assert_eq!(mine(block_files(&c)), 4);
    drop(p);
    assert_eq!(
        mine(block_files(&c)),
        0,
        "dropping the RDD deletes the files"
    );
    let dir = c.block_dir().unwrap().to_path_buf();
    drop(c);
    assert!(!dir.exists(), "the block directory goes with the context");
}

#[test]
fn a_corrupt_disk_block_is_an_error_not_wrong_data() {
    rddflow::pipeline! {
        struct Corrupt() {
            nums: u64 = range(0..40, 2);
            #[persist(disk)]
            strs: String = nums.map(|x| format!("value {x}"));
        }
    }
    let c = ctx(None);
    let p = Corrupt::new(&c).unwrap();
    p.strs.count().unwrap();
    let id = p.strs.id();
    let file = block_files(&c)
        .into_iter()
        .find(|f| {
            // Block files are `rdd-ID-part-NNNNN-UNIQUE.block`.
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            name.starts_with(&format!("rdd-{id}-part-00001-")) && name.ends_with(".block")
        })
        .expect("block file");
    std::fs::write(&file, [0xff, 0xff, 0xff]).unwrap();
    let err = p.strs.collect().unwrap_err();
    assert!(
        matches!(&err, rddflow::Error::CorruptBlock { path, .. } if *path == file),
        "{err}"
    );
}
