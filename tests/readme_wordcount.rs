//! The WordCount of the README's first example (`Text` records), verbatim: the test checks
//! that the README still shows these lines, and that the pipeline counts as plain Rust does.

use std::collections::HashMap;

use rddflow::prelude::*;

rddflow::pipeline! {
    /// Word frequencies of a text corpus.
    pub struct WordCount(path: std::path::PathBuf, min_count: u64) {
        lines: Text = text_file(path);
        words: Text = lines.flat_map(|l| l.split_whitespace());
        #[checkpoint]
        ones: (Text, u64) = words.map(|w| (w, 1));
        counts: (Text, u64) = ones.reduce_by_key(|a, b| a + b);
        frequent: (Text, u64) = counts.filter(|(_, c)| *c >= min_count);
    }
}

#[test]
fn the_readme_shows_this_pipeline() {
    let readme = include_str!("../README.md");
    let source = include_str!("readme_wordcount.rs");
    let start = source.find("    pub struct WordCount").unwrap();
    let end = start + source[start..].find("\n    }\n").unwrap();
    assert!(
        readme.contains(&source[start..end]),
        "README's first example differs from tests/readme_wordcount.rs"
    );
}

#[test]
fn readme_wordcount_counts_as_plain_rust() -> rddflow::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus.txt");
    let text = "the cat\tand the hat\r\nthe end\n\n  a  b a\u{3000}c\n".repeat(50);
    std::fs::write(&corpus, &text).unwrap();
    let mut want: HashMap<String, u64> = HashMap::new();
    for w in text.split_whitespace() {
        *want.entry(w.to_owned()).or_default() += 1;
    }
    want.retain(|_, c| *c >= 100);
    let ctx = Context::builder()
        .checkpoint_dir(dir.path().join("checkpoints"))
        .build()?;
    let wc = WordCount::new(&ctx, corpus, 100)?;
    let top: Vec<(Text, u64)> = wc.frequent.collect()?;
    let got: HashMap<String, u64> = top.into_iter().map(|(w, c)| (w.into(), c)).collect();
    assert_eq!(got, want);
    assert!(wc.ones.is_checkpointed());
    Ok(())
}
