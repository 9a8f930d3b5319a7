//! Per-RDD storage: cached and persisted blocks (in memory or on disk, at a
//! [`StorageLevel`]), local-checkpoint blocks, and the plan for reading or computing one
//! partition (with the side outputs that record it on the way).

use std::path::PathBuf;
use std::sync::{Arc, Mutex, Weak};

use crate::block_store::{BlockStore, Evict};
use crate::checkpoint::codec::ElemCodec;
use crate::checkpoint::compress::Compression;
use crate::checkpoint::file::FileSink;
use crate::checkpoint::manifest::PartInfo;
use crate::checkpoint::{Ckpt, Done, Kind, Written};
use crate::error::{Error, Result};
use crate::listener::ReadFrom;
use crate::sync::lock;
use crate::task::{Commit, TaskContext};

/// Where `persist` keeps an RDD's computed partitions (Spark's `StorageLevel`, without
/// replication or serialized-in-memory variants).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StorageLevel {
    /// In memory; a block evicted under the context's `memory_limit` is recomputed from its
    /// lineage when next needed. What `cache()` and `#[cache]` use.
    Memory,
    /// On disk only, encoded with the checkpoint codec; never counts against the memory limit.
    Disk,
    /// In memory, moved to disk when evicted under the memory limit, so never recomputed.
    MemoryAndDisk,
}

impl StorageLevel {
    /// The name used by `#[persist(..)]` and in lineage: `memory`, `disk`, `memory_and_disk`.
    pub fn name(self) -> &'static str {
        match self {
            StorageLevel::Memory => "memory",
            StorageLevel::Disk => "disk",
            StorageLevel::MemoryAndDisk => "memory_and_disk",
        }
    }
}

/// How many partitions of a persisted RDD are stored, and where.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StorageState {
    /// The level asked for.
    pub level: StorageLevel,
    /// Partitions held in memory.
    pub in_memory: usize,
    /// Partitions held on disk.
    pub on_disk: usize,
}

/// Receives each element of a partition as the job computes it.
pub(crate) trait Sink<T>: Send {
    fn push(&mut self, item: &T);
    /// Called when the partition was fully computed; returns what to publish if the task
    /// succeeds.
    fn finish(self: Box<Self>, cx: &TaskContext) -> Result<Commit>;
}

/// Checkpoint and cache state of one RDD, shared with the sinks that fill it.
pub(crate) struct Slots<T> {
    pub(crate) partitions: usize,
    pub(crate) ckpt: Ckpt<T>,
    /// `Some` once `cache()` or `persist()` was called.
    pub(crate) cache: Option<Persisted<T>>,
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

/// How to produce one partition.
pub(crate) enum Plan<T> {
    /// Decode a committed checkpoint part.
    File {
        dir: PathBuf,
        part: usize,
        info: PartInfo,
        codec: Arc<dyn ElemCodec<T>>,
        compression: Compression,
        /// Part of a committed checkpoint (else recorded by an earlier job, before the commit,
        /// and recomputed if it cannot be read).
        committed: bool,
    },
    /// Clone out of an in-memory block (of the cache or a local checkpoint).
    Block(Arc<Vec<T>>, ReadFrom),
    /// Decode a disk block of a persisted RDD.
    Disk {
        path: PathBuf,
        records: u64,
        codec: Arc<dyn ElemCodec<T>>,
    },
    /// Compute, feeding each element to the sinks.
    Compute(Vec<Box<dyn Sink<T>>>),
}

#[derive(Clone, Copy)]
enum BlockUse {
    Cache,
    LocalCheckpoint,
}

/// Collects a partition into a block for the cache or a local checkpoint.
struct BlockSink<T> {
    items: Vec<T>,
    slots: Arc<Mutex<Slots<T>>>,
    part: usize,
    purpose: BlockUse,
}

impl<T: Clone + Send + Sync + 'static> Sink<T> for BlockSink<T> {
    fn push(&mut self, item: &T) {
        self.items.push(item.clone());
    }

    fn finish(self: Box<Self>, _cx: &TaskContext) -> Result<Commit> {
        let BlockSink {
            items,
            slots,
            part,
            purpose,
        } = *self;
        Ok(Box::new(move || {
            let block = Arc::new(items);
            let mut s = lock(&slots);
            match purpose {
                BlockUse::Cache => {
                    let stored = match s.cache.as_mut() {
                        Some(c) => c.store_block(part, block)?,
                        None => None,
                    };
                    drop(s);
                    // Accounted after the RDD's lock is released: eviction may call back into
                    // this RDD.
                    if let Some((store, rdd, bytes)) = stored {
                        store.insert((rdd, part), bytes, evict_handle(&slots));
                    }
                }
                BlockUse::LocalCheckpoint => {
                    if let Ckpt::Pending(p) = &mut s.ckpt
                        && matches!(p.kind, Kind::Local)
                    {
                        p.parts[part] = Some(Written::Block(block));
                    }
                }
            }
            Ok(())
        }))
    }
}

impl<T: Clone + Send + Sync + 'static> Slots<T> {
    pub(crate) fn new(partitions: usize) -> Self {
        Slots {
            partitions,
            ckpt: Ckpt::None,
            cache: None,
        }
    }

    /// Decides how partition `part` is produced. Called under the lock, once per partition.
    pub(crate) fn plan(&self, part: usize, this: &Arc<Mutex<Slots<T>>>) -> Plan<T> {
        if let Some(c) = &self.cache {
            match &c.blocks[part] {
                Stored::Memory(b) => {
                    c.store.touch((c.rdd, part));
                    return Plan::Block(b.clone(), ReadFrom::Memory);
                }
                Stored::Disk { path, records } => {
                    if let Some(codec) = &c.codec {
                        return Plan::Disk {
                            path: path.clone(),
                            records: *records,
                            codec: codec.clone(),
                        };
                    }
                }
                Stored::Missing => {}
            }
        }
        match &self.ckpt {
            Ckpt::Done(Done::Reliable {
                dir,
                manifest,
                codec,
                ..
            }) => {
                return Plan::File {
                    dir: dir.clone(),
                    part,
                    info: manifest.parts[part],
                    codec: codec.clone(),
                    compression: manifest.compression(),
                    committed: true,
                };
            }
            Ckpt::Done(Done::Local { blocks }) => {
                return Plan::Block(blocks[part].clone(), ReadFrom::Checkpoint);
            }
            Ckpt::Pending(p) => match (&p.parts[part], &p.kind) {
                // Committed by an earlier job (say a `take`): already valid data of this RDD.
                (
                    Some(Written::File(info)),
                    Kind::Reliable {
                        codec,
                        dir,
                        compression,
                        ..
                    },
                ) => {
                    return Plan::File {
                        dir: dir.clone(),
                        part,
                        info: *info,
                        codec: codec.clone(),
                        compression: *compression,
                        committed: false,
                    };
                }
                (Some(Written::Block(b)), _) => {
                    return Plan::Block(b.clone(), ReadFrom::Checkpoint);
                }
                _ => {}
            },
            Ckpt::None => {}
        }
        let mut sinks: Vec<Box<dyn Sink<T>>> = Vec::new();
        if let Ckpt::Pending(p) = &self.ckpt
            && p.armed > 0
        {
            match &p.kind {
                Kind::Reliable {
                    codec,
                    dir,
                    compression,
                    ..
                } => sinks.push(Box::new(FileSink::open(
                    dir,
                    part,
                    codec.clone(),
                    *compression,
                    this.clone(),
                ))),
                Kind::Local => sinks.push(self.block_sink(part, this, BlockUse::LocalCheckpoint)),
            }
        }
        if self.cache.is_some() {
            sinks.push(self.block_sink(part, this, BlockUse::Cache));
        }
        Plan::Compute(sinks)
    }

    fn block_sink(
        &self,
        part: usize,
        this: &Arc<Mutex<Slots<T>>>,
        purpose: BlockUse,
    ) -> Box<dyn Sink<T>> {
        Box::new(BlockSink {
            items: Vec::new(),
            slots: this.clone(),
            part,
            purpose,
        })
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

    /// Kind, directory, records and bytes of the committed checkpoint (zeros before).
    pub(crate) fn checkpoint_totals(
        &self,
    ) -> (crate::checkpoint::CheckpointKind, Option<PathBuf>, u64, u64) {
        use crate::checkpoint::CheckpointKind;
        match &self.ckpt {
            Ckpt::Done(Done::Reliable { dir, manifest, .. }) => (
                CheckpointKind::Reliable,
                Some(dir.clone()),
                manifest.parts.iter().map(|p| p.records).sum(),
                manifest.parts.iter().map(|p| p.bytes).sum(),
            ),
            Ckpt::Done(Done::Local { blocks }) => (
                CheckpointKind::Local,
                None,
                blocks.iter().map(|b| b.len() as u64).sum(),
                0,
            ),
            _ => (CheckpointKind::Local, None, 0, 0),
        }
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

impl<T: Clone + Send + Sync + 'static> Evict for Mutex<Slots<T>> {
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

/// The weak handle the block store keeps to an RDD's slots.
pub(crate) fn evict_handle<T: Clone + Send + Sync + 'static>(
    slots: &Arc<Mutex<Slots<T>>>,
) -> Weak<dyn Evict> {
    let owner: Arc<dyn Evict> = slots.clone();
    Arc::downgrade(&owner)
}
