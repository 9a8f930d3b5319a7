//! Per-RDD storage of cached and persisted blocks (in memory or on disk, at a
//! [`StorageLevel`]): what a partition's plan asks before the checkpoint state, and the sink
//! that records a computed partition.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};

use crate::block_store::{BlockStore, Evict};
use crate::codec::ElemCodec;
use crate::error::{Error, Result};
use crate::listener::ReadFrom;
use crate::part_io::{BlockSink, PartData, PartReader, Sink};
use crate::sync::lock;

pub use crate::keep::StorageLevel;

/// How many partitions of a persisted RDD are stored, and where.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct StorageState {
    /// The level asked for.
    pub level: StorageLevel,
    /// Partitions held in memory.
    pub in_memory: usize,
    /// Partitions held on disk.
    pub on_disk: usize,
}

/// The cache and persist state of one RDD, shared with the sinks that fill it.
pub(crate) struct Storage<T> {
    partitions: usize,
    /// `Some` once `cache()` or `persist()` was called.
    cache: Option<Persisted<T>>,
}

/// The stored partitions of a persisted RDD. Dropping it (on `unpersist`, or with the RDD)
/// releases its memory accounting and deletes its disk blocks.
pub(crate) struct Persisted<T> {
    level: StorageLevel,
    /// Encodes disk blocks; `None` for memory-only storage.
    codec: Option<Arc<dyn ElemCodec<T>>>,
    store: Arc<BlockStore>,
    rdd: usize,
    blocks: Vec<Stored<T>>,
}

enum Stored<T> {
    Missing,
    Memory(Arc<Vec<T>>),
    Disk { path: PathBuf, records: u64 },
}

impl<T> Drop for Persisted<T> {
    fn drop(&mut self) {
        for (part, b) in self.blocks.iter().enumerate() {
            match b {
                Stored::Memory(_) => self.store.remove((self.rdd, part)),
                Stored::Disk { path, .. } => {
                    let _ = std::fs::remove_file(path);
                }
                Stored::Missing => {}
            }
        }
    }
}

/// What the storage has of one partition.
pub(crate) enum Cached<T> {
    /// A stored block, and where it is.
    Hit(PartReader<T>, ReadFrom),
    /// Not stored; when persisting is on, the sink that stores it once computed.
    Miss(Option<Box<dyn Sink<T>>>),
}

/// Records a computed partition in the cache (after its task succeeded). A disk block is
/// encoded and written outside the RDD's lock, then recorded.
fn store_computed<T: Clone + Send + Sync + 'static>(
    storage: &Arc<Mutex<Storage<T>>>,
    part: usize,
    block: Arc<Vec<T>>,
) -> Result<()> {
    let disk = lock(storage)
        .cache
        .as_ref()
        .and_then(Persisted::disk_writer);
    let stored = match disk {
        Some(writer) => {
            let written = writer.write(part, &block)?;
            let stale = lock(storage)
                .cache
                .as_mut()
                .and_then(|c| c.record_disk(part, written));
            remove_stale(stale);
            None
        }
        None => lock(storage)
            .cache
            .as_mut()
            .map(|c| c.store_memory(part, block)),
    };
    // Accounted after the RDD's lock is released: eviction may call back into this RDD.
    if let Some((store, rdd, bytes)) = stored {
        store.insert((rdd, part), bytes, evict_handle(storage));
    }
    Ok(())
}

impl<T: Clone + Send + Sync + 'static> Storage<T> {
    pub(crate) fn new(partitions: usize) -> Self {
        Storage {
            partitions,
            cache: None,
        }
    }

    /// What is stored of partition `part`. Called under the lock, once per partition; the
    /// reader of a disk block runs after it is released.
    pub(crate) fn plan(&self, part: usize, this: &Arc<Mutex<Storage<T>>>) -> Cached<T> {
        let Some(c) = &self.cache else {
            return Cached::Miss(None);
        };
        match &c.blocks[part] {
            Stored::Memory(b) => {
                c.store.touch((c.rdd, part));
                let b = b.clone();
                return Cached::Hit(Box::new(move || Ok(PartData::Shared(b))), ReadFrom::Memory);
            }
            Stored::Disk { path, records } => {
                if let Some(codec) = &c.codec {
                    let (path, records, codec) = (path.clone(), *records, codec.clone());
                    return Cached::Hit(
                        Box::new(move || read_disk_block(&path, records, &*codec)),
                        ReadFrom::Disk,
                    );
                }
            }
            Stored::Missing => {}
        }
        let storage = this.clone();
        Cached::Miss(Some(Box::new(BlockSink::new(move |block| {
            store_computed(&storage, part, block)
        }))))
    }

    /// Starts keeping computed partitions at `level` (a different level replaces the
    /// blocks stored so far). Disk levels need `codec`. Returns the replaced storage, for the
    /// caller to drop (deleting its disk blocks) after releasing the lock.
    pub(crate) fn persist(
        &mut self,
        level: StorageLevel,
        codec: Option<Arc<dyn ElemCodec<T>>>,
        store: &Arc<BlockStore>,
        rdd: usize,
    ) -> Result<Option<Persisted<T>>> {
        if level != StorageLevel::Memory && codec.is_none() {
            return Err(Error::InvalidArgument(format!(
                "storage level {} needs a codec",
                level.name()
            )));
        }
        if self.cache.as_ref().is_some_and(|c| c.level == level) {
            return Ok(None);
        }
        Ok(self.cache.replace(Persisted {
            level,
            codec,
            store: store.clone(),
            rdd,
            blocks: (0..self.partitions).map(|_| Stored::Missing).collect(),
        }))
    }

    /// Stops persisting. Returns the stored blocks, for the caller to drop (deleting the disk
    /// ones) after releasing the lock.
    pub(crate) fn unpersist(&mut self) -> Option<Persisted<T>> {
        self.cache.take()
    }

    /// Where the persisted partitions are, if persisting is on.
    pub(crate) fn storage_state(&self) -> Option<StorageState> {
        self.cache.as_ref().map(|c| StorageState {
            level: c.level,
            in_memory: c
                .blocks
                .iter()
                .filter(|b| matches!(b, Stored::Memory(_)))
                .count(),
            on_disk: c
                .blocks
                .iter()
                .filter(|b| matches!(b, Stored::Disk { .. }))
                .count(),
        })
    }
}

impl<T: Clone + Send + Sync + 'static> Persisted<T> {
    /// What writes this storage's disk blocks, when its level keeps computed partitions on
    /// disk (`Disk`); memory levels store them in memory first.
    fn disk_writer(&self) -> Option<DiskWriter<T>> {
        (self.level == StorageLevel::Disk)
            .then(|| self.writer())
            .flatten()
    }

    fn writer(&self) -> Option<DiskWriter<T>> {
        Some(DiskWriter {
            codec: self.codec.clone()?,
            store: self.store.clone(),
            rdd: self.rdd,
        })
    }

    /// Keeps a computed partition in memory, returning what the block store must account.
    fn store_memory(&mut self, part: usize, block: Arc<Vec<T>>) -> (Arc<BlockStore>, usize, u64) {
        let bytes = (block.len() * std::mem::size_of::<T>()) as u64;
        self.blocks[part] = Stored::Memory(block);
        (self.store.clone(), self.rdd, bytes)
    }

    /// Records a disk block written outside the lock, unless another task stored the
    /// partition first; returns the file that is then not needed.
    fn record_disk(&mut self, part: usize, written: Stored<T>) -> Option<PathBuf> {
        if matches!(self.blocks[part], Stored::Missing) && self.level == StorageLevel::Disk {
            self.blocks[part] = written;
            return None;
        }
        match written {
            Stored::Disk { path, .. } => Some(path),
            _ => None,
        }
    }
}

/// Encodes and writes disk blocks; taken from the storage under its lock, used outside it.
struct DiskWriter<T> {
    codec: Arc<dyn ElemCodec<T>>,
    store: Arc<BlockStore>,
    rdd: usize,
}

impl<T> DiskWriter<T> {
    /// Writes `block` to a block file of its own (every write has a fresh name, so two
    /// writers of one partition never share a file).
    fn write(&self, part: usize, block: &[T]) -> Result<Stored<T>> {
        let path = self.store.block_path(self.rdd, part)?;
        let mut buf = Vec::new();
        for x in block {
            self.codec
                .encode(x, &mut buf)
                .map_err(|reason| Error::CorruptBlock {
                    path: path.clone(),
                    reason,
                })?;
        }
        std::fs::write(&path, &buf).map_err(|e| Error::io("write block file", &path, e))?;
        Ok(Stored::Disk {
            path,
            records: block.len() as u64,
        })
    }
}

/// Deletes a block file that was written but not recorded.
fn remove_stale(path: Option<PathBuf>) {
    if let Some(p) = path {
        let _ = std::fs::remove_file(p);
    }
}

impl<T: Clone + Send + Sync + 'static> Evict for Mutex<Storage<T>> {
    /// Drops a memory block; a `MemoryAndDisk` one moves to disk, written outside the lock
    /// (readers keep reading the memory block meanwhile).
    fn evict(&self, part: usize) {
        let (block, writer) = {
            let mut s = lock(self);
            let Some(c) = s.cache.as_mut() else { return };
            let Stored::Memory(block) = &c.blocks[part] else {
                return;
            };
            let block = block.clone();
            match c.level {
                StorageLevel::MemoryAndDisk => match c.writer() {
                    Some(w) => (block, w),
                    None => {
                        c.blocks[part] = Stored::Missing;
                        return;
                    }
                },
                _ => {
                    c.blocks[part] = Stored::Missing;
                    return;
                }
            }
        };
        let written = writer.write(part, &block);
        let mut s = lock(self);
        // Still the block taken above (not unpersisted, replaced or evicted meanwhile)?
        let current = s
            .cache
            .as_mut()
            .filter(|c| matches!(&c.blocks[part], Stored::Memory(b) if Arc::ptr_eq(b, &block)));
        let stale = match (current, written) {
            (Some(c), Ok(d)) => {
                c.blocks[part] = d;
                None
            }
            (Some(c), Err(e)) => {
                // The block is dropped instead: it will be recomputed, never read wrong.
                tracing::warn!("cannot move a cached block to disk: {e}");
                c.blocks[part] = Stored::Missing;
                None
            }
            (None, Ok(Stored::Disk { path, .. })) => Some(path),
            (None, _) => None,
        };
        drop(s);
        remove_stale(stale);
    }
}

/// The weak handle the block store keeps to an RDD's storage.
fn evict_handle<T: Clone + Send + Sync + 'static>(
    storage: &Arc<Mutex<Storage<T>>>,
) -> Weak<dyn Evict> {
    let owner: Arc<dyn Evict> = storage.clone();
    Arc::downgrade(&owner)
}

/// Reads a disk block of a persisted RDD.
fn read_disk_block<T>(path: &Path, records: u64, codec: &dyn ElemCodec<T>) -> Result<PartData<T>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io("read block file", path, e))?;
    codec
        .decode_all(&bytes, records)
        .map(PartData::Owned)
        .map_err(|reason| Error::CorruptBlock {
            path: path.to_path_buf(),
            reason,
        })
}
