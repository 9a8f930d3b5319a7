//! Map-side combining decides per map partition whether it pays: when more than half of the
//! keys among a partition's first 16384 records are distinct, the partition is shuffled
//! without combining; otherwise, or when a partition is smaller, it is combined. Either way the
//! results are those of combining.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rddflow::listener::{Event, Listener, StageKind};
use rddflow::prelude::*;

/// Records per map partition: more than the 16384 the decision looks at.
const PER_PART: u64 = 40_000;
const PARTS: u64 = 4;

/// Keeps the shuffle records written by each map stage's tasks.
#[derive(Default)]
struct Written(Mutex<Vec<u64>>);

impl Listener for Written {
    fn on_event(&self, event: &Event) {
        if let Event::TaskEnd(t) = event
            && t.kind == StageKind::ShuffleMap
        {
            self.0
                .lock()
                .unwrap()
                .push(t.metrics.shuffle_records_written);
        }
    }
}

impl Written {
    /// Records written by the map tasks since the last call.
    fn take(&self) -> u64 {
        std::mem::take(&mut *self.0.lock().unwrap()).iter().sum()
    }
}

rddflow::pipeline! {
    /// `keys` distinct keys, each record of `x` with key `x % keys` (in each partition the keys
    /// come round in order, so a key recurs only after `keys` others) and value `x`.
    struct Sums(n: u64, keys: u64) {
        nums: u64 = range(0..n, 4);
        pairs: (u64, u64) = nums.map(move |x| (x % keys, x));
        sums: (u64, u64) = pairs.reduce_by_key(|a, b| a + b, 4);
        folded: (u64, u64) = pairs.fold_by_key(0, |a, b| a + b, 4);
        stats: (u64, (u64, u64)) = pairs.aggregate_by_key((0, 0), |(s, c), v| (s + v, c + 1), |(s1, c1), (s2, c2)| (s1 + s2, c1 + c2), 4);
        lists: (u64, Vec<u64>) = pairs.combine_by_key(|v| vec![v], |mut c, v| { c.push(v); c }, |mut a, mut b| { a.append(&mut b); a }, 4);
        ids: u64 = pairs.map(|(k, _)| k);
        unique: u64 = ids.distinct(4);
    }
}

fn context() -> (Context, Arc<Written>) {
    let written = Arc::new(Written::default());
    let ctx = Context::builder()
        .threads(2)
        .listener(written.clone())
        .build()
        .unwrap();
    (ctx, written)
}

/// Sum and count of the values of each key, computed directly.
fn expected(n: u64, keys: u64) -> HashMap<u64, (u64, u64)> {
    let mut m: HashMap<u64, (u64, u64)> = HashMap::new();
    for x in 0..n {
        let e = m.entry(x % keys).or_default();
        e.0 += x;
        e.1 += 1;
    }
    m
}

#[test]
fn mostly_distinct_keys_are_shuffled_uncombined_with_the_same_results() {
    let n = PARTS * PER_PART;
    // 30000 keys: each partition's first 16384 records have 16384 distinct keys, but every
    // key recurs later in the partition, so the reduce side must merge values of one key
    // from one map partition.
    let keys = 30_000;
    let (ctx, written) = context();
    let p = Sums::new(&ctx, n, keys).unwrap();
    let want = expected(n, keys);

    let sums = p.sums.collect_map().unwrap();
    assert_eq!(written.take(), n, "every record shuffled as it is");
    assert_eq!(sums.len(), want.len());
    assert!(want.iter().all(|(k, (s, _))| sums[k] == *s));

    let folded = p.folded.collect_map().unwrap();
    assert_eq!(written.take(), n);
    assert!(want.iter().all(|(k, (s, _))| folded[k] == *s));

    let stats = p.stats.collect_map().unwrap();
    assert_eq!(written.take(), n);
    assert_eq!(stats.len(), want.len());
    assert!(want.iter().all(|(k, sc)| stats[k] == *sc));

    let lists = p.lists.collect_map().unwrap();
    assert_eq!(written.take(), n);
    for (k, (s, c)) in &want {
        let l = &lists[k];
        assert_eq!((l.iter().sum::<u64>(), l.len() as u64), (*s, *c), "key {k}");
    }

    let mut unique = p.unique.collect().unwrap();
    assert_eq!(written.take(), n);
    unique.sort_unstable();
    assert_eq!(unique, (0..keys).collect::<Vec<_>>());
}

#[test]
fn repeated_keys_are_combined_on_the_map_side() {
    let n = PARTS * PER_PART;
    let keys = 1_000;
    let (ctx, written) = context();
    let p = Sums::new(&ctx, n, keys).unwrap();
    let want = expected(n, keys);
    let sums = p.sums.collect_map().unwrap();
    // One combined record per key and map partition.
    assert_eq!(written.take(), PARTS * keys);
    assert!(want.iter().all(|(k, (s, _))| sums[k] == *s));
    let mut unique = p.unique.collect().unwrap();
    assert_eq!(written.take(), PARTS * keys);
    unique.sort_unstable();
    assert_eq!(unique, (0..keys).collect::<Vec<_>>());
}

#[test]
fn small_partitions_are_combined_even_with_mostly_distinct_keys() {
    // 4 partitions of 4000 records, fewer than the sample, each with 3000 distinct keys (more
    // than half): combined, as before.
    let n = 16_000;
    let keys = 3_000;
    let (ctx, written) = context();
    let p = Sums::new(&ctx, n, keys).unwrap();
    let sums = p.sums.collect_map().unwrap();
    let distinct_per_part: u64 = (0..PARTS)
        .map(|i| {
            let part = (i * n / PARTS)..((i + 1) * n / PARTS);
            let mut ks: Vec<u64> = part.map(|x| x % keys).collect();
            ks.sort_unstable();
            ks.dedup();
            ks.len() as u64
        })
        .sum();
    assert_eq!(distinct_per_part, PARTS * keys);
    assert_eq!(written.take(), distinct_per_part);
    let want = expected(n, keys);
    assert!(want.iter().all(|(k, (s, _))| sums[k] == *s));
}
