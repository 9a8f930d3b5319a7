//! `Text` records (issue 16, zero-copy): `text_file` lines read as `Text` are exactly the lines
//! `str::lines` gives, the natural word count over `Text` equals a plain-Rust count (through a
//! checkpoint too), and a `Text` that enters a store outliving its task (a cache block, a
//! shuffle's map output, a combiner table) keeps only its own bytes, not the 256 KiB buffer it
//! was read into.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rddflow::prelude::*;

rddflow::pipeline! {
    struct Lines(path: PathBuf, min: usize) {
        texts: Text = text_file(path, min);
        strings: String = text_file(path, min);
    }

    struct WordCount(path: PathBuf, parts: usize) {
        lines: Text = text_file(path, parts);
        words: Text = lines.flat_map(|l| l.split_whitespace());
        #[checkpoint]
        pairs: (Text, u64) = words.map(|w| (w, 1));
        counts: (Text, u64) = pairs.reduce_by_key(|a, b| a + b, parts);
    }

    struct Stores(path: PathBuf) {
        #[cache]
        lines: Text = text_file(path, 3);
        // Not cached: what the shuffles store comes straight from the read buffers.
        raw: Text = text_file(path, 3);
        spread: Text = raw.repartition(4);
        ones: (Text, u64) = raw.map(|l| (l, 1));
        per_line: (Text, u64) = ones.reduce_by_key(|a, b| a + b, 2);
    }
}

fn ctx(dir: &Path) -> Context {
    Context::builder()
        .threads(2)
        .checkpoint_dir(dir.join("checkpoints"))
        .build()
        .expect("context")
}

/// Lines with `\r\n` and `\n` endings, Unicode whitespace, multi-byte chars, words longer than
/// the inline length, a line longer than the reader's buffer and a last line without a newline.
fn corpus() -> String {
    let mut s = String::new();
    let words = [
        "the",
        "Fox",
        "naïve",
        "日本語",
        "a-word-longer-than-twenty-three-bytes",
        "x",
    ];
    for i in 0..40_000usize {
        let sep = ["\t", " ", "\u{3000}", "  ", "\u{a0}"][i % 5];
        for j in 0..(i % 7) {
            s.push_str(words[(i + j) % words.len()]);
            s.push_str(sep);
        }
        s.push_str(if i % 3 == 0 { "\r\n" } else { "\n" });
    }
    s.push_str(&"long ".repeat(70_000));
    s.push('\n');
    s.push_str("last line without newline");
    s
}

#[test]
fn text_lines_are_str_lines_for_any_split() -> rddflow::Result<()> {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("corpus.txt");
    let content = corpus();
    std::fs::write(&f, &content).expect("write");
    let want: Vec<&str> = content.lines().collect();
    for min in [1, 3, 7] {
        let l = Lines::new(&ctx(dir.path()), f.clone(), min)?;
        let texts = l.texts.collect()?;
        assert_eq!(texts.len(), want.len(), "min_partitions {min}");
        assert!(texts.iter().zip(&want).all(|(t, w)| t == w), "{min}");
        assert_eq!(l.strings.collect()?, want, "min_partitions {min}");
    }
    Ok(())
}

#[test]
fn word_count_over_text_equals_a_plain_count() -> rddflow::Result<()> {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("corpus.txt");
    let content = corpus();
    std::fs::write(&f, &content).expect("write");
    let mut want: HashMap<String, u64> = HashMap::new();
    for w in content.split_whitespace() {
        *want.entry(w.to_owned()).or_default() += 1;
    }
    for parts in [1, 3, 5] {
        let wc = WordCount::new(&ctx(dir.path()), f.clone(), parts)?;
        let got: HashMap<String, u64> = wc
            .counts
            .collect()?
            .into_iter()
            .map(|(w, c)| (w.into_string(), c))
            .collect();
        assert_eq!(got, want, "{parts} partitions");
        // The pairs were checkpointed by that job; read back, they are the words again.
        assert!(wc.pairs.is_checkpointed());
        let mut back: HashMap<String, u64> = HashMap::new();
        for (w, one) in wc.pairs.collect()? {
            *back.entry(w.into_string()).or_default() += one;
        }
        assert_eq!(back, want, "{parts} partitions, from the checkpoint");
    }
    Ok(())
}

#[test]
fn stored_text_keeps_only_its_own_bytes() -> rddflow::Result<()> {
    let dir = tempfile::tempdir().expect("tempdir");
    // Distinct lines, more per partition than the map-side combine samples (so `per_line`'s
    // map side buckets them uncombined), and repeated ones (combined in the table).
    let f = dir.path().join("lines.txt");
    let mut content = String::new();
    for i in 0..60_000 {
        content.push_str(&format!("line number {i:08} and some more text\n"));
    }
    std::fs::write(&f, &content).expect("write");
    let g = dir.path().join("repeated.txt");
    let mut repeated = String::new();
    for i in 0..60_000 {
        repeated.push_str(&format!("a repeated line, one of ten: {}\n", i % 10));
    }
    std::fs::write(&g, &repeated).expect("write");

    let own = |t: &Text| t.len() > 23 && t.retained_bytes() <= t.len() + 8;
    for (path, distinct) in [(f, 60_000), (g, 10)] {
        let s = Stores::new(&ctx(dir.path()), path.clone())?;
        // Straight from `text_file`, a line shares its read buffer.
        let fresh = s.raw.take(1)?;
        assert!(
            fresh[0].retained_bytes() > 100_000,
            "{path:?}: shares its chunk"
        );
        // The first job fills the cache; later jobs read lines stored on their own.
        assert_eq!(s.lines.count()?, 60_000);
        let cached = s.lines.collect()?;
        assert!(cached.iter().all(own), "{path:?}: cached lines");
        let spread = s.spread.collect()?;
        assert_eq!(spread.len(), 60_000);
        assert!(
            spread.iter().all(own),
            "{path:?}: map output of repartition"
        );
        let per_line = s.per_line.collect()?;
        assert_eq!(per_line.len(), distinct);
        assert_eq!(per_line.iter().map(|(_, c)| c).sum::<u64>(), 60_000);
        assert!(
            per_line.iter().all(|(k, _)| own(k)),
            "{path:?}: keys of reduce_by_key"
        );
    }
    Ok(())
}
