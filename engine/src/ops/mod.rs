//! Operators, one file each. Every operator is a type `Op<In, Out>` (`In` the parent's element
//! type, `Out` the declared one) whose associated functions build the operator's iterator
//! (narrow operators: `apply`) or its two shuffle halves (wide operators: `map_side`,
//! `reduce_side`, and a `Record<In, Out>` alias for what crosses the shuffle). Naming `In` and
//! `Out` pins the parameter and result types of the user's closures, so `|l| l.len()` needs no
//! annotation and a wrong result type is reported at the closure.
//!
//! The two-input wide operators (`cogroup` and the joins) keep that shape with `In` the left
//! element type: `reduce_side` takes an iterator over each input, the right element type being
//! its type parameter `R`; both inputs cross the shuffle as they are (`cogroup::bucket_pairs`,
//! run by the engine's two-input protocol). The four joins are one generic (`joined.rs`).

pub mod aggregate_by_key;
pub mod coalesce;
pub mod cogroup;
pub mod combine_by_key;
pub mod distinct;
pub mod filter;
pub mod filter_by_range;
pub mod filter_map;
pub mod flat_map;
pub mod flat_map_values;
pub mod fold_by_key;
pub mod full_outer_join;
pub mod glom;
pub mod group_by_key;
pub(crate) mod hash_join;
pub mod inspect;
pub mod join;
pub mod joined;
pub mod key_by;
pub mod keys;
pub mod left_outer_join;
pub mod map;
pub mod map_partitions;
pub mod map_partitions_with_index;
pub mod map_values;
pub(crate) mod partial;
pub mod partition_by;
pub mod reduce_by_key;
pub mod repartition;
pub mod right_outer_join;
pub mod sample;
pub mod sample_with_replacement;
pub mod sort_by;
pub mod sort_by_key;
pub mod union;
pub mod values;
pub mod zip;
pub mod zip_with_index;
pub mod zip_with_unique_id;
// Wide operators of issue 14: three-way cogroup, products and set operations.
pub mod cartesian;
pub mod group_with;
pub mod intersection;
pub mod repartition_and_sort_within_partitions;
pub mod subtract;
pub mod subtract_by_key;

use std::marker::PhantomData;

/// The operator type shared by every operator module (each module has its own `Op`).
pub(crate) type Marker<In, Out> = PhantomData<fn(In) -> Out>;

/// A partition count given to operator `op` of node `node` (`coalesce(n)`, `repartition(n)`,
/// a wide operator's optional count), checked when the pipeline is built: 0 is refused, as
/// Spark refuses it, rather than run as one partition.
pub fn partition_count(node: &'static str, op: &'static str, n: usize) -> crate::Result<usize> {
    if n == 0 {
        return Err(crate::Error::InvalidArgument(format!(
            "node `{node}`: `{op}` needs at least one partition, got 0"
        )));
    }
    Ok(n)
}

/// A narrow operator whose node holds state of its own: made in `new` from the node's
/// partition count, prepared before each job that may compute the node (on the caller's
/// thread, with the parent: `zip_with_index` counts its partitions there), and handed to
/// `apply` after the input.
pub trait NarrowState {
    /// What the node holds.
    type State: Send + Sync + 'static;
    /// The state of a node with `partitions` partitions.
    fn state(partitions: usize) -> Self::State;
    /// Prepares the state of node `node` from `parent`, before a job.
    fn prepare<P: crate::rdd::Dataset>(
        node: &'static str,
        state: &Self::State,
        parent: &P,
    ) -> crate::Result<()>;
}

/// The partitioning given to a keyed wide operator of node `node` as its optional last
/// argument (or `partition_by`'s): a partition count (a hash partitioner; 0 is refused) or a
/// [`KeyPartitioner`](crate::KeyPartitioner) of the input's keys `K` (one with no partitions
/// is refused too).
pub fn partitioner_arg<K: 'static, P: crate::KeyPartitioner<K>>(
    node: &'static str,
    op: &'static str,
    p: P,
) -> crate::Result<crate::Partitioner> {
    partition_count(node, op, p.num_partitions())?;
    Ok(p.into_partitioner())
}

/// A shuffle operator: what its map side writes and its reduce side reads.
pub trait WideOp {
    /// One record crossing the shuffle.
    type Record;
}
