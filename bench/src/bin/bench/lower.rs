//! The lower bounds the targets are judged against: what a careful hand-written program does,
//! with none of the allocations a record-at-a-time engine makes.
//!
//! - wordcount: the input read in 8 MiB line-aligned splits, each word borrowed from the read
//!   buffer, counted in one hash map per rayon worker keyed by the word (an owned key
//!   allocated only the first time that worker sees the word), the maps merged.
//! - PageRank: an in-edge CSR built once, ranks pulled along it each iteration.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::data::parse_pair;

/// Bytes per wordcount split.
const SPLIT: u64 = 8 << 20;

/// The lines that start in `[start, end)` of `file` (`len` bytes long), whole: a line that
/// starts before `start` belongs to the previous split, a line that starts before `end` is read
/// past it up to its newline (Hadoop's line-aligned splits).
fn read_split(file: &File, len: u64, start: u64, end: u64) -> std::io::Result<Vec<u8>> {
    // Read one byte before the split to see whether a line starts at `start`.
    let from = start.saturating_sub(1);
    let mut buf = vec![0; (end - from) as usize];
    file.read_exact_at(&mut buf, from)?;
    let mut pos = end;
    // Extend to the end of the last line.
    while buf.last().is_some_and(|&b| b != b'\n') && pos < len {
        let mut more = vec![0; (64 << 10).min(len - pos) as usize];
        file.read_exact_at(&mut more, pos)?;
        pos += more.len() as u64;
        match more.iter().position(|&b| b == b'\n') {
            Some(i) => {
                buf.extend_from_slice(&more[..=i]);
                break;
            }
            None => buf.extend_from_slice(&more),
        }
    }
    let skip = if start == 0 {
        0
    } else {
        // Skip the tail of the line that started in the previous split (the byte before
        // `start` is included, so a newline there means no skipping beyond it).
        buf.iter()
            .position(|&b| b == b'\n')
            .map_or(buf.len(), |i| i + 1)
    };
    buf.drain(..skip);
    Ok(buf)
}

/// Word counts of the corpus at `path`: see the module documentation.
pub fn wordcount(path: &Path) -> std::io::Result<FxHashMap<String, u64>> {
    let file = File::open(path)?;
    let len = file.metadata()?.len();
    let splits: Vec<(u64, u64)> = (0..len.div_ceil(SPLIT))
        .map(|i| (i * SPLIT, ((i + 1) * SPLIT).min(len)))
        .collect();
    splits
        .par_iter()
        .with_max_len(1)
        .try_fold(
            FxHashMap::<String, u64>::default,
            |mut counts, &(start, end)| {
                let buf = read_split(&file, len, start, end)?;
                let text = std::str::from_utf8(&buf).map_err(std::io::Error::other)?;
                for w in text.split_ascii_whitespace() {
                    match counts.get_mut(w) {
                        Some(c) => *c += 1,
                        None => {
                            counts.insert(w.to_owned(), 1);
                        }
                    }
                }
                Ok(counts)
            },
        )
        .try_reduce(FxHashMap::default, |a, b| Ok(merge(a, b)))
}

fn merge(mut a: FxHashMap<String, u64>, mut b: FxHashMap<String, u64>) -> FxHashMap<String, u64> {
    if a.len() < b.len() {
        std::mem::swap(&mut a, &mut b);
    }
    for (w, c) in b {
        *a.entry(w).or_insert(0) += c;
    }
    a
}

/// Spark's `SparkPageRank` (see `pagerank.rs`) over an in-edge CSR: page ids renumbered
/// densely, the edges sorted by target once, then each iteration every page pulls
/// `rank / out_degree` from its in-neighbours that still have a rank. A page keeps a rank
/// while some in-neighbour of it had one (pages without in-links drop out, as in Spark).
pub fn pagerank(path: &Path, iters: usize) -> std::io::Result<FxHashMap<u64, f64>> {
    let text = std::fs::read_to_string(path)?;
    let lines: Vec<&str> = text.lines().collect();
    let edges: Vec<(u64, u64)> = lines.par_iter().filter_map(|l| parse_pair(l)).collect();
    drop(lines);
    drop(text);
    // Dense ids: the sorted distinct page ids.
    let mut ids: Vec<u64> = edges.par_iter().flat_map_iter(|&(s, d)| [s, d]).collect();
    ids.par_sort_unstable();
    ids.dedup();
    let n = ids.len();
    let index = |id: u64| ids.binary_search(&id).expect("an id of an edge") as u32;
    let mut dense: Vec<(u32, u32)> = edges
        .par_iter()
        .map(|&(s, d)| (index(d), index(s)))
        .collect();
    drop(edges);
    dense.par_sort_unstable();
    let mut out_degree = vec![0u32; n];
    let mut offsets = vec![0usize; n + 1];
    for &(d, s) in &dense {
        out_degree[s as usize] += 1;
        offsets[d as usize + 1] += 1;
    }
    for i in 0..n {
        offsets[i + 1] += offsets[i];
    }
    let sources: Vec<u32> = dense.into_iter().map(|(_, s)| s).collect();
    // `NaN` marks a page without a rank; pages with out-links start at 1.
    let mut rank: Vec<f64> = out_degree
        .iter()
        .map(|&d| if d > 0 { 1.0 } else { f64::NAN })
        .collect();
    let mut share = vec![0.0f64; n];
    for _ in 0..iters {
        share.par_iter_mut().enumerate().for_each(|(u, s)| {
            *s = rank[u] / f64::from(out_degree[u].max(1));
        });
        rank.par_iter_mut().enumerate().for_each(|(v, r)| {
            let (mut sum, mut any) = (0.0, false);
            for &u in &sources[offsets[v]..offsets[v + 1]] {
                let s = share[u as usize];
                if !s.is_nan() {
                    sum += s;
                    any = true;
                }
            }
            *r = if any { 0.15 + 0.85 * sum } else { f64::NAN };
        });
    }
    Ok(rank
        .iter()
        .zip(&ids)
        .filter(|(r, _)| !r.is_nan())
        .map(|(&r, &id)| (id, r))
        .collect())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::io::Write;

    /// Splits at every offset give back every line exactly once.
    #[test]
    fn splits_cover_every_line_once() {
        let text = b"ab c\n\nd ef\ngh\nlast line without newline";
        let path = std::env::temp_dir().join(format!("lower-split-{}", std::process::id()));
        std::fs::File::create(&path)
            .unwrap()
            .write_all(text)
            .unwrap();
        let file = std::fs::File::open(&path).unwrap();
        let len = text.len() as u64;
        for cut in 1..len {
            let a = super::read_split(&file, len, 0, cut).unwrap();
            let b = super::read_split(&file, len, cut, len).unwrap();
            assert_eq!([a, b].concat(), text, "cut at {cut}");
        }
        std::fs::remove_file(&path).unwrap();
    }

    /// The CSR PageRank equals a direct transcription of Spark's `SparkPageRank` with maps.
    #[test]
    fn pagerank_equals_the_map_version() {
        let edges = [
            (1u64, 2u64),
            (1, 3),
            (2, 3),
            (3, 1),
            (4, 1),
            (4, 4),
            (1, 2),
            (7, 3),
        ];
        let path = std::env::temp_dir().join(format!("lower-pr-{}", std::process::id()));
        let mut f = std::fs::File::create(&path).unwrap();
        for (s, d) in edges {
            writeln!(f, "{s} {d}").unwrap();
        }
        drop(f);
        let mut links: HashMap<u64, Vec<u64>> = HashMap::new();
        for (s, d) in edges {
            links.entry(s).or_default().push(d);
        }
        let mut ranks: HashMap<u64, f64> = links.keys().map(|&k| (k, 1.0)).collect();
        for _ in 0..5 {
            let mut sums: HashMap<u64, f64> = HashMap::new();
            for (s, ds) in &links {
                if let Some(r) = ranks.get(s) {
                    for d in ds {
                        *sums.entry(*d).or_default() += r / ds.len() as f64;
                    }
                }
            }
            ranks = sums
                .into_iter()
                .map(|(k, s)| (k, 0.15 + 0.85 * s))
                .collect();
        }
        let got = super::pagerank(&path, 5).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(got.len(), ranks.len());
        for (k, r) in &ranks {
            assert!((got[k] - r).abs() < 1e-12, "page {k}: {} vs {r}", got[k]);
        }
    }
}
