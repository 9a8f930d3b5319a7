//! `count_approx_distinct(relative_sd)`: one HyperLogLog++ sketch per partition, merged.

use hyperloglogplus::{HyperLogLog, HyperLogLogPlus};
use xxhash_rust::xxh3::Xxh3Builder;

use crate::actions::Handle;
use crate::actions::{MERGING, label, per_partition};
use crate::data::Key;
use crate::error::{Error, Result};
use crate::task::on_caller;

/// The sketch's precision range (the crate's).
const MIN_P: u8 = 4;
const MAX_P: u8 = 18;

/// Spark's precision for a relative standard deviation: `ceil(2 log2(1.054 / sd))`.
pub(crate) fn precision(relative_sd: f64) -> Result<u8> {
    let p = (2.0 * (1.054 / relative_sd).log2()).ceil();
    // Also refuses NaN and sd <= 0 (an infinite or NaN p).
    if !(relative_sd > 0.0 && p <= f64::from(MAX_P)) {
        let finest = 1.054 / 2f64.powf(f64::from(MAX_P) / 2.0);
        return Err(Error::InvalidArgument(format!(
            "count_approx_distinct: relative_sd must be at least {finest:.5}, got {relative_sd}"
        )));
    }
    Ok((p as u8).max(MIN_P))
}

pub(crate) fn count_approx_distinct<D>(d: &D, relative_sd: f64) -> Result<u64>
where
    D: Handle,
    D::Item: Key,
{
    let p = precision(relative_sd)?;
    let sketch = || {
        HyperLogLogPlus::<D::Item, Xxh3Builder>::new(p, Xxh3Builder::new())
            .map_err(|e| Error::Internal(format!("HyperLogLog precision {p}: {e:?}")))
    };
    let parts = per_partition(d, |cx, part| {
        let mut h = sketch()?;
        d.iter_partition(cx, part).for_each(|x| h.insert(&x));
        Ok(h)
    })?;
    let mut all = sketch()?;
    on_caller(label(d), MERGING, || {
        for h in &parts {
            all.merge(h)
                .map_err(|e| Error::Internal(format!("HyperLogLog merge: {e:?}")))?;
        }
        Ok(all.count().round() as u64)
    })?
}

#[cfg(test)]
mod tests {
    use super::precision;

    #[test]
    fn precision_follows_spark() {
        // Spark's default 0.05 gives p = 9.
        assert_eq!(precision(0.05).unwrap(), 9);
        assert_eq!(precision(0.5).unwrap(), 4);
        assert!(precision(0.0).is_err());
        assert!(precision(-1.0).is_err());
        assert!(precision(f64::NAN).is_err());
        assert!(precision(0.001).is_err());
    }
}
