//! # rddflow
//!
//! Typed Spark-style RDD pipelines in Rust. The [`pipeline!`] macro compiles a declarative
//! graph of RDDs into one struct per node, checked at compile time, whose narrow chains run as
//! fused iterators in parallel on rayon; `#[checkpoint]` writes a node while the first job
//! computes it and then truncates its lineage.
//!
//! See the README for a tour and [`pipeline!`] for the DSL reference.

pub use rddflow_engine::*;
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
