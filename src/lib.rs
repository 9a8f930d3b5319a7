//! # rddflow
//!
//! Typed Spark-style RDD pipelines in Rust. The [`pipeline!`] macro compiles a declarative
//! graph of RDDs into one struct per node, checked at compile time, whose narrow chains run as
//! fused iterators in parallel on rayon; `#[checkpoint]` writes a node while the first job
//! computes it and then truncates its lineage.
//!
//! ```
//! use rddflow::prelude::*;
//!
//! rddflow::pipeline! {
//!     /// Squares of the even numbers below `n`, and how many end in each digit.
//!     pub struct Squares(n: u64) {
//!         nums: u64 = range(0..n, 4);
//!         even: u64 = nums.filter(|x| x % 2 == 0);
//!         #[checkpoint(local)]
//!         squares: u64 = even.map(|x| x * x);
//!         by_digit: (u64, u64) = squares.map(|s| (s % 10, 1));
//!         counts: (u64, u64) = by_digit.reduce_by_key(|a, b| a + b, 2);
//!     }
//! }
//!
//! let ctx = Context::builder().threads(2).build()?;
//! let sq = Squares::new(&ctx, 100)?;              // builds the graph; runs nothing
//! assert_eq!(sq.squares.count()?, 50);           // one job, which also checkpoints `squares`
//! assert!(sq.squares.is_checkpointed());
//! let counts = sq.counts.collect_map()?;         // reads the checkpoint, then shuffles
//! assert_eq!(counts[&0], 10);
//! assert_eq!(counts.values().sum::<u64>(), 50);
//! println!("{}", sq.counts.lineage());
//! println!("{}", Squares::graph().to_dot());
//! # Ok::<(), rddflow::Error>(())
//! ```
//!
//! The [`dsl`] module is the reference of the [`pipeline!`] DSL: every source, operator,
//! attribute and action, each with an example. `engine/ARCHITECTURE.md` explains the engine.

// The API a program calls, listed one by one: what only generated code needs is under the
// hidden `__private` (a test checks that nothing else reaches this page).
pub use rddflow_engine::listener;
pub use rddflow_engine::{
    Buckets, CheckpointKind, CheckpointStatus, Checkpointable, Context, ContextBuilder, Data,
    Dataset, DiskStorable, Error, GraphNode, Key, LocalIterator, Node, NodeInfo, NodeKind, Numeric,
    Pair, PairMap, Param, Partitioner, PipelineGraph, Rdd, RddNode, Result, StatCounter,
    StorageLevel, StorageState,
};
// Strings that share the buffer they were read into (zero-copy lines and words).
pub use rddflow_engine::{AsciiWhitespace, Pieces, Separator, Text, Whitespace};
// Shared variables: accumulators and broadcasts, passed to pipelines as params.
pub use rddflow_engine::{Accumulator, AccumulatorValue, Broadcast};
// User-defined partitioners and the default-partitioner rule (issue 14).
pub use rddflow_engine::{KeyPartitioner, RangePartitioner, UserPartitioner, default_partitioner};
// Output options of the saves (`save_as_csv_with` and the others).
pub use rddflow_engine::{Compression, SaveOptions};

pub mod dsl;

/// Declares typed RDD pipelines: one struct per node, the pipeline struct, `new` and `graph()`.
///
/// ```text
/// pipeline! { PIPELINE+ }
/// PIPELINE := ATTRS VIS struct Name ( PARAM,* ) { NODE* }
/// PARAM    := name: Type | name: Rdd<T>
/// NODE     := NODE_ATTRS name: ElemType = source(args) ;
///           | NODE_ATTRS name: ElemType = parent.operator(args) ;
/// ```
///
/// ```
/// use rddflow::prelude::*;
///
/// rddflow::pipeline! {
///     /// Squares of `0..n` and their sum per last digit.
///     pub struct Squares(n: u64) {
///         nums: u64 = range(0..n, 2);
///         squares: (u64, u64) = nums.map(|x| (x * x % 10, x * x));
///         by_digit: (u64, u64) = squares.reduce_by_key(|a, b| a + b);
///     }
/// }
///
/// let ctx = Context::new()?;
/// let s = Squares::new(&ctx, 4)?; // builds the graph, runs nothing
/// let mut sums = s.by_digit.collect()?; // one job, two stages
/// sums.sort();
/// assert_eq!(sums, vec![(0, 0), (1, 1), (4, 4), (9, 9)]);
/// # Ok::<(), rddflow::Error>(())
/// ```
///
/// The full reference, with an example for each item, is the [`dsl`] module:
///
/// - [grammar](crate::dsl#grammar), [parameters](crate::dsl#parameters) (values and `Rdd<T>`
///   inputs), [shared variables](crate::dsl#shared-variables) (accumulators and broadcasts),
///   [what is generated](crate::dsl#what-the-macro-generates),
///   [partition counts](crate::dsl#partition-counts);
/// - sources: [`parallelize`](crate::dsl#parallelize), [`range`](crate::dsl#range),
///   [`text_file`](crate::dsl#text_file), [`json_lines`](crate::dsl#json_lines),
///   [`csv_file`](crate::dsl#csv_file), [`parquet_file`](crate::dsl#parquet_file) (feature
///   `parquet`);
/// - narrow operators: [`map`](crate::dsl#map), [`filter`](crate::dsl#filter),
///   [`flat_map`](crate::dsl#flat_map), [`filter_map`](crate::dsl#filter_map),
///   [`map_partitions`](crate::dsl#map_partitions), [`map_values`](crate::dsl#map_values),
///   [`flat_map_values`](crate::dsl#flat_map_values), [`key_by`](crate::dsl#key_by),
///   [`sample`](crate::dsl#sample), [`inspect`](crate::dsl#inspect),
///   [`coalesce`](crate::dsl#coalesce), [`union`](crate::dsl#union);
/// - wide operators: [`reduce_by_key`](crate::dsl#reduce_by_key),
///   [`fold_by_key`](crate::dsl#fold_by_key), [`aggregate_by_key`](crate::dsl#aggregate_by_key),
///   [`combine_by_key`](crate::dsl#combine_by_key), [`group_by_key`](crate::dsl#group_by_key),
///   [`distinct`](crate::dsl#distinct), [`partition_by`](crate::dsl#partition_by),
///   [`repartition`](crate::dsl#repartition);
/// - two-input operators: [`cogroup`](crate::dsl#cogroup), [`join`](crate::dsl#join),
///   [`left_outer_join`](crate::dsl#left_outer_join),
///   [`right_outer_join`](crate::dsl#right_outer_join),
///   [`full_outer_join`](crate::dsl#full_outer_join);
/// - attributes: [`#[checkpoint]`](crate::dsl#checkpoint),
///   [`#[checkpoint(local)]`](crate::dsl#checkpointlocal),
///   [`#[cache]`, `#[persist(memory)]`](crate::dsl#cache-and-persistmemory);
/// - [actions](crate::dsl#actions) and
///   [checkpoint and cache methods](crate::dsl#checkpoint-and-cache-methods).
#[doc(inline)]
pub use rddflow_macros::pipeline;

/// What a program using rddflow needs in scope: the context, the handle types and the
/// [`Dataset`] trait that carries the actions.
pub mod prelude {
    pub use rddflow_engine::prelude::*;
}

/// What only the code `pipeline!` generates needs (operators, the execution protocol, node
/// internals): not part of the API, and free to change.
#[doc(hidden)]
pub use rddflow_engine::__private;
