//! `full_outer_join(other)`: `(k, (Some(v), Some(w)))` for every matching pair,
//! `(k, (Some(v), None))` for each value of a key only on the left, and `(k, (None, Some(w)))`
//! for each value of a key only on the right.
//! Shuffle, co-partitioning and the map side are `cogroup`'s (the generated code calls them for
//! every two-input operator); the reduce side probes a hash table of the right input with the
//! streamed left one (`hash_join.rs`), or, when a shuffle spilled, flattens `cogroup`'s groups.

use either::Either;

use super::cogroup::{Cross, Groups, Side, each, group, spilled};
use super::hash_join::{HashJoin, Joined};
use crate::data::{Key, Pair};
use crate::task::Site;

/// The `full_outer_join` operator.
pub struct Op<In, Out>(super::Marker<In, Out>);

impl<In: Pair, Out> Op<In, Out>
where
    In::Key: Key,
{
    /// The pairs of one output partition: every value of either side, with each matching value
    /// of the other side or with `None`.
    #[allow(clippy::type_complexity)]
    pub fn reduce_side<R>(
        _site: Site,
        left: Side<impl Iterator<Item = In>, In>,
        right: Side<impl Iterator<Item = R>, R>,
    ) -> impl Iterator<Item = Out>
    where
        R: Pair<Key = In::Key>,
        Out: Pair<Key = In::Key, Value = (Option<In::Value>, Option<R::Value>)>,
    {
        if spilled(&left, &right) {
            Either::Right(Self::flatten::<R>(group(left, right)))
        } else {
            Either::Left(HashJoin::new(left, right, true, true).filter_map(shape::<Out, _, _>))
        }
    }

    /// Flattens the groups. Separate from `reduce_side` so that its closures' types do not
    /// name the input iterators' (see `task::guard1`).
    fn flatten<R>(groups: Groups<In::Key, In::Value, R::Value>) -> impl Iterator<Item = Out>
    where
        R: Pair<Key = In::Key>,
        Out: Pair<Key = In::Key, Value = (Option<In::Value>, Option<R::Value>)>,
    {
        groups
            .into_iter()
            .flat_map(|(k, (vs, ws))| {
                if vs.is_empty() {
                    Either::Left(each(k, ws).map(|(k, w)| (k, (None, Some(w)))))
                } else if ws.is_empty() {
                    Either::Right(Either::Left(each(k, vs).map(|(k, v)| (k, (Some(v), None)))))
                } else {
                    Either::Right(Either::Right(
                        Cross::new(k, vs, ws).map(|(k, (v, w))| (k, (Some(v), Some(w)))),
                    ))
                }
            })
            .map(|(k, vw)| Out::from_parts(k, vw))
    }
}

/// The declared pair of a joined record.
fn shape<Out: Pair<Value = (Option<V>, Option<W>)>, V, W>(
    j: Joined<Out::Key, V, W>,
) -> Option<Out> {
    Some(match j {
        Joined::Both(k, v, w) => Out::from_parts(k, (Some(v), Some(w))),
        Joined::Left(k, v) => Out::from_parts(k, (Some(v), None)),
        Joined::Right(k, w) => Out::from_parts(k, (None, Some(w))),
    })
}
