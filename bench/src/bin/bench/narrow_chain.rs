//! `narrow_chain`: the numbers `0..n` through 7 maps and 3 filters, summed (wrapping). Mixing
//! and masking steps of a hash finalizer, so that neither side can fold the chain away.

use rayon::prelude::*;
use rddflow::prelude::*;

/// The ten steps, shared by both sides (and written out again in the Spark programs). `#[inline]`
/// so that neither side's speed depends on which codegen unit the steps land in.
#[inline]
pub fn m1(x: u64) -> u64 {
    x.wrapping_mul(0x9E37_79B9_7F4A_7C15)
}
#[inline]
pub fn m2(x: u64) -> u64 {
    x ^ (x >> 29)
}
#[inline]
pub fn f1(x: &u64) -> bool {
    x & 15 != 0
}
#[inline]
pub fn m3(x: u64) -> u64 {
    x.wrapping_add(0x632B_E59B_D9B4_E019)
}
#[inline]
pub fn m4(x: u64) -> u64 {
    x.wrapping_mul(0xBF58_476D_1CE4_E5B9)
}
#[inline]
pub fn f2(x: &u64) -> bool {
    x >> 60 != 3
}
#[inline]
pub fn m5(x: u64) -> u64 {
    x ^ (x >> 32)
}
#[inline]
pub fn m6(x: u64) -> u64 {
    x.wrapping_add(12345)
}
#[inline]
pub fn f3(x: &u64) -> bool {
    x & 3 != 1
}
#[inline]
pub fn m7(x: u64) -> u64 {
    x >> 8
}

rddflow::pipeline! {
    /// `range` through ten narrow operators, fused into one iterator per partition.
    pub struct Chain(n: u64, parts: usize) {
        nums: u64 = range(0..n, parts);
        a: u64 = nums.map(m1);
        b: u64 = a.map(m2);
        c: u64 = b.filter(f1);
        d: u64 = c.map(m3);
        e: u64 = d.map(m4);
        f: u64 = e.filter(f2);
        g: u64 = f.map(m5);
        h: u64 = g.map(m6);
        i: u64 = h.filter(f3);
        j: u64 = i.map(m7);
    }
}

/// rddflow: builds the pipeline and sums `j`.
pub fn rddflow(ctx: &Context, n: u64, parts: usize) -> rddflow::Result<u64> {
    let c = Chain::new(ctx, n, parts)?;
    Ok(c.j.reduce(u64::wrapping_add)?.unwrap_or(0))
}

/// Hand-written rayon: the same steps on a parallel range.
pub fn rayon(n: u64) -> u64 {
    (0..n)
        .into_par_iter()
        .map(m1)
        .map(m2)
        .filter(f1)
        .map(m3)
        .map(m4)
        .filter(f2)
        .map(m5)
        .map(m6)
        .filter(f3)
        .map(m7)
        .reduce(|| 0, u64::wrapping_add)
}
