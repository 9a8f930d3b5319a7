//! Per-RDD storage of cached and persisted blocks (in memory or on disk, at a
//! [`StorageLevel`]): what a partition's plan asks before the checkpoint state, and the sink
//! that records a computed partition.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};

use crate::block_store::{BlockStore, Evict};
use crate::codec::ElemCodec;
use crate::error::{Error, Result};
use crate::listener::ReadFrom;
use crate::part_io::{PartData, PartReader, Sink};
use crate::sync::lock;
use crate::task::{Commit, TaskContext};

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

/// Collects a partition into a block for the cache.
struct BlockSink<T> {
    items: Vec<T>,
    storage: Arc<Mutex<Storage<T>>>,
    part: usize,
}

impl<T: Clone + Send + Sync + 'static> Sink<T> for BlockSink<T> {
    fn push(&mut self, item: &T) {
        self.items.push(item.clone());
    }

    fn finish(self: Box<Self>, _cx: &TaskContext) -> Result<Commit> {
        let BlockSink {
            items,
            storage,
            part,
        } = *self;
        Ok(Box::new(move || {
            let block = Arc::new(items);
            let mut s = lock(&storage);
            let stored = match s.cache.as_mut() {
                Some(c) => c.store_block(part, block)?,
                None => None,
            };
            drop(s);
            // Accounted after the RDD's lock is released: eviction may call back into this RDD.
            if let Some((store, rdd, bytes)) = stored {
                store.insert((rdd, part), bytes, evict_handle(&storage));
            }
            Ok(())
        }))
    }
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
        Cached::Miss(Some(Box::new(BlockSink {
            items: Vec::new(),
            storage: this.clone(),
            part,
        })))
    }

    /// Starts keeping computed partitions at `level` (a different level replaces the
    /// blocks stored so far). Disk levels need `codec`.
    pub(crate) fn persist(
        &mut self,
        level: StorageLevel,
        codec: Option<Arc<dyn ElemCodec<T>>>,
        store: &Arc<BlockStore>,
        rdd: usize,
    ) -> Result<()> {
        if level != StorageLevel::Memory && codec.is_none() {
            return Err(Error::InvalidArgument(format!(
                "storage level {} needs a codec",
                level.name()
            )));
        }
        if self.cache.as_ref().is_some_and(|c| c.level == level) {
            return Ok(());
        }
        self.cache = Some(Persisted {
            level,
            codec,
            store: store.clone(),
            rdd,
            blocks: (0..self.partitions).map(|_| Stored::Missing).collect(),
        });
        Ok(())
    }

    /// Drops stored blocks (memory and disk) and stops persisting.
    pub(crate) fn unpersist(&mut self) {
        self.cache = None;
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
    /// Stores a computed partition: on disk for `Disk`, else in memory, returning what the
    /// block store must account.
    fn store_block(
        &mut self,
        part: usize,
        block: Arc<Vec<T>>,
    ) -> Result<Option<(Arc<BlockStore>, usize, u64)>> {
        if self.level == StorageLevel::Disk {
            self.blocks[part] = self.write_disk(part, &block)?;
            return Ok(None);
        }
        let bytes = (block.len() * std::mem::size_of::<T>()) as u64;
        self.blocks[part] = Stored::Memory(block);
        Ok(Some((self.store.clone(), self.rdd, bytes)))
    }

    fn write_disk(&self, part: usize, block: &[T]) -> Result<Stored<T>> {
        let codec = self
            .codec
            .as_ref()
            .ok_or_else(|| Error::Internal("disk block without a codec".into()))?;
        let path = self.store.block_path(self.rdd, part)?;
        let mut buf = Vec::new();
        for x in block {
            codec
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

impl<T: Clone + Send + Sync + 'static> Evict for Mutex<Storage<T>> {
    fn evict(&self, part: usize) {
        let mut s = lock(self);
        let Some(c) = s.cache.as_mut() else { return };
        let Stored::Memory(block) = &c.blocks[part] else {
            return;
        };
        c.blocks[part] = match c.level {
            StorageLevel::MemoryAndDisk => match c.write_disk(part, block) {
                Ok(d) => d,
                Err(e) => {
                    // The block is dropped instead: it will be recomputed, never read wrong.
                    tracing::warn!("cannot move a cached block to disk: {e}");
                    Stored::Missing
                }
            },
            _ => Stored::Missing,
        };
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
