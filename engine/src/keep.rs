//! How an RDD is kept beyond the job that computes it: a [`StorageLevel`] for `persist` (blocks,
//! recomputed or re-read) and a [`CheckpointKind`] for `checkpoint` (lineage truncated). A
//! leaf, so listeners and lineage can name them without reaching the subsystems that keep them.

/// Where `persist` keeps an RDD's computed partitions (Spark's `StorageLevel`, without
/// replication or serialized-in-memory variants).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
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

/// What kind of checkpoint an RDD is marked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CheckpointKind {
    /// Written to the checkpoint directory; survives the process.
    Reliable,
    /// Kept in the engine's block store; lineage truncated, not durable.
    Local,
}

impl CheckpointKind {
    /// `reliable` or `local`, as `lineage()` prints it.
    pub fn name(self) -> &'static str {
        match self {
            CheckpointKind::Reliable => "reliable",
            CheckpointKind::Local => "local",
        }
    }
}
