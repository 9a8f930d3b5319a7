//! Partitioners: which output partition a shuffled record goes to.

use std::hash::Hash;

use serde::{Deserialize, Serialize};

/// How the records of a shuffle are spread over its output partitions.
///
/// Kept by the RDD that the shuffle produced (and stored with its checkpoint), so that later
/// operators can tell whether two RDDs are partitioned alike.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Partitioner {
    /// `hash(key) mod n`, with a hash that is the same in every process (so that a resumed
    /// checkpoint and a recomputation agree).
    Hash {
        /// Number of output partitions.
        partitions: usize,
    },
}

impl Partitioner {
    /// A hash partitioner over `partitions` partitions (at least one).
    pub fn hash(partitions: usize) -> Self {
        Partitioner::Hash {
            partitions: partitions.max(1),
        }
    }

    /// Number of output partitions.
    pub fn num_partitions(&self) -> usize {
        match self {
            Partitioner::Hash { partitions } => *partitions,
        }
    }

    /// The output partition of `key`.
    #[inline]
    pub fn partition<K: Hash + ?Sized>(&self, key: &K) -> usize {
        self.partition_of_hash(key_hash(key))
    }

    /// The output partition of a key whose `key_hash` is `hash`:
    /// for callers that already hashed the key.
    #[inline]
    pub fn partition_of_hash(&self, hash: u64) -> usize {
        match self {
            // Multiply-shift uses the well-mixed high bits of the hash.
            Partitioner::Hash { partitions } => {
                ((hash as u128 * *partitions as u128) >> 64) as usize
            }
        }
    }
}

/// The hash of a key, the same in every process: the hash partitioner places keys by it, and
/// spilling shuffles sort keyed records by it, so equal keys are adjacent in a merge and a
/// resumed checkpoint agrees with a recomputation.
#[inline]
pub fn key_hash<K: Hash + ?Sized>(k: &K) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    k.hash(&mut h);
    h.finish()
}

impl std::fmt::Display for Partitioner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Partitioner::Hash { partitions } => write!(f, "hash({partitions})"),
        }
    }
}
