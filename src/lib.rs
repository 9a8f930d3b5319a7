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
//! The README gives a tour of the DSL; `engine/ARCHITECTURE.md` explains the engine.

pub use rddflow_engine::*;
/// Declares typed RDD pipelines: one struct per node, the pipeline struct, `new` and `graph()`.
///
/// Grammar: `ATTRS VIS struct NAME(PARAMS) { NODE* }`, repeated; a node is
/// `ATTRS name: ElementType = source(args);` or `ATTRS name: ElementType = parent.operator(args);`.
/// See the crate documentation for an example and the README for the operators, sources and
/// attributes.
pub use rddflow_macros::pipeline;

/// What a program using rddflow needs in scope: the context, the handle types and the
/// [`Dataset`] trait that carries the actions.
pub mod prelude {
    pub use rddflow_engine::prelude::*;
}

#[doc(hidden)]
pub mod __private {
    pub use rddflow_engine::mark_checkpoint;
    pub use rddflow_engine::{ops, shuffle, sources};

    /// Requires a pipeline's value parameter to be usable as one (spanned at its type).
    #[inline(always)]
    pub fn assert_param<T: rddflow_engine::Param>() {}
}
