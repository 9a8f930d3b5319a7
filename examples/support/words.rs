//! What the checkpoint examples count as words: runs of alphanumeric characters, lowercased.

/// The words of `line`.
pub fn words_of(line: &str) -> Vec<String> {
    line.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}
