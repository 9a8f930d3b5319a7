//! Deterministic inputs: generated from a seed, written to files that every side reads (the
//! rddflow pipelines, the hand-written rayon programs and the Spark programs under
//! `bench/spark/`), and regenerated only when missing.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;

use crate::sizes::Sizes;

/// The workspace's `target/` directory: inputs and scratch checkpoints go there, where
/// `bench/spark/run.sh` looks for them (this crate's manifest is one level below the root).
pub fn workspace_target() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target")
}

/// Seed of every generator.
pub const SEED: u64 = 0x5eed_2026;
/// Distinct words of the corpus vocabulary.
const VOCABULARY: usize = 50_000;
/// Zipf exponent of word frequencies (natural-language text is close to 1).
const ZIPF_S: f64 = 1.0;
/// Words per line: uniform in `1..=MAX_WORDS`.
const MAX_WORDS: u64 = 12;

/// Where the inputs of one size live.
pub struct Inputs {
    /// The word-count corpus, one file.
    pub corpus: PathBuf,
    /// PageRank edges, `src dst` per line.
    pub edges: PathBuf,
    /// Join inputs, `key value` per line.
    pub join_left: PathBuf,
    /// See `join_left`.
    pub join_right: PathBuf,
}

impl Inputs {
    /// The input paths under `dir`.
    pub fn at(dir: &Path) -> Inputs {
        Inputs {
            corpus: dir.join("corpus.txt"),
            edges: dir.join("edges.txt"),
            join_left: dir.join("join_left.txt"),
            join_right: dir.join("join_right.txt"),
        }
    }

    /// Writes every missing input file (each written under a temporary name, then renamed, so
    /// an interrupted run never leaves a partial input behind).
    pub fn ensure(&self, s: &Sizes) -> std::io::Result<()> {
        write_if_missing(&self.corpus, |w| write_corpus(w, s.wc_lines))?;
        write_if_missing(&self.edges, |w| write_edges(w, s.pr_nodes, s.pr_edges))?;
        let (left, right) = join_data(s);
        write_if_missing(&self.join_left, |w| write_pairs(w, &left))?;
        write_if_missing(&self.join_right, |w| write_pairs(w, &right))?;
        Ok(())
    }
}

fn write_if_missing(
    path: &Path,
    body: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    if path.exists() {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("partial");
    let mut w = BufWriter::with_capacity(1 << 20, File::create(&tmp)?);
    body(&mut w)?;
    w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    std::fs::rename(&tmp, path)
}

/// Word `i` of the vocabulary: its index in base 26, as lowercase letters (`a`, `b`, ... `ba`).
fn word(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'a' + (i % 26) as u8);
        i /= 26;
        if i == 0 {
            break;
        }
    }
    s.reverse();
    String::from_utf8(s).expect("ASCII")
}

/// `lines` lines of 1 to `MAX_WORDS` words, each drawn from a Zipf(`ZIPF_S`) distribution
/// over the vocabulary by inverting its cumulative distribution.
fn write_corpus(w: &mut dyn Write, lines: u64) -> std::io::Result<()> {
    let words: Vec<String> = (0..VOCABULARY).map(word).collect();
    let mut cdf = Vec::with_capacity(VOCABULARY);
    let mut acc = 0.0;
    for rank in 1..=VOCABULARY {
        acc += 1.0 / (rank as f64).powf(ZIPF_S);
        cdf.push(acc);
    }
    let mut rng = Pcg64Mcg::seed_from_u64(SEED);
    for _ in 0..lines {
        let n = rng.random_range(1..=MAX_WORDS);
        for j in 0..n {
            let u: f64 = rng.random::<f64>() * acc;
            let idx = cdf.partition_point(|&c| c < u).min(VOCABULARY - 1);
            if j > 0 {
                w.write_all(b" ")?;
            }
            w.write_all(words[idx].as_bytes())?;
        }
        w.write_all(b"\n")?;
    }
    Ok(())
}

/// `edges` edges between `nodes` pages. Every page links somewhere (its first edge goes to a
/// uniformly drawn page); the other edges leave uniformly drawn pages towards targets skewed
/// to low ids (the square of a uniform draw), so in-degrees are uneven as on the web.
fn write_edges(w: &mut dyn Write, nodes: u64, edges: u64) -> std::io::Result<()> {
    let mut rng = Pcg64Mcg::seed_from_u64(SEED ^ 1);
    for e in 0..edges {
        let src = if e < nodes {
            e
        } else {
            rng.random_range(0..nodes)
        };
        let u: f64 = rng.random();
        let dst = ((u * u * nodes as f64) as u64).min(nodes - 1);
        writeln!(w, "{src} {dst}")?;
    }
    Ok(())
}

/// A `key value` record of the join inputs.
pub type Pair = (u64, u64);

/// The join inputs: `left` has `join_left` records with keys uniform in `0..join_keys`,
/// `right` has `join_right` records with keys uniform in the same range (so some keys repeat
/// and some are missing on each side).
pub fn join_data(s: &Sizes) -> (Vec<Pair>, Vec<Pair>) {
    let mut rng = Pcg64Mcg::seed_from_u64(SEED ^ 2);
    let mut draw = |n: u64| -> Vec<(u64, u64)> {
        (0..n)
            .map(|_| {
                (
                    rng.random_range(0..s.join_keys),
                    rng.random_range(0..1_000_000),
                )
            })
            .collect()
    };
    let left = draw(s.join_left);
    let right = draw(s.join_right);
    (left, right)
}

fn write_pairs(w: &mut dyn Write, pairs: &[(u64, u64)]) -> std::io::Result<()> {
    for (k, v) in pairs {
        writeln!(w, "{k} {v}")?;
    }
    Ok(())
}

/// `a b` to `(a, b)`: the line format of the edge and join files. Used by every side. The
/// space is found by a byte loop: `split_once(' ')` searches for a `char` pattern (`memchr`,
/// then a `memcmp` call per match), which cost more than the short line it searched.
pub fn parse_pair(line: &str) -> Option<(u64, u64)> {
    let i = line.bytes().position(|b| b == b' ')?;
    Some((parse_u64(&line[..i])?, parse_u64(&line[i + 1..])?))
}

/// A decimal `u64`: up to 19 digits (which cannot overflow) by a byte loop, anything else
/// (longer numbers, a `+` sign, errors) by `str::parse`, whose generic checks cost several
/// times the loop on the edge file's short numbers.
fn parse_u64(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    let digits = || {
        b.iter().try_fold(0u64, |n, &c| {
            let d = c.wrapping_sub(b'0');
            (d < 10).then(|| n * 10 + u64::from(d))
        })
    };
    match b.len() {
        1..=19 => digits(),
        _ => None,
    }
    .or_else(|| s.parse().ok())
}

#[cfg(test)]
mod tests {
    #[test]
    fn pairs_parse_as_str_parse_does() {
        use super::parse_pair;
        assert_eq!(parse_pair("12 345"), Some((12, 345)));
        assert_eq!(parse_pair("0 18446744073709551615"), Some((0, u64::MAX)));
        assert_eq!(parse_pair("+7 8"), Some((7, 8)));
        assert_eq!(parse_pair("1 18446744073709551616"), None);
        assert_eq!(parse_pair("1 2x"), None);
        assert_eq!(parse_pair("1  2"), None);
        assert_eq!(parse_pair("12"), None);
        assert_eq!(parse_pair(" 1"), None);
    }

    #[test]
    fn words_are_base_26() {
        assert_eq!(super::word(0), "a");
        assert_eq!(super::word(25), "z");
        assert_eq!(super::word(26), "ba");
    }
}
