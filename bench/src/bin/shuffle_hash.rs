//! Which hash function the shuffle should use: the shuffle's hash work, done with each
//! candidate on the benchmark's own data, single-threaded (stable timings), medians printed.
//!
//! ```sh
//! cargo run --profile bench-release -p rddflow-bench --bin bench -- --write-data  # the inputs, once
//! cargo run --profile bench-release -p rddflow-bench --bin shuffle_hash  # [--size full|small|smoke] [--reps N]
//! ```
//!
//! `--only NAME` runs one hasher (a prefix of its label, e.g. `fx`, `foldhash`, `ahash`), for
//! counting its instructions alone (`valgrind --tool=callgrind --toggle-collect='shuffle_hash::run*'`).
//!
//! The work is the shuffle's, as `reduce_by_key` does it: the map side combines each map
//! partition's records in a hash table (one hash per record), then buckets the table's keys by
//! output partition (multiply-shift of the same hash); the reduce side merges each output
//! partition's buckets in a hash table. Two key types: the words of the wordcount corpus
//! (`String`, moved into the table as the shuffle receives them) and the destination pages of
//! the pagerank edges (`u64` with an `f64` contribution, as each pagerank iteration shuffles).
//! Each is run with 4 partitions (the benchmark's) and 64, where the partition's bits of the
//! hash and the table's bits may overlap.

#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[allow(dead_code)]
#[path = "bench/data.rs"]
mod data;
#[allow(dead_code)]
#[path = "bench/sizes.rs"]
mod sizes;

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hash};
use std::hint::black_box;
use std::time::{Duration, Instant};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// Map partitions (and output partitions) of the two runs of each workload.
const PARTITIONS: [usize; 2] = [4, 64];

fn main() -> Res<()> {
    let mut args = std::env::args().skip(1);
    let (mut size, mut reps, mut only) = ("full".to_string(), 7usize, String::new());
    while let Some(a) = args.next() {
        match a.as_str() {
            "--size" => size = args.next().ok_or("--size needs a value")?,
            "--reps" => reps = args.next().ok_or("--reps needs a value")?.parse()?,
            "--only" => only = args.next().ok_or("--only needs a value")?.to_lowercase(),
            other => return Err(format!("unknown argument {other:?}").into()),
        }
    }
    let s = sizes::Sizes::preset(&size).ok_or("unknown size")?;
    let dir = data::workspace_target().join("bench-data").join(s.name);
    let inputs = data::Inputs::at(&dir);
    inputs.ensure(&s)?;
    let text = std::fs::read_to_string(&inputs.corpus)?;
    let lines: Vec<&str> = text.lines().collect();
    let edges = std::fs::read_to_string(&inputs.edges)?;
    let pages: Vec<u64> = edges
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1)?.parse().ok())
        .collect();
    println!(
        "size {}: {} words, {} edges; single thread, median of {reps} interleaved runs; \
         load average {}",
        s.name,
        lines
            .iter()
            .map(|l| l.split_whitespace().count())
            .sum::<usize>(),
        pages.len(),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    for parts in PARTITIONS {
        let words = |p: usize| -> Vec<String> {
            let n = lines.len().div_ceil(parts);
            lines
                .iter()
                .skip(p * n)
                .take(n)
                .flat_map(|l| l.split_whitespace().map(str::to_owned))
                .collect()
        };
        let contribs = |p: usize| -> Vec<(u64, f64)> {
            let n = pages.len().div_ceil(parts);
            pages
                .iter()
                .skip(p * n)
                .take(n)
                .map(|&d| (d, 0.5))
                .collect()
        };
        println!("\n{parts} partitions");
        compare(
            "wordcount words (String)",
            reps,
            parts,
            &only,
            words,
            |a, b| a + b,
            1u64,
        );
        compare(
            "pagerank pages (u64)",
            reps,
            parts,
            &only,
            contribs,
            |a, b| a + b,
            (),
        );
    }
    Ok(())
}

/// Times the shuffle of the records `input(p)` of each map partition `p` with every hasher,
/// runs interleaved, and prints the medians. `one` marks records that are bare keys counted
/// as `(key, one)`; `()` marks records that are already pairs.
fn compare<R, K, V>(
    name: &str,
    reps: usize,
    parts: usize,
    only: &str,
    input: impl Fn(usize) -> Vec<R>,
    merge: fn(V, V) -> V,
    one: impl IntoPair<R, K, V>,
) where
    K: Hash + Eq + Clone,
    V: Copy + PartialEq + std::fmt::Debug,
{
    let hashers: Vec<(&str, Runner<R, K, V>)> = vec![
        (
            "FxHash (rustc-hash 2)",
            run::<_, _, _, rustc_hash::FxBuildHasher>,
        ),
        ("foldhash fast", run::<_, _, _, foldhash::fast::FixedState>),
        (
            "foldhash quality",
            run::<_, _, _, foldhash::quality::FixedState>,
        ),
        ("ahash", run::<_, _, _, AHash>),
        (
            "xxh3",
            run::<_, _, _, xxhash_rust::xxh3::Xxh3DefaultBuilder>,
        ),
        (
            "SipHash-1-3 (std)",
            run::<_, _, _, BuildHasherDefault<std::hash::DefaultHasher>>,
        ),
    ];
    let hashers: Vec<_> = hashers
        .into_iter()
        .filter(|(label, _)| label.to_lowercase().starts_with(only))
        .collect();
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); hashers.len()];
    let mut sums = vec![None; hashers.len()];
    for _ in 0..reps + 1 {
        for (i, (_, f)) in hashers.iter().enumerate() {
            // The input is made outside the timed region: every hasher gets the same records.
            let records: Vec<Vec<R>> = (0..parts).map(&input).collect();
            let (t, check) = f(records, parts, merge, &one);
            times[i].push(t);
            sums[i] = Some(check);
        }
    }
    assert!(
        sums.windows(2).all(|w| w[0] == w[1]),
        "{name}: the hashers disagree: {sums:?}"
    );
    println!("  {name}:");
    let base = median(&mut times[0].clone()[1..].to_vec());
    for (i, (label, _)) in hashers.iter().enumerate() {
        let m = median(&mut times[i][1..].to_vec());
        let list: Vec<String> = times[i][1..]
            .iter()
            .map(|t| format!("{:.1}", t.as_secs_f64() * 1e3))
            .collect();
        println!(
            "    {label:<22} median {:>7.1} ms  ({:.2}x {})  [{}]",
            m.as_secs_f64() * 1e3,
            m.as_secs_f64() / base.as_secs_f64(),
            hashers[0].0,
            list.join(", ")
        );
    }
}

fn median(t: &mut [Duration]) -> Duration {
    t.sort();
    t[t.len() / 2]
}

/// ahash with fixed seeds: a shuffle's hash must be the same in every process.
#[derive(Clone, Default)]
struct AHash;

impl BuildHasher for AHash {
    type Hasher = ahash::AHasher;
    fn build_hasher(&self) -> ahash::AHasher {
        ahash::RandomState::with_seeds(1, 2, 3, 4).build_hasher()
    }
}

/// How a record becomes a `(key, value)` pair.
trait IntoPair<R, K, V> {
    fn pair(&self, r: R) -> (K, V);
}

impl IntoPair<String, String, u64> for u64 {
    fn pair(&self, r: String) -> (String, u64) {
        (r, *self)
    }
}

impl IntoPair<(u64, f64), u64, f64> for () {
    fn pair(&self, r: (u64, f64)) -> (u64, f64) {
        r
    }
}

type Runner<R, K, V> =
    fn(Vec<Vec<R>>, usize, fn(V, V) -> V, &dyn IntoPair<R, K, V>) -> (Duration, V);

/// One shuffle with hasher `S`; returns its time and the sum of the reduced values (checked
/// equal across hashers).
fn run<R, K, V, S>(
    records: Vec<Vec<R>>,
    parts: usize,
    merge: fn(V, V) -> V,
    pair: &dyn IntoPair<R, K, V>,
) -> (Duration, V)
where
    K: Hash + Eq + Clone,
    V: Copy,
    S: BuildHasher + Default,
{
    let t = Instant::now();
    let s = S::default();
    let partition = |k: &K| ((s.hash_one(k) as u128 * parts as u128) >> 64) as usize;
    // Map side: combine, then bucket by output partition.
    let outputs: Vec<Vec<Vec<(K, V)>>> = records
        .into_iter()
        .map(|rs| {
            let mut table: HashMap<K, V, S> = HashMap::with_hasher(S::default());
            for r in rs {
                let (k, v) = pair.pair(r);
                table
                    .entry(k)
                    .and_modify(|c| *c = merge(*c, v))
                    .or_insert(v);
            }
            let mut buckets: Vec<Vec<(K, V)>> = (0..parts).map(|_| Vec::new()).collect();
            for (k, c) in table {
                buckets[partition(&k)].push((k, c));
            }
            buckets
        })
        .collect();
    // Reduce side: each output partition merges its bucket of every map output (cloned, as
    // the shuffle keeps map outputs for later jobs).
    let mut total: Option<V> = None;
    for p in 0..parts {
        let mut table: HashMap<K, V, S> = HashMap::with_hasher(S::default());
        for o in &outputs {
            for (k, c) in &o[p] {
                table
                    .entry(k.clone())
                    .and_modify(|x| *x = merge(*x, *c))
                    .or_insert(*c);
            }
        }
        for &c in table.values() {
            total = Some(total.map_or(c, |t| merge(t, c)));
        }
        black_box(table);
    }
    let t = t.elapsed();
    drop(black_box(outputs));
    (t, total.expect("records"))
}
