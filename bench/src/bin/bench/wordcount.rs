//! `wordcount` and `wordcount_ckpt`: word frequencies of the generated corpus (words separated
//! by single spaces), counted with `reduce_by_key`; the second variant checkpoints the
//! `(word, 1)` pairs during the same job.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use rddflow::prelude::*;
use rustc_hash::FxHashMap;

rddflow::pipeline! {
    /// Word count as the README shows it first: lines and words as `Text`, which share the
    /// read buffer (lines) or are inline (words of up to 23 bytes), so neither allocates.
    pub struct WordCount(path: PathBuf, parts: usize) {
        lines: Text = text_file(path, parts);
        words: Text = lines.flat_map(|l| l.split_whitespace());
        pairs: (Text, u64) = words.map(|w| (w, 1));
        counts: (Text, u64) = pairs.reduce_by_key(|a, b| a + b, parts);
    }

    /// The same with `String` records, as the specification's first example: a `String` per
    /// line, a `Vec` and a `String` per word.
    pub struct WordCountString(path: PathBuf, parts: usize) {
        lines: String = text_file(path, parts);
        words: String = lines.flat_map(|l| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>());
        pairs: (String, u64) = words.map(|w| (w, 1));
        counts: (String, u64) = pairs.reduce_by_key(|a, b| a + b, parts);
    }

    /// The same with the pairs checkpointed: written by the job that computes the counts.
    pub struct WordCountCkpt(path: PathBuf, parts: usize) {
        lines: Text = text_file(path, parts);
        words: Text = lines.flat_map(|l| l.split_whitespace());
        #[checkpoint]
        pairs: (Text, u64) = words.map(|w| (w, 1));
        counts: (Text, u64) = pairs.reduce_by_key(|a, b| a + b, parts);
    }

    /// The same with the pairs both checkpointed and cached: what a user writes to keep them
    /// for later jobs and to truncate the lineage.
    pub struct WordCountCacheCkpt(path: PathBuf, parts: usize) {
        lines: Text = text_file(path, parts);
        words: Text = lines.flat_map(|l| l.split_whitespace());
        #[checkpoint]
        #[cache]
        pairs: (Text, u64) = words.map(|w| (w, 1));
        counts: (Text, u64) = pairs.reduce_by_key(|a, b| a + b, parts);
    }
}

/// The counts with `String` keys, as the baselines give them (for comparisons, untimed).
pub fn owned(counts: &HashMap<Text, u64>) -> HashMap<String, u64> {
    counts.iter().map(|(w, c)| (w.to_string(), *c)).collect()
}

/// rddflow with `String` records (the older form of the pipeline).
pub fn rddflow_string(
    ctx: &Context,
    path: &Path,
    parts: usize,
) -> rddflow::Result<HashMap<String, u64>> {
    WordCountString::new(ctx, path.to_owned(), parts)?
        .counts
        .collect_map()
}

/// rddflow without checkpoint.
pub fn rddflow(ctx: &Context, path: &Path, parts: usize) -> rddflow::Result<HashMap<Text, u64>> {
    WordCount::new(ctx, path.to_owned(), parts)?
        .counts
        .collect_map()
}

/// rddflow with the pairs checkpointed; returns the counts and the checkpoint's directory.
pub fn rddflow_ckpt(
    ctx: &Context,
    path: &Path,
    parts: usize,
) -> rddflow::Result<(HashMap<Text, u64>, PathBuf)> {
    let wc = WordCountCkpt::new(ctx, path.to_owned(), parts)?;
    let counts = wc.counts.collect_map()?;
    let dir = wc
        .pairs
        .checkpoint_file()
        .expect("the job that computed the counts checkpointed the pairs");
    Ok((counts, dir))
}

/// rddflow with the pairs cached and checkpointed; returns the counts and the checkpoint's
/// directory.
pub fn rddflow_cache_ckpt(
    ctx: &Context,
    path: &Path,
    parts: usize,
) -> rddflow::Result<(HashMap<Text, u64>, PathBuf)> {
    let wc = WordCountCacheCkpt::new(ctx, path.to_owned(), parts)?;
    let counts = wc.counts.collect_map()?;
    let dir = wc
        .pairs
        .checkpoint_file()
        .expect("the job that computed the counts checkpointed the pairs");
    Ok((counts, dir))
}

/// Hand-written rayon: read the file, split its lines into 4 chunks per thread, count each
/// chunk into an `FxHashMap<String, u64>`, merge the maps. An owned `String` per word, as the
/// pipeline makes (see `rayon_borrowed` for the variant that borrows the text).
pub fn rayon(path: &Path) -> std::io::Result<FxHashMap<String, u64>> {
    let text = std::fs::read_to_string(path)?;
    Ok(count_words(&text, str::to_owned))
}

/// Hand-written rayon with `&str` keys borrowed from the text: one `String` per distinct word
/// and chunk instead of one per word. What a careful hand-written program would do; the
/// pipeline cannot, because its records outlive the line they come from.
pub fn rayon_borrowed(path: &Path) -> std::io::Result<FxHashMap<String, u64>> {
    let text = std::fs::read_to_string(path)?;
    let counts = count_words(&text, |w| w);
    Ok(counts.into_iter().map(|(w, c)| (w.to_owned(), c)).collect())
}

/// The words of `text` counted by `key(word)`: its lines in 4 chunks per thread, each chunk
/// counted into its own map, the maps merged.
fn count_words<'a, K: std::hash::Hash + Eq + Send>(
    text: &'a str,
    key: impl Fn(&'a str) -> K + Sync,
) -> FxHashMap<K, u64> {
    let lines: Vec<&str> = text.lines().collect();
    let chunk = lines
        .len()
        .div_ceil(4 * rayon::current_num_threads())
        .max(1);
    lines
        .par_chunks(chunk)
        .fold(FxHashMap::default, |mut m, chunk| {
            for line in chunk {
                for w in line.split_whitespace() {
                    *m.entry(key(w)).or_insert(0) += 1;
                }
            }
            m
        })
        .reduce(FxHashMap::default, merge)
}

fn merge<K: std::hash::Hash + Eq>(
    mut a: FxHashMap<K, u64>,
    mut b: FxHashMap<K, u64>,
) -> FxHashMap<K, u64> {
    if a.len() < b.len() {
        std::mem::swap(&mut a, &mut b);
    }
    for (w, c) in b {
        *a.entry(w).or_insert(0) += c;
    }
    a
}
