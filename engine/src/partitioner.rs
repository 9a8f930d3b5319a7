//! Partitioners: which output partition a shuffled record goes to.

use std::hash::{Hash, Hasher};

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
        match self {
            Partitioner::Hash { partitions } => {
                let mut h = rustc_hash::FxHasher::default();
                key.hash(&mut h);
                // Multiply-shift uses the well-mixed high bits of the hash.
                ((h.finish() as u128 * *partitions as u128) >> 64) as usize
            }
        }
    }
}

impl std::fmt::Display for Partitioner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Partitioner::Hash { partitions } => write!(f, "hash({partitions})"),
        }
    }
}
