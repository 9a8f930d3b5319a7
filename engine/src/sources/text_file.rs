//! `text_file(path)`: lines of a file, a directory of files or a glob, split into byte ranges
//! on line boundaries (Hadoop's `LineRecordReader` rule: a line belongs to the split that holds
//! its first byte, so none is lost or read twice).

use std::io::{Read, Seek, SeekFrom};
use std::marker::PhantomData;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::input_files::{Input, byte_splits, fingerprint_files, open_input};
use super::{Source, SourceNode};
use crate::checkpoint::fingerprint::Fingerprinter;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::node::Node;
use crate::task::{Site, TaskContext};
use crate::text::Text;

/// What `text_file` reads a line as: `String` (a copy per line) or [`Text`] (the line shares
/// the chunk it was read in: no allocation per line).
#[diagnostic::on_unimplemented(
    message = "`text_file` cannot read lines as `{Self}`",
    label = "`text_file` reads lines as `String` or `rddflow::Text`",
    note = "declare the node as `lines: String = text_file(..)` (or `rddflow::Text`), then `map` the lines"
)]
pub trait Line: crate::data::Data {
    /// The line at `range` of `chunk` (a range on char boundaries, without its newline).
    fn line(chunk: &Text, range: Range<usize>) -> Self;
}

impl Line for String {
    #[inline]
    fn line(chunk: &Text, range: Range<usize>) -> String {
        chunk[range].to_owned()
    }
}

impl Line for Text {
    #[inline]
    fn line(chunk: &Text, range: Range<usize>) -> Text {
        chunk.share(range)
    }
}

#[derive(Clone, Debug)]
struct Split {
    path: Arc<PathBuf>,
    start: u64,
    end: u64,
}

/// The source behind `text_file(path, min_partitions)`, reading lines as `L`.
pub struct TextFileSource<L = String> {
    splits: Vec<Split>,
    line: PhantomData<fn() -> L>,
}

impl<L: Line> TextFileSource<L> {
    /// Lists the input files and splits them into at least `min_partitions` byte ranges
    /// (default `min(default_parallelism, 2)`, as Spark).
    pub fn new(
        ctx: &Context,
        path: impl AsRef<Path>,
        min_partitions: Option<usize>,
    ) -> Result<Self> {
        let splits = byte_splits(ctx, path.as_ref(), min_partitions)?
            .into_iter()
            .map(|(path, start, end)| Split { path, start, end })
            .collect();
        Ok(TextFileSource {
            splits,
            line: PhantomData,
        })
    }
}

impl<L: Line> Source for TextFileSource<L> {
    type Item = L;

    fn num_partitions(&self) -> usize {
        self.splits.len()
    }

    fn compute(&self, site: Site) -> impl Iterator<Item = L> + use<L> {
        LineReader::open(self.splits[site.part].clone(), site.cx)
    }

    /// Each input file's path, length and modification time: a changed file changes the
    /// fingerprint, so its checkpoints are not resumed.
    fn fingerprint_input(&self, fp: &mut Fingerprinter) -> Result<()> {
        fingerprint_files(fp, self.splits.iter().map(|s| s.path.as_path()))
    }
}

/// Bytes read from the file at a time.
const CHUNK: usize = 1 << 18;

/// Reads the lines whose first byte lies in a split. The file is read in chunks; the complete
/// lines of a chunk are checked as UTF-8 in one pass (much cheaper than one check per line)
/// and kept as one [`Text`], which the lines are copied out of or share ([`Line`]).
struct LineReader<L> {
    split: Split,
    file: Option<Input>,
    /// File offset of the next line's first byte (the first byte of `text[at..]`).
    pos: u64,
    /// Complete lines of the current chunk.
    text: Text,
    /// Start of the next line in `text`.
    at: usize,
    /// Bytes read after `text`'s last newline: the start of an unfinished line.
    pending: Vec<u8>,
    /// The line straddling the split start still has to be skipped.
    skip_first: bool,
    /// File offset of the first invalid UTF-8 byte after `text`, reported only if this split
    /// reaches the line that holds it.
    invalid_at: Option<u64>,
    eof: bool,
    cx: TaskContext,
    line: PhantomData<fn() -> L>,
}

impl<L: Line> LineReader<L> {
    fn open(split: Split, cx: TaskContext) -> Self {
        // The line that straddles the split start belongs to the previous split: read from
        // `start - 1` and skip through the first newline.
        let from = split.start.saturating_sub(1);
        let mut r = LineReader {
            pos: from,
            skip_first: split.start > 0,
            split,
            file: None,
            text: Text::new(),
            at: 0,
            pending: Vec::new(),
            invalid_at: None,
            eof: false,
            cx,
            line: PhantomData,
        };
        if r.split.start >= r.split.end && r.split.start > 0 {
            return r;
        }
        let path = r.split.path.clone();
        let opened = open_input(&path).and_then(|mut f| {
            if from > 0 {
                f.seek(SeekFrom::Start(from))?;
            }
            Ok(f)
        });
        match opened {
            Ok(f) => r.file = Some(f),
            Err(e) => r.cx.fail(Error::io("read", &*path, e)),
        }
        r
    }

    /// Reads until `text` holds at least one line, or the file ends (`Ok(false)`).
    fn refill(&mut self) -> std::io::Result<bool> {
        loop {
            if self.invalid_at.is_some() {
                return Ok(false);
            }
            if !self.eof {
                let Some(file) = self.file.as_mut() else {
                    return Ok(false);
                };
                let old = self.pending.len();
                self.pending.resize(old + CHUNK, 0);
                let n = file.read(&mut self.pending[old..])?;
                self.pending.truncate(old + n);
                self.eof = n == 0;
            }
            if self.skip_first {
                match memchr::memchr(b'\n', &self.pending) {
                    Some(i) => {
                        self.pending.drain(..=i);
                        self.pos += i as u64 + 1;
                        self.skip_first = false;
                    }
                    None => {
                        self.pos += self.pending.len() as u64;
                        self.pending.clear();
                        if self.eof {
                            return Ok(false);
                        }
                        continue;
                    }
                }
            }
            // Complete lines: through the last newline, or everything at end of file.
            let cut = if self.eof {
                self.pending.len()
            } else {
                match memchr::memrchr(b'\n', &self.pending) {
                    Some(i) => i + 1,
                    None => continue,
                }
            };
            if cut == 0 {
                return Ok(false);
            }
            let rest = self.pending.split_off(cut);
            let mut lines = std::mem::replace(&mut self.pending, rest);
            self.at = 0;
            self.text = Text::from(match String::from_utf8(lines) {
                Ok(text) => text,
                Err(e) => {
                    // Keep the valid complete lines before the invalid byte; the line holding
                    // it fails the task if this split gets to it.
                    let valid = e.utf8_error().valid_up_to();
                    lines = e.into_bytes();
                    self.invalid_at = Some(self.pos + valid as u64);
                    let keep = memchr::memrchr(b'\n', &lines[..valid]).map_or(0, |i| i + 1);
                    lines.truncate(keep);
                    String::from_utf8(lines).expect("a valid prefix")
                }
            });
            return Ok(!self.text.is_empty() || self.invalid_at.is_none() && !self.eof);
        }
    }
}

impl<L: Line> Iterator for LineReader<L> {
    type Item = L;

    fn next(&mut self) -> Option<L> {
        // A line starting at `end` belongs to the next split (for the last split, `end` is the
        // file length, so this also stops at end of file).
        if self.pos >= self.split.end || self.file.is_none() {
            return None;
        }
        while self.at == self.text.len() {
            match self.refill() {
                Ok(true) => {}
                Ok(false) => {
                    if let Some(offset) = self.invalid_at.take()
                        && self.at == self.text.len()
                        && self.pos < self.split.end
                    {
                        self.cx.fail(Error::InvalidInput {
                            path: self.split.path.to_path_buf(),
                            offset,
                            reason: "invalid UTF-8 in a line of text".into(),
                        });
                    }
                    if self.at == self.text.len() {
                        self.file = None;
                        return None;
                    }
                }
                Err(e) => {
                    self.cx.fail(Error::io("read", &*self.split.path, e));
                    self.file = None;
                    return None;
                }
            }
        }
        // Skipping the line that straddles the split start may have moved past the end.
        if self.pos >= self.split.end {
            return None;
        }
        let rest = &self.text.as_bytes()[self.at..];
        let (len, n) = match memchr::memchr(b'\n', rest) {
            Some(i) => (i - usize::from(i > 0 && rest[i - 1] == b'\r'), i + 1),
            None => (rest.len(), rest.len()),
        };
        let line = L::line(&self.text, self.at..self.at + len);
        self.at += n;
        self.pos += n as u64;
        Some(line)
    }

    /// The complete lines of each chunk in one `memchr` pass, rather than a search and the
    /// checks of `next` per line; `next` refills and reads a last line without a newline.
    fn fold<B, F: FnMut(B, L) -> B>(mut self, init: B, mut f: F) -> B {
        let mut acc = init;
        loop {
            if self.pos >= self.split.end || self.file.is_none() {
                return acc;
            }
            let (mut at, mut pos, end) = (self.at, self.pos, self.split.end);
            for i in memchr::memchr_iter(b'\n', &self.text.as_bytes()[self.at..]) {
                // A line starting at `end` belongs to the next split.
                if pos >= end {
                    break;
                }
                let nl = self.at + i;
                let cr = nl > at && self.text.as_bytes()[nl - 1] == b'\r';
                acc = f(acc, L::line(&self.text, at..nl - usize::from(cr)));
                pos += (nl + 1 - at) as u64;
                at = nl + 1;
            }
            self.at = at;
            self.pos = pos;
            match self.next() {
                Some(line) => acc = f(acc, line),
                None => return acc,
            }
        }
    }
}

/// A hand-built `text_file` node (lines as `String`).
pub fn text_file(
    ctx: &Context,
    label: &'static str,
    path: impl AsRef<Path>,
    min_partitions: Option<usize>,
) -> Result<Node<SourceNode<TextFileSource>>> {
    Ok(SourceNode::node(
        ctx,
        label,
        "text_file",
        TextFileSource::new(ctx, path, min_partitions)?,
    ))
}
