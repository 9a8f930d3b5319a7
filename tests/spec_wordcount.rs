//! The WordCount of SPEC.md section 2, verbatim, compiles and gives correct counts.

use rddflow::prelude::*;

rddflow::pipeline! {
    /// Word frequencies of a text corpus.
    pub struct WordCount(path: std::path::PathBuf, min_count: u64) {
        lines: String = text_file(path);
        words: String = lines.flat_map(|l| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>());
        #[checkpoint]
        ones: (String, u64) = words.map(|w| (w, 1));
        counts: (String, u64) = ones.reduce_by_key(|a, b| a + b);
        frequent: (String, u64) = counts.filter(|(_, c)| *c >= min_count);
    }
}

#[test]
fn spec_wordcount_runs_unchanged() -> rddflow::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus.txt");
    std::fs::write(&corpus, "a b a\nc a b\n\nd\n").unwrap();
    let ctx = Context::builder()
        .checkpoint_dir(dir.path().join("checkpoints"))
        .build()?;
    let wc = WordCount::new(&ctx, corpus, 2)?;
    let mut top: Vec<(String, u64)> = wc.frequent.collect()?;
    top.sort();
    assert_eq!(top, vec![("a".to_string(), 3), ("b".to_string(), 2)]);
    assert!(wc.ones.is_checkpointed());
    let lineage = wc.frequent.lineage();
    println!("{lineage}");
    assert!(lineage.contains("WordCount.ones"));
    assert!(lineage.contains("checkpoint (reliable)"));
    assert!(
        !lineage.contains("WordCount.lines"),
        "lineage truncated at the checkpoint"
    );
    Ok(())
}
