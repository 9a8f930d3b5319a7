//! `left_outer_join(other)`: `(k, (v, Some(w)))` for every matching pair, and `(k, (v, None))`
//! for each value of a key that the right side does not have.
//! One [`Join`](super::joined::Join) of kind [`LeftOuter`](super::joined::LeftOuter) (`joined.rs`).

/// The `left_outer_join` operator.
pub type Op<In, Out> = super::joined::Join<In, Out, super::joined::LeftOuter>;
