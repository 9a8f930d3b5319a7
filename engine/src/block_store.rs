//! The context's block store: accounts the memory held by blocks of cached and persisted RDDs
//! and picks the least recently used ones to evict when a `memory_limit` is exceeded, and
//! owns the temporary directory where disk blocks live.
//!
//! It holds no data: each RDD keeps its own blocks (typed) and is asked to evict one through
//! [`Evict`]. Lock order is RDD storage, then the store; the store calls back into an RDD only
//! after releasing its own lock.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, Weak};

use rustc_hash::FxHashMap;

use crate::error::{Error, Result};
use crate::sync::lock;

/// An RDD that can drop (or move to disk) its in-memory block of a partition.
pub(crate) trait Evict: Send + Sync {
    fn evict(&self, part: usize);
}

/// Block `(rdd id, partition)`.
type BlockId = (usize, usize);

struct Entry {
    bytes: u64,
    last_use: u64,
    owner: Weak<dyn Evict>,
}

#[derive(Default)]
struct State {
    used: u64,
    clock: u64,
    blocks: FxHashMap<BlockId, Entry>,
}

/// Memory accounting and LRU eviction of in-memory blocks, shared by a context's RDDs.
pub(crate) struct BlockStore {
    limit: Option<u64>,
    state: Mutex<State>,
    dir: OnceLock<tempfile::TempDir>,
}

impl BlockStore {
    pub(crate) fn new(limit: Option<u64>) -> Self {
        BlockStore {
            limit,
            state: Mutex::new(State::default()),
            dir: OnceLock::new(),
        }
    }

    /// Records a new in-memory block, then evicts least recently used blocks of other RDDs
    /// until the memory limit holds again; if that is not enough, the new block itself.
    /// Like Spark, never another block of the same RDD: when an RDD does not fit, evicting its
    /// own blocks while it is computed would make every later job recompute all of them.
    pub(crate) fn insert(&self, id: BlockId, bytes: u64, owner: Weak<dyn Evict>) {
        let victims = {
            let mut s = lock(&self.state);
            s.clock += 1;
            let last_use = s.clock;
            if let Some(old) = s.blocks.insert(
                id,
                Entry {
                    bytes,
                    last_use,
                    owner,
                },
            ) {
                s.used -= old.bytes;
            }
            s.used += bytes;
            let mut victims = Vec::new();
            while let Some(limit) = self.limit
                && s.used > limit
            {
                let lru = s
                    .blocks
                    .iter()
                    .filter(|(k, _)| k.0 != id.0)
                    .min_by_key(|(_, e)| e.last_use)
                    .map_or(id, |(k, _)| *k);
                let Some(e) = s.blocks.remove(&lru) else {
                    break;
                };
                s.used -= e.bytes;
                victims.push((e.owner, lru.1));
            }
            victims
        };
        for (owner, part) in victims {
            if let Some(o) = owner.upgrade() {
                tracing::debug!(part, "evicting a cached block");
                o.evict(part);
            }
        }
    }

    /// Marks a block as just used.
    pub(crate) fn touch(&self, id: BlockId) {
        let mut s = lock(&self.state);
        s.clock += 1;
        let now = s.clock;
        if let Some(e) = s.blocks.get_mut(&id) {
            e.last_use = now;
        }
    }

    /// Forgets a block (unpersisted, dropped, or moved to disk).
    pub(crate) fn remove(&self, id: BlockId) {
        let mut s = lock(&self.state);
        if let Some(e) = s.blocks.remove(&id) {
            s.used -= e.bytes;
        }
    }

    /// Bytes of in-memory blocks accounted now.
    pub(crate) fn used(&self) -> u64 {
        lock(&self.state).used
    }

    /// The directory of disk blocks, created on first use and removed with the context.
    pub(crate) fn dir(&self) -> Result<&Path> {
        if let Some(d) = self.dir.get() {
            return Ok(d.path());
        }
        let d = tempfile::Builder::new()
            .prefix("rddflow-blocks-")
            .tempdir()
            .map_err(|e| Error::io("create block directory", std::env::temp_dir(), e))?;
        Ok(self.dir.get_or_init(|| d).path())
    }

    /// The directory of disk blocks, if one was made.
    pub(crate) fn existing_dir(&self) -> Option<&Path> {
        self.dir.get().map(tempfile::TempDir::path)
    }

    /// Path of a disk block of partition `part` of RDD `rdd`: a fresh name for each call, so that two writers of one partition (two jobs, or a
    /// write racing an eviction) never share a file.
    pub(crate) fn block_path(&self, rdd: usize, part: usize) -> Result<PathBuf> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        Ok(self
            .dir()?
            .join(format!("rdd-{rdd}-part-{part:05}-{n}.block")))
    }
}
