//! `join(other)`: `(k, (v, w))` for every pair of a value `v` of `k` on the left and a value
//! `w` of `k` on the right (keys on one side only give nothing).
//! Shuffle, co-partitioning and the map side are `cogroup`'s (the generated code calls them for
//! every two-input operator); the reduce side probes a hash table of the right input with the
//! streamed left one (`hash_join.rs`), or, when a shuffle spilled, flattens `cogroup`'s groups.

use either::Either;

use super::cogroup::{Cross, Groups, Side, group, spilled};
use super::hash_join::{HashJoin, Joined};
use crate::data::{Key, Pair};
use crate::task::Site;

/// The `join` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

impl<In: Pair, Out> Op<In, Out>
where
    In::Key: Key,
{
    /// Every matching pair of one output partition: in the left input's order, each left value
    /// with its key's right values in theirs.
    pub fn reduce_side<R>(
        _site: Site,
        left: Side<impl Iterator<Item = In>, In>,
        right: Side<impl Iterator<Item = R>, R>,
    ) -> impl Iterator<Item = Out>
    where
        R: Pair<Key = In::Key>,
        Out: Pair<Key = In::Key, Value = (In::Value, R::Value)>,
    {
        if spilled(&left, &right) {
            Either::Right(Self::flatten::<R>(group(left, right)))
        } else {
            Either::Left(HashJoin::new(left, right, false, false).filter_map(shape::<Out, _, _>))
        }
    }

    /// Flattens the groups. Separate from `reduce_side` so that its closures' types do not
    /// name the input iterators' (see `task::guard1`).
    fn flatten<R>(groups: Groups<In::Key, In::Value, R::Value>) -> impl Iterator<Item = Out>
    where
        R: Pair<Key = In::Key>,
        Out: Pair<Key = In::Key, Value = (In::Value, R::Value)>,
    {
        groups
            .into_iter()
            .flat_map(|(k, (vs, ws))| Cross::new(k, vs, ws))
            .map(|(k, vw)| Out::from_parts(k, vw))
    }
}

/// The declared pair of a matching pair; `None` for the unmatched values, which this join does
/// not ask for.
fn shape<Out: Pair<Value = (V, W)>, V, W>(j: Joined<Out::Key, V, W>) -> Option<Out> {
    match j {
        Joined::Both(k, v, w) => Some(Out::from_parts(k, (v, w))),
        Joined::Left(..) | Joined::Right(..) => None,
    }
}
