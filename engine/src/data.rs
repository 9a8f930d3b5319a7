//! Traits that element types must satisfy, with messages in the DSL's vocabulary.

use std::hash::Hash;

/// An element of an RDD: cloned out of caches and checkpoints, sent between threads.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an RDD element type",
    label = "RDD elements must be `Clone + Send + Sync + 'static`",
    note = "wrap shared values in `Arc` to make them cheap to clone"
)]
pub trait Data: Clone + Send + Sync + 'static {}
impl<T: Clone + Send + Sync + 'static> Data for T {}

/// A key-value element `(K, V)`, the input of the pair operators (`reduce_by_key`, `join`, ...).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a key-value pair",
    label = "pair operators such as `reduce_by_key` take elements of type `(K, V)`",
    note = "map the elements to pairs first, e.g. `node.map(|x| (key(&x), x))` or `key_by`"
)]
pub trait Pair: Data {
    /// The key type `K`.
    type Key: Data;
    /// The value type `V`.
    type Value: Data;
    /// Splits the pair.
    fn into_parts(self) -> (Self::Key, Self::Value);
    /// Builds a pair.
    fn from_parts(key: Self::Key, value: Self::Value) -> Self;
    /// The key.
    fn key(&self) -> &Self::Key;
}
impl<K: Data, V: Data> Pair for (K, V) {
    type Key = K;
    type Value = V;
    #[inline]
    fn into_parts(self) -> (K, V) {
        self
    }
    #[inline]
    fn from_parts(key: K, value: V) -> Self {
        (key, value)
    }
    #[inline]
    fn key(&self) -> &K {
        &self.0
    }
}

/// The map of a pair RDD's keys to values, as `collect_map` returns it.
pub type PairMap<T> = std::collections::HashMap<<T as Pair>::Key, <T as Pair>::Value>;

/// A shuffle key: hashed to pick the output partition and compared to group equal keys.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a shuffle key",
    label = "shuffle keys must be `Hash + Eq`",
    note = "derive `Hash, PartialEq, Eq` on the key type, or key by a field that has them"
)]
pub trait Key: Data + Hash + Eq {}
impl<T: Data + Hash + Eq> Key for T {}

/// An element type that a reliable checkpoint can write and read back.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be checkpointed",
    label = "`#[checkpoint]` needs an element type that is `serde::Serialize + serde::de::DeserializeOwned`",
    note = "derive `serde::Serialize, serde::Deserialize` on it, or use `#[checkpoint(local)]`"
)]
pub trait Checkpointable: Data + serde::Serialize + serde::de::DeserializeOwned {}
impl<T: Data + serde::Serialize + serde::de::DeserializeOwned> Checkpointable for T {}

/// An element type whose partitions can be persisted on disk (`StorageLevel::Disk` and
/// `MemoryAndDisk`), encoded as checkpoints are.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be persisted on disk",
    label = "`#[persist(disk)]` and `#[persist(memory_and_disk)]` need an element type that is `serde::Serialize + serde::de::DeserializeOwned`",
    note = "derive `serde::Serialize, serde::Deserialize` on it, or use `#[persist(memory)]`"
)]
pub trait DiskStorable: Data + serde::Serialize + serde::de::DeserializeOwned {}
impl<T: Data + serde::Serialize + serde::de::DeserializeOwned> DiskStorable for T {}

/// A pipeline parameter that is not an RDD: cloned into each task and, unless it is a
/// `Broadcast` or an `Accumulator`, fingerprinted through its `serde::Serialize` encoding.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a pipeline parameter",
    label = "value parameters must be `Clone + Send + Sync + serde::Serialize + 'static`",
    note = "derive `serde::Serialize` on your own types; a value that cannot be serialized (a lock, a compiled regex, a model) can be passed as `rddflow::Broadcast<T>`, which needs only `Send + Sync`"
)]
pub trait Param: Clone + Send + Sync + 'static {
    /// What the checkpoint fingerprint sees of the parameter.
    #[doc(hidden)]
    fn __print(&self) -> ParamPrint;
}
impl<T: Clone + Send + Sync + serde::Serialize + 'static> Param for T {
    fn __print(&self) -> ParamPrint {
        ParamPrint::Encoded(postcard::to_allocvec(self).map_err(|e| e.to_string()))
    }
}

/// What a parameter gives the checkpoint fingerprint.
#[doc(hidden)]
pub enum ParamPrint {
    /// Its postcard encoding, or why it has none.
    Encoded(std::result::Result<Vec<u8>, String>),
    /// A value the fingerprint cannot see (a `Broadcast`): a node using it needs a `version`.
    Opaque,
    /// Not an input of the computation (an `Accumulator`): left out.
    Output,
}

/// [`Param`] for a parameter written `Arc<T>`, with the message for the usual reason it is not
/// one: serde implements `Serialize` for `Arc` only with its `rc` feature.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a pipeline parameter: `Arc<T>` is `serde::Serialize` only with serde's `rc` feature",
    label = "an `Arc` value parameter needs serde's `rc` feature and a `serde::Serialize` `T`",
    note = "enable the feature in Cargo.toml, `serde = {{ version = \"1\", features = [\"rc\"] }}`, or pass the value as `rddflow::Broadcast<T>` (`Broadcast::new(value)` or `Broadcast::from_arc(arc)`): shared by reference the same way, with no `Serialize` needed"
)]
pub trait ArcParam: Clone + Send + Sync + 'static {
    /// [`Param::__print`].
    fn __arc_print(&self) -> ParamPrint;
}
impl<T: Param> ArcParam for T {
    fn __arc_print(&self) -> ParamPrint {
        self.__print()
    }
}
