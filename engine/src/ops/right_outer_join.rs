//! `right_outer_join(other)`: `(k, (Some(v), w))` for every matching pair, and `(k, (None, w))`
//! for each value of a key that the left side does not have.
//! One [`Join`](super::joined::Join) of kind [`RightOuter`](super::joined::RightOuter) (`joined.rs`).

/// The `right_outer_join` operator.
pub type Op<In, Out> = super::joined::Join<In, Out, super::joined::RightOuter>;
