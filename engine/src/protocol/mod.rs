//! The execution protocol of a node: how its partitions depend on its parents', which map
//! tasks feed it, what runs before its map stage, and what it releases once checkpointed.
//!
//! A node built by `pipeline!` is the user's code (element types, closures, parents) plus one
//! engine value per shape that does the rest:
//! - narrow, union, coalesce: no value; every dependency is narrow (the default of
//!   [`RddNode::exchange`](crate::RddNode::exchange));
//! - one shuffle ([`OneShuffle`]): keyed, unkeyed or range-sampled; the node implements
//!   [`OneShuffleNode`] with its map side, and its `compute` reads through
//!   [`OneShuffle::read`] (a co-partitioned keyed input is read without a shuffle);
//! - two shuffles ([`TwoShuffles`]): `cogroup`, the joins, `subtract_by_key` (by key,
//!   [`ByKey`]), `intersection` and `subtract` (by element, [`ByElement`]); both inputs are
//!   bucketed as they are (no user code on the map side), and `compute` reads through
//!   [`TwoShuffles::read`]; three shuffles ([`ThreeShuffles`]): `group_with`, likewise.
//!
//! The scheduler sees a node's protocol through the object-safe [`Exchange`]; a hand-written
//! node can use these types as the generated ones do. Where map outputs live is the shuffle's
//! business ([`crate::shuffle::MapOutputStore`]), not the protocol's.

mod one_shuffle;
mod three_shuffles;
mod two_shuffles;

pub use one_shuffle::{OneShuffle, OneShuffleNode, ShuffleKind};
pub use three_shuffles::{ThreeShuffles, ThreeSides};
pub use two_shuffles::{ByElement, ByKey, ShuffleBy, TwoShuffles, bucket_by, first_input};

// The trait nodes return from `RddNode::exchange` lives with them; its paths here stay valid.
pub use crate::node::Exchange;
pub(crate) use crate::node::no_shuffle;
