//! `join(other)`: `(k, (v, w))` for every pair of a value `v` of `k` on the left and a value
//! `w` of `k` on the right (keys on one side only give nothing).
//! One [`Join`](super::joined::Join) of kind [`Inner`](super::joined::Inner) (`joined.rs`).

/// The `join` operator.
pub type Op<In, Out> = super::joined::Join<In, Out, super::joined::Inner>;
