//! Summary statistics of numbers: [`StatCounter`] (Spark's, merged per partition) and the
//! bucket arithmetic of `histogram`.

use crate::error::{Error, Result};

/// An element type that the numeric actions (`stats`, `mean`, `histogram`) read as `f64`.
pub trait Numeric: crate::Data {
    /// The value as `f64` (rounded for the widest integers, as Spark's `toDouble`).
    fn to_f64(&self) -> f64;
}

macro_rules! numeric {
    ($($t:ty),*) => {$(
        impl Numeric for $t {
            #[inline]
            fn to_f64(&self) -> f64 {
                *self as f64
            }
        }
    )*};
}
numeric!(
    u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, f32, f64
);

/// Count, mean, variance, minimum and maximum of a set of numbers, like Spark's
/// `StatCounter`: updated one value at a time (Welford) and merged per partition (Chan), so
/// the result is numerically stable whatever the partitioning.
///
/// ```
/// use rddflow_engine::StatCounter;
///
/// let s = StatCounter::from_values([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]);
/// assert_eq!(s.count(), 8);
/// assert_eq!(s.mean(), 5.0);
/// assert_eq!(s.variance(), 4.0); // population
/// assert_eq!(s.stdev(), 2.0);
/// assert_eq!(s.sample_variance(), 32.0 / 7.0);
/// assert_eq!((s.min(), s.max()), (2.0, 9.0));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StatCounter {
    n: u64,
    mu: f64,
    /// Sum of squared differences from the mean.
    m2: f64,
    max: f64,
    min: f64,
}

impl Default for StatCounter {
    fn default() -> Self {
        StatCounter {
            n: 0,
            mu: 0.0,
            m2: 0.0,
            max: f64::NEG_INFINITY,
            min: f64::INFINITY,
        }
    }
}

impl StatCounter {
    /// An empty counter.
    pub fn new() -> Self {
        Self::default()
    }

    /// A counter of `values`.
    pub fn from_values(values: impl IntoIterator<Item = f64>) -> Self {
        let mut s = Self::new();
        values.into_iter().for_each(|v| s.add(v));
        s
    }

    /// Adds one value (Welford's update).
    pub fn add(&mut self, value: f64) {
        let delta = value - self.mu;
        self.n += 1;
        self.mu += delta / self.n as f64;
        self.m2 += delta * (value - self.mu);
        self.max = self.max.max(value);
        self.min = self.min.min(value);
    }

    /// Merges another counter into this one (Chan's parallel update, weighting the mean as
    /// Spark's `StatCounter.merge` does when one side is much larger).
    pub fn merge(&mut self, other: &StatCounter) {
        if other.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = *other;
            return;
        }
        let (n, m) = (self.n as f64, other.n as f64);
        let delta = other.mu - self.mu;
        self.mu = if m * 10.0 < n {
            self.mu + delta * m / (n + m)
        } else if n * 10.0 < m {
            other.mu - delta * n / (n + m)
        } else {
            (self.mu * n + other.mu * m) / (n + m)
        };
        self.m2 += other.m2 + delta * delta * n * m / (n + m);
        self.n += other.n;
        self.max = self.max.max(other.max);
        self.min = self.min.min(other.min);
    }

    /// Number of values.
    pub fn count(&self) -> u64 {
        self.n
    }

    /// Their sum (`count * mean`).
    pub fn sum(&self) -> f64 {
        self.n as f64 * self.mu
    }

    /// Their mean; NaN when there is none.
    pub fn mean(&self) -> f64 {
        if self.n == 0 { f64::NAN } else { self.mu }
    }

    /// Population variance (divided by `count`); NaN when there is no value.
    pub fn variance(&self) -> f64 {
        if self.n == 0 {
            f64::NAN
        } else {
            self.m2 / self.n as f64
        }
    }

    /// Sample variance (divided by `count - 1`); NaN for fewer than two values.
    pub fn sample_variance(&self) -> f64 {
        if self.n <= 1 {
            f64::NAN
        } else {
            self.m2 / (self.n - 1) as f64
        }
    }

    /// Population standard deviation.
    pub fn stdev(&self) -> f64 {
        self.variance().sqrt()
    }

    /// Sample standard deviation.
    pub fn sample_stdev(&self) -> f64 {
        self.sample_variance().sqrt()
    }

    /// The largest value; `-inf` when there is none.
    pub fn max(&self) -> f64 {
        self.max
    }

    /// The smallest value; `+inf` when there is none.
    pub fn min(&self) -> f64 {
        self.min
    }
}

/// The buckets of `histogram`: a count of evenly spaced buckets between the minimum and the
/// maximum (`5usize.into()`), or their bounds in increasing order (`vec![0.0, 10.0, 20.0]`),
/// `[b0, b1), [b1, b2), ..., [bk-1, bk]` (the last bucket closed), as Spark's
/// `DoubleRDDFunctions.histogram`.
#[derive(Clone, Debug, PartialEq)]
pub enum Buckets {
    /// This many evenly spaced buckets from the minimum to the maximum.
    Count(usize),
    /// These bounds.
    Bounds(Vec<f64>),
}

impl From<usize> for Buckets {
    fn from(n: usize) -> Self {
        Buckets::Count(n)
    }
}

impl From<Vec<f64>> for Buckets {
    fn from(b: Vec<f64>) -> Self {
        Buckets::Bounds(b)
    }
}

impl From<&[f64]> for Buckets {
    fn from(b: &[f64]) -> Self {
        Buckets::Bounds(b.to_vec())
    }
}

impl<const N: usize> From<[f64; N]> for Buckets {
    fn from(b: [f64; N]) -> Self {
        Buckets::Bounds(b.to_vec())
    }
}

/// Bounds of `count` even buckets from `min` to `max` (Spark's `customRange`: each bound
/// computed from `min`, not accumulated, and the last one exactly `max`); two equal bounds
/// when `min == max`.
pub(crate) fn even_bounds(min: f64, max: f64, count: usize) -> Result<Vec<f64>> {
    if count == 0 {
        return Err(Error::InvalidArgument(
            "histogram bucket count must be >= 1, got 0".into(),
        ));
    }
    if !min.is_finite() || !max.is_finite() {
        return Err(Error::InvalidArgument(
            "histogram of an empty RDD or of one holding an infinity or NaN".into(),
        ));
    }
    if min == max {
        return Ok(vec![min, min]);
    }
    let span = max - min;
    let mut b: Vec<f64> = (0..count)
        .map(|s| min + (s as f64 * span) / count as f64)
        .collect();
    b.push(max);
    Ok(b)
}

/// Checks given bounds: at least two, increasing, no NaN.
pub(crate) fn check_bounds(b: &[f64]) -> Result<()> {
    if b.len() < 2 {
        return Err(Error::InvalidArgument(
            "histogram buckets need at least two bounds".into(),
        ));
    }
    if b.iter().any(|x| x.is_nan()) || b.windows(2).any(|w| w[0] > w[1]) {
        return Err(Error::InvalidArgument(format!(
            "histogram bounds must be increasing and not NaN, got {b:?}"
        )));
    }
    Ok(())
}

/// The bucket of `e` among `bounds`, or `None` outside them (or NaN): `[b(i), b(i+1))`, the
/// last bucket closed. `even` takes Spark's constant-time path for evenly spaced bounds.
pub(crate) fn bucket_of(bounds: &[f64], even: bool, e: f64) -> Option<usize> {
    let buckets = bounds.len() - 1;
    let (min, max) = (bounds[0], bounds[buckets]);
    if e.is_nan() || e < min || e > max {
        return None;
    }
    if even && max > min {
        let i = ((e - min) / (max - min) * buckets as f64) as usize;
        return Some(i.min(buckets - 1));
    }
    // The number of bounds <= e, minus one: the bucket whose lower bound is the last of them.
    let below = bounds.partition_point(|b| *b <= e);
    Some((below - 1).min(buckets - 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs())) || (a.is_nan() && b.is_nan())
    }

    proptest! {
        /// Merging counters of any split equals the two-pass formulas over all values.
        #[test]
        fn merge_of_any_split_is_the_two_pass_statistics(
            v in proptest::collection::vec(-1e6f64..1e6, 0..200),
            cuts in proptest::collection::vec(0usize..200, 0..6),
        ) {
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(v.len())).collect();
            cuts.push(0);
            cuts.push(v.len());
            cuts.sort();
            let mut s = StatCounter::new();
            for w in cuts.windows(2) {
                s.merge(&StatCounter::from_values(v[w[0]..w[1]].iter().copied()));
            }
            let n = v.len() as f64;
            let mean = v.iter().sum::<f64>() / n;
            let ss: f64 = v.iter().map(|x| (x - mean) * (x - mean)).sum();
            prop_assert_eq!(s.count(), v.len() as u64);
            prop_assert!(close(s.mean(), mean));
            prop_assert!(close(s.variance(), ss / n) || (ss / n).abs() < 1e-3 && (s.variance() - ss / n).abs() < 1e-3);
            if v.len() > 1 {
                prop_assert!((s.sample_variance() - ss / (n - 1.0)).abs() <= 1e-6 * (1.0 + ss / (n - 1.0)));
            } else {
                prop_assert!(s.sample_variance().is_nan());
            }
            let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let min = v.iter().copied().fold(f64::INFINITY, f64::min);
            prop_assert_eq!((s.max(), s.min()), (max, min));
        }

        /// Both bucket functions agree with a linear scan of half-open buckets, last closed.
        #[test]
        fn bucket_of_is_the_linear_scan(e in -20f64..120.0, k in 1usize..12) {
            let b = even_bounds(0.0, 100.0, k).unwrap();
            let scan = (0..k).find(|&i| b[i] <= e && (e < b[i + 1] || (i == k - 1 && e <= b[k])));
            prop_assert_eq!(bucket_of(&b, false, e), scan);
            prop_assert_eq!(bucket_of(&b, true, e), scan);
        }
    }

    #[test]
    fn stable_on_large_offsets() {
        // The naive sum-of-squares formula loses every digit here.
        let v = [1e9 + 4.0, 1e9 + 7.0, 1e9 + 13.0, 1e9 + 16.0];
        let mut s = StatCounter::from_values(v[..2].iter().copied());
        s.merge(&StatCounter::from_values(v[2..].iter().copied()));
        assert_eq!(s.variance(), 22.5);
    }

    #[test]
    fn bad_buckets_are_refused() {
        assert!(even_bounds(0.0, 1.0, 0).is_err());
        assert!(even_bounds(f64::INFINITY, f64::NEG_INFINITY, 3).is_err());
        assert!(check_bounds(&[1.0]).is_err());
        assert!(check_bounds(&[2.0, 1.0]).is_err());
        assert_eq!(even_bounds(3.0, 3.0, 4).unwrap(), vec![3.0, 3.0]);
        assert_eq!(bucket_of(&[3.0, 3.0], true, 3.0), Some(0));
    }
}
