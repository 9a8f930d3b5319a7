//! `sort_by(key_fn, ascending)`: the elements sorted by `key_fn(&x)` across all partitions,
//! like `sort_by_key` (range partitioner from a sample, stable sort per partition, spilled
//! runs merged under a memory limit). The key is computed again where it is needed rather
//! than shuffled with the element, so the element crosses the shuffle alone.

use either::Either;

use crate::error::Result;
use crate::range::{Bounds, Directed, partition_of};
use crate::rdd::Dataset;
use crate::shuffle::{MapOutput, MapWriter, ShuffleRead, bucket};
use crate::task::{PanicScope, Site};

/// The `sort_by` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

/// What crosses the shuffle: the elements themselves.
impl<In, Out> super::WideOp for Op<In, Out> {
    type Record = In;
}

impl<In: crate::data::Data> Op<In, In> {
    /// Samples the keys of `parent` for the range bounds (before the map stage).
    pub fn prepare<D: Dataset<Item = In>, K: crate::data::Data + Ord>(
        node: &'static str,
        parent: &D,
        partitions: usize,
        bounds: &Bounds,
        f: impl Fn(&In) -> K + Sync,
        ascending: bool,
    ) -> Result<()> {
        bounds.prepare(node, parent, partitions, ascending, f)
    }

    /// Sends each element of one map partition to its key's range.
    pub fn map_side<K: crate::data::Data + Ord>(
        site: Site,
        input: impl Iterator<Item = In>,
        out: MapWriter<In>,
        bounds: &Bounds,
        f: impl Fn(&In) -> K,
        ascending: bool,
    ) -> MapOutput<In> {
        let b = match bounds.expect::<K>(site.node) {
            Ok(b) => b,
            Err(e) => return out.fail(e),
        };
        let node = site.node;
        bucket(
            input,
            out,
            |x| partition_of(&b, &call(node, &f, x), ascending),
            |x| Directed {
                key: call(node, &f, x),
                ascending,
            },
        )
    }

    /// One output partition, sorted by key (stable).
    pub fn reduce_side<K: crate::data::Data + Ord>(
        site: Site,
        read: ShuffleRead<In>,
        f: impl Fn(&In) -> K,
        ascending: bool,
    ) -> impl Iterator<Item = In> {
        let key = directed_key(site.node, f, ascending);
        if read.is_spilled() {
            Either::Right(read.merged(key))
        } else {
            let mut v: Vec<In> = read.collect();
            v.sort_by_cached_key(key);
            Either::Left(v.into_iter())
        }
    }
}

/// `f(x)` as user code of `node`.
#[inline]
fn call<In, K>(node: &'static str, f: &impl Fn(&In) -> K, x: &In) -> K {
    let g = PanicScope::enter(node);
    let k = f(x);
    g.exit();
    k
}

/// The sort key of an element, in output order.
fn directed_key<In, K>(
    node: &'static str,
    f: impl Fn(&In) -> K,
    ascending: bool,
) -> impl FnMut(&In) -> Directed<K> {
    move |x| Directed {
        key: call(node, &f, x),
        ascending,
    }
}
