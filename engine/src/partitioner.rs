//! Partitioners: which output partition a shuffled record goes to.
//!
//! [`Partitioner`] is the value an RDD reports (`partitioner()`): hash, or user-defined. A
//! user-defined one wraps a [`KeyPartitioner`], which a wide operator accepts wherever it
//! accepts a partition count. [`default_partitioner`] is Spark's rule for a wide operator given
//! neither.

use std::any::Any;
use std::fmt;
use std::hash::Hash;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// User-defined placement of keys, accepted wherever a wide operator takes a partition count
/// (its optional last argument, and `partition_by`'s).
///
/// Two partitioners place keys alike when they are of the same type and compare equal with
/// `PartialEq` (as Spark compares partitioners with `equals`): an RDD partitioned by one and
/// an operator given an equal one read it without a shuffle, and the joins of two RDDs
/// partitioned by equal partitioners shuffle neither. A partitioner whose placement depends on
/// its fields must therefore compare those fields (deriving `PartialEq` does).
///
/// A partition count is a partitioner too: `n: usize` places keys by hash over `n` partitions.
///
/// ```
/// use rddflow_engine::{KeyPartitioner, Partitioner};
///
/// /// Even keys to partition 0, odd keys to partition 1.
/// #[derive(Clone, PartialEq)]
/// struct Parity;
///
/// impl KeyPartitioner<u64> for Parity {
///     fn num_partitions(&self) -> usize {
///         2
///     }
///     fn partition(&self, key: &u64) -> usize {
///         (*key % 2) as usize
///     }
/// }
///
/// let p = Partitioner::user(Parity);
/// assert_eq!(p.num_partitions(), 2);
/// assert_eq!((p.partition(&7u64), p.partition(&10u64)), (1, 0));
/// // Equal values of the same type: the same placement, so no shuffle between them.
/// assert_eq!(p, Partitioner::user(Parity));
/// assert_ne!(p, Partitioner::hash(2));
/// ```
pub trait KeyPartitioner<K>: PartialEq + Send + Sync + 'static {
    /// Number of output partitions (at least one).
    fn num_partitions(&self) -> usize;

    /// The output partition of `key`, below [`num_partitions`](Self::num_partitions): an index
    /// out of range fails the job with an error naming the node.
    fn partition(&self, key: &K) -> usize;

    /// The [`Partitioner`] value describing this placement. A partition count is a hash
    /// partitioner; any other type is user-defined.
    #[doc(hidden)]
    fn into_partitioner(self) -> Partitioner
    where
        Self: Sized,
        K: 'static,
    {
        Partitioner::user(self)
    }
}

/// A partition count: keys placed by hash over `self` partitions.
impl<K: Hash> KeyPartitioner<K> for usize {
    fn num_partitions(&self) -> usize {
        *self
    }

    fn partition(&self, key: &K) -> usize {
        Partitioner::hash(*self).partition_of_hash(key_hash(key))
    }

    fn into_partitioner(self) -> Partitioner {
        Partitioner::hash(self)
    }
}

/// How the records of a shuffle are spread over its output partitions.
///
/// Kept by the RDD that the shuffle produced (and stored with its checkpoint), so that later
/// operators can tell whether two RDDs are partitioned alike: two partitioners are equal when
/// they place every key in the same partition (see [`KeyPartitioner`] for user-defined ones).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Partitioner {
    /// `hash(key) mod n`, with a hash that is the same in every process (so that a resumed
    /// checkpoint and a recomputation agree).
    Hash {
        /// Number of output partitions.
        partitions: usize,
    },
    /// A user-defined [`KeyPartitioner`].
    User(UserPartitioner),
    /// Ranges of keys between bounds sampled from the input, in sort order: what
    /// `sort_by_key` produces.
    Range(RangePartitioner),
}

/// The range partitioner of one `sort_by_key` node: the [`Partitioner::Range`] variant.
///
/// Equal to another when both come from the same sort (bounds sampled once, shared by the RDDs
/// derived from it that keep its partitioner). As for [`UserPartitioner`], a checkpoint's
/// manifest stores only the partition count and direction, and a partitioner read back from
/// one compares by those.
#[derive(Clone, Serialize, Deserialize)]
pub struct RangePartitioner {
    partitions: usize,
    ascending: bool,
    #[serde(skip)]
    id: u64,
    #[serde(skip)]
    live: Option<Arc<dyn RangePlace>>,
}

/// How a sort's range partitioner places keys (the bounds are type-erased in the node).
#[doc(hidden)]
pub trait RangePlace: Send + Sync {
    /// The partition of `key`, `None` when it is not of the sort's key type or the bounds
    /// are not sampled yet.
    fn place(&self, key: &dyn Any) -> Option<usize>;
    /// Samples the bounds, if not done yet: on the driver, before a map stage that places
    /// keys by them (a job of its own, never from inside a task).
    fn prepare(&self) -> crate::error::Result<()>;
}

impl PartialEq for RangePartitioner {
    fn eq(&self, other: &Self) -> bool {
        self.partitions == other.partitions
            && self.ascending == other.ascending
            && (self.live.is_none() || other.live.is_none() || self.id == other.id)
    }
}

impl Eq for RangePartitioner {}

impl fmt::Debug for RangePartitioner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dir = if self.ascending {
            "ascending"
        } else {
            "descending"
        };
        write!(f, "range({}, {dir})", self.partitions)
    }
}

/// A user-defined partitioner, type-erased: the [`Partitioner::User`] variant.
///
/// Equal to another when both wrap values of the same type that compare equal. In a
/// checkpoint's manifest only the type's name and the partition count are stored; a
/// partitioner read back from one compares by those two.
#[derive(Clone, Serialize, Deserialize)]
pub struct UserPartitioner {
    /// The partitioner's type name.
    name: String,
    partitions: usize,
    #[serde(skip)]
    live: Option<Arc<dyn ErasedPartitioner>>,
}

/// A [`KeyPartitioner`] behind a trait object: placement of a key given as `Any`, and equality.
trait ErasedPartitioner: Send + Sync {
    fn place(&self, key: &dyn Any) -> Option<usize>;
    fn as_any(&self) -> &dyn Any;
    fn same(&self, other: &dyn Any) -> bool;
}

/// The key type is part of the holder's type, so a partitioner for `u64` keys never places
/// `String` keys by accident (`place` gives `None`).
struct Holder<K, P>(P, std::marker::PhantomData<fn(&K)>);

impl<K: 'static, P: KeyPartitioner<K>> ErasedPartitioner for Holder<K, P> {
    fn place(&self, key: &dyn Any) -> Option<usize> {
        key.downcast_ref::<K>().map(|k| self.0.partition(k))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn same(&self, other: &dyn Any) -> bool {
        other.downcast_ref::<Self>().is_some_and(|o| o.0 == self.0)
    }
}

impl PartialEq for UserPartitioner {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.partitions == other.partitions
            && match (&self.live, &other.live) {
                (Some(a), Some(b)) => a.same(b.as_any()),
                // Read back from a manifest: the type and count are all there is.
                _ => true,
            }
    }
}

impl Eq for UserPartitioner {}

impl fmt::Debug for UserPartitioner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self.name, self.partitions)
    }
}

impl Partitioner {
    /// A hash partitioner over `partitions` partitions (at least one).
    pub fn hash(partitions: usize) -> Self {
        Partitioner::Hash {
            partitions: partitions.max(1),
        }
    }

    /// The range partitioner of a sort over `partitions` partitions, placing keys through
    /// `place`; each call makes a partitioner equal only to its own clones.
    #[doc(hidden)]
    pub fn range(partitions: usize, ascending: bool, place: Arc<dyn RangePlace>) -> Self {
        static IDS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        Partitioner::Range(RangePartitioner {
            partitions: partitions.max(1),
            ascending,
            id: IDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            live: Some(place),
        })
    }

    /// Gets the partitioner ready to place keys: a sort's range partitioner samples its
    /// bounds if no job did yet. Call it on the driver, not in a task.
    pub fn prepare(&self) -> crate::error::Result<()> {
        match self {
            Partitioner::Range(RangePartitioner { live: Some(l), .. }) => l.prepare(),
            _ => Ok(()),
        }
    }

    /// A user-defined partitioner of keys `K`.
    pub fn user<K: 'static, P: KeyPartitioner<K>>(p: P) -> Self {
        Partitioner::User(UserPartitioner {
            name: std::any::type_name::<P>().to_owned(),
            partitions: p.num_partitions(),
            live: Some(Arc::new(Holder(p, std::marker::PhantomData))),
        })
    }

    /// Number of output partitions.
    pub fn num_partitions(&self) -> usize {
        match self {
            Partitioner::Hash { partitions } => *partitions,
            Partitioner::User(u) => u.partitions,
            Partitioner::Range(r) => r.partitions,
        }
    }

    /// The output partition of `key`.
    ///
    /// # Panics
    ///
    /// When a user-defined partitioner gives an index out of range, or was read back from a
    /// checkpoint's manifest (it cannot place keys). A shuffle calls this in a task, where
    /// the panic fails the job with an error naming the node.
    #[inline]
    pub fn partition<K: Hash + 'static>(&self, key: &K) -> usize {
        self.place(key, || key_hash(key))
    }

    /// The output partition of `key`, whose key hash `hash` gives: the hash partitioner
    /// uses the hash (for callers that already hashed the key), a user-defined one the key.
    #[inline]
    pub fn place<K: 'static>(&self, key: &K, hash: impl FnOnce() -> u64) -> usize {
        match self {
            Partitioner::Hash { .. } => self.partition_of_hash(hash()),
            Partitioner::User(u) => u.place(key),
            Partitioner::Range(r) => r.place(key),
        }
    }

    /// The output partition of a key whose `key_hash` is `hash`, for a hash partitioner.
    ///
    /// # Panics
    ///
    /// On a user-defined partitioner, which places keys, not hashes: use [`Self::place`].
    #[inline]
    pub fn partition_of_hash(&self, hash: u64) -> usize {
        match self {
            // Multiply-shift uses the well-mixed high bits of the hash.
            Partitioner::Hash { partitions } => {
                ((hash as u128 * *partitions as u128) >> 64) as usize
            }
            Partitioner::User(u) => panic!(
                "the user-defined partitioner `{}` places keys, not hashes",
                u.name
            ),
            Partitioner::Range(_) => panic!("a range partitioner places keys, not hashes"),
        }
    }
}

impl RangePartitioner {
    fn place<K: 'static>(&self, key: &K) -> usize {
        match self.live.as_ref().and_then(|l| l.place(key)) {
            Some(p) => p.min(self.partitions - 1),
            None => panic!(
                "a sort's range partitioner cannot place this key of type `{}` (bounds not \
                 sampled, or read back from a checkpoint)",
                std::any::type_name::<K>()
            ),
        }
    }
}

impl UserPartitioner {
    #[cold]
    #[inline(never)]
    fn out_of_range(&self, p: usize) -> ! {
        panic!(
            "the partitioner `{}` placed a key in partition {p}, out of its {} partitions",
            self.name, self.partitions
        )
    }

    fn place<K: 'static>(&self, key: &K) -> usize {
        let Some(live) = &self.live else {
            panic!(
                "the partitioner `{}` was read back from a checkpoint and cannot place keys",
                self.name
            )
        };
        match live.place(key) {
            Some(p) if p < self.partitions => p,
            Some(p) => self.out_of_range(p),
            None => panic!(
                "the partitioner `{}` does not place keys of type `{}`",
                self.name,
                std::any::type_name::<K>()
            ),
        }
    }
}

/// A wide operator's output partitioning, as given: nothing (Spark's default-partitioner
/// rule decides, [`default_partitioner`]), a partition count, or a partitioner.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Partitioning {
    /// Neither a count nor a partitioner: [`default_partitioner`] picks one.
    #[default]
    Default,
    /// A partitioner (a count is a hash partitioner).
    Given(Partitioner),
}

impl From<Option<usize>> for Partitioning {
    fn from(n: Option<usize>) -> Self {
        n.map_or(Partitioning::Default, |n| {
            Partitioning::Given(Partitioner::hash(n))
        })
    }
}

impl From<Partitioner> for Partitioning {
    fn from(p: Partitioner) -> Self {
        Partitioning::Given(p)
    }
}

impl From<usize> for Partitioning {
    fn from(n: usize) -> Self {
        Partitioning::Given(Partitioner::hash(n))
    }
}

/// Spark's `Partitioner.defaultPartitioner` (Spark 3.x, `Partitioner.scala`): the partitioner
/// of a wide operator over `inputs` (each input's partition count and partitioner) given
/// neither a count nor a partitioner.
///
/// Among the inputs that have a partitioner, take the one with the most partitions. Its
/// partitioner is reused when it is eligible, that is its partition count is less than an
/// order of magnitude below the largest input partition count
/// (`log10(max) - log10(its) < 1`), or when it has at least the default count; otherwise a
/// hash partitioner over the default count: `default_parallelism` when set explicitly (Spark's
/// `spark.default.parallelism`), else the largest input partition count.
pub fn default_partitioner(
    inputs: &[(usize, Option<Partitioner>)],
    explicit_parallelism: Option<usize>,
) -> Partitioner {
    let max_parts = inputs.iter().map(|(n, _)| *n).max().unwrap_or(1).max(1);
    let default_count = explicit_parallelism.unwrap_or(max_parts).max(1);
    // `maxBy` keeps the first of equal counts, as Scala's does.
    let mut best: Option<(usize, &Partitioner)> = None;
    for (n, p) in inputs {
        if let Some(p) = p.as_ref().filter(|p| p.num_partitions() > 0)
            && best.is_none_or(|(b, _)| *n > b)
        {
            best = Some((*n, p));
        }
    }
    match best {
        Some((n, p)) => {
            // Spark's `log10(max) - log10(n) < 1`, in integers (exact at powers of ten).
            let eligible = max_parts < 10 * n.max(1);
            if eligible || default_count <= p.num_partitions() {
                p.clone()
            } else {
                Partitioner::hash(default_count)
            }
        }
        None => Partitioner::hash(default_count),
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
            Partitioner::User(u) => write!(f, "{}({})", u.name, u.partitions),
            Partitioner::Range(r) => write!(f, "{r:?}"),
        }
    }
}
