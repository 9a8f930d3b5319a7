//! `distinct()`: each distinct element once; duplicates are dropped on the map side first.

use crate::data::Key;
use crate::shuffle::{MapOutput, MapWriter, ShuffleRead, merge_combiners};
use crate::task::Site;

/// The `distinct` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

/// What crosses the shuffle: the element as a key with no value.
impl<In, Out> super::WideOp for Op<In, Out> {
    type Record = (In, ());
}

type Record<In, Out> = <Op<In, Out> as super::WideOp>::Record;

impl<In: Key> Op<In, In> {
    /// Drops duplicates within one map partition and buckets the rest.
    pub fn map_side(
        site: Site,
        input: impl Iterator<Item = In>,
        out: MapWriter<Record<In, In>>,
    ) -> MapOutput<Record<In, In>> {
        super::partial::combine(site.node, input.map(|x| (x, ())), out, |_, ()| ())
    }

    /// Drops duplicates across map partitions.
    pub fn reduce_side(site: Site, read: ShuffleRead<Record<In, In>>) -> impl Iterator<Item = In> {
        merge_combiners(site.node, read, |(), ()| ()).map(|(k, ())| k)
    }
}
