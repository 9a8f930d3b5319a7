//! `left_outer_join(other)`: `(k, (v, Some(w)))` for every matching pair, and `(k, (v, None))`
//! for each value of a key that the right side does not have.
//! Shuffle, co-partitioning and the map side are `cogroup`'s (the generated code calls them for
//! every two-input operator); the reduce side probes a hash table of the right input with the
//! streamed left one (`hash_join.rs`), or, when a shuffle spilled, flattens `cogroup`'s groups.

use either::Either;

use super::cogroup::{Cross, Groups, Side, each, group, spilled};
use super::hash_join::{HashJoin, Joined};
use crate::data::{Key, Pair};
use crate::task::Site;

/// The `left_outer_join` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

impl<In: Pair, Out> Op<In, Out>
where
    In::Key: Key,
{
    /// The pairs of one output partition: every left value, with each matching right value or
    /// with `None`.
    pub fn reduce_side<R>(
        _site: Site,
        left: Side<impl Iterator<Item = In>, In>,
        right: Side<impl Iterator<Item = R>, R>,
    ) -> impl Iterator<Item = Out>
    where
        R: Pair<Key = In::Key>,
        Out: Pair<Key = In::Key, Value = (In::Value, Option<R::Value>)>,
    {
        if spilled(&left, &right) {
            Either::Right(Self::flatten::<R>(group(left, right)))
        } else {
            Either::Left(HashJoin::new(left, right, true, false).filter_map(shape::<Out, _, _>))
        }
    }

    /// Flattens the groups. Separate from `reduce_side` so that its closures' types do not
    /// name the input iterators' (see `task::guard1`).
    fn flatten<R>(groups: Groups<In::Key, In::Value, R::Value>) -> impl Iterator<Item = Out>
    where
        R: Pair<Key = In::Key>,
        Out: Pair<Key = In::Key, Value = (In::Value, Option<R::Value>)>,
    {
        groups
            .into_iter()
            .flat_map(|(k, (vs, ws))| {
                if ws.is_empty() {
                    Either::Left(each(k, vs).map(|(k, v)| (k, (v, None))))
                } else {
                    Either::Right(Cross::new(k, vs, ws).map(|(k, (v, w))| (k, (v, Some(w)))))
                }
            })
            .map(|(k, vw)| Out::from_parts(k, vw))
    }
}

/// The declared pair of a joined record; `None` for unmatched right values, which this join
/// does not ask for.
fn shape<Out: Pair<Value = (V, Option<W>)>, V, W>(j: Joined<Out::Key, V, W>) -> Option<Out> {
    match j {
        Joined::Both(k, v, w) => Some(Out::from_parts(k, (v, Some(w)))),
        Joined::Left(k, v) => Some(Out::from_parts(k, (v, None))),
        Joined::Right(..) => None,
    }
}
