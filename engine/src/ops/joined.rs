//! The four joins as one operator, `Join<In, Out, K>`, whose kind `K` says which unmatched
//! values it keeps and the shape of a joined value: `join` ([`Inner`]), `left_outer_join`
//! ([`LeftOuter`]), `right_outer_join` ([`RightOuter`]) and `full_outer_join` ([`FullOuter`]).
//! The map side and the shuffles are the two-input protocol's (`protocol::TwoShuffles`); the
//! reduce side probes a hash table of the right input with the streamed left one
//! (`hash_join.rs`), or, when a shuffle spilled, flattens `cogroup`'s groups.

use std::marker::PhantomData;

use super::cogroup::{Cross, Groups, Side, each, group, spilled};
use super::hash_join::{HashJoin, Joined};
use crate::data::{Key, Pair};
use crate::task::Site;
use either::Either;

/// Which unmatched values a join keeps, and the shape of its joined values.
pub trait JoinKind: 'static {
    /// Left values whose key the right side lacks are given (with no right value).
    const KEEP_LEFT: bool;
    /// Right values whose key the left side lacks are given (with no left value).
    const KEEP_RIGHT: bool;
    /// A joined value of left value `V` and right value `W`.
    type Value<V, W>;
    /// The joined value of a left and a right value, either missing when unmatched; `None`
    /// for what this kind does not keep.
    fn shape<V, W>(v: Option<V>, w: Option<W>) -> Option<Self::Value<V, W>>;
}

/// `join`: `(v, w)` for matching pairs only.
pub struct Inner;
/// `left_outer_join`: `(v, Some(w))`, and `(v, None)` for unmatched left values.
pub struct LeftOuter;
/// `right_outer_join`: `(Some(v), w)`, and `(None, w)` for unmatched right values.
pub struct RightOuter;
/// `full_outer_join`: `(Some(v), Some(w))`, and the unmatched values of both sides.
pub struct FullOuter;

impl JoinKind for Inner {
    const KEEP_LEFT: bool = false;
    const KEEP_RIGHT: bool = false;
    type Value<V, W> = (V, W);
    fn shape<V, W>(v: Option<V>, w: Option<W>) -> Option<(V, W)> {
        Some((v?, w?))
    }
}

impl JoinKind for LeftOuter {
    const KEEP_LEFT: bool = true;
    const KEEP_RIGHT: bool = false;
    type Value<V, W> = (V, Option<W>);
    fn shape<V, W>(v: Option<V>, w: Option<W>) -> Option<(V, Option<W>)> {
        Some((v?, w))
    }
}

impl JoinKind for RightOuter {
    const KEEP_LEFT: bool = false;
    const KEEP_RIGHT: bool = true;
    type Value<V, W> = (Option<V>, W);
    fn shape<V, W>(v: Option<V>, w: Option<W>) -> Option<(Option<V>, W)> {
        Some((v, w?))
    }
}

impl JoinKind for FullOuter {
    const KEEP_LEFT: bool = true;
    const KEEP_RIGHT: bool = true;
    type Value<V, W> = (Option<V>, Option<W>);
    fn shape<V, W>(v: Option<V>, w: Option<W>) -> Option<(Option<V>, Option<W>)> {
        Some((v, w))
    }
}

/// A join of kind `K`; `In` the left element type, `Out` the declared one.
pub struct Join<In, Out, K>(PhantomData<fn(In, K) -> Out>);

impl<In: Pair, Out, K: JoinKind> Join<In, Out, K>
where
    In::Key: Key,
{
    /// The joined pairs of one output partition: in the left input's order, each left value
    /// with its key's right values in theirs (then the unmatched right values, if kept).
    pub fn reduce_side<R>(
        site: Site,
        left: Side<impl Iterator<Item = In>, In>,
        right: Side<impl Iterator<Item = R>, R>,
    ) -> impl Iterator<Item = Out>
    where
        R: Pair<Key = In::Key>,
        Out: Pair<Key = In::Key, Value = K::Value<In::Value, R::Value>>,
    {
        if spilled(&left, &right) {
            Either::Right(Self::flatten::<R>(group(left, right)))
        } else {
            let join = HashJoin::new(site.node, left, right, K::KEEP_LEFT, K::KEEP_RIGHT);
            Either::Left(join.filter_map(from_joined::<Out, K, _, _>))
        }
    }

    /// Flattens the groups. Separate from `reduce_side` so that its closures' types do not
    /// name the input iterators' (see `task::guard1`).
    fn flatten<R>(groups: Groups<In::Key, In::Value, R::Value>) -> impl Iterator<Item = Out>
    where
        R: Pair<Key = In::Key>,
        Out: Pair<Key = In::Key, Value = K::Value<In::Value, R::Value>>,
    {
        groups
            .into_iter()
            .flat_map(|(k, (vs, ws))| {
                if vs.is_empty() {
                    let ws = kept(K::KEEP_RIGHT, ws);
                    Either::Left(each(k, ws).map(|(k, w)| (k, None, Some(w))))
                } else if ws.is_empty() {
                    let vs = kept(K::KEEP_LEFT, vs);
                    Either::Right(Either::Left(each(k, vs).map(|(k, v)| (k, Some(v), None))))
                } else {
                    Either::Right(Either::Right(
                        Cross::new(k, vs, ws).map(|(k, (v, w))| (k, Some(v), Some(w))),
                    ))
                }
            })
            .filter_map(|(k, v, w)| Some(Out::from_parts(k, K::shape(v, w)?)))
    }
}

/// The declared pair of a joined record, if the kind keeps it.
fn from_joined<Out: Pair<Value = K::Value<V, W>>, K: JoinKind, V, W>(
    j: Joined<Out::Key, V, W>,
) -> Option<Out> {
    let (k, v, w) = match j {
        Joined::Both(k, v, w) => (k, Some(v), Some(w)),
        Joined::Left(k, v) => (k, Some(v), None),
        Joined::Right(k, w) => (k, None, Some(w)),
    };
    Some(Out::from_parts(k, K::shape(v, w)?))
}

/// An unmatched side's values, when the kind keeps them.
fn kept<X>(keep: bool, xs: Vec<X>) -> Vec<X> {
    if keep { xs } else { Vec::new() }
}
