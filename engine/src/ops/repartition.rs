//! `repartition(n)`: the same elements spread evenly over `n` partitions by a shuffle
//! (round-robin from a start that depends on the map partition, as Spark does).

use crate::data::Data;
use crate::shuffle::{MapOutput, MapWriter, ShuffleRead, bucket};
use crate::task::Site;

/// The `repartition` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

/// What crosses the shuffle: the elements themselves.
impl<In, Out> super::WideOp for Op<In, Out> {
    type Record = In;
}

impl<In: Data> Op<In, In> {
    /// Deals one map partition's elements round-robin over the output partitions.
    pub fn map_side(
        site: Site,
        input: impl Iterator<Item = In>,
        out: MapWriter<In>,
    ) -> MapOutput<In> {
        let n = out.num_partitions();
        // Different map partitions start at different outputs, so small partitions do not
        // all land in output 0.
        let mut next = site.part.wrapping_mul(0x9E37_79B9) % n;
        bucket(
            input,
            out,
            move |_| {
                let p = next;
                next = (next + 1) % n;
                p
            },
            |_| (),
        )
    }

    /// The elements of one output partition, in map-partition order.
    pub fn reduce_side(_site: Site, read: ShuffleRead<In>) -> impl Iterator<Item = In> {
        read
    }
}
