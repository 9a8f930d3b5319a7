//! `full_outer_join(other)`: `(k, (Some(v), Some(w)))` for every matching pair,
//! `(k, (Some(v), None))` for each value of a key only on the left, and `(k, (None, Some(w)))`
//! for each value of a key only on the right.
//! One [`Join`](super::joined::Join) of kind [`FullOuter`](super::joined::FullOuter) (`joined.rs`).

/// The `full_outer_join` operator.
pub type Op<In, Out> = super::joined::Join<In, Out, super::joined::FullOuter>;
