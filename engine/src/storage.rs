//! Per-RDD storage: cached blocks, local-checkpoint blocks, and the plan for reading or
//! computing one partition (with the side outputs that record it on the way).

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::checkpoint::codec::ElemCodec;
use crate::checkpoint::compress::Compression;
use crate::checkpoint::file::FileSink;
use crate::checkpoint::manifest::PartInfo;
use crate::checkpoint::{Ckpt, Done, Kind, Written};
use crate::error::Result;
use crate::task::{Commit, TaskContext};

/// Locks ignoring poison: state is only mutated by short, non-panicking sections.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
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
    /// `Some` once `cache()` was called: one block per computed partition.
    pub(crate) cache: Option<Vec<Option<Arc<Vec<T>>>>>,
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
    /// Clone out of an in-memory block.
    Block(Arc<Vec<T>>),
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
                    if let Some(c) = s.cache.as_mut() {
                        c[part] = Some(block);
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
        if let Some(Some(b)) = self.cache.as_ref().map(|c| &c[part]) {
            return Plan::Block(b.clone());
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
            Ckpt::Done(Done::Local { blocks }) => return Plan::Block(blocks[part].clone()),
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
                (Some(Written::Block(b)), _) => return Plan::Block(b.clone()),
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

    /// Starts caching computed partitions in memory.
    pub(crate) fn enable_cache(&mut self) {
        if self.cache.is_none() {
            self.cache = Some(vec![None; self.partitions]);
        }
    }

    /// Drops cached blocks and stops caching.
    pub(crate) fn disable_cache(&mut self) {
        self.cache = None;
    }

    /// Number of cached partitions, if caching is on.
    pub(crate) fn cached_partitions(&self) -> Option<usize> {
        self.cache
            .as_ref()
            .map(|c| c.iter().filter(|b| b.is_some()).count())
    }
}
